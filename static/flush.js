/* fieldapp flush: send the outbox to POST /api/sync in batches and store what comes back.
 *
 * A classic script loaded after static/outbox.js by the page (<script>) and by the service worker
 * (importScripts); it adds `flush` and `backoff` to the global `FieldappOutbox`, so both send the
 * same way. The rule it keeps: an item leaves the unsent states only on the sync endpoint's own
 * well-formed answer that names it. Anything else (no answer, a stalled link, a 5xx, a captive
 * portal's 200 page, JSON of the wrong protocol or with results that do not match the ids sent) is a
 * failed attempt: the items go back to waiting, with why and when, and are sent again later.
 */
(function (root) {
  'use strict';

  var Outbox = root.FieldappOutbox;
  var S = Outbox._store;
  var SYNC_URL = '/api/sync';
  var PROTOCOL = 1;
  var BATCH_MAX = 100;  // the server's default SYNC_MAX_MUTATIONS; a 413 teaches a smaller one
  var SENT_KEEP_MS = 3 * 24 * 3600 * 1000;
  // A pull with nothing to send is skipped if the last sync was this recent (saves round trips on
  // every page load over a poor link); "Sync now" and saves always go through.
  var QUIET_PULL_MS = 15000;
  var UNSENT = Outbox.UNSENT;
  var STATUSES = ['applied', 'conflict', 'duplicate', 'deferred', 'rejected'];

  /** Backoff for timer retries after `failures` failed attempts: 2 s doubling to 5 min, jittered. */
  function backoff(failures) {
    var base = Math.min(300000, 2000 * Math.pow(2, Math.max(0, failures - 1)));
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  function wire(item) {
    return {
      id: item.id, type: item.type, op: item.op, record_id: item.record_id,
      base_version: item.base_version, recorded_at: item.recorded_at, fields: item.fields || {}
    };
  }

  /** POST one batch. Resolves {status, data}; rejects on a network failure, or with `.timeout`
   * when no whole answer came within `timeoutMs` (a stalled or trickling link). */
  function post(body, timeoutMs) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; if (controller) controller.abort(); }, timeoutMs);
    return fetch(SYNC_URL, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: {'Content-Type': 'application/json', 'X-Fieldapp-Sync': '1'},
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        var type = resp.headers.get('Content-Type') || '';
        if (type.indexOf('json') !== -1) {
          try { data = JSON.parse(text); } catch (e) { data = null; }
        }
        return {status: resp.status, data: data};
      });
    }).catch(function (error) {
      var e = new Error(timedOut ? 'timeout' : 'network');
      e.timeout = timedOut;
      e.cause = error;
      throw e;
    }).finally(function () { clearTimeout(timer); });
  }

  function isCount(x) { return typeof x === 'number' && Math.floor(x) === x && x >= 0; }

  /** Only the sync endpoint's own well-formed answer counts (never a captive portal's page). */
  function wellFormed(resp, ids) {
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
    return d.results.every(function (r) {
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

  /** Put items back to where they were before an attempt that did not count; with `failure`,
   * note on each why and when, for the worker to see. */
  function restore(batch, failure) {
    var now = S.nowIso();
    return S.db().then(function (d) {
      var t = S.tx(d, 'outbox', 'readwrite');
      return Promise.all(batch.map(function (item) {
        return t.store.get(item.seq).then(function (cur) {
          if (!cur || cur.state !== 'sending') return;
          cur.state = item.prior_state === 'deferred' ? 'deferred' : 'waiting';
          if (failure) { cur.last_error = failure; cur.last_attempt_at = now; }
          return t.store.put(cur);
        });
      })).then(function () { return t.done; });
    }).then(function () { S.emit({type: 'changed'}); });
  }

  /**
   * Mark the next batch `sending` and return {batch, remaining}: only this user's unsent items, in
   * order, none already answered in this flush (`answered`: so items the server keeps deferred are
   * sent once per flush, not round after round); `remaining` counts every such item, batch included.
   */
  function takeBatch(userId, size, answered) {
    return S.db().then(function (d) {
      var t = S.tx(d, 'outbox', 'readwrite');
      return t.store.getAll().then(function (items) {
        var cutoff = Date.now() - SENT_KEEP_MS;
        var ops = [];
        var batch = [];
        var remaining = 0;
        items.forEach(function (item) {
          if (item.state === 'sent' && item.sent_at && Date.parse(item.sent_at) < cutoff) {
            ops.push(t.store.delete(item.seq));  // prune old acknowledgements
          } else if (item.user_id === userId && UNSENT.indexOf(item.state) !== -1 && !answered[item.id]) {
            remaining += 1;
            if (batch.length >= size) return;
            var prior = item.state === 'sending' ? (item.message ? 'deferred' : 'waiting') : item.state;
            item.state = 'sending';
            item.attempts = (item.attempts || 0) + 1;
            ops.push(t.store.put(item));
            batch.push(Object.assign({prior_state: prior}, item));
          }
        });
        return Promise.all(ops).then(function () { return t.done; }).then(function () {
          return {batch: batch, remaining: remaining};
        });
      });
    });
  }

  /** Store the answer: every result, every change, the new cursor, in one strict transaction. */
  function applyAnswer(batch, data) {
    var results = {};
    data.results.forEach(function (r) { results[r.id] = r; });
    var changes = data.changes || [];
    var droppedScopes = [];
    var changedScopes = {};
    var changedPeople = {};
    var now = S.nowIso();
    return S.db().then(function (d) {
      var t = S.tx(d, ['outbox', 'records', 'meta'], 'readwrite');
      var outbox = t.objectStore('outbox');
      var recs = t.objectStore('records');
      var ops = batch.map(function (sent) {
        return outbox.get(sent.seq).then(function (item) {
          if (!item) return;
          var r = results[item.id];
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
          return outbox.put(item);
        });
      });
      // Changes in order; a later one for the same record wins through the version check.
      var chain = Promise.resolve();
      changes.forEach(function (c) {
        chain = chain.then(function () {
          if (c.type === 'scope') {
            if (!c.deleted) return;
            droppedScopes.push(c.record_id);
            return recs.index('scope').getAllKeys(c.record_id).then(function (keys) {
              return Promise.all(keys.map(function (k) { return recs.delete(k); }));
            }).then(function () { return recs.delete(['person', c.record_id]); });
          }
          var key = [c.type, c.record_id];
          return recs.get(key).then(function (held) {
            if (held && typeof held.version === 'number' && typeof c.version === 'number' && c.version < held.version) return;
            var scope = c.scope != null ? c.scope : (held ? held.scope : (c.type === 'person' ? c.record_id : null));
            if (scope) changedScopes[scope] = true;
            if (c.type === 'person') changedPeople[c.record_id] = true;
            if (c.type === 'person' && c.deleted) droppedScopes.push(c.record_id);  // its pages go too
            return recs.put({
              type: c.type, record_id: c.record_id, version: c.version, deleted: !!c.deleted,
              scope: scope, fields: c.deleted ? null : (c.fields || {})
            });
          });
        });
      });
      ops.push(chain);
      var meta = t.objectStore('meta');
      if (data.cursor != null) ops.push(meta.put(data.cursor, 'cursor'));
      ops.push(meta.put(now, 'last_sync_at'));
      // Acknowledged records about a person who left this worker's scope go too.
      if (droppedScopes.length) {
        ops.push(outbox.getAll().then(function (items) {
          return Promise.all(items.filter(function (i) {
            return i.state === 'sent' && droppedScopes.indexOf(i.person_id) !== -1;
          }).map(function (i) { return outbox.delete(i.seq); }));
        }));
      }
      return Promise.all(ops).then(function () { return t.done; });
    }).then(function () {
      var after = droppedScopes.length ? S.deletePages(S.personPathMatcher(droppedScopes)) : Promise.resolve();
      return after.then(function () {
        return {changedScopes: Object.keys(changedScopes), changedPeople: Object.keys(changedPeople),
                anyChange: changes.length > 0};
      });
    });
  }

  /**
   * Which pages to refresh after a sync: the caseload, the contact form and each person's page and
   * contact form when their data changed or they are not cached yet; and every other page about a
   * person this phone already holds (their edit form, the NDT and Star forms, a draft Star) when
   * that person's data changed: never fetched for the first time here, only kept current.
   */
  function pagesToRefresh(changedScopes, changedPeople, anyChange) {
    return Outbox.records().then(function (all) {
      var people = all.filter(function (r) { return r.type === 'person' && !r.deleted; });
      var wanted = {};
      var changed = {};
      var renamed = {};
      changedScopes.forEach(function (s) { changed[s] = true; });
      changedPeople.forEach(function (s) { renamed[s] = true; });
      // Look without creating: after a wipe the page cache must not come back empty either.
      var looking = S.hasCaches() ? caches.has(S.PAGES_CACHE).then(function (has) {
        return has ? caches.open(S.PAGES_CACHE) : null;
      }) : Promise.resolve(null);
      return looking.then(function (cache) {
        return (cache ? cache.keys() : Promise.resolve([])).then(function (keys) {
          var held = {};
          keys.forEach(function (req) { held[new URL(req.url).pathname] = true; });
          function want(path, when) { if (!held[path] || when) wanted[path] = true; }
          want('/caseload', anyChange);
          want('/contacts/new', anyChange);
          want('/outbox', false);
          people.forEach(function (p) {
            want('/people/' + p.record_id, changed[p.record_id]);
            want('/people/' + p.record_id + '/contacts/new', renamed[p.record_id]);
            // The NDT form shows the previous total: ready for an assessment with no signal.
            want('/people/' + p.record_id + '/assessments/new', changed[p.record_id]);
          });
          // A draft Star reading on the server can be resumed offline on any of the worker's phones.
          all.forEach(function (r) {
            if (r.type !== 'assessment' || r.deleted || !r.fields || r.fields.status !== 'draft') return;
            want('/people/' + r.fields.person_id + '/star/' + r.record_id + '/edit', changed[r.fields.person_id]);
          });
          Object.keys(held).forEach(function (path) {
            var m = /^\/people\/([^/]+)\/(.+)$/.exec(path);
            if (!m || m[2] === 'contacts/new') return;
            if (m[2] === 'edit' ? renamed[m[1]] : changed[m[1]]) wanted[path] = true;
          });
          return Object.keys(wanted);
        });
      });
    });
  }

  /** One whole flush: send every batch of this user's unsent items and pull until `more` is false. */
  function doFlush(opts) {
    var reason = (opts && opts.reason) || 'unspecified';
    if (root.navigator && root.navigator.onLine === false) {
      return Promise.resolve({ok: false, offline: true});
    }
    return Promise.all([Outbox.session(), Outbox.settings(), S.getMeta('batch_max')]).then(function (v) {
      var s = v[0];
      var timeoutMs = v[1].syncTimeoutMs;
      if (!s.userId || !s.deviceId) return {ok: false, reason: 'no-session'};
      var size = Math.min(BATCH_MAX, v[2] || BATCH_MAX);
      var cursor = s.cursor || 0;
      var rounds = 0;
      var answered = {};
      var done = 0;
      var scopes = {};
      var people = {};
      var anyChange = false;
      var sentSomething = false;

      function round() {
        rounds += 1;
        return takeBatch(s.userId, size, answered).then(function (taken) {
          var batch = taken.batch;
          var quiet = !batch.length && rounds === 1 && s.lastSyncAt &&
            Date.now() - Date.parse(s.lastSyncAt) < QUIET_PULL_MS &&
            reason !== 'sync-now' && reason !== 'save' && reason !== 'background-sync';
          if (quiet) return {ok: true, quiet: true};
          if (batch.length) {
            S.emit({type: 'changed'});
            S.emit({type: 'progress', done: done, total: done + taken.remaining});
          }
          var ids = batch.map(function (i) { return i.id; });
          var body = {protocol: PROTOCOL, device_id: s.deviceId, cursor: cursor, mutations: batch.map(wire)};
          return post(body, timeoutMs).then(function (resp) {
            if (resp.status === 413 && batch.length > 1) {
              // Too big for the server (or a proxy): halve, never above the limit it states.
              var max = resp.data && isCount(resp.data.max_mutations) && resp.data.max_mutations > 0
                ? resp.data.max_mutations : Infinity;
              size = Math.max(1, Math.min(Math.floor(batch.length / 2), max));
              return S.setMeta({batch_max: size}).then(function () { return restore(batch); }).then(round);
            }
            if (resp.status === 401) {
              return restore(batch).then(function () { S.emit({type: 'login-needed'}); return {ok: false, loginNeeded: true}; });
            }
            if (resp.status === 403 && resp.data && resp.data.revoked === true) {
              return Outbox.wipe().then(function () { S.emit({type: 'revoked'}); return {ok: false, revoked: true}; });
            }
            if (resp.status === 409 && resp.data && resp.data.error === 'device_mismatch') {
              return restore(batch).then(function () { S.emit({type: 'login-needed'}); return {ok: false, loginNeeded: true}; });
            }
            if (resp.status === 413 && batch.length === 1) {
              return S.updateItem(batch[0].id, function (item) {
                item.state = 'rejected';
                item.errors = {_mutation: ['Too large to send. Shorten it or discard it.']};
                item.message = errorsMessage(item.errors);
              }).then(function () { return {ok: false}; });
            }
            if (!wellFormed(resp, ids)) {
              var failure = failureOf(resp);
              return restore(batch, failure).then(function () { return {ok: false, status: resp.status, failure: failure}; });
            }
            return applyAnswer(batch, resp.data).then(function (applied) {
              ids.forEach(function (id) { answered[id] = true; });
              done += batch.length;
              S.emit({type: 'changed'});
              if (batch.length) S.emit({type: 'progress', done: done, total: done + taken.remaining - batch.length});
              sentSomething = sentSomething || batch.length > 0;
              applied.changedScopes.forEach(function (x) { scopes[x] = true; });
              applied.changedPeople.forEach(function (x) { people[x] = true; });
              anyChange = anyChange || applied.anyChange;
              cursor = resp.data.cursor != null ? resp.data.cursor : cursor;
              var more = resp.data.more === true || taken.remaining > batch.length;
              if (more && rounds < 50) return round();
              return {ok: true};
            });
          }, function (error) {
            // No whole answer (no signal, a dropped connection, a stall): nothing is lost, nothing
            // is marked sent. If the server did commit, the retry is answered `duplicate`.
            var failure = error && error.timeout ? 'timeout' : 'network';
            return restore(batch, failure).then(function () { return {ok: false, network: true, failure: failure}; });
          });
        });
      }

      return round().then(function (result) {
        if (result.ok && !result.quiet) {
          result.refresh = pagesToRefresh(Object.keys(scopes), Object.keys(people), anyChange || sentSomething)
            .then(S.refreshPages).catch(function () { return 0; });
        }
        return result;
      });
    });
  }

  /**
   * Send what is waiting and pull what changed. Serialised across page, tabs and worker with the
   * Web Locks API (in-context chain where it is missing) so no item is ever sent twice at once.
   * Resolves {ok, pending, waiting, failure?, refresh?}: `refresh` settles when the cached pages
   * are refreshed.
   */
  var localChain = Promise.resolve();

  function flush(opts) {
    var run = function () {
      return doFlush(opts).catch(function (e) { return {ok: false, error: String(e)}; });
    };
    var p;
    if (root.navigator && root.navigator.locks && root.navigator.locks.request) {
      p = root.navigator.locks.request('fieldapp-flush', run);
    } else {
      p = localChain = localChain.then(run, run);
    }
    return p.then(function (result) {
      return Promise.all([Outbox.list(), S.getMeta('user_id')]).catch(function () { return [[], null]; }).then(function (v) {
        var mine = v[0].filter(function (i) { return i.user_id === v[1] && i.state !== 'sent'; });
        result.pending = mine.length;  // everything unsent, rejected included (logout checks this)
        result.waiting = mine.filter(function (i) { return UNSENT.indexOf(i.state) !== -1; }).length;
        S.emit({type: 'flushed', ok: !!result.ok, pending: result.pending, waiting: result.waiting,
                failure: result.failure || null, offline: !!result.offline,
                loginNeeded: !!result.loginNeeded, revoked: !!result.revoked});
        return result;
      });
    });
  }

  Outbox.flush = flush;
  Outbox.backoff = backoff;
})(typeof self !== 'undefined' ? self : this);
