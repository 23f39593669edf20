/* fieldapp wipe: erasing what the phone keeps, wholesale.
 *
 * A classic script loaded after static/outbox.js by the page (<script>) and by the service worker
 * (importScripts); it adds `wipe` and `dropCopies` to the global `FieldappOutbox`. The page copies
 * one at a time (refreshing, dropping a person's) are static/cached-pages.js; here they only go
 * all together: at a sign-out, on a revoked phone (static/handover.js), after too many wrong PINs
 * (static/page/lock.js) and when another worker signs in (static/shared-phone.js).
 */
(function (root) {
  'use strict';

  var C = root.FieldappConstants;
  var Outbox = root.FieldappOutbox;

  function hasCaches() { return typeof caches !== 'undefined'; }

  function drop(name) {
    return new Promise(function (resolve) {
      var req = indexedDB.deleteDatabase(name);
      var timer = setTimeout(resolve, 5000);  // a context that never lets go must not hang logout
      req.onsuccess = req.onerror = function () { clearTimeout(timer); resolve(); };
    });
  }

  /** Delete the database and every fieldapp- cache (logout, and a revoked phone: `forGood`, after
   * which this context opens no database again). */
  function wipe(opts) {
    var closing = Outbox.close(opts && opts.forGood);
    if (root.FieldappVault) root.FieldappVault.lock();  // the unlocked key, in every context
    // The vault's keys go too (static/vault.js): nothing is left that a PIN would open.
    return closing.then(function () {
      return Promise.all([drop(Outbox.DB_NAME), drop(C.VAULT_DB)]);
    }).then(function () {
      if (!hasCaches()) return;
      return caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf(C.CACHE_PREFIX) === 0; })
          .map(function (n) { return caches.delete(n); }));
      });
    }).then(function () { Outbox.emit({type: 'wiped'}); });
  }

  /** Drop the phone's copies of people (what pulls and refreshes brought: the `records` store and
   * the page cache), never the outbox: after too many wrong PINs, the unsent records stay. */
  function dropCopies() {
    return Outbox.transaction(['records', 'meta'], function (t) {
      return Promise.all([t.objectStore('records').clear(), t.objectStore('meta').put(0, 'cursor'),
                          t.objectStore('meta').delete('pages_refreshed_at')]);
    }).then(function () {
      if (hasCaches()) return caches.delete(C.PAGES_CACHE);
    }).then(function () { Outbox.emit({type: 'changed'}); });
  }

  Outbox.wipe = wipe;
  Outbox.dropCopies = dropCopies;
})(typeof self !== 'undefined' ? self : this);
