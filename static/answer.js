/* fieldapp answer: what counts as the sync endpoint's answer, and storing one.
 *
 * A classic script loaded after static/outbox.js, static/at-rest.js and static/cached-pages.js and
 * before static/flush.js, which uses it, by the page (in bundle/shared.js) and by the service
 * worker (importScripts); defines the global `FieldappAnswer`.
 *
 * `wellFormed`: only the endpoint's own answer of this protocol, answering exactly the ids sent,
 * counts (never a captive portal's page). `store`: every result, every change of the pull, the new
 * cursor, in one strict transaction (README: Sync protocol), the pulled records sealed at rest
 * first (static/at-rest.js); then the cached pages of people who left this worker's scope go.
 */
(function (root) {
  'use strict';

  var C = root.FieldappConstants;
  var Outbox = root.FieldappOutbox;
  var Pages = root.FieldappCachedPages;
  var AtRest = root.FieldappAtRest;
  var PROTOCOL = C.SYNC_PROTOCOL;
  var STATUSES = ['applied', 'conflict', 'duplicate', 'deferred', 'rejected'];

  function isCount(x) { return typeof x === 'number' && Math.floor(x) === x && x >= 0; }

  /** The digest the server answers results without ids with (`results_for`, fieldapp/web/api.py
   * `_results_for`): SHA-256 of the ids sent, one a line, its first 16 hex digits. */
  function digestOf(ids) {
    if (!canDigest()) return Promise.resolve(null);
    var bytes = new TextEncoder().encode(ids.join('\n'));
    return root.crypto.subtle.digest('SHA-256', bytes).then(function (hash) {
      return Array.prototype.map.call(new Uint8Array(hash).slice(0, 8), function (b) {
        return (b < 16 ? '0' : '') + b.toString(16);
      }).join('');
    }, function () { return null; });
  }

  /** Whether this browser can check `results_for` (WebCrypto, as sealing needs too): only then
   * does the phone ask for results without ids (static/flush.js). */
  function canDigest() {
    return !!(root.crypto && root.crypto.subtle && typeof TextEncoder === 'function');
  }

  /** Whether `resp` is the endpoint's own well-formed answer (never a captive portal's page) to
   * the mutations `ids`, in the order sent. The phone asks for results without their ids
   * (`result_ids: false`: about 20 bytes a record that gzip cannot shrink): such an answer must
   * name the batch it answers, in its order, by `results_for` (`digest`, from `digestOf`), so a
   * result can never be taken for another record's; each result then answers the mutation sent
   * in its place and is given that id here, so the rest of the flush reads results by id. */
  function wellFormed(resp, ids, digest) {
    var d = resp.data;
    if (resp.status !== 200 || !d || typeof d !== 'object' || d.protocol !== PROTOCOL) return false;
    if (!Array.isArray(d.results) || d.results.length !== ids.length) return false;
    if (d.changes != null && !(Array.isArray(d.changes) && d.changes.every(function (c) {
      return c && typeof c === 'object' && typeof c.type === 'string' && typeof c.record_id === 'string';
    }))) return false;
    if (d.cursor != null && !isCount(d.cursor)) return false;
    if (d.more != null && typeof d.more !== 'boolean') return false;
    var wanted = {};
    ids.forEach(function (id) { wanted[id] = true; });
    var positional = d.results.some(function (r) { return r && typeof r === 'object' && r.id == null; });
    if (positional && (!digest || d.results_for !== digest)) return false;
    return d.results.every(function (r, i) {
      if (positional && r && typeof r === 'object' && r.id == null) r.id = ids[i];
      if (!r || !wanted[r.id] || STATUSES.indexOf(r.status) === -1) return false;
      delete wanted[r.id];
      return true;
    });
  }

  /** Why an attempt failed, in a word the page turns into the worker's words (templates/_outbox.html). */
  function failureOf(resp) {
    if (resp.status >= 500) return 'server';
    if (!resp.data) return 'not-server';  // HTML or nothing: a captive portal, a proxy
    return 'bad-answer';
  }

  /** A rejected or deferred record's errors as one sentence for the worker. */
  function errorsMessage(errors) {
    if (!errors || typeof errors !== 'object') return 'The server could not accept this record.';
    var parts = [];
    Object.keys(errors).forEach(function (field) {
      var msgs = errors[field];
      if (!Array.isArray(msgs)) msgs = typeof msgs === 'object' && msgs ? [JSON.stringify(msgs)] : [String(msgs)];
      var name = field === '_mutation' ? '' : field.replace(/_/g, ' ').replace(/^./, function (c) { return c.toUpperCase(); }) + ': ';
      parts.push(name + msgs.join(' '));
    });
    return parts.join(' ') || 'The server could not accept this record.';
  }

  /** An item's state from the server's result for it (`now`: when the answer came). */
  function storeResult(item, r, now) {
    item.last_error = null;
    if (r.status === 'applied' || r.status === 'conflict' || r.status === 'duplicate') {
      item.state = 'sent';
      item.version = r.version == null ? null : r.version;
      item.sent_at = now;
      item.errors = null;
      var first = r.status === 'duplicate' ? r.first_status : r.status;
      item.message = first === 'conflict'
        ? 'A colleague changed the same details: the server kept theirs and recorded both.' : null;
    } else if (r.status === 'deferred') {
      item.state = 'deferred';
      item.message = errorsMessage(r.errors);
    } else {
      item.state = 'rejected';
      item.errors = r.errors || {_mutation: ['The server could not accept this record.']};
      item.message = errorsMessage(item.errors);
    }
  }

  /** Store one change of the pull in the records store `recs`, noting in `seen` the scopes it
   * changed or dropped and the people it changed. A scope dropped (the person left this worker's
   * scope) takes every record in it; an older version never overwrites a newer one. A `partial`
   * change echoes a record this request created: its fields (what the server filled or changed)
   * were merged over those we sent beforehand (`prepareChanges`): `kept` is what to store. */
  function storeChange(recs, c, seen, kept) {
    if (c.type === 'scope') {
      if (!c.deleted) return Promise.resolve();
      seen.droppedScopes.push(c.record_id);
      return recs.index('scope').getAllKeys(c.record_id).then(function (keys) {
        return Promise.all(keys.map(function (k) { return recs.delete(k); }));
      }).then(function () { return recs.delete(['person', c.record_id]); });
    }
    return recs.get([c.type, c.record_id]).then(function (held) {
      if (held && typeof held.version === 'number' && typeof c.version === 'number' && c.version < held.version) return;
      var scope = c.scope != null ? c.scope : (held ? held.scope : (c.type === 'person' ? c.record_id : null));
      if (scope) (seen.changedScopes[scope] = seen.changedScopes[scope] || {})[c.type] = true;
      seen.changedTypes[c.type] = true;
      if (c.type === 'person' && c.deleted) seen.droppedScopes.push(c.record_id);  // its pages go too
      var rec = {type: c.type, record_id: c.record_id, version: c.version, deleted: !!c.deleted,
                 scope: scope, fields: kept.fields};
      if (kept.sealed) rec.sealed = kept.sealed;
      return recs.put(rec);
    });
  }

  /**
   * What each change of the pull stores as its record's fields, worked out before the answer's
   * transaction (sealing is asynchronous; a transaction must not wait on it): the change's fields,
   * a `partial` one merged over those we sent (`sent`: "type record_id" -> fields of the batch's
   * creates) or else over the record held; sealed under `secrecy` (static/at-rest.js).
   */
  function prepareChanges(changes, sent, secrecy) {
    var needHeld = changes.some(function (c) { return c.partial && !c.deleted && !sent[c.type + ' ' + c.record_id]; });
    return (needHeld ? Outbox.records() : Promise.resolve([])).then(function (recs) {
      var held = {};
      recs.forEach(function (r) { held[r.type + ' ' + r.record_id] = r.fields; });
      return Promise.all(changes.map(function (c) {
        if (c.type === 'scope') return null;
        var key = c.type + ' ' + c.record_id;
        var fields = c.deleted ? null : (c.fields || {});
        if (c.partial && !c.deleted) fields = Object.assign({}, sent[key] || held[key] || {}, fields);
        return AtRest.sealFields(fields, secrecy);
      }));
    });
  }

  /** Delete from the `outbox` store the acknowledged items about these people. */
  function dropSentAbout(outbox, personIds) {
    if (!personIds.length) return Promise.resolve();
    return outbox.getAll().then(function (items) {
      return Promise.all(items.filter(function (i) {
        return i.state === 'sent' && personIds.indexOf(i.person_id) !== -1;
      }).map(function (i) { return outbox.delete(i.seq); }));
    });
  }

  /** In the answer's transaction: the discards the server has now heard of leave meta
   * `discarded`, and records it found lost from this phone join meta `lost` (static/page/lost.js). */
  function noteLoss(meta, data, discarded) {
    var told = {};
    (discarded || []).forEach(function (id) { told[id] = true; });
    return Promise.all([meta.get('discarded'), meta.get('lost')]).then(function (v) {
      var writes = [];
      if (Array.isArray(v[0]) && Array.isArray(data.lost)) {
        writes.push(meta.put(v[0].filter(function (id) { return !told[id]; }), 'discarded'));
      }
      if (Array.isArray(data.lost) && data.lost.length) {
        writes.push(meta.put((Array.isArray(v[1]) ? v[1] : []).concat(data.lost), 'lost'));
      }
      return Promise.all(writes);
    });
  }

  /** echo 'result': the partial changes the server folded into our creates' results (it names
   * neither type nor record id, which the batch holds), first, so any later change wins. */
  function echoedChanges(batch, results) {
    var echoed = [];
    batch.forEach(function (i) {
      var r = results[i.id];
      if (i.op !== 'create' || !r || !r.echo || typeof r.echo !== 'object' || typeof r.version !== 'number') return;
      echoed.push({type: i.type, record_id: i.record_id, version: r.version, deleted: false,
                   scope: r.echo.scope, partial: true, fields: r.echo.fields || {}});
    });
    return echoed;
  }

  /** Store the answer: every result, every change, the new cursor, in one strict transaction;
   * then drop the cached pages of people who left this worker's scope. Resolves with what the
   * pull changed, for `pagesToRefresh`. */
  function applyAnswer(batch, data, discarded, secrecy, pulled) {
    var results = {};
    data.results.forEach(function (r) { results[r.id] = r; });
    var changes = echoedChanges(batch, results).concat(data.changes || []);
    var seen = {droppedScopes: [], changedScopes: {}, changedTypes: {}};
    var sent = {};  // the fields of the batch's creates, for the partial changes echoing them
    batch.forEach(function (i) { if (i.op === 'create') sent[i.type + ' ' + i.record_id] = i.fields || {}; });
    var now = new Date().toISOString();
    var kept = null;
    return prepareChanges(changes, sent, secrecy).then(function (prepared) {
      kept = prepared;
      return Outbox.transaction(['outbox', 'records', 'meta'], store);
    }).then(function () {
      return Pages.dropPeople(seen.droppedScopes).then(function () {
        // Someone leaving the phone changes the lists of people (the caseload, the general forms).
        if (seen.droppedScopes.length) seen.changedTypes.person = true;
        return {scopes: seen.changedScopes, types: seen.changedTypes};
      });
    });

    function store(t) {
      var outbox = t.objectStore('outbox');
      var recs = t.objectStore('records');
      var meta = t.objectStore('meta');
      var ops = batch.map(function (sent) {
        return outbox.get(sent.seq).then(function (item) {
          if (!item) return;
          storeResult(item, results[item.id], now);
          return outbox.put(item);
        });
      });
      // Changes in order; a later one for the same record wins through the version check. Then,
      // once the changes have said which scopes went (in this same transaction), the acknowledged
      // records about a person who left this worker's scope go too.
      var chain = Promise.resolve();
      changes.forEach(function (c, i) {
        chain = chain.then(function () { return storeChange(recs, c, seen, kept[i]); });
      });
      ops.push(chain.then(function () { return dropSentAbout(outbox, seen.droppedScopes); }));
      if (data.cursor != null) ops.push(meta.put(data.cursor, 'cursor'));
      // Only a pull makes the phone's copies current (a push-only sync leaves a stale phone stale).
      if (pulled) ops.push(meta.put(now, 'last_sync_at'));
      if (typeof data.nonce === 'string') ops.push(meta.put(data.nonce, 'pull_nonce'));
      ops.push(noteLoss(meta, data, discarded));
      ops.push(meta.delete('retry_not_before'));  // a good answer ends any wait the server asked for
      return Promise.all(ops);
    }
  }

  root.FieldappAnswer = {isCount: isCount, canDigest: canDigest, digestOf: digestOf, wellFormed: wellFormed,
                         failureOf: failureOf, errorsMessage: errorsMessage, store: applyAnswer};
})(typeof self !== 'undefined' ? self : this);
