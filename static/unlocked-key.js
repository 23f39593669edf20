/* fieldapp unlocked key: the PIN lock's unlocked data key, in memory only, and how the page and
 * the service worker hand it to each other.
 *
 * A classic script loaded by the page and by the service worker (importScripts) before
 * static/vault.js, which keeps the keys at rest (wrapped by the PIN, the server's key, the screen
 * lock) and gives `key`, `touch` and `lock` from here to the rest of the app as its own; defines
 * the global `FieldappUnlockedKey`. README: Security, "On the phone".
 *
 * The page and the service worker each hold it in a variable, never in storage: the page hands
 * it to the worker when it unlocks; a page that opens asks the worker for it; a worker the
 * browser stopped and started again (idle workers go after ~30 s) asks its open windows. With no
 * window open (the app reopened) nobody has it, and the phone is locked.
 * A live worker or open page answers in a few ms (null at once when it has no key), so waiting
 * longer costs nothing then; but a worker the browser is starting again (a cheap phone, a busy
 * one) can take a second or more, and giving up sooner locked an unlocked phone: the worker had
 * to type the PIN again, and the page read its own unsent records as sealed away.
 */
(function (root) {
  'use strict';

  var ASK_TIMEOUT_MS = 2000;
  var HAND_OVER_MS = 5000;     // the first sign-in: the worker may still be installing
  var TOUCH_EVERY_MS = 15000;
  var inWorker = typeof root.ServiceWorkerGlobalScope !== 'undefined' && root instanceof root.ServiceWorkerGlobalScope;
  var held = null;             // {userId, key, lastActive}
  var lockChannel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('fieldapp-vault') : null;

  function remember(userId, key, lastActive) {
    if (!key) return;
    var at = held && held.userId === String(userId) ? Math.max(held.lastActive, lastActive || 0) : (lastActive || Date.now());
    held = {userId: String(userId), key: key, lastActive: at};
  }

  /** What this context holds for `userId`, unless idle longer than `idleMs`. */
  function heldFor(userId, idleMs) {
    if (!held || held.userId !== String(userId)) return null;
    if (idleMs && Date.now() - held.lastActive > idleMs) return null;
    return held;
  }

  /** Ask `target` (a worker or a window) for the key over a MessageChannel; resolves
   * {key, lastActive} or null (none, or no answer in time). */
  function ask(target, userId) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      var timer = setTimeout(function () { resolve(null); }, ASK_TIMEOUT_MS);
      channel.port1.onmessage = function (event) {
        clearTimeout(timer);
        resolve(event.data && event.data.key ? event.data : null);
      };
      try {
        target.postMessage({type: 'vault-ask', userId: String(userId)}, [channel.port2]);
      } catch (e) { clearTimeout(timer); resolve(null); }
    });
  }

  /** The page's service worker (the controller, or the active one before it has claimed the page),
   * waiting up to `waitMs` for one still installing; null at once where none is registered (the
   * browser refused it, or blocks workers): nothing will ever answer, and a worker asking for help
   * on the lock screen must not wait seconds for nobody. A page that registered one (even the page
   * before, still fetching it) finds its registration at once. */
  function pageWorker(waitMs) {
    var sw = root.navigator && root.navigator.serviceWorker;
    if (!sw) return Promise.resolve(null);
    if (sw.controller) return Promise.resolve(sw.controller);
    return sw.getRegistration('/').then(function (registration) {
      if (!registration) return null;
      if (registration.active) return registration.active;
      var ready = sw.ready.then(function (reg) { return reg.active; });
      var late = new Promise(function (resolve) { setTimeout(resolve, waitMs || ASK_TIMEOUT_MS, null); });
      return Promise.race([ready, late]);
    }, function () { return null; });
  }

  /** Where a context without the key looks: the page asks its worker; the worker asks every open
   * window but `except` (the page asking it, which has none). */
  function askAround(userId, except) {
    if (!inWorker) {
      return pageWorker().then(function (worker) { return worker ? ask(worker, userId) : null; });
    }
    return root.clients.matchAll({type: 'window', includeUncontrolled: true}).then(function (windows) {
      var others = windows.filter(function (w) { return w.id !== except; });
      if (!others.length) return null;
      // The first that has it: a window without it answers null, at once.
      return new Promise(function (resolve) {
        var left = others.length;
        others.forEach(function (w) {
          ask(w, userId).then(function (answer) {
            left -= 1;
            if (answer) { resolve(answer); resolve = function () {}; } else if (!left) resolve(null);
          });
        });
      });
    });
  }

  /** The unlocked data key of `userId`, or null when locked. Idle longer than `idleMs` locks
   * (everywhere). */
  function key(userId, idleMs, except) {
    if (userId == null) return Promise.resolve(null);
    var mine = heldFor(userId, 0);
    var found = mine ? Promise.resolve(mine) : askAround(userId, except).then(function (answer) {
      if (answer) remember(userId, answer.key, answer.lastActive);
      return heldFor(userId, 0);
    });
    return found.then(function (h) {
      if (!h) return null;
      if (idleMs && Date.now() - h.lastActive > idleMs) return lock(userId).then(function () { return null; });
      return h.key;
    });
  }

  /** The page unlocked: give the key to the worker (it serves and sends while no page is open to
   * ask) and wait until it has it, so the page it opens next finds it there. */
  function handOver() {
    if (inWorker || !held) return Promise.resolve();
    var h = held;
    return pageWorker(HAND_OVER_MS).then(function (worker) {
      if (!worker) return;
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        var timer = setTimeout(resolve, HAND_OVER_MS);
        channel.port1.onmessage = function () { clearTimeout(timer); resolve(); };
        try {
          worker.postMessage({type: 'vault-key', userId: h.userId, key: h.key, lastActive: h.lastActive}, [channel.port2]);
        } catch (e) { clearTimeout(timer); resolve(); }
      });
    });
  }

  var lastTouch = 0;
  /** The worker is using the app: put off the idle lock (told to the worker at most every 15 s,
   * unless `now`: a page opened). */
  function touch(userId, now) {
    if (!held || held.userId !== String(userId)) return Promise.resolve();
    held.lastActive = Date.now();
    if (inWorker || (!now && Date.now() - lastTouch < TOUCH_EVERY_MS)) return Promise.resolve();
    lastTouch = Date.now();
    return pageWorker().then(function (worker) {
      if (worker) worker.postMessage({type: 'vault-touch', userId: held && held.userId, at: Date.now()});
    });
  }

  function forgetHere(userId) {
    if (held && (userId == null || held.userId === String(userId))) held = null;
  }

  /** Lock: forget the unlocked key (of `userId`, or of everyone on this phone) here, in the
   * worker and in every other page. */
  function lock(userId) {
    forgetHere(userId);
    var message = {type: 'vault-lock', userId: userId == null ? null : String(userId)};
    if (lockChannel) lockChannel.postMessage(message);
    if (inWorker) return Promise.resolve();
    return pageWorker().then(function (worker) { if (worker) worker.postMessage(message); });
  }

  if (lockChannel) lockChannel.onmessage = function (event) {
    if (event.data && event.data.type === 'vault-lock') forgetHere(event.data.userId);
  };

  /** Answer a request for the key (from the worker, or to the worker from a page) with what this
   * context holds, never asking further: a page that has none says so at once. */
  function answer(event, data) {
    var port = event.ports && event.ports[0];
    if (!port) return;
    var give = function (h) {
      port.postMessage(h ? {key: h.key, lastActive: h.lastActive} : {key: null});
    };
    if (!inWorker) { give(heldFor(data.userId, 0)); return; }
    // The worker asks its other windows if it has none (it was stopped and started again).
    var source = event.source && event.source.id;
    var work = key(data.userId, 0, source).then(function () { give(heldFor(data.userId, 0)); });
    if (event.waitUntil) event.waitUntil(work);
  }

  /** The vault's messages, in whichever context this is. */
  function onMessage(event) {
    var data = event.data || {};
    if (data.type === 'vault-ask') answer(event, data);
    else if (!inWorker) return;
    else if (data.type === 'vault-key') {
      remember(data.userId, data.key, data.lastActive);
      if (event.ports && event.ports[0]) event.ports[0].postMessage({ok: true});
    } else if (data.type === 'vault-touch') {
      if (held && held.userId === data.userId) held.lastActive = Math.max(held.lastActive, data.at || 0);
    } else if (data.type === 'vault-lock') {
      forgetHere(data.userId);
    }
  }

  if (inWorker) {
    root.addEventListener('message', onMessage);
  } else if (root.navigator && root.navigator.serviceWorker) {
    root.navigator.serviceWorker.addEventListener('message', onMessage);
    // Messages from the worker are held until the document has loaded unless started now: the
    // worker asks while a page navigates.
    if (root.navigator.serviceWorker.startMessages) root.navigator.serviceWorker.startMessages();
  }

  root.FieldappUnlockedKey = {
    remember: remember,
    heldFor: heldFor,
    key: key,
    handOver: handOver,
    touch: touch,
    lock: lock,
    forgetHere: forgetHere,
    inWorker: inWorker
  };
})(typeof self !== 'undefined' ? self : this);
