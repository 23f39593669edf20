/* fieldapp shared phone: each worker's copies kept apart on a phone more than one signs in on.
 *
 * With the PIN lock on, everything the phone holds about people is sealed under the signed-in
 * worker's own data key (static/at-rest.js). When another worker signs in (with their password,
 * or with their own PIN and no signal: "Sign in on this phone", static/page/phone-sign-in.js),
 * the first worker's copies (what their pulls brought, their cursor, their page copies) are set
 * aside, still sealed under their key, and the second worker's own, if set aside before, are
 * taken back (`change`). So each worker unlocks with their own PIN, offline too, and reads only
 * what is theirs. Without the lock the copies are plain, and go at the change of worker, as before.
 *   meta `away`                 {userId: {records, cursor, last_sync_at, pages_refreshed_at,
 *                                device_id, offline_forms, lock, stale_days, at}}, the copies set aside
 *   cache `fieldapp-away-<id>`  that worker's page copies (sealed bytes, as they were kept)
 * Signing out of a shared phone forgets that worker alone (`signOut`): their keys, their copies and
 * their sent records; other workers' keys, sealed copies and unsent records stay for their owners.
 * The session a worker leaves (signed out, or the phone handed on) is ended on the server before
 * anything else goes: with no signal it is owed (meta `sign_out_owed`, device ids) and
 * `settleSignOuts` ends it (POST /api/sign-out) before the next sync and before any page is asked
 * of the network, so the next worker never uses the first one's session. README: Security,
 * "Shared phones". Who is who: the phone keeps a digest of each worker's username with their keys
 * (`noteLogin`), never the name.
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
  var RESTORED = ['device_id', 'offline_forms', 'lock', 'stale_days'];
  var SIGN_OUT_URL = '/api/sign-out';
  var SETTLE_MS = 4000;

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
    previous = previous == null ? null : String(previous);  // null: nobody signed in (a sign-out)
    next = String(next);
    var keep = false;
    Outbox.emit({type: 'user-changed'});
    return (previous ? sealedFor(previous) : Promise.resolve(false)).then(function (sealed) {
      keep = sealed;
      return keep ? copyCache(C.PAGES_CACHE, awayCache(previous)) : null;
    }).then(function () {
      return Outbox.transaction(['meta', 'records'], function (t) {
        var meta = t.objectStore('meta');
        var records = t.objectStore('records');
        var own = RESET.concat(RESTORED);
        return Promise.all([meta.get('away'), records.getAll()].concat(own.map(function (k) { return meta.get(k); })))
          .then(function (v) {
            var away = pruned(v[0] || {});
            if (keep) {
              var set = {records: v[1], at: new Date().toISOString()};
              own.forEach(function (k, i) { set[k] = v[2 + i]; });
              away[previous] = set;
            } else if (previous) {
              delete away[previous];
            }
            var back = away[next] || null;
            var kept = !!back && !back.dropped;  // their page copies come back too
            delete away[next];
            var writes = [records.clear(), meta.put(away, 'away'), meta.put(next, 'user_id')];
            if (back) {
              back.records.forEach(function (r) { writes.push(records.put(r)); });
              RESET.forEach(function (k) { writes.push(back[k] == null ? meta.delete(k) : meta.put(back[k], k)); });
            } else {
              writes.push(meta.put(0, 'cursor'), meta.delete('last_sync_at'), meta.delete('pages_refreshed_at'));
            }
            RESTORED.forEach(function (k) { if (back && back[k] != null) writes.push(meta.put(back[k], k)); });
            return Promise.all(writes).then(function () { return kept; });
          });
      });
    }).then(function (back) {
      if (!hasCaches()) return back;
      return caches.delete(C.PAGES_CACHE).then(function () {
        return back ? copyCache(awayCache(next), C.PAGES_CACHE) : null;
      }).then(function () { return caches.delete(awayCache(next)); }).then(dropPrunedCaches).then(function () { return back; });
    });
  }

  var STALE_MS = 14 * 86400000;  // the default STALE_PHONE_DAYS, until the server's is known

  /** `away` without the copies of workers who have not synced on this phone for the deployment's
   * stale time (their pages would be hidden anyway, README: Stale phones): their keys, device id and
   * unsent records stay. The caches of those dropped go in `change`'s last step. */
  function pruned(away) {
    Object.keys(away).forEach(function (u) {
      var last = away[u].last_sync_at ? Date.parse(away[u].last_sync_at) : Date.parse(away[u].at);
      var days = away[u].stale_days;
      if (Date.now() - last > (days ? days * 86400000 : STALE_MS)) {
        away[u].records = [];
        RESET.forEach(function (k) { delete away[u][k]; });
        away[u].dropped = true;
      }
    });
    return away;
  }

  function dropPrunedCaches() {
    return Outbox.getMeta('away').then(function (away) {
      return Promise.all(Object.keys(away || {}).filter(function (u) { return away[u].dropped; })
        .map(function (u) { return caches.delete(awayCache(u)); }));
    });
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
   * Sign `userId` out of this phone (static/page/logout.js, once their records are sent, or with
   * `keepUnsent`: the worker chose to sign out with some unsent, PIN lock on): nothing of theirs is
   * left but, with `keepUnsent`, those records and the keys that seal them, for when they next sign
   * in here. Alone on the phone with nothing kept, the whole wipe (FieldappOutbox.wipe); on a shared
   * phone, only what is theirs, so a colleague's sealed records, keys and copies stay for their
   * owners. Then their session on `deviceId` is ended on the server, now or with the first signal
   * (`settleSignOuts`). Resolves true once the server has heard, false while it could not be told.
   */
  function signOut(userId, deviceId, keepUnsent) {
    var me = String(userId);
    return othersHere(me).then(function (others) {
      if (!others && !keepUnsent) return Outbox.wipe();
      if (Vault) Vault.lock(me);
      return Outbox.transaction(['meta', 'records', 'outbox'], function (t) {
        var meta = t.objectStore('meta');
        var outbox = t.objectStore('outbox');
        return Promise.all([meta.get('away'), outbox.getAll()]).then(function (v) {
          var away = v[0] || {};
          delete away[me];
          var writes = [t.objectStore('records').clear(), meta.put(away, 'away'), meta.delete('user_id'),
                        meta.put(0, 'cursor'), meta.delete('last_sync_at'), meta.delete('pages_refreshed_at')];
          v[1].forEach(function (item) {
            var unsent = item.state !== 'sent';
            if (item.user_id === me && !(keepUnsent && unsent)) writes.push(outbox.delete(item.seq));
          });
          return Promise.all(writes);
        });
      }).then(function () {
        return hasCaches() ? Promise.all([caches.delete(C.PAGES_CACHE), caches.delete(awayCache(me))]) : null;
      }).then(function () { return Vault && !keepUnsent ? Vault.forget(me) : null; }).then(function () {
        Outbox.emit({type: 'wiped'});
      });
    }).then(function () { return oweSignOut(deviceId); }).then(settleSignOuts);
  }

  /** Whether someone has keys on this phone: then its sign-in page, with no signal, can let them
   * in with their PIN (static/sw.js, static/page/lock.js). */
  function anyoneHere() {
    return Vault ? Vault.users().then(function (u) { return u.length > 0; }, function () { return false; })
      : Promise.resolve(false);
  }

  // ---- who is who: a worker's username, known to the phone only as a digest ----------------

  /** The digest the phone keeps of a username (hex SHA-256): it can tell whose keys a typed name
   * opens, and lists no name. A guess can be checked against it: README: Security. */
  function loginDigest(username) {
    var bytes = new TextEncoder().encode('fieldapp-login\n' + String(username).trim());
    return root.crypto.subtle.digest('SHA-256', bytes).then(function (hash) {
      return Array.prototype.map.call(new Uint8Array(hash), function (b) { return (b + 256).toString(16).slice(1); }).join('');
    });
  }

  /** Keep, with `userId`'s keys, the digest of their username (the page says it: an unlocked,
   * signed-in page), so they can sign in on this phone with their PIN and no signal. */
  function noteLogin(userId, username) {
    if (!Vault || !username) return Promise.resolve();
    return Promise.all([loginDigest(username), Vault.keysOf(String(userId))]).then(function (v) {
      if (!v[1] || v[1].login === v[0]) return null;
      return Vault.updateKeys(String(userId), function (k) { k.login = v[0]; });
    });
  }

  // ---- a sign-out the server has not heard of yet -------------------------------------------

  /** Whether the outbox's database exists: asked on every page from the network, looking must
   * never make it again after a wipe (a revoked phone goes to /wiped with nothing left). */
  function storeHere() {
    var idb = root.indexedDB;
    if (!idb || !idb.databases) return Promise.resolve(true);
    return idb.databases().then(function (list) {
      return list.some(function (d) { return d.name === Outbox.DB_NAME; });
    }, function () { return true; });
  }

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
    return storeHere().then(function (here) {
      return here ? Outbox.getMeta('sign_out_owed') : null;
    }).then(function (owed) {
      if (!Array.isArray(owed) || !owed.length) return true;
      var left = owed.slice();
      return owed.reduce(function (chain, deviceId) {
        return chain.then(function () {
          var headers = {'Content-Type': 'application/json'};
          headers[C.SYNC_HEADER] = '1';
          var options = {method: 'POST', credentials: 'same-origin', cache: 'no-store', headers: headers,
                         body: JSON.stringify({device_id: deviceId})};
          // A stalled link must not hold the page (or the sign-out) for long: tried again later.
          if (root.AbortSignal && root.AbortSignal.timeout) options.signal = root.AbortSignal.timeout(SETTLE_MS);
          return fetch(SIGN_OUT_URL, options)
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
    anyoneHere: anyoneHere,
    noteLogin: noteLogin,
    loginDigest: loginDigest,
    signOut: signOut,
    oweSignOut: oweSignOut,
    settleSignOuts: settleSignOuts,
    awayCache: awayCache,
    RESET: RESET
  };
})(typeof self !== 'undefined' ? self : this);
