/* fieldapp page: when to flush the outbox, one named function per trigger.
 *
 * Owns what runs when the phone comes back online (`onOnline`) and the page's other flush
 * triggers: the app opening (`onAppOpen`), the page becoming visible (`onVisible`), the timer while
 * records wait (`onTimer`, scheduled by `afterFlush`: the wait timer after a good answer, backoff
 * after a failure) and "Sync now" (`onSyncNow`). A save asks through the same `requestFlush`
 * (static/forms.js gets it as a hook). Every trigger goes through `requestFlush`: the service
 * worker flushes when it controls the page (it outlives the page; sw.js `message`), else this page
 * does. How a flush goes is static/flush.js; the worker's own triggers (Background Sync, a push)
 * are in sw.js.
 * Classic script, page only; defines `Fieldapp.triggers`, started by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var C = window.FieldappConstants;
  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  // How long to wait for the worker's `flushed` event before giving up on a flush it was asked for.
  var WORKER_FLUSH_WAIT_MS = 25000;
  var waitTimerMs = C.WAIT_TIMER_MS;  // FieldappOutbox.configure may shorten it (tests)
  var failures = 0;
  var timer = null;

  /** Ask the service worker to flush (it outlives this page), or flush here if none controls it.
   * Resolves with the flush's result (the `flushed` event). */
  function requestFlush(reason) {
    if (!Page.userId) return Promise.resolve({ok: false});
    var controller = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (!controller) return Outbox.flush({reason: reason});
    return new Promise(function (resolve) {
      var done = false;
      var off = Outbox.on(function (event) { if (event && event.type === 'flushed') finish(event); });
      function finish(result) { if (!done) { done = true; off(); resolve(result); } }
      controller.postMessage({type: 'flush', reason: reason});
      setTimeout(function () { finish({ok: false, timeout: true}); }, WORKER_FLUSH_WAIT_MS);
    });
  }

  /** Ask the browser to flush later, with signal, even if the page is closed (not in Safari). */
  function registerBackgroundSync() {
    if (!navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync && reg.sync.register) return reg.sync.register(C.SYNC_TAG);
    }).catch(function () { /* not supported (Safari): timers and `online` do the work */ });
  }

  /** The timings in force on this phone (before the first flush). */
  function loadSettings() {
    return Outbox.settings().then(function (s) { waitTimerMs = s.waitTimerMs; });
  }

  /**
   * After each flush, from this page or the worker (the `flushed` event): while records wait, try
   * again on a timer; after any failed or refused attempt, back off (2 s doubling to 5 min,
   * jittered) and, when the failure was the server's or the link's, tell the worker when the next
   * try is. "Offline" is a failure like any other: the `online` event is no rescue, because it may
   * already have come (the worker, asked to flush by `onOnline`, can still believe the phone
   * offline a few ms later, notably after the browser was relaunched with no signal), and Safari
   * has no Background Sync to fall back on. An offline attempt costs nothing: flush.js answers it
   * without touching the network.
   */
  function afterFlush(result) {
    clearTimeout(timer);
    failures = result && result.ok ? 0 : failures + 1;
    Page.setRetry(null);
    // Only records still to send need the timer; rejected ones wait for the worker, and a phone
    // signed out or revoked has nobody to send as.
    if (!result || !result.waiting || result.loginNeeded || result.revoked) return;
    // A server that said how long to wait (503/429 with Retry-After, jittered by static/send.js)
    // is taken at its word, instead of the backoff, which would come back sooner.
    var delay = result.ok ? waitTimerMs : (result.retryAfterMs != null ? result.retryAfterMs : window.FieldappSend.backoff(failures));
    if (!result.ok && !result.offline) {
      Page.setRetry({at: new Date(Date.now() + delay), failure: result.failure || 'network'});
    }
    timer = setTimeout(onTimer, delay);
  }

  // ---- the triggers -------------------------------------------------------------------------

  /** The app opened (a page loaded with a session): send what waits, pull what changed. */
  function onAppOpen() { return requestFlush('open'); }

  /** The phone came back online: show it, and send what waited. The backoff starts again from
   * its first, short step: hours offline must not leave the next retry minutes away. */
  function onOnline() {
    // This flush replaces any retry armed while offline: that one would otherwise fire during
    // this flush, queue behind it and go straight after a failure, skipping the backoff.
    clearTimeout(timer);
    failures = 0;
    Page.render();
    return requestFlush('online');
  }

  /** The phone went offline: the status line says so. */
  function onOffline() { Page.render(); }

  /** The worker came back to this page (another app, the lock screen). */
  function onVisible() {
    if (document.visibilityState === 'visible') requestFlush('visible');
  }

  /** The retry timer `afterFlush` set. */
  function onTimer() { return requestFlush('timer'); }

  /** The "Sync now" button. */
  function onSyncNow(event) {
    if (event) event.preventDefault();
    return requestFlush('sync-now');
  }

  /** Listen for the triggers that come from the browser. */
  function listen() {
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    document.addEventListener('visibilitychange', onVisible);
  }

  ns.triggers = {
    requestFlush: requestFlush,
    registerBackgroundSync: registerBackgroundSync,
    loadSettings: loadSettings,
    afterFlush: afterFlush,
    onAppOpen: onAppOpen,
    onSyncNow: onSyncNow,
    listen: listen
  };
})(window.Fieldapp = window.Fieldapp || {});
