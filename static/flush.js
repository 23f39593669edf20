/* fieldapp flush: send the outbox to POST /api/sync in batches and store what comes back.
 *
 * A classic script loaded after static/outbox.js, static/cached-pages.js, static/send.js (the
 * request on the wire: gzip, timeout, Retry-After) and static/answer.js (what counts as the sync
 * endpoint's answer, and storing it) by the page (<script>)
 * and by the service worker (importScripts); it adds `flush` to the global `FieldappOutbox`, so
 * both send the same way, and writes through the outbox's write primitives (`transaction`,
 * `updateItem`, `getMeta`, `setMeta`, `emit`), exported for it on purpose. When to flush is decided
 * elsewhere: on the page by static/page/triggers.js (with the retry backoff), in the worker by
 * sw.js (Background Sync, a page's message, a push).
 *
 * The rule it keeps: an item leaves the unsent states only on the sync endpoint's own well-formed
 * answer that names it. Anything else (no answer, a stalled link, a 5xx, a captive portal's 200
 * page, JSON of the wrong protocol or with results that do not match the ids sent) is a failed
 * attempt: the items go back to waiting, with why and when, and are sent again later.
 */
(function (root) {
  'use strict';

  var C = root.FieldappConstants;
  var Outbox = root.FieldappOutbox;
  var Pages = root.FieldappCachedPages;
  var Send = root.FieldappSend;
  var AtRest = root.FieldappAtRest;
  var Sealing = root.FieldappSealing;
  var PROTOCOL = C.SYNC_PROTOCOL;
  var SENT_KEEP_MS = 3 * 24 * 3600 * 1000;
  // A pull with nothing to send is skipped if the last sync was this recent (saves round trips on
  // every page load over a poor link); "Sync now" and saves always go through.
  var QUIET_PULL_MS = 15000;
  var MAX_ROUNDS = 50;  // one flush never loops for ever, whatever a server answers
  var UNSENT = Outbox.UNSENT;
  var Answer = root.FieldappAnswer;

  /** An item as it goes on the wire: its envelope as stored (sealed to the server and signed,
   * static/sealing.js) when it names this device; else, to a server that holds this phone's
   * signing key (`run.sealTo`), sealed now; else plain (no PIN lock, or no key registered). */
  function wire(item, run) {
    var deviceId = String(run.session.deviceId);
    if (item.envelope && item.sealed_for === deviceId) return Promise.resolve({id: item.id, sealed: item.envelope});
    var plain = Sealing.wire(item);
    if (!run.sealTo) return Promise.resolve(plain);
    return Sealing.sealFor(run.session.userId, deviceId, plain).then(function (envelope) {
      return envelope ? {id: item.id, sealed: envelope} : plain;
    }, function () { return plain; });
  }

  /** The request's `pull` and `pull_signature`: a locked phone asks for no pull (it could not
   * store what it was sent sealed, so its cursor stays where its records are); a phone whose
   * signing key the server holds signs its pull over the nonce of the last answer. */
  function pullPart(run) {
    if (run.locked) return Promise.resolve({pull: false});
    if (!run.sealTo || !run.nonce) return Promise.resolve({});
    return Sealing.signPull(run.session.userId, run.session.deviceId, run.cursor, run.nonce).then(function (signed) {
      return signed ? {pull_signature: signed} : {};
    }, function () { return {}; });
  }

  /** Put items back to where they were before an attempt that did not count; with `failure`,
   * note on each why and when, for the worker to see. */
  function restore(batch, failure) {
    var now = new Date().toISOString();
    return Outbox.transaction('outbox', function (t) {
      return Promise.all(batch.map(function (item) {
        return t.store.get(item.seq).then(function (cur) {
          if (!cur || cur.state !== 'sending') return;
          cur.state = item.prior_state === 'deferred' ? 'deferred' : 'waiting';
          if (failure) { cur.last_error = failure; cur.last_attempt_at = now; }
          return t.store.put(cur);
        });
      }));
    }).then(function () { Outbox.emit({type: 'changed'}); });
  }

  /**
   * Mark the next batch `sending` and return {batch, remaining}: only this user's unsent items, in
   * order, none already answered in this flush (`answered`: so items the server keeps deferred are
   * sent once per flush, not round after round); `remaining` counts every such item, batch included.
   */
  function takeBatch(userId, size, answered, secrecy, deviceId) {
    // Locked, only what was sealed for the server at save time can go (nothing else can be opened),
    // and what a lone worker may send with no PIN, kept plain (static/at-rest.js `plainWhileLocked`).
    var sendable = function (item) {
      return !secrecy.locked || (!!item.envelope && item.sealed_for === String(deviceId)) ||
        (!item.sealed && AtRest.plainWhileLocked(item, secrecy.plainRule));
    };
    return Outbox.transaction('outbox', function (t) {
      return t.store.getAll().then(function (items) {
        var cutoff = Date.now() - SENT_KEEP_MS;
        var ops = [];
        var batch = [];
        var remaining = 0;
        items.forEach(function (item) {
          if (item.state === 'sent' && item.sent_at && Date.parse(item.sent_at) < cutoff) {
            ops.push(t.store.delete(item.seq));  // prune old acknowledgements
          } else if (item.user_id === userId && UNSENT.indexOf(item.state) !== -1 && !answered[item.id] && sendable(item)) {
            remaining += 1;
            if (batch.length >= size) return;
            var prior = item.state === 'sending' ? (item.message ? 'deferred' : 'waiting') : item.state;
            item.state = 'sending';
            item.attempts = (item.attempts || 0) + 1;
            ops.push(t.store.put(item));
            batch.push(Object.assign({prior_state: prior}, item));
          }
        });
        // Everything else of this user's not yet acknowledged, for the report (no contents).
        var inBatch = {};
        batch.forEach(function (i) { inBatch[i.id] = true; });
        var held = items.filter(function (i) {
          return i.user_id === userId && i.state !== 'sent' && !inBatch[i.id];
        }).map(function (i) {
          return {id: i.id, type: i.type, person_id: i.person_id || null, recorded_at: i.recorded_at || null};
        });
        return Promise.all(ops).then(function () { return {batch: batch, remaining: remaining, held: held}; });
      });
    }).then(function (taken) {
      // What goes on the wire is the items unsealed (static/at-rest.js), after the transaction.
      // One that does not open (not this key's) is never sent as it stands: back it goes.
      // Locked, the batch is envelopes only, sent as they are.
      if (secrecy.locked) return taken;
      return AtRest.openItems(taken.batch, secrecy).then(function (open) {
        taken.batch = open.filter(function (i) { return !i.sealedAway; });
        var away = open.filter(function (i) { return i.sealedAway; });
        return (away.length ? restore(away) : Promise.resolve()).then(function () { return taken; });
      });
    });
  }

  /**
   * The answer to one round that is not a well-formed sync answer, as the round's result, or null
   * to go on with `applyAnswer`. `run` is the flush in progress (its batch size may shrink).
   */
  function refusal(resp, batch, run) {
    if (resp.status === 413 && batch.length > 1) {
      // Too big for the server (or a proxy): halve, never above the limit it states.
      var max = resp.data && Answer.isCount(resp.data.max_mutations) && resp.data.max_mutations > 0
        ? resp.data.max_mutations : Infinity;
      run.size = Math.max(1, Math.min(Math.floor(batch.length / 2), max));
      return Outbox.setMeta({batch_max: run.size}).then(function () { return restore(batch); })
        .then(function () { return {again: true}; });
    }
    if (resp.status === 401 || (resp.status === 409 && resp.data && resp.data.error === 'device_mismatch')) {
      return restore(batch).then(function () {
        Outbox.emit({type: 'login-needed'});
        return {ok: false, loginNeeded: true};
      });
    }
    if (resp.status === 403 && resp.data && resp.data.revoked === true) {
      // A lost or revoked phone: hand the unsent records over sealed, then wipe (static/handover.js).
      return restore(batch).then(function () { return root.FieldappHandover.run(); }).then(function (done) {
        return {ok: false, revoked: true, wiped: done.wiped};
      });
    }
    if (resp.status === 413 && batch.length === 1) {
      return Outbox.updateItem(batch[0].id, function (item) {
        item.state = 'rejected';
        item.errors = {_mutation: ['Too large to send. Shorten it or discard it.']};
        item.message = Answer.errorsMessage(item.errors);
      }).then(function () { return {ok: false}; });
    }
    return null;
  }

  /**
   * The server is overloaded (503) or says this phone asks too often (429) and names a wait
   * (Retry-After, jittered by static/send.js): put the batch back and keep every automatic trigger
   * of every context (page, tabs, service worker) quiet until then (meta `retry_not_before`,
   * checked by `doFlush`), instead of the normal backoff, which would come back sooner.
   */
  function holdOff(batch, resp) {
    var until = new Date(Date.now() + resp.retryAfterMs).toISOString();
    return Outbox.setMeta({retry_not_before: until}).then(function () { return restore(batch, 'server'); })
      .then(function () { return {ok: false, status: resp.status, failure: 'server', retryAfterMs: resp.retryAfterMs}; });
  }

  /** A pull with nothing to send, so soon after the last sync that it is skipped. */
  function quietPull(run, batch) {
    return !batch.length && run.rounds === 1 && run.session.lastSyncAt &&
      Date.now() - Date.parse(run.session.lastSyncAt) < QUIET_PULL_MS &&
      run.reason !== 'sync-now' && run.reason !== 'save' && run.reason !== 'background-sync';
  }

  /** One round: send the next batch (perhaps empty: a pull) and store the answer. Resolves with
   * the flush's result, after as many further rounds as the server has more for. */
  function round(run) {
    run.rounds += 1;
    var taken = null;
    return takeBatch(run.session.userId, run.size, run.answered, run.secrecy, run.session.deviceId).then(function (t) {
      taken = t;
      return Promise.all([Promise.all(t.batch.map(function (i) { return wire(i, run); })), pullPart(run)]);
    }).then(function (parts) {
      var batch = taken.batch;
      // Locked with nothing sealed for the server left to send: nothing more can be done.
      if (run.locked && !batch.length) return run.sentSomething ? {ok: true, locked: true} : {ok: false, locked: true};
      if (quietPull(run, batch)) return {ok: true, quiet: true};
      if (batch.length) {
        Outbox.emit({type: 'changed'});
        Outbox.emit({type: 'progress', done: run.done, total: run.done + taken.remaining});
      }
      var ids = batch.map(function (i) { return i.id; });
      // echo 'result': our new records come back, in their results, as only what the server
      // filled in (echoedChanges, storeChange); result_ids false: the results in the order sent,
      // naming the batch by a digest of its ids (static/answer.js wellFormed)
      var body = Object.assign({protocol: PROTOCOL, device_id: run.session.deviceId, cursor: run.cursor, mutations: parts[0], echo: 'result',
                  result_ids: !Answer.canDigest(),
                  // what else this phone holds unsent, and what the worker discarded: the server
                  // notices records that vanish from the phone unsent (fieldapp/rules/unsent.py)
                  outbox: taken.held, discarded: run.discarded}, parts[1]);
      run.signed = !!parts[1].pull_signature;
      return Promise.all([Send.post(body, run.timeoutMs), Answer.digestOf(ids)]).then(function (got) {
        var resp = got[0];
        var refused = refusal(resp, batch, run);
        if (refused) return refused.then(function (result) { return result.again ? round(run) : result; });
        if (resp.retryAfterMs != null) return holdOff(batch, resp);
        if (!Answer.wellFormed(resp, ids, got[1])) {
          var failure = Answer.failureOf(resp);
          return restore(batch, failure).then(function () { return {ok: false, status: resp.status, failure: failure}; });
        }
        var pulled = !run.locked && resp.data.pull !== 'withheld';
        return Answer.store(batch, resp.data, run.discarded, run.secrecy, pulled).then(function (applied) {
          var more = noteAnswer(run, batch, taken, resp.data, applied);
          return more && run.rounds < MAX_ROUNDS ? round(run) : {ok: true};
        });
      }, function (error) {
        // No whole answer (no signal, a dropped connection, a stall): nothing is lost, nothing
        // is marked sent. If the server did commit, the retry is answered `duplicate`.
        var failure = error && error.timeout ? 'timeout' : 'network';
        return restore(batch, failure).then(function () { return {ok: false, network: true, failure: failure}; });
      });
    });
  }

  /** Keep what a stored answer tells the rest of the flush; true when there is more to send or
   * to pull. */
  function noteAnswer(run, batch, taken, data, applied) {
    batch.forEach(function (i) { run.answered[i.id] = true; });
    run.done += batch.length;
    Outbox.emit({type: 'changed'});
    if (batch.length) Outbox.emit({type: 'progress', done: run.done, total: run.done + taken.remaining - batch.length});
    run.sentSomething = run.sentSomething || batch.length > 0;
    // What the sync changed, by scope and type, for the pages showing it (static/cached-pages.js):
    // the changes it brought, and what it sent (a record never pulled back changes pages too).
    Object.keys(applied.scopes).forEach(function (scope) {
      var types = run.changed.scopes[scope] = run.changed.scopes[scope] || {};
      Object.keys(applied.scopes[scope]).forEach(function (t) { types[t] = true; });
    });
    Object.keys(applied.types).forEach(function (t) { run.changed.types[t] = true; });
    batch.forEach(function (i) {
      run.changed.types[i.type] = true;
      var scope = i.type === 'person' ? i.record_id : i.person_id;
      if (scope) (run.changed.scopes[scope] = run.changed.scopes[scope] || {})[i.type] = true;
    });
    run.cursor = data.cursor != null ? data.cursor : run.cursor;
    if (typeof data.nonce === 'string') run.nonce = data.nonce;
    // A pull withheld for want of a signature (no fresh nonce at hand): ask again, signed, once.
    var signAgain = data.pull === 'withheld' && !run.locked && !!run.sealTo && !run.signed && !run.signedAgain;
    if (signAgain) run.signedAgain = true;
    return data.more === true || taken.remaining > batch.length || signAgain;
  }

  /** One whole flush: send every batch of this user's unsent items and pull until `more` is false;
   * then refresh the cached pages the sync changed (`result.refresh` settles when done). */
  function doFlush(opts) {
    var reason = (opts && opts.reason) || 'unspecified';
    var since = Pages.wipeCount();  // a wipe while this flush runs: its refresh keeps no page
    if (root.navigator && root.navigator.onLine === false) {
      return Promise.resolve({ok: false, offline: true});
    }
    // A worker signed out with no signal: their session ends on the server before anything goes
    // with the browser's cookie, which may still be theirs (static/shared-phone.js).
    return root.FieldappSharedPhone.settleSignOuts().then(function (settled) {
      return settled ? begin() : {ok: false, network: true, failure: 'network'};
    });

    function begin() {
      return Promise.all([Outbox.session(), Outbox.settings(), Outbox.getMeta('batch_max'),
                          Outbox.getMeta('retry_not_before'), Outbox.getMeta('discarded'),
                          AtRest.secrecy(), Outbox.getMeta('pull_nonce')]).then(function (v) {
        var s = v[0];
        if (!s.userId || !s.deviceId) return {ok: false, reason: 'no-session'};
        // Locked (the PIN lock on, no page open to hand the key): nothing can be opened, nor a pull
        // stored sealed; what was sealed for the server at save time is still sent (push only), the
        // rest waits, sealed, for the next unlock.
        return (v[5].plain ? Promise.resolve(null) : Sealing.registered(s.userId, s.deviceId)).then(function (sealTo) {
          return start(v, s, sealTo);
        });
      });
    }

    function start(v, s, sealTo) {
      // The server asked for quiet (holdOff): only the worker's own "Sync now" goes before then.
      var wait = v[3] ? Date.parse(v[3]) - Date.now() : 0;
      if (wait > 0 && reason !== 'sync-now') return {ok: false, failure: 'server', retryAfterMs: wait};
      var run = {
        reason: reason, session: s, secrecy: v[5], timeoutMs: v[1].syncTimeoutMs, discarded: Array.isArray(v[4]) ? v[4] : [],
        size: Math.min(C.BATCH_MAX, v[2] || C.BATCH_MAX), cursor: s.cursor || 0,
        rounds: 0, answered: {}, done: 0, changed: {scopes: {}, types: {}}, sentSomething: false,
        locked: !!v[5].locked, sealTo: sealTo, nonce: v[6] || null
      };
      return round(run).then(function (result) {
        // Even a skipped (quiet) pull fetches the pages the phone does not hold yet: a refresh
        // the page ran is cut short when the worker goes to another page straight after signing in.
        // (Locked, no page can be kept: nothing to refresh.)
        if (result.ok && !run.locked) {
          result.refresh = Pages.refreshAfterSync(run.changed, since).catch(function () { return 0; });
        }
        return result;
      });
    }
  }

  var localChain = Promise.resolve();

  /**
   * Send what is waiting and pull what changed. Serialised across page, tabs and worker with the
   * Web Locks API (in-context chain where it is missing) so no item is ever sent twice at once.
   * Resolves {ok, pending, waiting, failure?, refresh?}: `refresh` settles when the cached pages
   * are refreshed.
   */
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
      if (result.wiped) return result;  // nothing is left to count, and nothing may be opened again
      return Promise.all([Outbox.list(), Outbox.getMeta('user_id')]).catch(function () { return [[], null]; }).then(function (v) {
        var mine = v[0].filter(function (i) { return i.user_id === v[1] && i.state !== 'sent'; });
        result.pending = mine.length;  // everything unsent, rejected included (logout checks this)
        result.waiting = mine.filter(function (i) { return UNSENT.indexOf(i.state) !== -1; }).length;
        Outbox.emit({type: 'flushed', ok: !!result.ok, pending: result.pending, waiting: result.waiting,
                     failure: result.failure || null, offline: !!result.offline,
                     retryAfterMs: result.retryAfterMs == null ? null : result.retryAfterMs,
                     loginNeeded: !!result.loginNeeded, revoked: !!result.revoked});
        return result;
      });
    });
  }

  Outbox.flush = flush;
})(typeof self !== 'undefined' ? self : this);
