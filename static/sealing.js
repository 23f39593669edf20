/* fieldapp sealing: a mutation sealed to the server and signed by this phone, with WebCrypto.
 *
 * A classic script loaded by the page and by the service worker (importScripts) after
 * static/vault.js (which keeps the device's signing key, below); defines `FieldappSealing`. The server opens what it makes in
 * fieldapp/rules/sealing.py (README: Sync protocol, "Sealed mutations"):
 *   {v: 1, kid, id, epk, iv, ct, sig}, every binary field base64url without padding:
 *   - `epk` a one-off ECDH P-256 public key (raw, 65 bytes); its secret with the server's key
 *     `kid` goes through HKDF-SHA-256 (no salt, info "fieldapp mutation v1") to an AES-256-GCM key;
 *   - `ct` the mutation's JSON under that key and the 12-byte `iv`, with the AAD
 *     "fieldapp mutation v1\n<device id>\n<mutation id>";
 *   - `sig` ECDSA P-256 SHA-256 by the device's signing key (raw r||s, 64 bytes) over the label,
 *     device id, v, kid, id, epk, iv and ct joined with "\n".
 * Without the server's private key nobody can read it (whoever holds the phone included), and
 * without the PIN (the signing key is kept only wrapped under the worker's data key,
 * static/vault.js) nobody can make one the server takes.
 */
(function (root) {
  'use strict';

  var subtle = root.crypto.subtle;
  var LABEL = 'fieldapp mutation v1';
  var encoder = new TextEncoder();

  function b64(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = '';
    for (var i = 0; i < bytes.length; i += 1) bin += String.fromCharCode(bytes[i]);
    return root.btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function unb64(text) {
    var s = text.replace(/-/g, '+').replace(/_/g, '/');
    var bin = root.atob(s + '==='.slice((s.length + 3) % 4));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i += 1) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  /** The text the device's signature covers (rules/sealing.py `signed_bytes`). */
  function signedText(envelope, deviceId) {
    return [LABEL, String(deviceId), String(envelope.v), envelope.kid, envelope.id,
            envelope.epk, envelope.iv, envelope.ct].join('\n');
  }

  /** `text` signed with `signingKey` (ECDSA P-256 SHA-256, raw r||s), base64url. */
  function sign(signingKey, text) {
    return subtle.sign({name: 'ECDSA', hash: 'SHA-256'}, signingKey, encoder.encode(text)).then(b64);
  }

  /**
   * The envelope of `mutation` (its wire form: id, type, op, record_id, ...) for the server whose
   * public key is `server` ({kid, key}: from /api/device-key), from device `deviceId`, signed with
   * `signingKey` (a private ECDSA CryptoKey). Resolves the envelope object.
   */
  function seal(mutation, deviceId, server, signingKey) {
    var id = String(mutation.id);
    var envelope = {v: 1, kid: server.kid, id: id};
    return Promise.all([
      subtle.importKey('raw', unb64(server.key), {name: 'ECDH', namedCurve: 'P-256'}, false, []),
      subtle.generateKey({name: 'ECDH', namedCurve: 'P-256'}, true, ['deriveBits'])
    ]).then(function (keys) {
      return Promise.all([
        subtle.deriveBits({name: 'ECDH', public: keys[0]}, keys[1].privateKey, 256),
        subtle.exportKey('raw', keys[1].publicKey)
      ]);
    }).then(function (v) {
      envelope.epk = b64(v[1]);
      return subtle.importKey('raw', v[0], 'HKDF', false, ['deriveKey']);
    }).then(function (secret) {
      return subtle.deriveKey({name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(LABEL)},
                              secret, {name: 'AES-GCM', length: 256}, false, ['encrypt']);
    }).then(function (aesKey) {
      var iv = root.crypto.getRandomValues(new Uint8Array(12));
      envelope.iv = b64(iv);
      var aad = encoder.encode(LABEL + '\n' + deviceId + '\n' + id);
      return subtle.encrypt({name: 'AES-GCM', iv: iv, additionalData: aad}, aesKey,
                            encoder.encode(JSON.stringify(mutation)));
    }).then(function (ct) {
      envelope.ct = b64(ct);
      return sign(signingKey, signedText(envelope, deviceId));
    }).then(function (sig) {
      envelope.sig = sig;
      return envelope;
    });
  }

  /** A new signing key pair for this phone: {privateKey (pkcs8 bytes, to be wrapped under the
   * data key), publicKey (base64url raw point, for the server)}. */
  function makeSigningKey() {
    return subtle.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, true, ['sign', 'verify']).then(function (pair) {
      return Promise.all([subtle.exportKey('pkcs8', pair.privateKey), subtle.exportKey('raw', pair.publicKey)]);
    }).then(function (v) { return {privateKey: new Uint8Array(v[0]), publicKey: b64(v[1])}; });
  }

  /** The private signing key from its pkcs8 bytes, not extractable. */
  function importSigningKey(pkcs8) {
    return subtle.importKey('pkcs8', pkcs8, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign']);
  }

  // ---- the device's signing key, kept in the vault's entry for the user ----------------------
  // `signing`: the private key's pkcs8 sealed under the data key (FieldappVault.sealBytes), so it
  // is there only while the phone is unlocked; `signing_public`: its public half (base64url);
  // `signing_device`: the device id the server has registered it for; `sealing_to`: the server's
  // public key {kid, key} as the server gave it then (what records are sealed to).
  var cache = null;  // {userId, dataKey, signKey}: unwrapped once per unlock

  function vault() { return root.FieldappVault; }

  /** This user's vault entry with a signing key in it (made now if it had none: the PIN set-up,
   * or the first unlock on a phone set up before signing keys), or null when locked. */
  function ensureSigningKey(userId) {
    return Promise.all([vault().keysOf(userId), vault().key(userId)]).then(function (v) {
      var entry = v[0], dataKey = v[1];
      if (!entry || !dataKey) return null;
      if (entry.signing) return entry;
      return makeSigningKey().then(function (pair) {
        return vault().sealBytes(dataKey, pair.privateKey).then(function (sealed) {
          return vault().updateKeys(userId, function (k) {
            k.signing = sealed;
            k.signing_public = pair.publicKey;
            delete k.signing_device;
          });
        });
      });
    });
  }

  /** This user's private signing key (a CryptoKey), or null when locked or there is none. */
  function signingKey(userId) {
    return vault().key(userId).then(function (dataKey) {
      if (!dataKey) return null;
      if (cache && cache.userId === String(userId) && cache.dataKey === dataKey) return cache.signKey;
      return vault().keysOf(userId).then(function (entry) {
        if (!entry || !entry.signing) return null;
        return vault().unsealBytes(dataKey, entry.signing).then(importSigningKey).then(function (signKey) {
          cache = {userId: String(userId), dataKey: dataKey, signKey: signKey};
          return signKey;
        });
      }).catch(function () { return null; });
    });
  }

  /**
   * Register this user's signing key for `deviceId` with the server (needs signal and a password
   * sign-in within PIN_RESET_MINUTES: the lock screen does it right after the PIN is set or
   * entered). Resolves true once the server has it (then the phone seals everything it sends),
   * false when it could not (the phone sends as before, unsealed, and tries at the next unlock).
   */
  function register(userId, deviceId) {
    return ensureSigningKey(userId).then(function (entry) {
      if (!entry || !deviceId) return false;
      if (entry.signing_device === String(deviceId)) return true;
      return root.fetch('/api/signing-key', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store',
        headers: {'Content-Type': 'application/json', 'X-Fieldapp-Sync': '1'},
        body: JSON.stringify({device_id: String(deviceId), key: entry.signing_public})
      }).then(function (resp) {
        return resp.ok ? resp.json() : null;
      }).then(function (answer) {
        if (!answer || !answer.sealing) return false;
        return vault().updateKeys(userId, function (k) {
          k.signing_device = String(deviceId);
          k.sealing_to = answer.sealing;  // the server's public key {kid, key}: what `seal` seals to
        }).then(function () {
          // The nonce the first signed pull signs (static/flush.js), so it needs no round to get one.
          var outbox = root.FieldappOutbox;
          return typeof answer.nonce === 'string' && outbox ? outbox.setMeta({pull_nonce: answer.nonce}) : null;
        }).then(function () { return true; });
      }).catch(function () { return false; });
    });
  }

  /** The server's public key {kid, key} when the server has this user's signing key for
   * `deviceId` (then it takes only sealed, signed records from this phone, so they must be
   * sealed to it, and a pull signed), else null. */
  function registered(userId, deviceId) {
    return vault().keysOf(userId).then(function (entry) {
      var yes = entry && entry.signing && deviceId != null && entry.signing_device === String(deviceId);
      return yes ? entry.sealing_to : null;
    });
  }

  /** `mutation` sealed for the server by `userId` on `deviceId`, or null when it cannot be (no
   * registered signing key, or locked). */
  function sealFor(userId, deviceId, mutation) {
    return Promise.all([registered(userId, deviceId), signingKey(userId)]).then(function (v) {
      return v[0] && v[1] ? seal(mutation, deviceId, v[0], v[1]) : null;
    });
  }

  /** An outbox item as a mutation on the wire (what `seal` seals; static/flush.js sends the same
   * plain to a server that has no signing key of this phone). */
  function wire(item) {
    return {
      id: item.id, type: item.type, op: item.op, record_id: item.record_id,
      base_version: item.base_version, recorded_at: item.recorded_at, fields: item.fields || {}
    };
  }

  /** The signature of a pull (fieldapp/rules/sealed_sync.py `pull_text`): {nonce, sig}, or null
   * when it cannot be signed (locked, no key). */
  function signPull(userId, deviceId, cursor, nonce) {
    return signingKey(userId).then(function (signKey) {
      if (!signKey) return null;
      var text = ['fieldapp pull v1', String(deviceId), String(cursor), nonce].join('\n');
      return sign(signKey, text).then(function (sig) { return {nonce: nonce, sig: sig}; });
    });
  }

  root.FieldappSealing = {
    wire: wire,
    signPull: signPull,
    seal: seal,
    sign: sign,
    signedText: signedText,
    makeSigningKey: makeSigningKey,
    importSigningKey: importSigningKey,
    ensureSigningKey: ensureSigningKey,
    signingKey: signingKey,
    register: register,
    registered: registered,
    sealFor: sealFor,
    b64: b64
  };
})(typeof self !== 'undefined' ? self : this);
