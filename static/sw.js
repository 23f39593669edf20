/* fieldapp service worker.
 *
 * Owns: the app shell (CSS, scripts, icons, manifest, the /offline page) precached per version; the
 * cached copies of the casework pages a worker needs with no signal (caseload, people, forms, outbox),
 * kept across versions and cleared at logout; and flushing the outbox (shared with the page through
 * /static/outbox.js, /static/cached-pages.js, /static/send.js, /static/answer.js and /static/flush.js) on Background
 * Sync and when a page asks.
 * Leaves to the network, never cached: /api/ (the sync endpoint), /login, /logout, /admin and every
 * non-GET request. Casework forms are never posted to Flask: the page turns them into outbox
 * mutations.
 * Served from /sw.js by fieldapp/web/shell.py, which writes in what only the server knows: the version
 * (a content hash of the shell) for __VERSION__; as JSON arrays, the precache lists for __PRECACHE__
 * (at install) and __PRECACHE_LATER__ (once the first page has shown) and the path patterns of its
 * caching policy (shell.SW_ROUTES) for __CASEWORK_PAGES__ and __NETWORK_ONLY__; the SLOW_LINK_MS setting for __SLOW_LINK_MS__; and the URL of the scripts it
 * shares with the page for __WORKER_SCRIPTS__.
 * Every static URL carries the hash of its content (fieldapp/web/assets.py), so one URL always
 * means the same bytes. The names shared with the page are in /static/constants.js.
 */

// ---- constants ------------------------------------------------------------------------------
// The scripts shared with the page, one bundle (fieldapp/web/assets.py BUNDLES "bundle/shared.js"):
// constants.js first, then idb, the outbox, the cached pages and flush. They only define globals
// (FieldappConstants, FieldappOutbox, FieldappCachedPages), so loading them before the handlers
// below are added changes nothing; the browser takes them from its HTTP cache when the page has
// just loaded the same URL.
importScripts(__WORKER_SCRIPTS__);
const C = self.FieldappConstants;
const VERSION = '__VERSION__';
const SHELL_CACHE = C.SHELL_CACHE_PREFIX + VERSION;
// A page the network has not answered within this long (ms, the SLOW_LINK_MS setting) is shown
// from this phone's copy, if it has one, and refreshed when the answer comes (slowLinkCopy): on a
// weak link every page change would otherwise wait for it (1.4-2.2 s on an "edge" link).
const SLOW_LINK_MS = __SLOW_LINK_MS__;
const OFFLINE_MARK = '<meta name="' + C.OFFLINE_COPY_META + '" content="1">';
// The shell URLs every page loads, precached at install: a changed file changes VERSION, so a new
// worker installs.
const PRECACHE = __PRECACHE__;
// The rest of the shell (the forms' style sheet and scripts, the bundles of single kinds of page,
// the assessment script, the icons): precached into the same cache once the first page has shown, when the page asks
// (static/page/worker.js, a `precache` message), so the first load does not wait for them and every
// form still works offline on a phone that never opened it (issue 13).
const PRECACHE_LATER = __PRECACHE_LATER__;
// Path patterns (RegExp sources, matched on the path, query string ignored): full pages worth
// keeping for offline reading, and requests never cached at all.
const CASEWORK_PAGES = __CASEWORK_PAGES__.map((source) => new RegExp(source));
const NETWORK_ONLY = __NETWORK_ONLY__.map((source) => new RegExp(source));

// ---- install: the new shell is complete before this worker may take over --------------------
self.addEventListener('install', (event) => {
  // A first install takes what every page loads (the page has just loaded it); PRECACHE_LATER waits
  // for the page's ask. An update (a worker is active already) takes the whole shell before it may
  // take over, so a phone never holds a version with the forms' scripts missing.
  event.waitUntil(precache().then(() => (self.registration.active ? precache(true).then(shellComplete) : null)));
});

/** Put the install's shell files, or with `onlyMissing` every shell file of both lists not there
 * yet, in this version's cache.
 *
 * A versioned static URL (`?v=<content hash>`) may come from the browser's HTTP cache
 * (`cache: 'default'`): the server marks those answers immutable, and the URL changes whenever the
 * content does, so a hit is exactly this version's file. That is what stops a first visit from
 * downloading the shell twice (the page has just loaded these URLs), and an update still fetches
 * every changed file: its URL is new. Anything unversioned (/offline, the manifest) bypasses the
 * HTTP cache (`cache: 'reload'`), so an old copy is never taken for this version's.
 * Static files are fetched without cookies: they need none, and every
 * answer to a request that carries a signed-in session sends that session back as it was when the
 * request started (a permanent session is refreshed on each request). An install often runs while
 * the worker signs in, so a shell request in flight across the login could put back a session
 * that does not yet hold the CSRF token the pages rendered since hold. /offline and the manifest
 * are pages of the app and keep the session. */
async function precache(onlyMissing) {
  const cache = await caches.open(SHELL_CACHE);
  let urls = PRECACHE;
  if (onlyMissing) {
    const all = PRECACHE.concat(PRECACHE_LATER);
    const held = await Promise.all(all.map((url) => cache.match(url, {ignoreSearch: true})));
    urls = all.filter((url, i) => !held[i]);
  }
  await cache.addAll(urls.map((url) => new Request(url, {
    cache: /^\/static\/[^?]+\?v=/.test(url) ? 'default' : 'reload',
    credentials: url.startsWith('/static/') ? 'omit' : 'same-origin'
  })));
}

/** The whole shell is in this version's cache: note its deferred URLs for the "Ready for offline
 * use" cue (static/page/offline-ready.js looks each one up), and tell the pages. */
async function shellComplete() {
  try {
    await FieldappOutbox.setMeta({shell_later: PRECACHE_LATER});
    FieldappOutbox.emit({type: 'shell-complete'});
  } catch (e) { /* no storage: the cue stays "not ready", the shell is there all the same */ }
}

// ---- activate: drop older shells, take control of open pages ---------------------------------
self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(C.SHELL_CACHE_PREFIX) && name !== SHELL_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

// ---- fetch: a small router --------------------------------------------------------------------
self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;  // network
  if (NETWORK_ONLY.some((re) => re.test(url.pathname))) {
    if (request.mode === 'navigate') event.respondWith(networkOnlyNavigation(request));
    return;
  }
  if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(staticAsset(request));
  } else if (request.mode === 'navigate') {
    event.respondWith(navigation(event, request, url));
  } else if (request.headers.has('HX-Request')) {
    event.respondWith(partial(request, url));
  }
  // Anything else (the page's own background fetches) goes to the network untouched.
});

/** Cache-first for the shell; a file missing from the cache (not precached, or after a wipe) is
 * fetched and kept in this version's cache. */
async function staticAsset(request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(request, {ignoreSearch: true});
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) {
    cache.put(request, response.clone());
  }
  return response;
}

function isCaseworkPage(path) {
  return CASEWORK_PAGES.some((re) => re.test(path));
}

/** A full page worth caching: 200, HTML, not an htmx partial, not bounced to /login. */
function cacheableResponse(request, response) {
  if (!response || response.status !== 200 || request.headers.has('HX-Request')) return false;
  if (response.headers.has(C.NO_PHONE_COPY_HEADER)) return false;  // someone kept off phones
  if (response.redirected && new URL(response.url).pathname !== new URL(request.url).pathname) return false;
  return (response.headers.get('Content-Type') || '').startsWith('text/html');
}

/**
 * Whether the PIN lock (static/vault.js) is on and this phone is locked for a casework page:
 * then the lock screen is served in its place, with or without signal, so a locked phone shows
 * nobody's record. (The app opened afresh is locked by the page: static/page/lock.js `guard`,
 * under `body.app-locking`, which hides everything until it has looked.) Not just after a
 * password sign-in (another worker taking the phone): the network's page is then the new
 * worker's, and its own guard asks for their PIN.
 */
async function locked(path) {
  if (!isCaseworkPage(path)) return false;
  const [session, lock, signingIn] = await Promise.all([FieldappOutbox.session(), FieldappOutbox.getMeta('lock'),
    FieldappOutbox.getMeta('signing_in_at')]);
  if (!lock || !session.userId) return false;
  if (signingIn && Date.now() - signingIn < C.SIGNING_IN_MS && navigator.onLine !== false) return false;
  return !(await FieldappVault.key(session.userId, lock.minutes * 60000));
}

async function lockScreen() {
  return (await caches.match('/lock', {ignoreSearch: true})) || fetch('/lock');
}

/** Network first, with a short race: a slow network is not waited for when this phone has a copy
 * (slowLinkCopy); a server error answers from the copy too; no network at all, the copy, else
 * /offline. */
async function navigation(event, request, url) {
  const path = url.pathname === '/' ? '/caseload' : url.pathname;
  if (await locked(path).catch(() => false)) return lockScreen();
  if (!(await signOutsSettled())) return (path === '/lock' ? lockScreen() : (await cachedPage(path)) || offlinePage());
  const network = fetch(request).then(async (response) => {
    if (isCaseworkPage(url.pathname) && cacheableResponse(request, response)) {
      // Read by slowLinkCopy: the copy is now the server's page (nothing is kept while locked).
      response.storedCopy = !!(await keepPage(url.pathname, response.clone()));
    }
    return response;
  });
  try {
    const slow = new Promise((resolve) => setTimeout(resolve, SLOW_LINK_MS, 'slow'));
    const first = await Promise.race([network, slow]);
    const answer = first !== 'slow' ? first
      : (await slowLinkCopy(event, path, url.pathname, network)) || await network;
    if (answer.status >= 500) {
      const copy = await cachedPage(path);
      if (copy) return copy;
    }
    return answer;
  } catch (error) {
    // The lock screen itself (where a page opened afresh sends the worker) opens with no signal.
    if (path === '/lock') return lockScreen();
    return (await cachedPage(path)) || offlinePage();
  }
}

/** Slow link: the network has not answered within SLOW_LINK_MS. If this phone holds a copy of the
 * page, show it now (marked as a copy, so the page shows its "Offline copy from ..." cue) and let
 * the network answer in the background: once it has stored the server's page, tell the pages
 * (`page-fresh` on the outbox's channel), and the one showing the copy swaps the fresh page in place
 * (static/page/pending-changes.js `replaceWhenFresh`). A page the server no longer gives this
 * worker (404) loses its copy. Resolves null with no copy (or a stale phone, which must wait for
 * the network), so the caller waits for the network as before. Pages that are never cached
 * (login, account, admin) have no copy, so they always wait. */
async function slowLinkCopy(event, path, pathname, network) {
  if (await stale().catch(() => true)) return null;
  const copy = await cachedPage(path);
  if (!copy) return null;
  event.waitUntil(network.then(async (response) => {
    if (response.storedCopy) {
      FieldappOutbox.emit({type: 'page-fresh', path: pathname});
    } else if (response.status === 404) {
      const cache = await FieldappCachedPages.openIfPresent();
      if (cache) await cache.delete(pathname);
    }
  }).catch(() => { /* no answer after all: the copy stays on screen */ }));
  return copy;
}

/** Login, logout and admin pages are never cached; with no network show the offline page, or for
 * the sign-in page on a phone someone has a PIN on, the lock screen: it signs a worker in with
 * their PIN (static/page/phone-sign-in.js). */
async function networkOnlyNavigation(request) {
  try {
    if (!(await signOutsSettled())) throw new Error('a sign-out is owed: the cookie may be the last worker\'s');
    return await fetch(request);
  } catch (error) {
    const signIn = new URL(request.url).pathname === '/login';
    if (signIn && await FieldappSharedPhone.anyoneHere()) return lockScreen();
    return offlinePage();
  }
}

/** A worker signed out (or handed the phone on) with no signal: their session is ended on the
 * server before any page is asked for with the browser's cookie, which may still be theirs
 * (static/shared-phone.js). False while it cannot be (no signal): then the network is not asked. */
async function signOutsSettled() {
  try { return await FieldappSharedPhone.settleSignOuts(); } catch (e) { return true; }
}

/** An htmx partial it cannot get from the network falls back to the cached full page. */
async function partial(request, url) {
  try {
    return await fetch(request);
  } catch (error) {
    const copy = await cachedPage(url.pathname);
    if (!copy) throw error;
    // The page selects the swapped element out of the full page (static/page/offline-view.js).
    const headers = new Headers(copy.headers);
    headers.set(C.OFFLINE_COPY_HEADER, '1');
    return new Response(copy.body, {status: copy.status, statusText: copy.statusText, headers});
  }
}

/** Whether this phone has gone `stale_days` without a sync: then it shows no copy of anyone's
 * page until it has synced (the outbox still sends; README: Security). */
async function stale() {
  const [days, last] = await Promise.all([FieldappOutbox.getMeta('stale_days'), FieldappOutbox.getMeta('last_sync_at')]);
  return !!(days && last && Date.now() - Date.parse(last) > days * 86400000);
}

/** This phone's copy of a page, with the offline-copy mark the page script turns into a banner;
 * the /stale page instead when the phone has not synced for too long. */
async function cachedPage(path) {
  if (!isCaseworkPage(path)) return null;
  if (path !== '/outbox' && await stale().catch(() => false)) {
    return (await caches.match('/stale', {ignoreSearch: true})) || null;
  }
  const cache = await FieldappCachedPages.openIfPresent();  // looking never creates the cache
  let hit = cache && await cache.match(path, {ignoreSearch: true, ignoreVary: true});
  if (!hit && cache) {
    // A person's form the phone keeps no copy of their own: the blank one, which the page fills in
    // from the URL and the phone's records (static/page/pending-person.js `fillForm`).
    const blank = await FieldappCachedPages.blankFormFor(path);
    hit = blank && await cache.match(blank, {ignoreSearch: true, ignoreVary: true});
  }
  if (!hit) return null;
  const text = await openCopy(hit);
  if (text == null) return lockScreen();  // sealed, and the phone is locked
  const marked = text.replace(/<head([^>]*)>/i, (head) => head + OFFLINE_MARK);
  const headers = new Headers(hit.headers);
  headers.delete('Content-Length');
  headers.delete(FieldappAtRest.SEALED_HEADER);
  return new Response(marked, {status: hit.status, statusText: hit.statusText, headers});
}

// ---- the page cache at rest (static/at-rest.js): sealed with the PIN lock on --------------------
/** Keep a casework page the worker opened, sealed under the unlocked key (nothing kept when locked). */
async function keepPage(path, response) {
  return FieldappCachedPages.keep(path, response);
}

/** The HTML of a cached copy, unsealed; null when it is sealed and the phone is locked. */
async function openCopy(hit) {
  return FieldappAtRest.pageText(hit, await FieldappAtRest.secrecy());
}

async function offlinePage() {
  const hit = await caches.match('/offline', {ignoreSearch: true});
  return hit || new Response('<!DOCTYPE html><title>Offline</title><p>You are offline and this page is not saved on this phone.</p>',
    {status: 503, headers: {'Content-Type': 'text/html; charset=utf-8'}});
}

// ---- the outbox and flush (the same modules the page uses, imported at the top) ---------------
/** Flush, and keep this worker alive until the cached pages are refreshed too. */
async function flushOutbox(reason) {
  const result = await self.FieldappOutbox.flush({reason});
  if (result.refresh) await result.refresh;
  return result;
}

// ---- sync and message: both flush ---------------------------------------------------------------
self.addEventListener('sync', (event) => {
  if (event.tag !== C.SYNC_TAG) return;
  event.waitUntil(flushOutbox('background-sync').then((result) => {
    // A failed attempt with records still waiting: let the browser try again later.
    if (!result.ok && !result.loginNeeded && !result.revoked && result.pending > 0) {
      throw new Error('outbox not sent yet');
    }
  }));
});

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'flush') {
    event.waitUntil(flushOutbox(data.reason || 'page'));
  } else if (data.type === 'skip-waiting') {
    self.skipWaiting();
  } else if (data.type === 'claim') {
    // A page that loaded while this worker was activating missed clients.claim(): take it now,
    // so the page works offline without a reload.
    event.waitUntil(self.clients.claim());
  } else if (data.type === 'precache') {
    // The page has shown: the rest of the shell (PRECACHE_LATER), and after a wipe the whole
    // shell again; only what is missing is fetched.
    event.waitUntil(precache(true).then(shellComplete).catch(() => {}));
  }
});

// ---- push and notificationclick: no personal data on the lock screen ----------------------------
self.addEventListener('push', (event) => {
  // The server sends one of a few fixed, generic sentences (fieldapp/push.py); anything else, or
  // no payload, shows the generic text. Never who or what.
  let body = 'Open fieldapp to see what has changed.';
  try {
    const data = event.data ? event.data.json() : null;
    if (data && typeof data.body === 'string' && data.body.length <= 80) body = data.body;
  } catch (e) { /* not JSON: keep the generic text */ }
  event.waitUntil(Promise.all([
    self.registration.showNotification('fieldapp: something needs you', {
      body: body,
      icon: '/static/icons/icon-192.png',
      tag: 'fieldapp',
      data: {url: '/caseload'}
    }),
    flushOutbox('push').catch(() => {})
  ]));
});

/** A lone-working check-in from the reminder's lock-screen actions (static/page/safety.js): queued
 * in the outbox like one made in the app, then flushed; with no signal it waits there and goes
 * with the next flush (when the app opens, signal returns, or Background Sync runs). */
async function checkInFromNotification(visitId, action) {
  const fields = {visit_id: visitId, kind: action === 'extend' ? 'extend' : 'safe'};
  if (action === 'extend') fields.until = new Date(Date.now() + 30 * 60000).toISOString();
  await self.FieldappOutbox.enqueue({
    type: 'check_in', op: 'create', fields: fields, form_url: '/safety',
    label: action === 'extend' ? 'Check-in: extend 30 min' : "Check-in: I'm safe"
  });
  const result = await flushOutbox('notification').catch(() => null);
  if ((!result || !result.ok) && self.registration.sync) {
    await self.registration.sync.register(C.SYNC_TAG).catch(() => {});
  }
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  if (data.visitId && (event.action === 'safe' || event.action === 'extend')) {
    // The work starts before waitUntil, which keeps the worker alive until it is stored and sent.
    event.waitUntil(checkInFromNotification(data.visitId, event.action));
    return;
  }
  const target = data.url || '/caseload';
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({type: 'window', includeUncontrolled: true});
    for (const client of windows) {
      if ('focus' in client) {
        await client.focus();
        if ('navigate' in client) await client.navigate(target);
        return;
      }
    }
    await self.clients.openWindow(target);
  })());
});
