/* fieldapp page: the service worker as the page sees it.
 *
 * Owns: registering /sw.js; offering an update when a new version has installed while this page is
 * controlled ("A new version is ready"), and reloading once when that new worker takes control
 * (`controllerchange`) after the worker asked for it; asking a worker that activated while this
 * page was loading to claim it (it missed `clients.claim()`, and offline it would not answer this
 * page's requests until a reload); once the page has shown, asking the worker to precache the rest
 * of the shell (static/sw.js PRECACHE_LATER: the page bundles every form needs offline) and to
 * refill a shell cache a wipe emptied.
 * Classic script, page only; defines `Fieldapp.worker`, started by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var Page = window.FieldappPage;
  var sw = navigator.serviceWorker;
  // Whether a worker controlled this page when `register` started to listen for controller
  // changes: the first worker claiming a page that had none is not an update, so no reload for it.
  // Read in `register`, with the listener, not when this file loads: a claim in between (while the
  // later scripts load) would fire no event we hear, and the update's own change would then be
  // taken for that first claim.
  var hadController = false;
  var updateRequested = false;
  var reloaded = false;

  /** Show "A new version is ready"; its button lets `worker` take over (sw.js: skip-waiting). */
  function offerUpdate(worker) {
    Page.notice('tpl-update-ready', function (el) {
      el.querySelector('[data-action="update"]').addEventListener('click', function () {
        updateRequested = true;
        worker.postMessage({type: 'skip-waiting'});
      });
    });
  }

  /** Offer the update now if one is waiting, or when one finishes installing. */
  function watchForUpdates(reg) {
    if (reg.waiting && sw.controller) offerUpdate(reg.waiting);
    reg.addEventListener('updatefound', function () {
      var worker = reg.installing;
      if (!worker) return;
      worker.addEventListener('statechange', function () {
        if (worker.state === 'installed' && sw.controller) offerUpdate(worker);
      });
    });
  }

  /** Loaded while the worker was activating, this page may have missed its claim: ask again. */
  function askToClaim() {
    sw.ready.then(function (ready) {
      if (!sw.controller && ready.active) ready.active.postMessage({type: 'claim'});
    });
  }

  /** Once this page has loaded and the phone is idle, ask the active worker (the first one, once
   * it has activated) for whatever of the shell it does not hold yet: on a first visit the rest of
   * the shell, after a wipe all of it. Each page asks: nothing is fetched when all is there. */
  function precacheWhenIdle() {
    var idle = window.requestIdleCallback || function (fn) { return setTimeout(fn, 200); };
    function ask() {
      idle(function () {
        sw.ready.then(function (ready) {
          if (navigator.onLine && ready.active) ready.active.postMessage({type: 'precache'});
        });
      }, {timeout: 2000});
    }
    if (document.readyState === 'complete') ask();
    else window.addEventListener('load', ask);
  }

  /** A new worker took control: reload once, and only for the update the worker asked for. */
  function onControllerChange() {
    if (!hadController || !updateRequested || reloaded) { hadController = true; return; }
    reloaded = true;
    location.reload();
  }

  function register() {
    if (!sw) return;
    hadController = !!sw.controller;
    sw.addEventListener('controllerchange', onControllerChange);
    sw.register('/sw.js', {scope: '/'}).then(function (reg) {
      watchForUpdates(reg);
      precacheWhenIdle();
      askToClaim();
    }).catch(function (e) { console.warn('fieldapp: no service worker', e); });
  }

  ns.worker = {register: register};
})(window.Fieldapp = window.Fieldapp || {});
