/* fieldapp cached pages: this phone's copies of casework pages (the `fieldapp-pages` cache), kept
 * for reading with no signal (README: Offline reading).
 *
 * Owns: which pages to refresh after a sync (`pagesToRefresh`: those showing a type of record the
 * sync changed, by the map in static/page-map.js, and those not held yet: the caseload,
 * each person's page, the blank forms and a person's own copy of a form only where it shows more
 * than their name and details), fetching and storing them (`refresh`,
 * `refreshAfterSync`), counting what is held for the "Ready for offline use" cue (`holdings`),
 * which blank form answers a person's form offline (`blankFormFor`),
 * dropping a person's pages when they leave the worker's scope (`dropPeople`), and looking at the
 * cache without creating it (`openIfPresent`). The service worker stores the pages
 * a worker opens itself (static/sw.js, `navigation`); the outbox deletes the whole cache at a wipe.
 * A classic script loaded after static/outbox.js and static/page-map.js by the page and by the
 * service worker (importScripts); defines the global `FieldappCachedPages`.
 */
(function (root) {
  'use strict';

  var C = root.FieldappConstants;
  var Outbox = root.FieldappOutbox;
  var PageMap = root.FieldappPageMap;  // which page shows which records (static/page-map.js)
  // Requests in flight at once: the refresh after a sync that changed one person (the caseload,
  // their page, their forms: seven or eight pages) goes in one round trip over HTTP/2, as behind
  // the HTTPS proxy a real deployment needs; over HTTP/1.1 the browser itself holds it to six
  // connections, so two round trips there.
  var REFRESH_IN_PARALLEL = 8;

  function hasCaches() { return typeof caches !== 'undefined'; }
  function AtRest() { return root.FieldappAtRest; }

  /** The HTML of the cached copy of `path`, unsealed (static/at-rest.js), or null (none held, or
   * the phone is locked). For page code that reads a copy (its age, the copy on screen). */
  function pageText(path) {
    return openIfPresent().then(function (cache) {
      return cache ? cache.match(path, {ignoreVary: true, ignoreSearch: true}) : null;
    }).then(function (hit) {
      if (!hit) return null;
      return AtRest().secrecy().then(function (s) { return AtRest().pageText(hit, s); });
    });
  }

  // A wipe (logout, revoked phone) in any context must leave no page behind, even one that a
  // background refresh in another context (the service worker) fetched just before and stores just
  // after. Every context counts the wipes it hears of; a refresh stops when the count moves, and
  // once the refreshes in flight here settle, the page cache is deleted again.
  var wipes = 0;
  var refreshing = Promise.resolve();
  // Another worker taking the phone (static/shared-phone.js) counts too, so a refresh begun for
  // the first stores nothing in the second's cache; their cache is not deleted.
  Outbox.on(function (event) {
    if (!event || (event.type !== 'wiped' && event.type !== 'user-changed')) return;
    wipes += 1;
    if (event.type === 'wiped') refreshing.then(function () { if (hasCaches()) return caches.delete(C.PAGES_CACHE); });
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

  var RENDERED_AT = new RegExp('(<meta name="' + C.RENDERED_AT_META + '" content=")[^"]*(")');

  /** The copy `held` again, as confirmed current by the server's 304 `resp`: the same page with
   * its render time moved to the server's time of the 304 (the phone shows a copy's age from it),
   * and the server's new ETag if it sent one. */
  function renewed(held, resp, secrecy) {
    var when = new Date(resp.headers.get('Date') || Date.now());
    var at = (isNaN(when) ? new Date() : when).toISOString().replace(/\.\d+Z$/, 'Z');
    return AtRest().openPage(held, secrecy).then(function (open) {
      if (!open) return null;
      held = open;
      return open.text();
    }).then(function (html) {
      if (html == null) return null;
      var headers = new Headers(held.headers);
      if (resp.headers.get('ETag')) headers.set('ETag', resp.headers.get('ETag'));
      headers.delete('Content-Length');
      return new Response(html.replace(RENDERED_AT, '$1' + at + '$2'),
                          {status: 200, statusText: 'OK', headers: headers});
    });
  }

  /**
   * Fetch the pages a worker needs offline and keep the full-page 200 answers in the page cache
   * (never a redirect to /login); a page that is gone (404, 410: e.g. a draft made final) leaves
   * the cache. The refresh header tells the server this is not a view (no audit row).
   * Conditional: a page the cache holds is asked for with its ETag (If-None-Match), and the
   * server answers 304, with no body, when what the page shows has not changed
   * (fieldapp/web/wire.py); the copy is then kept, marked as current. So a sync that changed one
   * record costs one whole page or two and a few hundred bytes for the rest.
   * Resolves with the number of pages stored or confirmed; each path stored anew (not a 304) is
   * pushed onto `storedPaths`, if given.
   */
  function refresh(paths, storedPaths, since) {
    if (!hasCaches() || !paths.length) return Promise.resolve(0);
    var queue = paths.slice();
    var stored = 0;
    var started = since == null ? wipes : since;  // a sync that began before a wipe stores nothing
    var secrecy = null;
    // The cache is opened (so created) only to store a page, and only while someone is signed in
    // on this phone: a refresh that starts or ends after a wipe (the logout's own flush, or one in
    // the service worker that hears of the wipe late) must not bring the page cache back.
    var storing = null;
    var forUser = Outbox.getMeta('user_id');  // whose copies these are: stored only while theirs
    function put(path, resp) {
      if (!storing) {
        storing = Promise.all([forUser, Outbox.getMeta('user_id')]).then(function (v) {
          return v[1] && v[1] === v[0] && wipes === started ? caches.open(C.PAGES_CACHE) : null;
        });
      }
      return storing.then(function (cache) {
        if (cache && wipes === started) return AtRest().storePage(cache, path, resp, secrecy).then(function () { return afterStore(path); });
      });
    }
    // A wipe in another context can land between the look at `user_id` above and the store (the
    // service worker hears of it late): then the store made the cache again, so it goes again.
    // The wipe deletes the database before the caches, so no user is there to be found by now.
    // Another worker who took the phone meanwhile keeps their cache; only this page leaves it.
    function afterStore(path) {
      return Promise.all([forUser, Outbox.getMeta('user_id')]).then(function (v) {
        if (v[1] && v[1] !== v[0]) return caches.open(C.PAGES_CACHE).then(function (c) { return c.delete(path); });
        if (!v[1] || wipes !== started) return caches.delete(C.PAGES_CACHE);
      });
    }
    var run = AtRest().secrecy().then(function (s) {
      secrecy = s;
      // Locked: nothing may be stored (it could not be sealed), nor a copy read to renew.
      return s.locked || wipes !== started ? false : openIfPresent();
    }).then(function (existing) {
      if (existing === false) return 0;
      function next() {
        var path = queue.shift();
        if (!path || wipes !== started) return Promise.resolve();
        var held = null;
        return (existing ? existing.match(path, {ignoreVary: true}) : Promise.resolve(null)).then(function (hit) {
          held = hit || null;
          var headers = {};
          headers[C.REFRESH_HEADER] = '1';
          var etag = held && held.headers.get('ETag');
          if (etag) headers['If-None-Match'] = etag;
          // `no-store`: the browser's HTTP cache stays out of it (casework pages are never in
          // it), so a 304 comes back to this code as it is.
          return fetch(path, {
            credentials: 'same-origin', redirect: 'manual', cache: 'no-store', headers: headers
          });
        }).then(function (resp) {
          var type = resp.headers.get('Content-Type') || '';
          if (wipes !== started) return;  // logged out meanwhile: keep nothing
          if (resp.status === 304 && held) {
            return renewed(held, resp, secrecy).then(function (copy) {
              if (!copy || wipes !== started) return;
              stored += 1;
              return put(path, copy);
            });
          }
          if (resp.status === 200 && resp.type !== 'opaqueredirect' && !resp.redirected &&
              type.indexOf('text/html') === 0) {
            // Drawn for another worker (the cookie changed hands on a shared phone): not kept here.
            if (!drawnFor(resp, secrecy)) return;
            stored += 1;
            if (storedPaths) storedPaths.push(path);
            return put(path, resp);
          }
          if ((resp.status === 404 || resp.status === 410) && existing) return existing.delete(path);
        }).catch(function () { /* offline again: keep the old copy */ }).then(next);
      }
      var lanes = [];
      for (var i = 0; i < REFRESH_IN_PARALLEL; i += 1) lanes.push(next());
      return Promise.all(lanes).then(function () { return stored; });
    });
    refreshing = Promise.all([refreshing, run.catch(function () {})]);
    return run;
  }

  /** Whether the page `resp` was drawn for the worker whose copies these are (`s`, from
   * AtRest.secrecy, names them with the lock on): on a shared phone the browser's cookie may be
   * another worker's, whose page must never be kept under this one's key. */
  function drawnFor(resp, s) {
    var whose = resp.headers.get(C.USER_HEADER);
    return !s || !s.userId || whose === s.userId;
  }

  /** Keep the page `resp` the worker opened (static/sw.js), sealed when the lock is on: not
   * after a wipe, nor a page drawn for another worker, and counted among the refreshes a wipe
   * waits for. Resolves true if kept. */
  function keep(path, resp) {
    var started = wipes;
    var run = AtRest().secrecy().then(function (s) {
      if (wipes !== started || s.locked || !drawnFor(resp, s)) return false;
      return caches.open(C.PAGES_CACHE).then(function (cache) {
        return wipes === started && AtRest().storePage(cache, path, resp, s);
      });
    });
    refreshing = Promise.all([refreshing, run.catch(function () {})]);
    return run;
  }

  // The per-person forms kept when the page has not said which (a phone signed in before the
  // server wrote `data-offline-forms`): the ones every casework role had before.
  var DEFAULT_FORMS = ['contacts/new', 'assessments/new'];

  /** The per-person forms this user needs offline (meta `offline_forms`, set at sign-in from
   * `<body data-offline-forms>`: the server knows the role and the Star licence). */
  function formsWanted() {
    return Outbox.getMeta('offline_forms').then(function (forms) {
      return Array.isArray(forms) ? forms : DEFAULT_FORMS;
    }, function () { return DEFAULT_FORMS; });
  }

  /** Everything the cache holds, as a set of paths. */
  function heldPaths() {
    return openIfPresent().then(function (cache) {
      return cache ? cache.keys() : [];
    }).then(function (keys) {
      var held = {};
      keys.forEach(function (req) { held[new URL(req.url).pathname] = true; });
      return held;
    });
  }

  /**
   * Which pages to refresh after a sync that changed `changed` ({scopes: {scope: {type: true}},
   * types: {type: true}}): a page the phone does not hold yet; a page held that shows a type of
   * record the sync changed (static/page-map.js); and, once a day (`recheck`), every page held.
   */
  function pagesToRefresh(changed, recheck) {
    return Promise.all([Outbox.records(), heldPaths(), formsWanted()]).then(function (v) {
      return PageMap.wantedPages(v[0], v[1], v[2], changed || {}, !!recheck);
    });
  }

  /**
   * After a good sync that changed `changed` (as `pagesToRefresh`; `true` for everything):
   * refresh the pages it changed (and any not held yet), then note when the phone's copy was last
   * made current (meta `pages_refreshed_at`) and say so (event `pages-refreshed`, for the "Ready
   * for offline use" cue). Resolves with the pages stored.
   *
   * One refresh at a time, across the pages and the worker (Web Locks; a chain in this context
   * where they are missing): two syncs close together (a sign-in's, then its signed pull) each
   * asked for every page the phone did not hold yet, so a first sign-in downloaded each page
   * twice (bench/first_signin.py). The second, in its turn, finds the first's copies and asks
   * for them conditionally (304s). A wipe before its turn still makes it store nothing.
   */
  function refreshAfterSync(changed, since) {
    var started = since == null ? wipes : since;
    var run = function () { return refreshInTurn(changed, started); };
    if (root.navigator && root.navigator.locks && root.navigator.locks.request) {
      return root.navigator.locks.request('fieldapp-refresh', run);
    }
    var turn = refreshChain.then(run, run);
    refreshChain = turn.catch(function () {});
    return turn;
  }

  var refreshChain = Promise.resolve();

  function refreshInTurn(changed, started) {
    var storedPaths = [];
    var recheck = false;
    // In two rounds: the caseload, everyone's page and the forms of people whose page is held,
    // then the other forms, so that a phone holding a person's form always holds their page too
    // (the form leads back to it after a save); after a sync of a few records, one round.
    // A form of a person whose page the phone already holds goes in the first round.
    return Promise.all([Outbox.getMeta('pages_rechecked_at'), heldPaths()]).then(function (v) {
      var last = v[0] ? Date.parse(v[0]) : NaN;
      // The first sync fetches everything anyway: the daily check starts from it.
      recheck = changed === true || (!isNaN(last) && Date.now() - last > PageMap.RECHECK_MS);
      var held = v[1];
      return pagesToRefresh(changed === true ? {} : changed, recheck).then(function (paths) {
        var later = function (path) {
          var m = /^(\/people\/[^/]+)\/./.exec(path);
          return !!m && !held[m[1]];
        };
        return refresh(paths.filter(function (p) { return !later(p); }), storedPaths, started).then(function (first) {
          return refresh(paths.filter(later), storedPaths, started).then(function (second) { return first + second; });
        });
      }).then(function (stored) {
        return recheck || isNaN(last) ? Outbox.setMeta({pages_rechecked_at: new Date().toISOString()}).then(function () { return stored; }) : stored;
      });
    }).then(function (stored) {
      if (wipes !== started) return stored;  // logged out meanwhile: nothing to be ready for
      return Outbox.setMeta({pages_refreshed_at: new Date().toISOString()}).then(function () {
        // `paths`: a page on screen among them is out of date (static/page/pending-changes.js).
        Outbox.emit({type: 'pages-refreshed', stored: stored, paths: storedPaths});
        return stored;
      });
    });
  }

  /** The path of the blank copy that answers `path` (/people/<id>/<form>) offline when the phone
   * holds no copy of that person's own (static/sw.js `cachedPage`), or null: only for the forms the
   * user needs offline, never for someone's page itself. With `instead`, only where the blank one
   * is all the phone keeps for them (their form shows nothing but their details: `ownCopyNeeded`). */
  function blankFormFor(path, instead) {
    var m = /^\/people\/([^/]+)\/(.+)$/.exec(path);
    if (!m || m[1] === 'on-phone') return Promise.resolve(null);
    return Promise.all([formsWanted(), instead ? Outbox.records({scope: m[1]}) : []]).then(function (v) {
      if (v[0].indexOf(m[2]) === -1) return null;
      if (instead && PageMap.ownCopyNeeded(m[2], PageMap.recordsByPerson(v[1])[m[1]] || [])) return null;
      return '/people/on-phone/' + m[2];
    });
  }

  /**
   * What this phone holds for reading offline, counted from the cache itself: {people, ready,
   * caseload, blankForms, refreshedAt}: the people the phone holds, how many of them have their
   * page and every form their role needs cached, whether the caseload is cached, whether the blank
   * forms for someone registered offline are, and when a sync last made the copies current (null
   * before the first).
   */
  function holdings() {
    return Promise.all([Outbox.records(), heldPaths(), formsWanted(), Outbox.getMeta('pages_refreshed_at')])
      .then(function (v) {
        var held = v[1];
        var people = PageMap.peopleHeld(v[0]);
        var theirs = PageMap.recordsByPerson(v[0]);
        // A form is ready when their own copy is held, or the blank one serves them.
        var ready = people.filter(function (p) {
          var base = '/people/' + p.record_id;
          return held[base] && v[2].every(function (form) {
            return held[base + '/' + form] ||
              (held['/people/on-phone/' + form] && !PageMap.ownCopyNeeded(form, theirs[p.record_id] || []));
          });
        });
        return {people: people.length, ready: ready.length, caseload: !!held['/caseload'],
                blankForms: v[2].every(function (form) { return held['/people/on-phone/' + form]; }),
                refreshedAt: v[3] || null};
      });
  }

  root.FieldappCachedPages = {
    openIfPresent: openIfPresent,
    pageText: pageText,
    keep: keep,
    wipeCount: function () { return wipes; },
    dropPeople: dropPeople,
    refresh: refresh,
    pagesToRefresh: pagesToRefresh,
    refreshAfterSync: refreshAfterSync,
    holdings: holdings,
    blankFormFor: blankFormFor
  };
})(typeof self !== 'undefined' ? self : this);
