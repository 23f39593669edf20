/* fieldapp outbox: the phone's store of unsent changes and of what the server has sent back.
 *
 * A classic script loaded by the page (<script>) and by the service worker (importScripts). It
 * defines the global `FieldappOutbox` and needs the globals `idb` (npm idb 8 UMD build) and
 * `FieldappConstants` (static/constants.js) loaded before it. Loaded after it by both:
 * static/cached-pages.js (the phone's copies of pages) and static/flush.js, which adds `flush`
 * (sending batches, storing answers), so page and worker flush the same way.
 *
 * IndexedDB database `fieldapp`:
 *   outbox  {seq (auto), id (mutation id), type, op, record_id, base_version, recorded_at, fields,
 *            user_id, person_id, label, form_url, state, errors, message, attempts, created_at,
 *            sent_at, version, last_error, last_attempt_at}
 *   records {type, record_id, version, deleted, scope, fields}: what the pull returned
 *   (with the PIN lock on, an item's fields, label and form_url and a record's fields are kept as
 *   `sealed` instead: static/at-rest.js; `list`, `get` and `records` give them back unsealed)
 *   meta    key -> value: device_id, cursor, user_id, last_sync_at, batch_max, settings,
 *           offline_forms, pages_refreshed_at, lock (the PIN lock settings, or null), stale_days,
 *           discarded (ids the worker discarded, until the server hears), lost (records the
 *           server found lost from this phone, until the worker has seen the list), away (other
 *           workers' copies set aside) and sign_out_owed (static/shared-phone.js)
 *
 * Every offline store of casework goes through here, so that it can be encrypted and wiped in one
 * place (`wipe` and `dropCopies`, which static/wipe.js adds). The flush stores a whole answer (results, changes, cursor) in one transaction, so
 * the store exports its write primitives for static/flush.js on purpose: `transaction`,
 * `updateItem`, `getMeta`, `setMeta` and `emit` (and `close`, for static/wipe.js); page code uses
 * the operations above them.
 * Events go out on BroadcastChannel('fieldapp') so every open page and the worker stay in step:
 * {type: 'changed'}, {type: 'progress', done, total}, {type: 'flushed', ok, pending, waiting,
 * failure}, {type: 'login-needed'}, {type: 'revoked'}, {type: 'wiped'}.
 */
(function (root) {
  'use strict';

  var C = root.FieldappConstants;
  var DB_NAME = 'fieldapp';
  var DB_VERSION = 1;
  var UNSENT = ['waiting', 'sending', 'deferred'];
  var STRICT = {durability: 'strict'};
  // Timings a test may shorten with `configure` (kept in meta, so the worker's flush sees them too):
  // how long one sync request may take before it counts as failed (a stalled link), and the timer
  // that retries while records wait after a good answer (e.g. one waiting for another record).
  var DEFAULT_SETTINGS = {syncTimeoutMs: C.SYNC_TIMEOUT_MS, waitTimerMs: C.WAIT_TIMER_MS};

  var dbPromise = null;
  // Set by a wipe "for good" (a revoked phone, static/handover.js): this context never opens (so
  // never makes again) the database, whatever a listener or a late flush asks of it.
  var wipedForGood = false;
  var channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('fieldapp') : null;
  var listeners = [];

  /** Open (once) the database; close it when another context wants to delete or upgrade it. */
  function db() {
    if (wipedForGood) return Promise.reject(new Error('wiped'));
    if (!dbPromise) {
      dbPromise = root.idb.openDB(DB_NAME, DB_VERSION, {
        upgrade: function (d) {
          var outbox = d.createObjectStore('outbox', {keyPath: 'seq', autoIncrement: true});
          outbox.createIndex('id', 'id', {unique: true});
          var records = d.createObjectStore('records', {keyPath: ['type', 'record_id']});
          records.createIndex('scope', 'scope');
          d.createObjectStore('meta');
        },
        blocking: function () {
          // Another context is wiping: let it, and reopen a fresh database next time.
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

  function tx(d, stores, mode) {
    return d.transaction(stores, mode, STRICT);
  }

  /**
   * Run `work(t)` in one strict read-write transaction over `stores` (an idb transaction: use
   * only its stores' requests inside, or it commits early) and resolve with what `work` resolved
   * to, once the transaction has committed. For static/flush.js, which must store a sync answer's
   * results, changes and cursor all together or not at all.
   */
  function transaction(stores, work) {
    return db().then(function (d) {
      var t = tx(d, stores, 'readwrite');
      return Promise.resolve(work(t)).then(function (value) {
        return t.done.then(function () { return value; });
      });
    });
  }

  /** Tell every page (and this context's listeners) that something happened. */
  function emit(event) {
    if (channel) {
      try { channel.postMessage(event); } catch (e) { /* closed */ }
    }
    listeners.forEach(function (fn) {
      try { fn(event); } catch (e) { /* a listener's bug must not stop the outbox */ }
    });
  }

  /** Listen to outbox events; returns a function that stops listening. */
  function on(fn) {
    listeners.push(fn);
    return function () { listeners = listeners.filter(function (f) { return f !== fn; }); };
  }

  if (channel) {
    channel.onmessage = function (msg) {
      listeners.forEach(function (fn) {
        try { fn(msg.data); } catch (e) { /* ignore */ }
      });
    };
  }

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var b = root.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function nowIso() { return new Date().toISOString(); }

  // ---- meta -------------------------------------------------------------------------------

  function getMeta(key) {
    return db().then(function (d) { return d.get('meta', key); });
  }

  function setMeta(values) {
    return db().then(function (d) {
      var t = tx(d, 'meta', 'readwrite');
      Object.keys(values).forEach(function (k) { t.store.put(values[k], k); });
      return t.done;
    });
  }

  /** The device id this phone registers at login: made once, kept until the phone is wiped. */
  function deviceId() {
    return getMeta('device_id').then(function (id) {
      if (id) return id;
      id = uuid();
      return setMeta({device_id: id}).then(function () { return id; });
    });
  }

  /**
   * Record who is logged in on this page ({userId, deviceId, forms}: `forms` the per-person
   * forms to keep offline, from `<body data-offline-forms>`). A different user than last time
   * gets their own copy of the server: their earlier one if the phone set it aside when they last
   * handed it on, else an empty one (cursor 0, no records, no cached pages); the previous user's
   * copies are set aside sealed under their key, and their outbox items stay, unsent under their
   * name until that user signs in again (static/shared-phone.js).
   */
  function setSession(session) {
    var userId = session && session.userId ? String(session.userId) : null;
    var dev = session && session.deviceId ? String(session.deviceId) : null;
    if (!userId) return Promise.resolve();
    var Shared = root.FieldappSharedPhone;
    return Promise.all([getMeta('user_id'), getMeta('away')]).then(function (v) {
      var previous = v[0];
      // Another worker's phone till now, or nobody's but with this worker's copies set aside.
      if ((previous && previous !== userId) || (!previous && v[1] && v[1][userId])) return Shared.change(previous, userId);
    }).then(function () {
      // A signed-in page: no password sign-in under way any more (static/sw.js `locked`).
      var values = {user_id: userId, signing_in_at: null};
      if (dev) values.device_id = dev;
      // The forms this user may need about each person offline (static/cached-pages.js).
      if (Array.isArray(session.forms)) values.offline_forms = session.forms;
      // The deployment's PIN lock (static/vault.js, static/page/lock.js), or null when off.
      if (session.lock !== undefined) values.lock = session.lock;
      // Days without a sync after which the phone hides its copies of people (static/sw.js).
      if (session.staleDays) values.stale_days = session.staleDays;
      return setMeta(values);
    });
  }

  function currentSession() {
    return db().then(function (d) {
      var t = tx(d, 'meta', 'readonly');
      return Promise.all([
        t.store.get('user_id'), t.store.get('device_id'), t.store.get('cursor'), t.store.get('last_sync_at')
      ]).then(function (v) {
        return {userId: v[0] || null, deviceId: v[1] || null, cursor: v[2] || 0, lastSyncAt: v[3] || null};
      });
    });
  }

  // ---- outbox -----------------------------------------------------------------------------

  /**
   * Store a mutation in the outbox, state `waiting`. `m` carries type, op, record_id, fields and
   * optionally id, base_version, recorded_at, person_id, label, form_url, user_id.
   */
  function enqueue(m) {
    return enqueueAll([m]).then(function (items) { return items[0]; });
  }

  /** Store several mutations, in order, in one strict transaction: all are saved or none (a new
   * person and the contact that registers them never half-saved). */
  function enqueueAll(ms) {
    return currentSession().then(function (s) {
      var items = ms.map(function (m) {
        return {
          id: m.id || uuid(),
          type: m.type,
          op: m.op || 'create',
          record_id: m.record_id || uuid(),
          base_version: m.base_version == null ? null : m.base_version,
          recorded_at: m.recorded_at || nowIso(),
          fields: m.fields || {},
          user_id: m.user_id ? String(m.user_id) : s.userId,
          person_id: m.person_id || null,
          label: m.label || m.type,
          form_url: m.form_url || null,
          state: 'waiting',
          errors: null,
          message: null,
          attempts: 0,
          created_at: nowIso(),
          sent_at: null,
          version: null
        };
      });
      // Sealed first (static/at-rest.js: nothing about people is stored plain with the lock on;
      // locked, the save is refused), then all stored in one transaction.
      return AtRest().secrecy().then(function (secrecy) {
        return Promise.all(items.map(function (item) { return AtRest().sealItem(item, secrecy); }));
      }).then(function (stored) {
        return db().then(function (d) {
          var t = tx(d, 'outbox', 'readwrite');
          return Promise.all(stored.map(function (item, i) {
            return t.store.add(item).then(function (seq) { items[i].seq = seq; });
          })).then(function () { return t.done; });
        });
      }).then(function () {
        emit({type: 'changed'});
        return items;
      });
    });
  }

  function AtRest() { return root.FieldappAtRest; }

  /** Stored items as page code uses them: unsealed (static/at-rest.js). */
  function opened(items) {
    return AtRest().secrecy().then(function (s) { return AtRest().openItems(items, s); });
  }

  /** Every outbox item in the order made, optionally only those about one person. */
  function list(opts) {
    var personId = opts && opts.personId;
    return db().then(function (d) { return d.getAll('outbox'); }).then(function (items) {
      return opened(personId ? items.filter(function (i) { return i.person_id === personId; }) : items);
    });
  }

  function get(id) {
    return db().then(function (d) { return d.getFromIndex('outbox', 'id', id); }).then(function (item) {
      return item ? opened([item]).then(function (v) { return v[0]; }) : item;
    });
  }

  /** Apply `change(item)` to the item with mutation id `id` in one strict transaction. */
  function updateItem(id, change) {
    return db().then(function (d) {
      var t = tx(d, 'outbox', 'readwrite');
      return t.store.index('id').get(id).then(function (item) {
        if (!item) return null;
        var result = change(item);
        if (result === false) return item;
        return t.store.put(item).then(function () { return t.done; }).then(function () { return item; });
      });
    }).then(function (item) {
      emit({type: 'changed'});
      return item;
    });
  }

  /** Throw away one item (the worker chose to discard a rejected record). */
  function discard(id) {
    return db().then(function (d) {
      var t = tx(d, ['outbox', 'meta'], 'readwrite');
      var meta = t.objectStore('meta');
      return t.objectStore('outbox').index('id').getKey(id).then(function (seq) {
        if (seq === undefined) return false;
        // Told to the server with the next sync, so it does not count the record as lost
        // (static/flush.js, fieldapp/rules/unsent.py).
        return Promise.all([t.objectStore('outbox').delete(seq), meta.get('discarded').then(function (ids) {
          return meta.put((Array.isArray(ids) ? ids : []).concat([id]), 'discarded');
        })]).then(function () { return t.done; }).then(function () { return true; });
      });
    }).then(function (done) {
      emit({type: 'changed'});
      return done;
    });
  }

  /** Fix a rejected item: new fields, same mutation id and record id, back to `waiting`. */
  function replace(id, fields) {
    // The new fields are sealed with the rest of the item's personal parts before the write.
    return Promise.all([get(id), AtRest().secrecy()]).then(function (v) {
      if (!v[0]) return null;
      return AtRest().sealItem(Object.assign({}, v[0], {fields: fields}), v[1]);
    }).then(function (sealed) {
      if (!sealed) return null;
      return updateItem(id, function (item) { return replaced(item, fields, sealed); });
    });
  }

  /** The item fixed (in `updateItem`'s transaction): `sealed`, the item as sealed beforehand. */
  function replaced(item, fields, sealed) {
    if (item.state === 'sent') return false;
    if (sealed.sealed) item.sealed = sealed.sealed; else item.fields = fields;
    // The server's copy is sealed anew with the new fields (static/sealing.js), or there is none.
    delete item.envelope;
    delete item.sealed_for;
    if (sealed.envelope) { item.envelope = sealed.envelope; item.sealed_for = sealed.sealed_for; }
    // A contact moved to another person while being fixed belongs on that person's page now.
    if (item.type !== 'person' && fields && typeof fields.person_id === 'string') item.person_id = fields.person_id;
    item.state = 'waiting';
    item.errors = null;
    item.message = null;
    item.last_error = null;
  }

  /** The timings in force: the defaults, overridden by `configure` (tests only). */
  function settings() {
    return getMeta('settings').then(function (saved) {
      return Object.assign({}, DEFAULT_SETTINGS, saved || {});
    });
  }

  /** Shorten (or, with null, reset) timings on this phone: {syncTimeoutMs, waitTimerMs}. Bounded,
   * so that a stray value can neither hang a flush for long nor hammer the server. */
  function configure(values) {
    return settings().then(function (current) {
      var next = {};
      Object.keys(DEFAULT_SETTINGS).forEach(function (k) {
        var v = values && k in values ? values[k] : current[k];
        if (v == null) v = DEFAULT_SETTINGS[k];
        next[k] = Math.min(300000, Math.max(200, Number(v) || DEFAULT_SETTINGS[k]));
      });
      return setMeta({settings: next}).then(function () { return next; });
    });
  }

  /** Records of `userId` (default: the current user) not yet acknowledged, rejected ones included. */
  function pendingCount(userId) {
    return Promise.all([list(), userId ? Promise.resolve(String(userId)) : getMeta('user_id')])
      .then(function (v) {
        var uid = v[1];
        return v[0].filter(function (i) { return i.user_id === uid && i.state !== 'sent' && i.type !== 'view'; }).length;
      });
  }

  // ---- records (the pull) -------------------------------------------------------------------

  /** What the pull brought (optionally one scope's), unsealed: fields null while locked. */
  function records(opts) {
    return db().then(function (d) {
      if (opts && opts.scope) return d.getAllFromIndex('records', 'scope', opts.scope);
      return d.getAll('records');
    }).then(function (recs) {
      return AtRest().secrecy().then(function (s) { return AtRest().openRecords(recs, s); });
    });
  }

  // ---- closing -----------------------------------------------------------------------------

  /** Close this context's connection to the database, which a wipe is about to delete (another
   * context's stays open until its `blocking` hears); `forGood` (a revoked phone): this context
   * never opens, so never makes again, the database. For static/wipe.js. */
  function close(forGood) {
    if (forGood) wipedForGood = true;
    var closing = dbPromise ? dbPromise.then(function (d) { d.close(); }, function () {}) : Promise.resolve();
    dbPromise = null;
    return closing;
  }

  /** Ask the browser to keep this origin's storage under pressure (page side only). */
  function persist() {
    if (root.navigator && root.navigator.storage && root.navigator.storage.persist) {
      return root.navigator.storage.persisted().then(function (yes) {
        return yes || root.navigator.storage.persist();
      }).catch(function () { return false; });
    }
    return Promise.resolve(false);
  }

  root.FieldappOutbox = {
    enqueue: enqueue,
    enqueueAll: enqueueAll,
    list: list,
    get: get,
    discard: discard,
    replace: replace,
    pendingCount: pendingCount,
    records: records,
    setSession: setSession,
    session: currentSession,
    deviceId: deviceId,
    persist: persist,
    settings: settings,
    configure: configure,
    uuid: uuid,
    on: on,
    UNSENT: UNSENT,
    DB_NAME: DB_NAME,
    // The write primitives, for static/flush.js (see the header): not for page code, which goes
    // through the operations above.
    transaction: transaction,
    updateItem: updateItem,
    getMeta: getMeta,
    setMeta: setMeta,
    emit: emit,
    close: close
  };
})(typeof self !== 'undefined' ? self : this);
