/* fieldapp shared phone: each worker's copies kept apart on a phone more than one signs in on.
 *
 * With the PIN lock on, everything the phone holds about people is sealed under the signed-in
 * worker's own data key (static/at-rest.js). When another worker signs in (with their password,
 * or with their own PIN and no signal: "Switch worker" on the lock screen, static/page/lock.js),
 * the first worker's copies (what their pulls brought, their cursor, their page copies) are set
 * aside, still sealed under their key, and the second worker's own, if set aside before, are
 * taken back (`change`). So each worker unlocks with their own PIN, offline too, and reads only
 * what is theirs. Without the lock the copies are plain, and go at the change of worker, as before.
 *   meta `away`                 {userId: {records, cursor, last_sync_at, pages_refreshed_at,
 *                                device_id, offline_forms, lock, at}}, the copies set aside
 *   cache `fieldapp-away-<id>`  that worker's page copies (sealed bytes, as they were kept)
 * Signing out of a shared phone forgets that worker alone (`signOut`): their keys, their copies and
 * their sent records; other workers' keys, sealed copies and unsent records stay for their owners.
 * A sign-out made with no signal ("Switch worker" offline) is owed to the server (meta
 * `sign_out_owed`, device ids): `settleSignOuts` ends that session (POST /api/sign-out) before the
 * next sync and before any page is asked of the network, so the next worker never uses the first
 * one's session. README: Security, "Shared phones".
 * A classic script in the shared bundle after static/outbox.js, static/vault.js and
 * static/cached-pages.js (page and service worker); defines the global `FieldappSharedPhone`.
 */
(function (root) {
  'use strict';

  var C = root.FieldappConstants;
  var Outbox = root.FieldappOutbox;
  var Vault = root.FieldappVault;
  // Kept per worker and started afresh for a worker new to the phone.
  var RESET = ['cursor', 'last_sync_at', 'pages_refreshed_at'];
  // Kept per worker; a worker new to the phone keeps what their page writes.
  var RESTORED = ['device_id', 'offline_forms', 'lock'];
  var SIGN_OUT_URL = '/api/sign-out';

  function hasCaches() { return typeof caches !== 'undefined'; }

  /** The cache of `userId`'s page copies while another worker uses the phone. */
  function awayCache(userId) { return C.AWAY_CACHE_PREFIX + encodeURIComponent(String(userId)); }

  /** Replace cache `to` with a copy of every entry of cache `from` (none: `to` just goes). */
  function copyCache(from, to) {
    if (!hasCaches()) return Promise.resolve();
    return caches.delete(to).then(function () { return caches.has(from); }).then(function (has) {
      if (!has) return null;
      return Promise.all([caches.open(from), caches.open(to)]).then(function (c) {
        return c[0].keys().then(function (requests) {
          return Promise.all(requests.map(function (request) {
            return c[0].match(request, {ignoreVary: true}).then(function (resp) {
              return resp ? c[1].put(request, resp) : null;
            });
          }));
        });
      });
    });
  }

  /** Whether `userId`'s copies are sealed under their own key (the lock on, their key made), so
   * they may stay on the phone while someone else uses it. */
  function sealedFor(userId) {
    if (!Vault) return Promise.resolve(false);
    return Promise.all([Outbox.getMeta('lock'), Vault.hasKeys(userId)]).then(function (v) {
      return !!v[0] && v[1];
    });
  }

  /**
   * The phone passes from `previous` to `next` (user ids): `previous`'s copies set aside when
   * sealed (dropped otherwise), `next`'s taken back if they were set aside, else a fresh start
   * (cursor 0, no records, no pages); `user_id` becomes `next` in the same transaction. Resolves
   * true when `next`'s copies came back. Refreshes in flight for `previous` store nothing after
   * this (static/cached-pages.js hears `user-changed`).
   */
  function change(previous, next) {
    previous = String(previous);
    next = String(next);
    var keep = false;
    Outbox.emit({type: 'user-changed'});
    return sealedFor(previous).then(function (sealed) {
      keep = sealed;
      return keep ? copyCache(C.PAGES_CACHE, awayCache(previous)) : null;
    }).then(function () {
      return Outbox.transaction(['meta', 'records'], function (t) {
        var meta = t.objectStore('meta');
        var records = t.objectStore('records');
        var own = RESET.concat(RESTORED);
        return Promise.all([meta.get('away'), records.getAll()].concat(own.map(function (k) { return meta.get(k); })))
          .then(function (v) {
            var away = v[0] || {};
            if (keep) {
              var set = {records: v[1], at: new Date().toISOString()};
              own.forEach(function (k, i) { set[k] = v[2 + i]; });
              away[previous] = set;
            } else {
              delete away[previous];
            }
            var back = away[next] || null;
            delete away[next];
            var writes = [records.clear(), meta.put(away, 'away'), meta.put(next, 'user_id')];
            if (back) {
              back.records.forEach(function (r) { writes.push(records.put(r)); });
              RESET.forEach(function (k) { writes.push(back[k] == null ? meta.delete(k) : meta.put(back[k], k)); });
            } else {
              writes.push(meta.put(0, 'cursor'), meta.delete('last_sync_at'), meta.delete('pages_refreshed_at'));
            }
            RESTORED.forEach(function (k) { if (back && back[k] != null) writes.push(meta.put(back[k], k)); });
            return Promise.all(writes).then(function () { return !!back; });
          });
      });
    }).then(function (back) {
      if (!hasCaches()) return back;
      return caches.delete(C.PAGES_CACHE).then(function () {
        return back ? copyCache(awayCache(next), C.PAGES_CACHE) : null;
      }).then(function () { return caches.delete(awayCache(next)); }).then(function () { return back; });
    });
  }

  /** What `userId` set aside on this phone (their device id, their lock settings), or null. */
  function awayOf(userId) {
    return Outbox.getMeta('away').then(function (away) { return (away && away[String(userId)]) || null; });
  }

  /** Drop `userId`'s set-aside copies (too many wrong PINs typed for them at "Switch worker"):
   * their unsent records stay, sealed, as after the same at an ordinary unlock. */
  function dropAway(userId) {
    return Outbox.transaction(['meta'], function (t) {
      var meta = t.objectStore('meta');
      return meta.get('away').then(function (away) {
        if (!away || !away[String(userId)]) return null;
        away[String(userId)].records = [];
        RESET.forEach(function (k) { delete away[String(userId)][k]; });
        return meta.put(away, 'away');
      });
    }).then(function () { return hasCaches() ? caches.delete(awayCache(userId)) : null; });
  }

  /** Whether anyone but `userId` has keys, copies or records on this phone. */
  function othersHere(userId) {
    var me = String(userId);
    return Promise.all([Outbox.list(), Outbox.getMeta('away'), Vault ? Vault.users() : Promise.resolve([])])
      .then(function (v) {
        return v[0].some(function (i) { return i.user_id !== me; }) ||
          Object.keys(v[1] || {}).some(function (u) { return u !== me; }) ||
          v[2].some(function (u) { return String(u) !== me; });
      });
  }

  /**
   * Sign `userId` out of this phone (static/page/logout.js, once none of their records waits):
   * alone on it, the whole wipe (FieldappOutbox.wipe); on a shared phone, only what is theirs
   * (their copies, their sent records, their keys), so a colleague's sealed records are never
   * taken with it.
   */
  function signOut(userId) {
    var me = String(userId);
    return othersHere(me).then(function (others) {
      if (!others) return Outbox.wipe();
      if (Vault) Vault.lock(me);
      return Outbox.transaction(['meta', 'records', 'outbox'], function (t) {
        var meta = t.objectStore('meta');
        var outbox = t.objectStore('outbox');
        return Promise.all([meta.get('away'), outbox.getAll()]).then(function (v) {
          var away = v[0] || {};
          delete away[me];
          var writes = [t.objectStore('records').clear(), meta.put(away, 'away'), meta.delete('user_id'),
                        meta.put(0, 'cursor'), meta.delete('last_sync_at'), meta.delete('pages_refreshed_at')];
          v[1].forEach(function (item) { if (item.user_id === me) writes.push(outbox.delete(item.seq)); });
          return Promise.all(writes);
        });
      }).then(function () {
        return hasCaches() ? Promise.all([caches.delete(C.PAGES_CACHE), caches.delete(awayCache(me))]) : null;
      }).then(function () { return Vault ? Vault.forget(me) : null; }).then(function () {
        Outbox.emit({type: 'wiped'});
      });
    });
  }

  // ---- a sign-out the server has not heard of yet -------------------------------------------

  /** Note that the session of `deviceId` must be ended on the server before anything else goes. */
  function oweSignOut(deviceId) {
    if (!deviceId) return Promise.resolve();
    return Outbox.getMeta('sign_out_owed').then(function (owed) {
      owed = Array.isArray(owed) ? owed : [];
      if (owed.indexOf(deviceId) < 0) owed.push(deviceId);
      return Outbox.setMeta({sign_out_owed: owed});
    });
  }

  /** End the sessions owed (POST /api/sign-out, one per device); resolves true once none is owed,
   * false while one could not be told (no signal): then nothing may go to the network with the
   * browser's cookie, which may still be the previous worker's. */
  function settleSignOuts() {
    return Outbox.getMeta('sign_out_owed').then(function (owed) {
      if (!Array.isArray(owed) || !owed.length) return true;
      var left = owed.slice();
      return owed.reduce(function (chain, deviceId) {
        return chain.then(function () {
          var headers = {'Content-Type': 'application/json'};
          headers[C.SYNC_HEADER] = '1';
          return fetch(SIGN_OUT_URL, {method: 'POST', credentials: 'same-origin', cache: 'no-store', headers: headers,
                                      body: JSON.stringify({device_id: deviceId})})
            .then(function (resp) { if (resp.ok) left = left.filter(function (d) { return d !== deviceId; }); },
                  function () { /* no signal: still owed */ });
        });
      }, Promise.resolve()).then(function () {
        return Outbox.setMeta({sign_out_owed: left}).then(function () { return !left.length; });
      });
    }, function () { return true; });
  }

  root.FieldappSharedPhone = {
    change: change,
    awayOf: awayOf,
    dropAway: dropAway,
    signOut: signOut,
    oweSignOut: oweSignOut,
    settleSignOuts: settleSignOuts,
    awayCache: awayCache
  };
})(typeof self !== 'undefined' ? self : this);
