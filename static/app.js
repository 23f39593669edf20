/* fieldapp page script (the entry): the service worker's registration and update prompt, when to
 * flush (open, online, visible, a timer while records wait, backoff after a failure, "Sync now"),
 * the submit of every form (casework → static/forms.js, logout, login), and logout that never drops
 * unsent records. Classic script, loaded last, after static/outbox.js, static/flush.js,
 * static/status.js and static/forms.js (see templates/base.html); a page whose layout does not load
 * those yet gets them loaded here first, in order.
 */
(function () {
  'use strict';

  var body = document.body;
  body.classList.add('js-enabled', 'govuk-frontend-supported');
  if (window.GOVUKFrontend && typeof window.GOVUKFrontend.initAll === 'function') {
    try { window.GOVUKFrontend.initAll(); } catch (e) { /* the page still works without it */ }
  }

  // [global, property that proves it loaded, script] in load order.
  var MODULES = [
    ['FieldappOutbox', 'flush', '/static/flush.js'],
    ['FieldappPage', 'render', '/static/status.js'],
    ['FieldappForms', 'submit', '/static/forms.js']
  ];

  function loaded(m) { return !!(window[m[0]] && window[m[0]][m[1]]); }

  /** Load, in order, the page modules the layout did not load itself. */
  function loadModules() {
    return Promise.all(MODULES.filter(function (m) { return !loaded(m); }).map(function (m) {
      return new Promise(function (resolve, reject) {
        var s = document.createElement('script');
        s.src = m[2];
        s.async = false;  // run in insertion order
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }));
  }

  function main() {
    var Outbox = window.FieldappOutbox;
    var Page = window.FieldappPage;
    var Forms = window.FieldappForms;
    var notice = Page.notice;
    var slot = Page.slot;
    var userId = Page.userId;
    var waitTimerMs = 30000;
    var failures = 0;
    var timer = null;
    var hadController = !!(navigator.serviceWorker && navigator.serviceWorker.controller);
    var updateRequested = false;

    function showOfflineCopy() {
      if (!document.querySelector('meta[name="fieldapp-offline-copy"]')) return;
      var meta = document.querySelector('meta[name="fieldapp-rendered-at"]');
      var when = meta ? new Date(meta.content) : null;
      notice('tpl-offline-copy', function (el) {
        if (!when || isNaN(when)) return;
        var t = slot(el, 'time');
        t.textContent = Page.clock(when);
        t.setAttribute('datetime', when.toISOString());
        slot(el, 'age').textContent = Page.age(when);
      });
    }

    // ---- the caseload offline: filter the rows already here, show how old each copy is -------

    function filterRows(query) {
      var words = query.trim().toLowerCase();
      var rows = document.querySelectorAll('[data-caseload-row]');
      var shown = 0;
      rows.forEach(function (row) {
        var match = !words || (row.dataset.search || '').indexOf(words) !== -1;
        row.hidden = !match;
        if (match) shown += 1;
      });
      var empty = document.querySelector('[data-caseload-empty]');
      if (empty) empty.hidden = shown > 0 || !rows.length;
    }

    function showCopyAges() {
      var cells = document.querySelectorAll('[data-offline-age][data-person-url]');
      if (!window.caches || !cells.length) return;
      // Look without creating: opening a missing cache would make an empty one.
      caches.has('fieldapp-pages').then(function (has) {
        return has ? caches.open('fieldapp-pages') : null;
      }).then(function (cache) {
        if (!cache) return;
        cells.forEach(function (el) {
          cache.match(el.dataset.personUrl, {ignoreVary: true, ignoreSearch: true}).then(function (hit) {
            if (!hit) return;
            return hit.text().then(function (html) {
              var m = /name="fieldapp-rendered-at" content="([^"]+)"/.exec(html);
              var when = m ? new Date(m[1]) : null;
              if (!when || isNaN(when)) return;
              el.textContent = 'Copy on this phone from ' + Page.age(when);
              el.hidden = false;
            });
          });
        });
      });
    }

    /** Online, htmx asks the server as the worker types; offline (or when that fails) the rows
     * already on the page are filtered here, so the caseload can be searched with no signal. */
    function wireCaseload() {
      var input = document.querySelector('input[data-caseload-filter]');
      if (input) {
        input.addEventListener('input', function () { filterRows(input.value); });
        document.addEventListener('htmx:before:request', function (event) {
          if (navigator.onLine === false) event.preventDefault();
        });
        document.addEventListener('htmx:after:swap', function () {
          filterRows(input.value);
          showCopyAges();
        });
        if (input.value) filterRows(input.value);
      }
      showCopyAges();
    }

    /** Registering someone new with no signal: the server cannot be asked for similar names, so
     * the people this phone holds are checked here (any word of the name starting the same way). */
    function wireOfflineMatches() {
      var input = document.querySelector('input[name="new_person.display_name"]');
      var box = document.getElementById('new-person-matches');
      if (!input || !box) return;
      function words(text) {
        return (text || '').toLowerCase().split(/[^a-z0-9]+/).filter(function (w) { return w.length >= 2; });
      }
      input.addEventListener('input', function () {
        if (navigator.onLine !== false) return;  // online, htmx asks the server
        var typed = words(input.value);
        Outbox.records().then(function (records) {
          var found = typed.length ? records.filter(function (r) {
            if (r.type !== 'person' || r.deleted || !r.fields) return false;
            var theirs = words(r.fields.display_name + ' ' + (r.fields.aliases || ''));
            return typed.some(function (t) {
              return theirs.some(function (w) { return w.indexOf(t) === 0 || t.indexOf(w) === 0; });
            });
          }).slice(0, 10) : [];
          box.textContent = '';
          if (!found.length) return;
          var panel = document.createElement('div');
          panel.className = 'govuk-inset-text app-matches';
          var heading = document.createElement('h3');
          heading.className = 'govuk-heading-s govuk-!-margin-bottom-2';
          heading.textContent = 'Already on the system?';
          var list = document.createElement('ul');
          list.className = 'govuk-list govuk-body-s';
          found.forEach(function (r) {
            var item = document.createElement('li');
            var link = document.createElement('a');
            link.className = 'govuk-link';
            link.href = '/people/' + r.record_id + '/contacts/new';
            link.textContent = r.fields.display_name;
            item.append(link, ' · ' + (r.fields.district || ''));
            list.appendChild(item);
          });
          panel.append(heading, list);
          box.appendChild(panel);
        });
      });
    }

    /** A person's page read from this phone's copy is still a view for the audit trail: it is
     * queued like any record (and hidden from the worker's list) and sent with the next sync. */
    function recordOfflineView() {
      if (!document.querySelector('meta[name="fieldapp-offline-copy"]')) return;
      var m = /^\/people\/([0-9a-f-]{36})(\/|$)/.exec(location.pathname);
      if (!m || !userId) return;
      var now = new Date().toISOString();
      Outbox.enqueue({
        type: 'view', op: 'create', record_id: Outbox.uuid(), base_version: null,
        recorded_at: now, person_id: m[1], label: 'Viewed offline',
        fields: {person_id: m[1], viewed_at: now, page: location.pathname}
      }).catch(function () { /* the audit record is best effort; never block reading */ });
    }

    // ---- flushing ---------------------------------------------------------------------------

    /** Ask the service worker to flush (it outlives this page), or flush here if none controls it. */
    function requestFlush(reason) {
      if (!userId) return Promise.resolve({ok: false});
      var controller = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (!controller) return Outbox.flush({reason: reason});
      return new Promise(function (resolve) {
        var done = false;
        var off = Outbox.on(function (event) { if (event && event.type === 'flushed') finish(event); });
        function finish(result) { if (!done) { done = true; off(); resolve(result); } }
        controller.postMessage({type: 'flush', reason: reason});
        setTimeout(function () { finish({ok: false, timeout: true}); }, 25000);
      });
    }

    /** After each flush: while records wait, try again on a timer; after a failure, back off
     * (2 s doubling to 5 min, jittered) and tell the worker when the next try is. */
    function schedule(result) {
      clearTimeout(timer);
      failures = result && result.ok ? 0 : failures + 1;
      Page.setRetry(null);
      if (!result || result.offline) return;  // `online` will flush
      // Only records still to send need the timer; rejected ones wait for the worker.
      if (!result.waiting || result.loginNeeded || result.revoked) return;
      var delay = result.ok ? waitTimerMs : Outbox.backoff(failures);
      if (!result.ok) Page.setRetry({at: new Date(Date.now() + delay), failure: result.failure || 'network'});
      timer = setTimeout(function () { flushNow('timer'); }, delay);
    }

    function flushNow(reason) {
      // The `flushed` event (from this page or the worker) reschedules the timer.
      return requestFlush(reason);
    }

    function registerBackgroundSync() {
      if (!navigator.serviceWorker) return;
      navigator.serviceWorker.ready.then(function (reg) {
        if (reg.sync && reg.sync.register) return reg.sync.register('fieldapp-outbox');
      }).catch(function () { /* not supported (Safari): timers and `online` do the work */ });
    }

    Outbox.on(function (event) {
      if (!event) return;
      if (event.type === 'changed') Page.render();
      if (event.type === 'progress') Page.setProgress({done: event.done, total: event.total});
      if (event.type === 'flushed') { Page.setProgress(null); schedule(event); }
      if (event.type === 'login-needed') notice('tpl-login-needed');
      if (event.type === 'revoked') {
        var main = document.querySelector('main') || body;
        main.replaceChildren();
        notice('tpl-revoked');
      }
    });

    // ---- forms ------------------------------------------------------------------------------

    var hooks = {requestFlush: requestFlush, registerBackgroundSync: registerBackgroundSync};

    document.addEventListener('submit', function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      if (form.matches('form[data-mutation-type]')) {
        event.preventDefault();
        event.stopPropagation();
        Forms.submit(form, hooks, event.submitter).catch(function (e) { console.error('fieldapp: could not save', e); });
      } else if (form.matches('form[data-logout]')) {
        event.preventDefault();
        event.stopPropagation();
        logout(form);
      } else if (form.matches('form[data-login]')) {
        var field = form.querySelector('[data-device-id-field], input[name="device_id"]');
        if (field && !field.value) {
          event.preventDefault();
          Outbox.deviceId().then(function (id) { field.value = id; form.submit(); });
        }
      }
    }, true);

    document.addEventListener('input', function (event) {
      if (event.target && event.target.setCustomValidity) event.target.setCustomValidity('');
    });

    // ---- logout -----------------------------------------------------------------------------

    function blockSecondSubmit(form, on) {
      Array.prototype.forEach.call(form.querySelectorAll('button, [type=submit]'), function (b) { b.disabled = on; });
    }

    /** Flush first; refuse while this user's records are unsent; otherwise wipe, then sign out. */
    function logout(form) {
      blockSecondSubmit(form, true);
      var flushed = navigator.onLine ? Promise.race([
        requestFlush('logout'), new Promise(function (r) { setTimeout(r, 10000); })
      ]) : Promise.resolve();
      return flushed.then(function () { return Outbox.pendingCount(userId); }).then(function (n) {
        if (n > 0) {
          blockSecondSubmit(form, false);
          var el = notice('tpl-logout-refused', function (box) {
            slot(box, 'count').textContent = n === 1 ? '1 record' : n + ' records';
          });
          if (el) el.focus();
          return;
        }
        return Outbox.wipe().then(function () { form.submit(); });
      });
    }

    // ---- service worker ---------------------------------------------------------------------

    function offerUpdate(worker) {
      notice('tpl-update-ready', function (el) {
        el.querySelector('[data-action="update"]').addEventListener('click', function () {
          updateRequested = true;
          worker.postMessage({type: 'skip-waiting'});
        });
      });
    }

    function registerWorker() {
      if (!('serviceWorker' in navigator)) return;
      navigator.serviceWorker.register('/sw.js', {scope: '/'}).then(function (reg) {
        if (reg.waiting && navigator.serviceWorker.controller) offerUpdate(reg.waiting);
        reg.addEventListener('updatefound', function () {
          var worker = reg.installing;
          if (!worker) return;
          worker.addEventListener('statechange', function () {
            if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
          });
        });
        // A wiped phone lost its shell cache: refill it while there is signal.
        if (navigator.onLine && reg.active) reg.active.postMessage({type: 'precache'});
        // Loaded while the worker was activating, this page may have missed its claim: ask again.
        navigator.serviceWorker.ready.then(function (ready) {
          if (!navigator.serviceWorker.controller && ready.active) ready.active.postMessage({type: 'claim'});
        });
      }).catch(function (e) { console.warn('fieldapp: no service worker', e); });
      var reloaded = false;
      navigator.serviceWorker.addEventListener('controllerchange', function () {
        // The first install claiming this page is not an update: only reload when one was asked for.
        if (!hadController || !updateRequested || reloaded) { hadController = true; return; }
        reloaded = true;
        location.reload();
      });
    }

    // ---- start ------------------------------------------------------------------------------

    registerWorker();
    showOfflineCopy();
    wireCaseload();
    wireOfflineMatches();
    try {
      if (sessionStorage.getItem('fieldapp-saved')) {
        sessionStorage.removeItem('fieldapp-saved');
        notice('tpl-saved');
      }
    } catch (e) { /* private mode */ }

    recordOfflineView();
    var login = document.querySelector('form[data-login]');
    if (login) {
      var field = login.querySelector('[data-device-id-field], input[name="device_id"]');
      Outbox.deviceId().then(function (id) { if (field && !field.value) field.value = id; });
    }
    if (!userId) return;

    Outbox.persist();
    Outbox.setSession({userId: userId, deviceId: body.dataset.deviceId}).then(function () {
      return Promise.all([Page.render(), Forms.prepareFix(), Outbox.settings().then(function (s) {
        waitTimerMs = s.waitTimerMs;
      })]);
    }).then(function () { return flushNow('open'); });

    document.addEventListener('click', function (event) {
      var button = event.target.closest && event.target.closest('[data-action]');
      if (!button) return;
      var action = button.dataset.action;
      if (action === 'sync-now') {
        event.preventDefault();
        flushNow('sync-now');
      } else if (action === 'fix' && button.dataset.href) {
        location.assign(button.dataset.href);
      } else if (action === 'discard') {
        if (!button.dataset.confirming) {
          button.dataset.confirming = '1';
          button.textContent = button.dataset.confirmText || 'Yes, discard it';
          return;
        }
        var item = button.closest('[data-mutation-id]');
        if (item) Outbox.discard(item.dataset.mutationId);
      }
    });
    window.addEventListener('online', function () { Page.render(); flushNow('online'); });
    window.addEventListener('offline', function () { Page.render(); });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') flushNow('visible');
    });
    // An htmx request answered offline by the worker with the cached full page: swap only the
    // element the request targeted, taken from that page (htmx 4 reads ctx.select at swap time).
    document.addEventListener('htmx:after:request', function (event) {
      var ctx = event.detail && event.detail.ctx;
      var headers = ctx && ctx.response && ctx.response.headers;
      if (!headers || !headers.get('X-Fieldapp-Offline-Copy') || ctx.select) return;
      if (ctx.target && ctx.target.id) ctx.select = '#' + CSS.escape(ctx.target.id);
    });
    document.addEventListener('htmx:after:swap', Page.render);
    document.addEventListener('htmx:afterSwap', Page.render);
  }

  loadModules().then(main).catch(function (e) { console.error('fieldapp: the page script could not start', e); });
})();
