/* fieldapp cached pages: this phone's copies of casework pages (the `fieldapp-pages` cache), kept
 * for reading with no signal (README: Offline reading).
 *
 * Owns: which pages to refresh after a sync (`pagesToRefresh`), fetching and storing them
 * (`refresh`), dropping a person's pages when they leave the worker's scope (`dropPeople`), and
 * looking at the cache without creating it (`openIfPresent`). The service worker stores the pages
 * a worker opens itself (static/sw.js, `navigation`); the outbox deletes the whole cache at a wipe.
 * A classic script loaded after static/outbox.js by the page and by the service worker
 * (importScripts); defines the global `FieldappCachedPages`.
 */
(function (root) {
  'use strict';

  var C = root.FieldappConstants;
  var Outbox = root.FieldappOutbox;
  var REFRESH_IN_PARALLEL = 3;

  function hasCaches() { return typeof caches !== 'undefined'; }

  // A wipe (logout, revoked phone) in any context must leave no page behind, even one that a
  // background refresh in another context (the service worker) fetched just before and stores just
  // after. Every context counts the wipes it hears of; a refresh stops when the count moves, and
  // once the refreshes in flight here settle, the page cache is deleted again.
  var wipes = 0;
  var refreshing = Promise.resolve();
  Outbox.on(function (event) {
    if (!event || event.type !== 'wiped') return;
    wipes += 1;
    refreshing.then(function () { if (hasCaches()) return caches.delete(C.PAGES_CACHE); });
  });

  /** The page cache, or null when there is none: looking must not create an empty one (after a
   * wipe, the cache must not come back). */
  function openIfPresent() {
    if (!hasCaches()) return Promise.resolve(null);
    return caches.has(C.PAGES_CACHE).then(function (has) {
      return has ? caches.open(C.PAGES_CACHE) : null;
    });
  }

  /** Delete every cached page about these people (they left this worker's scope). */
  function dropPeople(personIds) {
    if (!hasCaches() || !personIds.length) return Promise.resolve();
    function about(path) {
      return personIds.some(function (p) {
        return path === '/people/' + p || path.indexOf('/people/' + p + '/') === 0;
      });
    }
    return caches.open(C.PAGES_CACHE).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.filter(function (req) {
          return about(new URL(req.url).pathname);
        }).map(function (req) { return cache.delete(req); }));
      });
    });
  }

  /**
   * Fetch the pages a worker needs offline and keep the full-page 200 answers in the page cache
   * (never a redirect to /login); a page that is gone (404, 410: e.g. a draft made final) leaves
   * the cache. The refresh header tells the server this is not a view (no audit row).
   * Resolves with the number of pages stored.
   */
  function refresh(paths) {
    if (!hasCaches() || !paths.length) return Promise.resolve(0);
    var queue = paths.slice();
    var stored = 0;
    var started = wipes;
    var headers = {};
    headers[C.REFRESH_HEADER] = '1';
    var run = caches.open(C.PAGES_CACHE).then(function (cache) {
      function next() {
        var path = queue.shift();
        if (!path || wipes !== started) return Promise.resolve();
        return fetch(path, {
          credentials: 'same-origin', redirect: 'manual', cache: 'no-store', headers: headers
        }).then(function (resp) {
          var type = resp.headers.get('Content-Type') || '';
          if (wipes !== started) return;  // logged out meanwhile: keep nothing
          if (resp.status === 200 && resp.type !== 'opaqueredirect' && !resp.redirected &&
              type.indexOf('text/html') === 0) {
            stored += 1;
            return cache.put(path, resp);
          }
          if (resp.status === 404 || resp.status === 410) return cache.delete(path);
        }).catch(function () { /* offline again: keep the old copy */ }).then(next);
      }
      var lanes = [];
      for (var i = 0; i < REFRESH_IN_PARALLEL; i += 1) lanes.push(next());
      return Promise.all(lanes).then(function () { return stored; });
    });
    refreshing = Promise.all([refreshing, run.catch(function () {})]);
    return run;
  }

  /**
   * Which pages to refresh after a sync: the caseload, the contact form and each person's page and
   * contact form when their data changed or they are not cached yet; and every other page about a
   * person this phone already holds (their edit form, the NDT and Star forms, a draft Star) when
   * that person's data changed: never fetched for the first time here, only kept current.
   */
  function pagesToRefresh(changedScopes, changedPeople, anyChange) {
    return Promise.all([Outbox.records(), openIfPresent()]).then(function (v) {
      var all = v[0];
      var cache = v[1];
      return (cache ? cache.keys() : Promise.resolve([])).then(function (keys) {
        var held = {};
        keys.forEach(function (req) { held[new URL(req.url).pathname] = true; });
        return wantedPages(all, held, asSet(changedScopes), asSet(changedPeople), anyChange);
      });
    });
  }

  function asSet(ids) {
    var set = {};
    ids.forEach(function (id) { set[id] = true; });
    return set;
  }

  /** The paths to fetch, given the records held, the pages `held` in the cache, the scopes whose
   * data `changed` and the people `renamed` (their person record changed). */
  function wantedPages(all, held, changed, renamed, anyChange) {
    var wanted = {};
    function want(path, when) { if (!held[path] || when) wanted[path] = true; }
    want('/caseload', anyChange);
    want('/contacts/new', anyChange);
    want('/outbox', false);
    all.forEach(function (p) {
      if (p.type !== 'person' || p.deleted) return;
      want('/people/' + p.record_id, changed[p.record_id]);
      want('/people/' + p.record_id + '/contacts/new', renamed[p.record_id]);
      // The NDT form shows the previous total: ready for an assessment with no signal.
      want('/people/' + p.record_id + '/assessments/new', changed[p.record_id]);
    });
    // A draft Star reading on the server can be resumed offline on any of the worker's phones.
    all.forEach(function (r) {
      if (r.type !== 'assessment' || r.deleted || !r.fields || r.fields.status !== 'draft') return;
      want('/people/' + r.fields.person_id + '/star/' + r.record_id + '/edit', changed[r.fields.person_id]);
    });
    Object.keys(held).forEach(function (path) {
      var m = /^\/people\/([^/]+)\/(.+)$/.exec(path);
      if (!m || m[2] === 'contacts/new') return;
      if (m[2] === 'edit' ? renamed[m[1]] : changed[m[1]]) wanted[path] = true;
    });
    return Object.keys(wanted);
  }

  root.FieldappCachedPages = {
    openIfPresent: openIfPresent,
    dropPeople: dropPeople,
    refresh: refresh,
    pagesToRefresh: pagesToRefresh
  };
})(typeof self !== 'undefined' ? self : this);
