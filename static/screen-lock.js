/* fieldapp screen lock: the phone's own unlock (WebAuthn with the PRF extension), a third
 * wrapping of the worker's data key beside the PIN's and the server's (static/vault.js).
 *
 * A classic script loaded after static/vault.js, in the shared bundle (the lock screen's only
 * script); defines the global `FieldappScreenLock`. It does nothing in the service worker.
 * Offered after the PIN is set where `available()` (static/page/lock.js, "Unlock with this
 * phone's screen lock"), tried first by the lock screen, with the PIN always there beside it.
 * Kept apart from vault.js on purpose: the vault owns the data key and its session; this file only
 * adds and uses one more wrapping, through `FieldappVault.wrapping`.
 * README: Security, "The PIN lock".
 */
(function (root) {
  'use strict';

  var W = root.FieldappVault.wrapping;
  var encoder = new TextEncoder();
  var subtle = root.crypto.subtle;
  var inWorker = W.inWorker;
  var getKeys = W.getKeys, put = W.put, pinKey = W.pinKey, encrypt = W.encrypt, decrypt = W.decrypt;
  var startSession = W.startSession;

  // A credential made on this phone for this site (a random user handle, not discoverable, so no
  // passkey list names anyone) gives, through its PRF extension, 32 bytes that only the phone's
  // authenticator can give again, after the phone's own unlock (user verification). HKDF turns
  // them into an AES-GCM key that wraps the data key beside the PIN's wrapping. No server is
  // asked: the challenge only proves freshness to a server, and none checks it here.
  var HKDF_INFO = encoder.encode('fieldapp screen lock wrapping key');
  var SCREEN_TIMEOUT_MS = 60000;

  function randomBytes(n) { return root.crypto.getRandomValues(new Uint8Array(n)); }

  /** Whether this browser can offer the screen lock: WebAuthn with a user-verifying platform
   * authenticator, and the PRF extension (where the browser says; else found out at `add`). */
  function screenLockAvailable() {
    var PKC = root.PublicKeyCredential;
    if (inWorker || !PKC || !root.navigator.credentials || !PKC.isUserVerifyingPlatformAuthenticatorAvailable) {
      return Promise.resolve(false);
    }
    return PKC.isUserVerifyingPlatformAuthenticatorAvailable().then(function (platform) {
      if (!platform) return false;
      if (!PKC.getClientCapabilities) return true;
      return PKC.getClientCapabilities().then(function (caps) {
        return caps['extension:prf'] !== false;
      }, function () { return true; });
    }).catch(function () { return false; });
  }

  /** The AES-GCM key the PRF output gives (HKDF-SHA-256 with the entry's own salt). */
  function screenKey(prfOutput, hkdfSalt) {
    return subtle.importKey('raw', prfOutput, 'HKDF', false, ['deriveKey']).then(function (base) {
      return subtle.deriveKey({name: 'HKDF', hash: 'SHA-256', salt: hkdfSalt, info: HKDF_INFO},
                              base, {name: 'AES-GCM', length: 256}, false, ['encrypt', 'decrypt']);
    });
  }

  /** The PRF output of `credential` for `prfSalt`, after the phone's own unlock; a rejection when
   * the credential is gone, the worker cancelled, or the authenticator has no PRF. */
  function prfOf(credential, prfSalt) {
    return root.navigator.credentials.get({publicKey: {
      challenge: randomBytes(32),
      allowCredentials: [{type: 'public-key', id: credential}],
      userVerification: 'required',
      timeout: SCREEN_TIMEOUT_MS,
      extensions: {prf: {eval: {first: prfSalt}}}
    }}).then(function (assertion) {
      var prf = assertion && assertion.getClientExtensionResults().prf;
      if (!prf || !prf.results || !prf.results.first) throw new Error('no PRF output');
      return prf.results.first;
    });
  }

  /** Add the screen lock's wrapping for `userId`, proving the PIN first (it opens the data key
   * to wrap). Resolves true, or false when the PIN is wrong or the phone cannot (no PRF, the
   * worker cancelled). Made where `screenLockAvailable`, after the PIN is set. */
  function addScreenLock(userId, pin) {
    var prfSalt = randomBytes(32);
    var hkdfSalt = randomBytes(16);
    return getKeys(userId).then(function (k) {
      if (!k || !k.pin) return false;
      return pinKey(pin, k.salt, k.iterations).then(function (kek) {
        return decrypt(kek, k.pin);
      }).then(function (raw) {
        return root.navigator.credentials.create({publicKey: {
          rp: {name: 'fieldapp'},
          user: {id: randomBytes(16), name: 'fieldapp', displayName: 'fieldapp'},
          challenge: randomBytes(32),
          pubKeyCredParams: [{type: 'public-key', alg: -7}, {type: 'public-key', alg: -257}],
          authenticatorSelection: {authenticatorAttachment: 'platform', residentKey: 'discouraged',
                                   userVerification: 'required'},
          timeout: SCREEN_TIMEOUT_MS,
          extensions: {prf: {eval: {first: prfSalt}}}
        }}).then(function (made) {
          var prf = made.getClientExtensionResults().prf;
          if (!prf || prf.enabled === false) throw new Error('no PRF');
          var credential = new Uint8Array(made.rawId);
          // Some authenticators give the output at creation; the others at a first use.
          var output = prf.results && prf.results.first ? Promise.resolve(prf.results.first)
            : prfOf(credential, prfSalt);
          return output.then(function (first) { return screenKey(first, hkdfSalt); }).then(function (wrap) {
            return encrypt(wrap, raw);
          }).then(function (wrapped) {
            return getKeys(userId).then(function (now) {
              if (!now) return false;
              now.screen = {credential: credential, prfSalt: prfSalt, hkdfSalt: hkdfSalt,
                            iv: wrapped.iv, data: wrapped.data};
              return put('keys', now).then(function () { return true; });
            });
          });
        });
      });
    }).catch(function () { return false; });
  }

  /** Whether this user can unlock with the phone's screen lock (its wrapping is kept). */
  function hasScreenLock(userId) {
    return getKeys(userId).then(function (k) { return !!(k && k.screen && k.pin); });
  }

  /** Unlock with the phone's screen lock, offline. Resolves {ok: true}, or {ok: false} (the
   * credential is gone, the worker cancelled, another phone's data): the PIN is then asked.
   * A failure here counts nothing against the PIN's tries. */
  function unlockWithScreenLock(userId) {
    return getKeys(userId).then(function (k) {
      if (!k || !k.screen || !k.pin) return {ok: false};
      var s = k.screen;
      return prfOf(s.credential, s.prfSalt).then(function (first) {
        return screenKey(first, s.hkdfSalt);
      }).then(function (wrap) {
        return decrypt(wrap, s);
      }).then(function (raw) {
        k.failures = 0;
        return put('keys', k)
          .then(function () { return startSession(userId, raw); })
          .then(function () { return {ok: true}; });
      });
    }).catch(function () { return {ok: false}; });
  }

  /** Stop unlocking with the screen lock on this phone (the PIN stays). */
  function removeScreenLock(userId) {
    return getKeys(userId).then(function (k) {
      if (!k || !k.screen) return;
      delete k.screen;
      return put('keys', k);
    });
  }

  root.FieldappScreenLock = {
    available: screenLockAvailable,
    add: addScreenLock,
    has: hasScreenLock,
    unlock: unlockWithScreenLock,
    remove: removeScreenLock
  };
})(typeof self !== 'undefined' ? self : this);
