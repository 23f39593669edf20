/* fieldapp vault: the phone's PIN lock and the keys that seal what it keeps about people.
 *
 * A classic script loaded by the page and by the service worker (importScripts) after
 * static/constants.js and the idb UMD build; defines the global `FieldappVault`.
 *
 * Each user who signs in on a phone has a data key of their own (AES-GCM, 256 bits, random),
 * kept in IndexedDB database `fieldapp-vault` only wrapped, twice:
 *   - by a key derived from their PIN (PBKDF2-SHA-256, `ITERATIONS` rounds, a salt of its own),
 *     which unlocks the phone with no signal;
 *   - by a key the server holds for that device (`/api/device-key`, never stored on the phone),
 *     which unlocks it with signal when the PIN is forgotten or was wiped by too many wrong tries.
 *   keys    {user_id, salt, iterations, pin: {iv, data}, server: {iv, data}, failures}
 *   session {user_id, key (CryptoKey, not extractable), last_active}
 * Unlocking puts the data key, not extractable, in `session`, where the service worker finds it;
 * locking (the idle time passed, the app reopened, signing out) deletes it. `seal` / `unseal` are
 * what the stores use with it (JSON in, {iv, data} out). Too many wrong PINs in a row forget the
 * PIN's wrapping and call the `onWipe` hook given to `unlock` (which drops the phone's copies of
 * people, never the outbox): the records already sealed stay sealed until the server's key opens
 * them again.
 * README: Security, "On the phone".
 */
(function (root) {
  'use strict';

  var DB_NAME = root.FieldappConstants.VAULT_DB;
  var ITERATIONS = 600000;  // OWASP's figure for PBKDF2-HMAC-SHA256 (2023)
  var subtle = root.crypto.subtle;
  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = root.idb.openDB(DB_NAME, 1, {
        upgrade: function (d) {
          d.createObjectStore('keys', {keyPath: 'user_id'});
          d.createObjectStore('session', {keyPath: 'user_id'});
        },
        blocking: function () {
          var p = dbPromise;
          dbPromise = null;
          if (p) p.then(function (d) { d.close(); });
        },
        terminated: function () { dbPromise = null; }
      });
      dbPromise.catch(function () { dbPromise = null; });
    }
    return dbPromise;
  }

  var encoder = new TextEncoder();
  var decoder = new TextDecoder();

  function aesKey(raw, extractable) {
    return subtle.importKey('raw', raw, {name: 'AES-GCM'}, !!extractable, ['encrypt', 'decrypt']);
  }

  /** The key a PIN gives with this salt: slow on purpose, so guessing a PIN off the phone costs. */
  function pinKey(pin, salt, iterations) {
    return subtle.importKey('raw', encoder.encode(pin), 'PBKDF2', false, ['deriveKey']).then(function (base) {
      return subtle.deriveKey({name: 'PBKDF2', hash: 'SHA-256', salt: salt, iterations: iterations},
                              base, {name: 'AES-GCM', length: 256}, false, ['encrypt', 'decrypt']);
    });
  }

  function encrypt(key, bytes) {
    var iv = root.crypto.getRandomValues(new Uint8Array(12));
    return subtle.encrypt({name: 'AES-GCM', iv: iv}, key, bytes).then(function (data) {
      return {iv: iv, data: data};
    });
  }

  function decrypt(key, sealed) {
    return subtle.decrypt({name: 'AES-GCM', iv: sealed.iv}, key, sealed.data);
  }

  /** A server key as the endpoint sends it (base64url) in raw bytes. */
  function serverKeyBytes(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    var bin = root.atob(b64 + '==='.slice((b64.length + 3) % 4));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i += 1) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  /** Put `value` in `store` and resolve once the write has committed (another context, the
   * service worker, reads it straight after). */
  function put(store, value) {
    return db().then(function (d) {
      var t = d.transaction(store, 'readwrite', {durability: 'strict'});
      t.store.put(value);
      return t.done;
    });
  }

  function getKeys(userId) {
    return db().then(function (d) { return d.get('keys', userId); });
  }

  /** Whether this user has set a PIN on this phone (a PIN that too many wrong tries wiped counts
   * as not set: only the server's key opens their data now). */
  function hasPin(userId) {
    return getKeys(userId).then(function (k) { return !!(k && k.pin); });
  }

  /** Whether this user has a data key on this phone at all (sealed records may wait under it). */
  function hasKeys(userId) {
    return getKeys(userId).then(function (k) { return !!k; });
  }

  function startSession(userId, raw) {
    return aesKey(raw, false).then(function (key) {
      return put('session', {user_id: userId, key: key, last_active: Date.now()}).then(function () { return key; });
    });
  }

  /** Wrap `raw` (the data key) with `pin` and, when given, the server's key; store and unlock. */
  function store(userId, raw, pin, serverKey, previous) {
    var salt = root.crypto.getRandomValues(new Uint8Array(16));
    return pinKey(pin, salt, ITERATIONS).then(function (kek) {
      return Promise.all([
        encrypt(kek, raw),
        serverKey ? aesKey(serverKeyBytes(serverKey)).then(function (k) { return encrypt(k, raw); })
                  : Promise.resolve(previous ? previous.server : null)
      ]);
    }).then(function (wrapped) {
      var entry = {user_id: userId, salt: salt, iterations: ITERATIONS, pin: wrapped[0],
                   server: wrapped[1], failures: 0};
      return put('keys', entry);
    }).then(function () { return startSession(userId, raw); });
  }

  /** First use on this phone: a new data key for `userId`, wrapped by `pin` and `serverKey`
   * (from /api/device-key), and the phone unlocked. */
  function setup(userId, pin, serverKey) {
    var raw = root.crypto.getRandomValues(new Uint8Array(32));
    return store(userId, raw, pin, serverKey, null);
  }

  /**
   * Unlock with the PIN, offline. Resolves {ok: true} or {ok: false, left, wiped}: `left` tries
   * before the wipe; at the last one the PIN's wrapping is forgotten and `onWipe()` runs (drop the
   * phone's copies of people; unsent records stay, sealed).
   */
  function unlock(userId, pin, maxAttempts, onWipe) {
    return getKeys(userId).then(function (k) {
      if (!k || !k.pin) return {ok: false, left: 0, wiped: true};
      return pinKey(pin, k.salt, k.iterations).then(function (kek) {
        return decrypt(kek, k.pin);
      }).then(function (raw) {
        k.failures = 0;
        return put('keys', k)
          .then(function () { return startSession(userId, raw); })
          .then(function () { return {ok: true}; });
      }, function () {
        k.failures = (k.failures || 0) + 1;
        var wiped = k.failures >= maxAttempts;
        if (wiped) delete k.pin;
        return put('keys', k).then(function () {
          return wiped && onWipe ? onWipe() : null;
        }).then(function () {
          return {ok: false, left: Math.max(0, maxAttempts - k.failures), wiped: wiped};
        });
      });
    });
  }

  /** Unlock with the server's key for this device (with signal: a forgotten or wiped PIN) and
   * set `newPin`. Resolves true, or false when the key does not open this user's data key. */
  function resetPin(userId, serverKey, newPin) {
    return getKeys(userId).then(function (k) {
      if (!k || !k.server) return false;
      return aesKey(serverKeyBytes(serverKey)).then(function (key) {
        return decrypt(key, k.server);
      }).then(function (raw) {
        return store(userId, raw, newPin, null, k).then(function () { return true; });
      }, function () { return false; });
    });
  }

  /** The unlocked data key of `userId`, or null when locked. Idle longer than `idleMs` locks. */
  function key(userId, idleMs) {
    return db().then(function (d) { return d.get('session', userId); }).then(function (s) {
      if (!s) return null;
      if (idleMs && Date.now() - s.last_active > idleMs) return lock(userId).then(function () { return null; });
      return s.key;
    });
  }

  var lastTouch = 0;
  /** The worker is using the app: put off the idle lock (written at most every 15 s, unless
   * `now`: a page opened). */
  function touch(userId, now) {
    if (!now && Date.now() - lastTouch < 15000) return Promise.resolve();
    lastTouch = Date.now();
    return db().then(function (d) { return d.get('session', userId); }).then(function (s) {
      if (!s) return;
      s.last_active = Date.now();
      return put('session', s);
    });
  }

  /** Lock: forget the unlocked key (of `userId`, or of everyone on this phone). */
  function lock(userId) {
    return db().then(function (d) {
      var t = d.transaction('session', 'readwrite', {durability: 'strict'});
      if (userId == null) t.store.clear(); else t.store.delete(userId);
      return t.done;
    });
  }

  /** Forget this user's keys altogether (their data is gone from the phone: a sign-out). */
  function forget(userId) {
    return db().then(function (d) {
      return Promise.all([d.delete('keys', userId), d.delete('session', userId)]);
    });
  }

  /** `value` (anything JSON can hold) sealed with `key`: {iv, data}. */
  function seal(key, value) {
    return encrypt(key, encoder.encode(JSON.stringify(value)));
  }

  /** What `seal` sealed, or a rejection when `key` is not the one (or the data was changed). */
  function unseal(key, sealed) {
    return decrypt(key, sealed).then(function (bytes) { return JSON.parse(decoder.decode(bytes)); });
  }

  root.FieldappVault = {
    ITERATIONS: ITERATIONS,
    hasPin: hasPin,
    hasKeys: hasKeys,
    setup: setup,
    unlock: unlock,
    resetPin: resetPin,
    key: key,
    touch: touch,
    lock: lock,
    forget: forget,
    seal: seal,
    unseal: unseal
  };
})(typeof self !== 'undefined' ? self : this);
