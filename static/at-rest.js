/* fieldapp at rest: what the phone's stores keep about people, sealed under the worker's data key.
 *
 * A classic script loaded by the page and by the service worker (importScripts) after
 * static/outbox.js and static/vault.js, before static/cached-pages.js and static/flush.js, which
 * use it; defines the global `FieldappAtRest`.
 *
 * With the PIN lock on (meta `lock`), everything about people is sealed with AES-GCM under the
 * signed-in worker's data key (static/vault.js, unlocked in memory only):
 *   - an outbox item's `fields`, `label` and `form_url` (contacts, drafts, the offline audit of
 *     views: every record type) become `sealed: {iv, data}`; its ids, type, state and times stay
 *     plain, for sending in order and counting what is unsent; once the server has this phone's
 *     signing key, the item also keeps `envelope` (the mutation sealed to the server and signed,
 *     static/sealing.js) and `sealed_for` (the device id it names), which the flush sends as they
 *     are, locked or not;
 *   - a pulled record's `fields` become `sealed`; its type, ids, version and scope stay plain;
 *   - a cached page's body is kept as the sealed bytes (12-byte IV, then the ciphertext) under the
 *     same request key, with the header SEALED_HEADER; it is unsealed when served or read.
 * Locked, nothing can be read or written: readers get items with empty fields and pages as null,
 * writers are refused (nothing is stored plain; the flush sends only the items' envelopes). Another user's items stay
 * sealed under their own key: this user sees them as empty and never sends them. With the lock
 * off, everything is stored plain, as before. README: Security, "On the phone".
 */
(function (root) {
  'use strict';

  var Vault = root.FieldappVault;
  var Outbox = root.FieldappOutbox;
  var ITEM_SECRETS = ['fields', 'label', 'form_url'];
  var SEALED_HEADER = 'X-Fieldapp-Sealed';

  /**
   * How the stores keep what they hold about people now: {key, userId} (the lock on, unlocked:
   * sealed), {plain: true} (no PIN lock) or {locked: true} (on and locked: nothing is read or
   * written). Asking may lock (the idle time has passed). With the lock on, `plainRule` too: what
   * may still be kept and sent plain while locked (`plainWhileLocked`).
   */
  function secrecy() {
    return Promise.all([Outbox.getMeta('lock'), Outbox.getMeta('user_id'), Outbox.getMeta('device_id')]).then(function (v) {
      if (!v[0]) return {plain: true};
      var rule = v[0].plain || {};
      return Vault.key(v[1], v[0].minutes * 60000).then(function (key) {
        return key ? {key: key, userId: String(v[1]), deviceId: v[2] || null, plainRule: rule}
          : {locked: true, plainRule: rule};
      });
    });
  }

  function lockedError() {
    var e = new Error('locked');
    e.locked = true;
    return e;
  }

  /** Whether `item` may be kept and sent plain while the phone is locked, by `rule` (from
   * `secrecy`: the server's own, fieldapp/rules/sealed_sync.py `PLAIN_WHILE_LOCKED`, handed to
   * the phone with the lock's settings): a lone worker's check-in from a notification ("I'm
   * safe", "Extend 30 min") and "I need help" from the lock screen, which say nothing about
   * anyone (a visit's random id, its kind, a time); a worker in danger must never have to type a
   * PIN for them to reach the server. */
  function plainWhileLocked(item, rule) {
    var f = item && item.fields;
    var allowed = rule && item && Object.prototype.hasOwnProperty.call(rule, item.type) ? rule[item.type] : null;
    return !!f && !!allowed && item.op === 'create' && allowed.kinds.indexOf(f.kind) !== -1 &&
      Object.keys(f).every(function (k) { return allowed.fields.indexOf(k) !== -1; });
  }

  /** `item` as the outbox stores it under `s` (from `secrecy`): its personal parts sealed. */
  function sealItem(item, s) {
    if (s.plain) return Promise.resolve(item);
    if (!s.key && plainWhileLocked(item, s.plainRule)) return Promise.resolve(item);
    if (!s.key) return Promise.reject(lockedError());
    var secret = {};
    ITEM_SECRETS.forEach(function (k) { secret[k] = item[k]; });
    // Sealed for the server too, when it holds this phone's signing key (static/sealing.js): the
    // envelope is unreadable without the server's private key, so it is kept as it is, and sent
    // as it is, even while the phone is locked.
    return Promise.all([
      Vault.seal(s.key, secret),
      root.FieldappSealing.sealFor(s.userId, s.deviceId, root.FieldappSealing.wire(item)).catch(function () { return null; })
    ]).then(function (v) {
      var stored = Object.assign({}, item, {sealed: v[0]});
      ITEM_SECRETS.forEach(function (k) { delete stored[k]; });
      delete stored.envelope;
      delete stored.sealed_for;
      if (v[1]) { stored.envelope = v[1]; stored.sealed_for = String(s.deviceId); }
      return stored;
    });
  }

  /** A stored outbox item as page code uses it: unsealed when it is this user's and the phone is
   * unlocked; else with empty fields and `sealedAway` (another user's, or locked). */
  function openItem(item, s) {
    if (!item || !item.sealed) return Promise.resolve(item);
    var away = function () {
      return Object.assign({}, item, {fields: {}, label: item.type, form_url: null, sealedAway: true});
    };
    if (!s.key || String(item.user_id) !== s.userId) return Promise.resolve(away());
    return Vault.unseal(s.key, item.sealed).then(function (secret) {
      var open = Object.assign({}, item, secret);
      delete open.sealed;
      return open;
    }, away);
  }

  /** `fields` of a pulled record as the records store keeps them: {fields} or {fields: null, sealed}. */
  function sealFields(fields, s) {
    if (s.plain || fields == null) return Promise.resolve({fields: fields});
    if (!s.key) return Promise.reject(lockedError());
    return Vault.seal(s.key, fields).then(function (sealed) { return {fields: null, sealed: sealed}; });
  }

  /** A stored record with its fields unsealed (null when locked or not this user's key). */
  function openRecord(rec, s) {
    if (!rec || !rec.sealed) return Promise.resolve(rec);
    var shut = function () { return Object.assign({}, rec, {fields: null, sealed: undefined}); };
    if (!s.key) return Promise.resolve(shut());
    return Vault.unseal(s.key, rec.sealed).then(function (fields) {
      var open = Object.assign({}, rec, {fields: fields});
      delete open.sealed;
      return open;
    }, shut);
  }

  function openAll(list, s, open) {
    return Promise.all(list.map(function (x) { return open(x, s); }));
  }

  /** Keep the page `resp` in `cache` under `path`, sealed when the lock is on (resolves false,
   * keeping nothing, when locked). */
  function storePage(cache, path, resp, s) {
    if (s.plain) return cache.put(path, resp).then(function () { return true; });
    if (!s.key) return Promise.resolve(false);
    return resp.arrayBuffer().then(function (body) {
      return Vault.sealBytes(s.key, body);
    }).then(function (sealed) {
      var headers = new Headers(resp.headers);
      headers.set(SEALED_HEADER, '1');
      headers.delete('Content-Length');
      headers.delete('Content-Encoding');
      return cache.put(path, new Response(sealed, {status: resp.status, statusText: resp.statusText, headers: headers}));
    }).then(function () { return true; });
  }

  /** A cached page `hit` as it was served (a Response), or null when it is sealed and the phone
   * is locked (or the bytes do not open: changed, or another user's). */
  function openPage(hit, s) {
    if (!hit) return Promise.resolve(null);
    if (!hit.headers.has(SEALED_HEADER)) return Promise.resolve(hit);
    if (!s.key) return Promise.resolve(null);
    return hit.arrayBuffer().then(function (sealed) {
      return Vault.unsealBytes(s.key, sealed);
    }).then(function (body) {
      var headers = new Headers(hit.headers);
      headers.delete(SEALED_HEADER);
      headers.delete('Content-Length');
      return new Response(body, {status: hit.status, statusText: hit.statusText, headers: headers});
    }, function () { return null; });
  }

  /** The HTML of a cached page `hit`, or null (none, or locked). */
  function pageText(hit, s) {
    return openPage(hit, s).then(function (open) { return open ? open.text() : null; });
  }

  root.FieldappAtRest = {
    SEALED_HEADER: SEALED_HEADER,
    secrecy: secrecy,
    sealItem: sealItem,
    plainWhileLocked: plainWhileLocked,
    openItem: openItem,
    openItems: function (items, s) { return openAll(items, s, openItem); },
    sealFields: sealFields,
    openRecord: openRecord,
    openRecords: function (recs, s) { return openAll(recs, s, openRecord); },
    storePage: storePage,
    openPage: openPage,
    pageText: pageText
  };
})(typeof self !== 'undefined' ? self : this);
