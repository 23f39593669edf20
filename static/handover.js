/* fieldapp hand-over: what a revoked (lost) phone does with its last contact with the server.
 *
 * A classic script loaded after static/flush.js by the page (<script>) and by the service worker
 * (importScripts); defines the global `FieldappHandover`. static/flush.js calls `run()` when the
 * sync endpoint answers `revoked` (a locked phone syncs too, push only, so it hears it as well).
 *
 * 1. Hand over: every unsent item of the revoked device's worker goes to POST /api/handover
 *    (README: Sync protocol): its envelope, sealed to the server at save time and signed by the
 *    device (`item.envelope`, static/sealing.js), which needs no key to send, so a locked phone
 *    hands over too; or, from a phone without the PIN lock, the mutation itself (the server keeps
 *    it marked "not verified"). Nothing is applied: a coordinator accepts or discards each.
 *    An item sealed at rest with no envelope, on a locked phone, cannot be read to be sent: it
 *    is named (id, type, person, time; no contents) in `lost`, so the server counts it lost and
 *    the worker and their coordinator see it in "Records lost from phones".
 * 2. Then wipe, really, once the server has acknowledged (or refused) the hand-over, or at once
 *    when there is nothing to hand over: every IndexedDB database of this origin (outbox, records,
 *    vault), every fieldapp- cache, local and session storage, and the service worker's
 *    registration; the page then goes to /wiped, whose answer carries Clear-Site-Data.
 *    No answer at all (no signal, a 5xx): nothing is wiped yet; the next flush is told
 *    `revoked` again and tries again.
 */
(function (root) {
  'use strict';

  var C = root.FieldappConstants;
  var Outbox = root.FieldappOutbox;
  var Send = root.FieldappSend;
  var AtRest = root.FieldappAtRest;

  /** Every item in the outbox store as stored (sealed parts unopened), and who this phone is. */
  function held() {
    return Promise.all([
      Outbox.transaction('outbox', function (t) { return t.store.getAll(); }),
      Outbox.getMeta('device_id'), Outbox.getMeta('user_id'), AtRest.secrecy()
    ]).then(function (v) { return {items: v[0], deviceId: v[1], userId: v[2], secrecy: v[3]}; });
  }

  function wire(item) {
    return {id: item.id, type: item.type, op: item.op, record_id: item.record_id,
            base_version: item.base_version, recorded_at: item.recorded_at, fields: item.fields || {}};
  }

  /** What to hand over of the revoked device's worker's unsent items: {items, lost}: the envelope
   * where there is one, else the mutation where it can be read (no lock, or unlocked); `lost`
   * names (no contents) those that can be neither, for the server to count as lost. */
  function toHandOver(phone) {
    var mine = phone.items.filter(function (i) { return i.user_id === phone.userId && i.state !== 'sent'; });
    // An envelope names the device it was sealed on (`sealed_for`): only this device's open here.
    var sealedHere = function (i) { return i.envelope && String(i.sealed_for) === String(phone.deviceId); };
    var withEnvelope = mine.filter(sealedHere);
    var plain = mine.filter(function (i) { return !sealedHere(i); });
    var open = phone.secrecy.locked ? Promise.resolve(plain.map(function (i) { return {id: i.id, sealedAway: true}; }))
      : AtRest.openItems(plain, phone.secrecy);
    return open.then(function (opened) {
      var away = {};
      opened.forEach(function (i) { if (i.sealedAway) away[i.id] = true; });
      // Readable now (unlocked, or no lock): sealed now where the server holds this phone's
      // signing key (it takes nothing plain from such a phone), else sent as it is.
      return Promise.all(opened.filter(function (i) { return !i.sealedAway; }).map(function (i) {
        var Sealing = root.FieldappSealing;
        var sealing = Sealing && !phone.secrecy.plain
          ? Sealing.sealFor(phone.userId, phone.deviceId, wire(i)).catch(function () { return null; })
          : Promise.resolve(null);
        return sealing.then(function (envelope) {
          return envelope ? {id: i.id, sealed: envelope} : {id: i.id, mutation: wire(i)};
        });
      })).then(function (readable) { return {opened: opened, readable: readable, away: away}; });
    }).then(function (v) {
      var away = v.away;
      return {
        items: withEnvelope.map(function (i) { return {id: i.id, sealed: i.envelope}; }).concat(v.readable),
        lost: plain.filter(function (i) { return away[i.id]; }).map(function (i) {
          return {id: i.id, type: i.type, person_id: i.person_id || null, recorded_at: i.recorded_at || null};
        })
      };
    });
  }

  /** POST one body to the hand-over endpoint: resolves {status, data}; rejects with no answer. */
  function post(body, timeoutMs) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, timeoutMs);
    return Send.encode(JSON.stringify(body)).then(function (encoded) {
      return fetch(C.HANDOVER_URL, {method: 'POST', credentials: 'same-origin', cache: 'no-store',
                                    headers: encoded.headers, body: encoded.body,
                                    signal: controller ? controller.signal : undefined});
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (data) {
        return {status: resp.status, data: data};
      });
    }).finally(function () { clearTimeout(timer); });
  }

  /** True when an answer settles the hand-over: acknowledged (200 with a result for each item)
   * or refused for good (any other 4xx). A 5xx or a non-JSON page (a captive portal) does not. */
  function settled(resp, sent) {
    if (resp.status === 200) {
      return !!(resp.data && Array.isArray(resp.data.results) && resp.data.results.length === sent.length);
    }
    return resp.status >= 400 && resp.status < 500 && !!resp.data;
  }

  /** Hand over, in batches of at most BATCH_MAX (the first also naming what is `lost`); resolves
   * true when every batch was settled. */
  function handOver(phone, toSend, timeoutMs) {
    var chain = Promise.resolve(true);
    var items = toSend.items;
    for (var start = 0; start < Math.max(1, items.length); start += C.BATCH_MAX) {
      (function (batch, first) {
        chain = chain.then(function (ok) {
          if (!ok) return false;
          var body = {device_id: phone.deviceId, items: batch, lost: first ? toSend.lost : []};
          return post(body, timeoutMs).then(function (resp) {
            return settled(resp, batch);
          }, function () { return false; });
        });
      })(items.slice(start, start + C.BATCH_MAX), start === 0);
    }
    return chain;
  }

  /** Delete every IndexedDB database of this origin (the browser's list, where it has one, and
   * ours by name in any case). */
  function dropDatabases() {
    var listed = root.indexedDB && root.indexedDB.databases
      ? root.indexedDB.databases().catch(function () { return []; }) : Promise.resolve([]);
    return listed.then(function (dbs) {
      var names = dbs.map(function (d) { return d.name; }).filter(Boolean);
      ['fieldapp', C.VAULT_DB].forEach(function (n) { if (names.indexOf(n) === -1) names.push(n); });
      return Promise.all(names.map(function (name) {
        return new Promise(function (resolve) {
          var req = root.indexedDB.deleteDatabase(name);
          var timer = setTimeout(resolve, 5000);  // a context that never lets go must not hang it
          req.onsuccess = req.onerror = function () { clearTimeout(timer); resolve(); };
        });
      }));
    });
  }

  /** Unregister this origin's service worker (from the page, or the worker itself). */
  function unregister() {
    if (root.registration && typeof root.registration.unregister === 'function') {
      return root.registration.unregister().catch(function () {});
    }
    var sw = root.navigator && root.navigator.serviceWorker;
    if (!sw || !sw.getRegistrations) return Promise.resolve();
    return sw.getRegistrations().then(function (regs) {
      return Promise.all(regs.map(function (r) { return r.unregister(); }));
    }).catch(function () {});
  }

  /** Leave nothing of fieldapp's on the phone (see the header, step 2). */
  function wipeAll() {
    return Outbox.wipe({forGood: true}).then(dropDatabases).then(function () {
      try { root.localStorage.clear(); } catch (e) { /* none in the worker */ }
      try { root.sessionStorage.clear(); } catch (e) { /* none in the worker */ }
      return unregister();
    });
  }

  /**
   * The phone was told it is revoked: hand over, then wipe. Resolves {wiped, handedOver}: `wiped`
   * false when no answer came (the hand-over is tried again at the next flush). Emits `revoked`
   * once wiped, which sends every open window to /wiped (below).
   */
  function run() {
    return Promise.all([held(), Outbox.settings()]).then(function (v) {
      var phone = v[0];
      return toHandOver(phone).then(function (toSend) {
        if ((!toSend.items.length && !toSend.lost.length) || !phone.deviceId) return true;
        return handOver(phone, toSend, v[1].syncTimeoutMs);
      }).then(function (settledAll) {
        if (!settledAll) return {wiped: false, handedOver: false};
        return wipeAll().then(function () {
          Outbox.emit({type: 'revoked'});
          return {wiped: true, handedOver: true};
        });
      });
    });
  }

  // Every window that loads this (the app's pages and the lock screen, whichever context wiped)
  // goes to the neutral page once the phone is wiped: nothing of anyone stays on screen.
  if (typeof root.document !== 'undefined' && root.location) {
    Outbox.on(function (event) {
      if (event && event.type === 'revoked') root.location.replace(C.WIPED_URL);
    });
  }

  root.FieldappHandover = {run: run, wipeAll: wipeAll};
})(typeof self !== 'undefined' ? self : this);
