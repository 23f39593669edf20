/* fieldapp vault: the phone's PIN lock and the keys that seal what it keeps about people.
 *
 * A classic script loaded by the page and by the service worker (importScripts) after
 * static/constants.js, the idb UMD build and static/unlocked-key.js (the unlocked key, held in
 * memory and handed between the page and the worker: `key`, `touch` and `lock` are its own);
 * defines the global `FieldappVault`.
 *
 * Each user who signs in on a phone has a data key of their own (AES-GCM, 256 bits, random),
 * kept in IndexedDB database `fieldapp-vault` only wrapped, twice or three times:
 *   - by a key derived from their PIN (PBKDF2-SHA-256, `ITERATIONS` rounds, a salt of its own),
 *     which unlocks the phone with no signal;
 *   - by a key the server holds for that device (`/api/device-key`, never stored on the phone),
 *     which unlocks it with signal when the PIN is forgotten or was wiped by too many wrong tries;
 *   - where the worker chose it, by the phone's own screen lock: a WebAuthn credential's PRF
 *     output (HKDF-SHA-256 to an AES-GCM key), which unlocks with no signal and no server
 *     (static/screen-lock.js, through `wrapping`). The PIN always works beside it.
 *   keys    {user_id, salt, iterations, pin: {iv, data}, server: {iv, data}, failures,
 *            screen: {credential, prfSalt, hkdfSalt, iv, data}, and the device's signing key,
 *            kept by static/sealing.js: signing, signing_public, signing_device, sealing_to}
 * The unlocked data key (not extractable) is kept in memory only, never in storage: in the page
 * that unlocked, handed to the service worker by postMessage, asked for by each page that opens
 * and, by a worker the browser restarted, from the open windows (`key`). No window open (the app
 * reopened) means nobody holds it: locked. Locking (the idle time passed, a fresh tab, signing
 * out) forgets it everywhere. `seal` / `unseal` (JSON in, {iv, data} out) and `sealBytes` /
 * `unsealBytes` (a page's body) are what the stores use with it. Too many wrong PINs in a row forget the
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
  var SIGNING = ['signing', 'signing_public', 'signing_device', 'sealing_to'];  // static/sealing.js keeps these here
  var Held = root.FieldappUnlockedKey;  // the unlocked key, in memory (static/unlocked-key.js)

  function db() {
    if (!dbPromise) {
      dbPromise = root.idb.openDB(DB_NAME, 2, {
        upgrade: function (d, oldVersion) {
          if (oldVersion < 1) d.createObjectStore('keys', {keyPath: 'user_id'});
          // Version 1 kept the unlocked key here, on disk: gone.
          if (d.objectStoreNames.contains('session')) d.deleteObjectStore('session');
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
      Held.remember(userId, key, Date.now());
      return Held.handOver().then(function () { return key; });
    });
  }

  /** Wrap `raw` (the data key) with `pin` and, when given, the server's key; store and unlock. */
  function store(userId, raw, pin, serverKey, previous, iterations) {
    var salt = root.crypto.getRandomValues(new Uint8Array(16));
    iterations = iterations || ITERATIONS;  // the deployment's PIN_ITERATIONS (lock settings)
    return pinKey(pin, salt, iterations).then(function (kek) {
      return Promise.all([
        encrypt(kek, raw),
        serverKey ? aesKey(serverKeyBytes(serverKey)).then(function (k) { return encrypt(k, raw); })
                  : Promise.resolve(previous ? previous.server : null)
      ]);
    }).then(function (wrapped) {
      var entry = {user_id: userId, salt: salt, iterations: iterations, pin: wrapped[0],
                   server: wrapped[1], failures: 0};
      // A new PIN for the same data key keeps the screen lock's wrapping of it, and the device's
      // signing key (static/sealing.js), sealed under the data key.
      if (previous && previous.screen) entry.screen = previous.screen;
      if (previous) SIGNING.forEach(function (k) { if (previous[k] !== undefined) entry[k] = previous[k]; });
      return put('keys', entry);
    }).then(function () { return startSession(userId, raw); });
  }

  /** First use on this phone: a new data key for `userId`, wrapped by `pin` and `serverKey`
   * (from /api/device-key), and the phone unlocked. */
  function setup(userId, pin, serverKey, iterations) {
    var raw = root.crypto.getRandomValues(new Uint8Array(32));
    return store(userId, raw, pin, serverKey, null, iterations);
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
        // The wipe leaves only the server's key: the screen lock's wrapping goes with the PIN's.
        if (wiped) { delete k.pin; delete k.screen; }
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
  function resetPin(userId, serverKey, newPin, iterations) {
    return getKeys(userId).then(function (k) {
      if (!k || !k.server) return false;
      return aesKey(serverKeyBytes(serverKey)).then(function (key) {
        return decrypt(key, k.server);
      }).then(function (raw) {
        return store(userId, raw, newPin, null, k, iterations).then(function () { return true; });
      }, function () { return false; });
    });
  }

  /** Change this user's keys entry with `change(entry)` (static/sealing.js keeps the device's
   * signing key in it); resolves the entry, or null when there is none. */
  function updateKeys(userId, change) {
    return getKeys(userId).then(function (k) {
      if (!k) return null;
      change(k);
      return put('keys', k).then(function () { return k; });
    });
  }

  /** The users with keys on this phone (static/shared-phone.js: is anyone else's data here?). */
  function users() {
    return db().then(function (d) { return d.getAllKeys('keys'); });
  }

  /** Forget this user's keys altogether (their data is gone from the phone: a sign-out). */
  function forget(userId) {
    Held.forgetHere(userId);
    return db().then(function (d) { return d.delete('keys', userId); });
  }

  /** `value` (anything JSON can hold) sealed with `key`: {iv, data}. */
  function seal(key, value) {
    return encrypt(key, encoder.encode(JSON.stringify(value)));
  }

  /** What `seal` sealed, or a rejection when `key` is not the one (or the data was changed). */
  function unseal(key, sealed) {
    return decrypt(key, sealed).then(function (bytes) { return JSON.parse(decoder.decode(bytes)); });
  }

  /** `bytes` (an ArrayBuffer or view) sealed with `key`, as one buffer: the 12-byte IV, then the
   * AES-GCM ciphertext (what Cache Storage keeps of a page). */
  function sealBytes(key, bytes) {
    return encrypt(key, bytes).then(function (sealed) {
      var out = new Uint8Array(12 + sealed.data.byteLength);
      out.set(sealed.iv, 0);
      out.set(new Uint8Array(sealed.data), 12);
      return out;
    });
  }

  /** What `sealBytes` sealed, as an ArrayBuffer; a rejection for the wrong key or changed bytes. */
  function unsealBytes(key, buffer) {
    var all = new Uint8Array(buffer);
    return decrypt(key, {iv: all.slice(0, 12), data: all.slice(12)});
  }

  root.FieldappVault = {
    ITERATIONS: ITERATIONS,
    hasPin: hasPin,
    hasKeys: hasKeys,
    setup: setup,
    unlock: unlock,
    resetPin: resetPin,
    key: Held.key,
    touch: Held.touch,
    lock: Held.lock,
    forget: forget,
    users: users,
    seal: seal,
    unseal: unseal,
    sealBytes: sealBytes,
    unsealBytes: unsealBytes,
    keysOf: getKeys,
    updateKeys: updateKeys,
    // For the other wrappings of the data key (static/screen-lock.js): the entry, its salt's
    // PIN key, AES-GCM, and starting the unlocked session. Page code never needs them.
    wrapping: {getKeys: getKeys, put: put, pinKey: pinKey, encrypt: encrypt, decrypt: decrypt,
               startSession: startSession, inWorker: Held.inWorker}
  };
})(typeof self !== 'undefined' ? self : this);
