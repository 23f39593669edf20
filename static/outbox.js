/* fieldapp outbox: the phone's store of unsent changes and of what the server has sent back.
 *
 * ONE classic script, loaded by the page (<script>) and by the service worker (importScripts), so
 * both flush the same way. It defines the global `FieldappOutbox` and needs the global `idb`
 * (npm idb 8 UMD build) loaded before it.
 *
 * IndexedDB database `fieldapp`:
 *   outbox  {seq (auto), id (mutation id), type, op, record_id, base_version, recorded_at, fields,
 *            user_id, person_id, label, form_url, state, errors, message, attempts, created_at,
 *            sent_at, version}
 *   records {type, record_id, version, deleted, scope, fields}: what the pull returned
 *   meta    key -> value: device_id, cursor, user_id, last_sync_at
 *
 * Every offline store of casework goes through here, so that it can be encrypted and wiped in one
 * place (`wipe`). Events go out on BroadcastChannel('fieldapp') so every open page and the worker
 * stay in step: {type: 'changed'}, {type: 'flushed', ok, pending}, {type: 'login-needed'},
 * {type: 'revoked'}, {type: 'wiped'}.
 */
(function (root) {
  'use strict';

  var DB_NAME = 'fieldapp';
  var DB_VERSION = 1;
  var CACHE_PREFIX = 'fieldapp-';
  var PAGES_CACHE = 'fieldapp-pages';
  var SYNC_URL = '/api/sync';
  var PROTOCOL = 1;
  var BATCH_MAX = 100;
  var TIMEOUT_MS = 20000;
  var SENT_KEEP_MS = 3 * 24 * 3600 * 1000;
  // A pull with nothing to send is skipped if the last sync was this recent (saves round trips on
  // every page load over a poor link); "Sync now" and saves always go through.
  var QUIET_PULL_MS = 15000;
  var UNSENT = ['waiting', 'sending', 'deferred'];
  var STATUSES = ['applied', 'conflict', 'duplicate', 'deferred', 'rejected'];
  var STRICT = {durability: 'strict'};

  var dbPromise = null;
  var channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('fieldapp') : null;
  var listeners = [];
  var localChain = Promise.resolve();

  /** Open (once) the database; close it when another context wants to delete or upgrade it. */
  function db() {
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
   * Record who is logged in on this page. A different user than last time starts from an empty
   * copy of the server (cursor 0, no records, no cached pages); their outbox items stay, unsent
   * under the other user's name until that user logs in again.
   */
  function setSession(session) {
    var userId = session && session.userId ? String(session.userId) : null;
    var dev = session && session.deviceId ? String(session.deviceId) : null;
    if (!userId) return Promise.resolve();
    return db().then(function (d) {
      var t = tx(d, ['meta', 'records'], 'readwrite');
      var meta = t.objectStore('meta');
      return meta.get('user_id').then(function (previous) {
        var writes = [meta.put(userId, 'user_id')];
        if (dev) writes.push(meta.put(dev, 'device_id'));
        var changedUser = previous && previous !== userId;
        if (changedUser) {
          writes.push(meta.put(0, 'cursor'), meta.delete('last_sync_at'), t.objectStore('records').clear());
        }
        return Promise.all(writes).then(function () { return t.done; }).then(function () {
          if (changedUser) return deletePages(function () { return true; });
        });
      });
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
    return currentSession().then(function (s) {
      var item = {
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
      return db().then(function (d) {
        return d.add('outbox', item).then(function (seq) {
          item.seq = seq;
          emit({type: 'changed'});
          return item;
        });
      });
    });
  }

  /** Every outbox item in the order made, optionally only those about one person. */
  function list(opts) {
    var personId = opts && opts.personId;
    return db().then(function (d) { return d.getAll('outbox'); }).then(function (items) {
      return personId ? items.filter(function (i) { return i.person_id === personId; }) : items;
    });
  }

  function get(id) {
    return db().then(function (d) { return d.getFromIndex('outbox', 'id', id); });
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
      var t = tx(d, 'outbox', 'readwrite');
      return t.store.index('id').getKey(id).then(function (seq) {
        if (seq === undefined) return false;
        return t.store.delete(seq).then(function () { return t.done; }).then(function () { return true; });
      });
    }).then(function (done) {
      emit({type: 'changed'});
      return done;
    });
  }

  /** Fix a rejected item: new fields, same mutation id and record id, back to `waiting`. */
  function replace(id, fields) {
    return updateItem(id, function (item) {
      if (item.state === 'sent') return false;
      item.fields = fields;
      item.state = 'waiting';
      item.errors = null;
      item.message = null;
    });
  }

  /** Records of `userId` (default: the current user) not yet acknowledged, rejected ones included. */
  function pendingCount(userId) {
    return Promise.all([list(), userId ? Promise.resolve(String(userId)) : getMeta('user_id')])
      .then(function (v) {
        var uid = v[1];
        return v[0].filter(function (i) { return i.user_id === uid && i.state !== 'sent'; }).length;
      });
  }

  // ---- records (the pull) -------------------------------------------------------------------

  function records(opts) {
    return db().then(function (d) {
      if (opts && opts.scope) return d.getAllFromIndex('records', 'scope', opts.scope);
      return d.getAll('records');
    });
  }

  // ---- caches -------------------------------------------------------------------------------

  function hasCaches() { return typeof caches !== 'undefined'; }

  /** Delete cached pages whose path satisfies `match(pathname)`. */
  function deletePages(match) {
    if (!hasCaches()) return Promise.resolve();
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.filter(function (req) {
          return match(new URL(req.url).pathname);
        }).map(function (req) { return cache.delete(req); }));
      });
    });
  }

  function personPathMatcher(personIds) {
    return function (path) {
      return personIds.some(function (p) {
        return path === '/people/' + p || path.indexOf('/people/' + p + '/') === 0;
      });
    };
  }

  /**
   * Fetch the pages a worker needs offline and keep the full-page 200 answers in the page cache
   * (never a redirect to /login). `X-Fieldapp-Refresh: 1` tells the server this is not a view.
   */
  function refreshPages(paths) {
    if (!hasCaches() || !paths.length) return Promise.resolve(0);
    var queue = paths.slice();
    var stored = 0;
    return caches.open(PAGES_CACHE).then(function (cache) {
      function next() {
        var path = queue.shift();
        if (!path) return Promise.resolve();
        return fetch(path, {
          credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
          headers: {'X-Fieldapp-Refresh': '1'}
        }).then(function (resp) {
          var type = resp.headers.get('Content-Type') || '';
          if (resp.status === 200 && resp.type !== 'opaqueredirect' && !resp.redirected &&
              type.indexOf('text/html') === 0) {
            stored += 1;
            return cache.put(path, resp);
          }
        }).catch(function () { /* offline again: keep the old copy */ }).then(next);
      }
      return Promise.all([next(), next(), next()]).then(function () { return stored; });
    });
  }

  /** Which pages to refresh after a sync: those whose data changed, and those not cached yet. */
  function pagesToRefresh(changedScopes, changedPeople, anyChange) {
    return records().then(function (all) {
      var people = all.filter(function (r) { return r.type === 'person' && !r.deleted; });
      var wanted = [];
      var changed = {};
      var renamed = {};
      changedScopes.forEach(function (s) { changed[s] = true; });
      changedPeople.forEach(function (s) { renamed[s] = true; });
      return (hasCaches() ? caches.open(PAGES_CACHE) : Promise.resolve(null)).then(function (cache) {
        function missing(path) {
          if (!cache) return Promise.resolve(true);
          return cache.match(path, {ignoreVary: true, ignoreSearch: true}).then(function (r) { return !r; });
        }
        var checks = [
          missing('/caseload').then(function (m) { if (m || anyChange) wanted.push('/caseload'); }),
          missing('/contacts/new').then(function (m) { if (m || anyChange) wanted.push('/contacts/new'); }),
          missing('/outbox').then(function (m) { if (m) wanted.push('/outbox'); })
        ];
        people.forEach(function (p) {
          var page = '/people/' + p.record_id;
          var form = page + '/contacts/new';
          checks.push(missing(page).then(function (m) { if (m || changed[p.record_id]) wanted.push(page); }));
          checks.push(missing(form).then(function (m) {
            if (m || renamed[p.record_id]) wanted.push(form);
          }));
        });
        return Promise.all(checks).then(function () { return wanted; });
      });
    });
  }

  // ---- flush --------------------------------------------------------------------------------

  /** Backoff for timer retries after `failures` failed attempts: 2 s doubling to 5 min, jittered. */
  function backoff(failures) {
    var base = Math.min(300000, 2000 * Math.pow(2, Math.max(0, failures - 1)));
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  function wire(item) {
    return {
      id: item.id, type: item.type, op: item.op, record_id: item.record_id,
      base_version: item.base_version, recorded_at: item.recorded_at, fields: item.fields || {}
    };
  }

  /** POST one batch. Resolves {status, data} or rejects on a network failure or timeout. */
  function post(body) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    return fetch(SYNC_URL, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: {'Content-Type': 'application/json', 'X-Fieldapp-Sync': '1'},
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        var type = resp.headers.get('Content-Type') || '';
        if (type.indexOf('json') !== -1) {
          try { data = JSON.parse(text); } catch (e) { data = null; }
        }
        return {status: resp.status, data: data};
      });
    }).finally(function () { clearTimeout(timer); });
  }

  /** Only the sync endpoint's own well-formed answer counts (never a captive portal's page). */
  function wellFormed(resp, ids) {
    var d = resp.data;
    if (resp.status !== 200 || !d || typeof d !== 'object' || d.protocol !== PROTOCOL) return false;
    if (!Array.isArray(d.results) || d.results.length !== ids.length) return false;
    if (d.changes != null && !Array.isArray(d.changes)) return false;
    var wanted = {};
    ids.forEach(function (id) { wanted[id] = true; });
    return d.results.every(function (r) {
      if (!r || !wanted[r.id] || STATUSES.indexOf(r.status) === -1) return false;
      delete wanted[r.id];
      return true;
    });
  }

  function errorsMessage(errors) {
    if (!errors || typeof errors !== 'object') return 'The server could not accept this record.';
    var parts = [];
    Object.keys(errors).forEach(function (field) {
      var msgs = errors[field];
      if (!Array.isArray(msgs)) msgs = typeof msgs === 'object' && msgs ? [JSON.stringify(msgs)] : [String(msgs)];
      var name = field === '_mutation' ? '' : field.replace(/_/g, ' ').replace(/^./, function (c) { return c.toUpperCase(); }) + ': ';
      parts.push(name + msgs.join(' '));
    });
    return parts.join(' ') || 'The server could not accept this record.';
  }

  /** Put items back to where they were before an attempt that did not count. */
  function restore(batch) {
    return db().then(function (d) {
      var t = tx(d, 'outbox', 'readwrite');
      return Promise.all(batch.map(function (item) {
        return t.store.get(item.seq).then(function (cur) {
          if (!cur || cur.state !== 'sending') return;
          cur.state = item.prior_state === 'deferred' ? 'deferred' : 'waiting';
          return t.store.put(cur);
        });
      })).then(function () { return t.done; });
    }).then(function () { emit({type: 'changed'}); });
  }

  /** Mark the next batch `sending` and return it (only this user's unsent items, in order). */
  function takeBatch(userId, size) {
    return db().then(function (d) {
      var t = tx(d, 'outbox', 'readwrite');
      return t.store.getAll().then(function (items) {
        var cutoff = Date.now() - SENT_KEEP_MS;
        var ops = [];
        var batch = [];
        items.forEach(function (item) {
          if (item.state === 'sent' && item.sent_at && Date.parse(item.sent_at) < cutoff) {
            ops.push(t.store.delete(item.seq));  // prune old acknowledgements
          } else if (item.user_id === userId && UNSENT.indexOf(item.state) !== -1 && batch.length < size) {
            var prior = item.state === 'sending' ? (item.message ? 'deferred' : 'waiting') : item.state;
            item.state = 'sending';
            item.attempts = (item.attempts || 0) + 1;
            ops.push(t.store.put(item));
            batch.push(Object.assign({prior_state: prior}, item));
          }
        });
        return Promise.all(ops).then(function () { return t.done; }).then(function () { return batch; });
      });
    });
  }

  /** Store the answer: every result, every change, the new cursor, in one strict transaction. */
  function applyAnswer(batch, data, userId) {
    var results = {};
    data.results.forEach(function (r) { results[r.id] = r; });
    var changes = data.changes || [];
    var droppedScopes = [];
    var changedScopes = {};
    var changedPeople = {};
    var now = nowIso();
    return db().then(function (d) {
      var t = tx(d, ['outbox', 'records', 'meta'], 'readwrite');
      var outbox = t.objectStore('outbox');
      var recs = t.objectStore('records');
      var ops = batch.map(function (sent) {
        return outbox.get(sent.seq).then(function (item) {
          if (!item) return;
          var r = results[item.id];
          if (r.status === 'applied' || r.status === 'conflict' || r.status === 'duplicate') {
            item.state = 'sent';
            item.version = r.version == null ? null : r.version;
            item.sent_at = now;
            item.errors = null;
            var first = r.status === 'duplicate' ? r.first_status : r.status;
            item.message = first === 'conflict'
              ? 'A colleague changed the same details: the server kept theirs and recorded both.' : null;
          } else if (r.status === 'deferred') {
            item.state = 'deferred';
            item.message = errorsMessage(r.errors);
          } else {
            item.state = 'rejected';
            item.errors = r.errors || {_mutation: ['The server could not accept this record.']};
            item.message = errorsMessage(item.errors);
          }
          return outbox.put(item);
        });
      });
      // Changes in order; a later one for the same record wins through the version check.
      var chain = Promise.resolve();
      changes.forEach(function (c) {
        chain = chain.then(function () {
          if (!c || !c.type) return;
          if (c.type === 'scope') {
            if (!c.deleted) return;
            droppedScopes.push(c.record_id);
            return recs.index('scope').getAllKeys(c.record_id).then(function (keys) {
              return Promise.all(keys.map(function (k) { return recs.delete(k); }));
            }).then(function () { return recs.delete(['person', c.record_id]); });
          }
          var key = [c.type, c.record_id];
          return recs.get(key).then(function (held) {
            if (held && typeof held.version === 'number' && typeof c.version === 'number' && c.version < held.version) return;
            var scope = c.scope != null ? c.scope : (held ? held.scope : (c.type === 'person' ? c.record_id : null));
            if (scope) changedScopes[scope] = true;
            if (c.type === 'person') changedPeople[c.record_id] = true;
            if (c.type === 'person' && c.deleted) droppedScopes.push(c.record_id);  // its pages go too
            return recs.put({
              type: c.type, record_id: c.record_id, version: c.version, deleted: !!c.deleted,
              scope: scope, fields: c.deleted ? null : (c.fields || {})
            });
          });
        });
      });
      ops.push(chain);
      var meta = t.objectStore('meta');
      if (data.cursor != null) ops.push(meta.put(data.cursor, 'cursor'));
      ops.push(meta.put(now, 'last_sync_at'));
      // Acknowledged records about a person who left this worker's scope go too.
      if (droppedScopes.length) {
        ops.push(outbox.getAll().then(function (items) {
          return Promise.all(items.filter(function (i) {
            return i.state === 'sent' && droppedScopes.indexOf(i.person_id) !== -1;
          }).map(function (i) { return outbox.delete(i.seq); }));
        }));
      }
      return Promise.all(ops).then(function () { return t.done; });
    }).then(function () {
      var after = droppedScopes.length ? deletePages(personPathMatcher(droppedScopes)) : Promise.resolve();
      return after.then(function () {
        return {changedScopes: Object.keys(changedScopes), changedPeople: Object.keys(changedPeople),
                anyChange: changes.length > 0};
      });
    });
  }

  /** One whole flush: send every batch of this user's unsent items and pull until `more` is false. */
  function doFlush(opts) {
    var reason = (opts && opts.reason) || 'unspecified';
    if (root.navigator && root.navigator.onLine === false) {
      return Promise.resolve({ok: false, offline: true});
    }
    return currentSession().then(function (s) {
      if (!s.userId || !s.deviceId) return {ok: false, reason: 'no-session'};
      var size = BATCH_MAX;
      var cursor = s.cursor || 0;
      var rounds = 0;
      var scopes = {};
      var people = {};
      var anyChange = false;
      var sentSomething = false;

      function round() {
        rounds += 1;
        return takeBatch(s.userId, size).then(function (batch) {
          var quiet = !batch.length && rounds === 1 && s.lastSyncAt &&
            Date.now() - Date.parse(s.lastSyncAt) < QUIET_PULL_MS &&
            reason !== 'sync-now' && reason !== 'save' && reason !== 'background-sync';
          if (quiet) return {ok: true, quiet: true};
          if (batch.length) emit({type: 'changed'});
          var ids = batch.map(function (i) { return i.id; });
          var body = {protocol: PROTOCOL, device_id: s.deviceId, cursor: cursor, mutations: batch.map(wire)};
          return post(body).then(function (resp) {
            if (resp.status === 413 && resp.data && batch.length > 1) {
              size = Math.max(1, Math.floor(batch.length / 2));
              return restore(batch).then(round);
            }
            if (resp.status === 401) {
              return restore(batch).then(function () { emit({type: 'login-needed'}); return {ok: false, loginNeeded: true}; });
            }
            if (resp.status === 403 && resp.data && resp.data.revoked === true) {
              return wipe().then(function () { emit({type: 'revoked'}); return {ok: false, revoked: true}; });
            }
            if (resp.status === 409 && resp.data && resp.data.error === 'device_mismatch') {
              return restore(batch).then(function () { emit({type: 'login-needed'}); return {ok: false, loginNeeded: true}; });
            }
            if (resp.status === 413 && resp.data && batch.length === 1) {
              return updateItem(batch[0].id, function (item) {
                item.state = 'rejected';
                item.errors = {_mutation: ['Too large to send. Shorten it or discard it.']};
                item.message = errorsMessage(item.errors);
              }).then(function () { return {ok: false}; });
            }
            if (!wellFormed(resp, ids)) {
              return restore(batch).then(function () { return {ok: false, status: resp.status}; });
            }
            return applyAnswer(batch, resp.data, s.userId).then(function (applied) {
              emit({type: 'changed'});
              sentSomething = sentSomething || batch.length > 0;
              applied.changedScopes.forEach(function (x) { scopes[x] = true; });
              applied.changedPeople.forEach(function (x) { people[x] = true; });
              anyChange = anyChange || applied.anyChange;
              cursor = resp.data.cursor != null ? resp.data.cursor : cursor;
              var more = resp.data.more === true || batch.length === size;
              if (more && rounds < 50) return round();
              return {ok: true};
            });
          }, function () {
            // Network failure or timeout: nothing is lost, nothing is marked sent.
            return restore(batch).then(function () { return {ok: false, network: true}; });
          });
        });
      }

      return round().then(function (result) {
        if (result.ok && !result.quiet) {
          result.refresh = pagesToRefresh(Object.keys(scopes), Object.keys(people), anyChange || sentSomething)
            .then(refreshPages).catch(function () { return 0; });
        }
        return result;
      });
    });
  }

  /**
   * Send what is waiting and pull what changed. Serialised across page, tabs and worker with the
   * Web Locks API (in-context chain where it is missing) so no item is ever sent twice at once.
   * Resolves {ok, pending, refresh?}: `refresh` settles when the cached pages are refreshed.
   */
  function flush(opts) {
    var run = function () {
      return doFlush(opts).catch(function (e) { return {ok: false, error: String(e)}; });
    };
    var p;
    if (root.navigator && root.navigator.locks && root.navigator.locks.request) {
      p = root.navigator.locks.request('fieldapp-flush', run);
    } else {
      p = localChain = localChain.then(run, run);
    }
    return p.then(function (result) {
      return Promise.all([list(), getMeta('user_id')]).catch(function () { return [[], null]; }).then(function (v) {
        var mine = v[0].filter(function (i) { return i.user_id === v[1] && i.state !== 'sent'; });
        result.pending = mine.length;  // everything unsent, rejected included (logout checks this)
        result.waiting = mine.filter(function (i) { return UNSENT.indexOf(i.state) !== -1; }).length;
        emit({type: 'flushed', ok: !!result.ok, pending: result.pending, waiting: result.waiting,
              offline: !!result.offline, loginNeeded: !!result.loginNeeded, revoked: !!result.revoked});
        return result;
      });
    });
  }

  /** Delete the database and every fieldapp- cache (logout, and a revoked phone). */
  function wipe() {
    var closing = dbPromise ? dbPromise.then(function (d) { d.close(); }, function () {}) : Promise.resolve();
    dbPromise = null;
    return closing.then(function () {
      return new Promise(function (resolve) {
        var req = indexedDB.deleteDatabase(DB_NAME);
        var timer = setTimeout(resolve, 5000);  // a context that never lets go must not hang logout
        req.onsuccess = req.onerror = function () { clearTimeout(timer); resolve(); };
      });
    }).then(function () {
      if (!hasCaches()) return;
      return caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf(CACHE_PREFIX) === 0; })
          .map(function (n) { return caches.delete(n); }));
      });
    }).then(function () { emit({type: 'wiped'}); });
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
    list: list,
    get: get,
    discard: discard,
    replace: replace,
    flush: flush,
    pendingCount: pendingCount,
    records: records,
    wipe: wipe,
    setSession: setSession,
    session: currentSession,
    deviceId: deviceId,
    persist: persist,
    backoff: backoff,
    uuid: uuid,
    on: on,
    UNSENT: UNSENT
  };
})(typeof self !== 'undefined' ? self : this);
