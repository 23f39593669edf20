/* fieldapp page script, the entry: reads the page and starts the others, in order.
 *
 * Loaded last of the classic scripts (templates/base.html): static/constants.js, outbox.js,
 * cached-pages.js, send.js, flush.js and status.js (`FieldappPage`); forms.js (`FieldappForms`, its own
 * bundle, after this file, on every page but the light ones: it is looked up when used),
 * then the modules of static/page/, which each add one part to the `Fieldapp` namespace and run nothing
 * until started here:
 *   worker.js        the service worker: registration, update prompt, reload once, claim
 *   triggers.js      when to flush: app open, online, page visible, the timer, "Sync now"
 *   logout.js        sign out: flush first, refuse while records wait, wipe
 *   caseload.js      the caseload offline: filter, copy ages
 *   offline-view.js  a page shown from the phone's copy: banner, audit `view`
 *   partials.js      the live searches: ask the server as the worker types, swap the answer in
 *   offline-ready.js the "Ready for offline use" cue, from what the phone holds
 *   pending-changes.js what was just saved shown over the page; the page made fresh once sent
 * Modules of some pages only (page bundles, fieldapp/web/assets.py BUNDLES) load after this file,
 * on their pages alone: bundle/forms.js on every page but the light ones (forms.js; pending-person.js,
 * the page and forms of someone registered on this phone, not sent yet; kept-off.js, "Show" of a
 * person's details kept off phones: started here when present), and the contact form's, the
 * directory's and the barriers list's, which start themselves; one that must wait for the PIN lock
 * waits for `Fieldapp.sessionOpen`.
 * Owns the routing of the page's events to them: every form's submit (casework → FieldappForms,
 * logout → Fieldapp.logout, login → the device id), `[data-action]` clicks, and the outbox's
 * events (FieldappOutbox.on) to the status line and the flush timer.
 */
(function (ns) {
  'use strict';

  var C = window.FieldappConstants;
  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var userId = Page.userId;

  /** GOV.UK Frontend's classes, set before the first paint so conditional reveals start hidden;
   * "supported" only where static/govuk-init.mjs (a module) will run to reveal them. */
  function markScriptsRunning() {
    document.body.classList.add('js-enabled');
    if ('noModule' in HTMLScriptElement.prototype) document.body.classList.add('govuk-frontend-supported');
  }

  /** The device id field of the login form, filled from this phone's id (made once, kept). */
  function deviceIdField(form) {
    return form.querySelector('[data-device-id-field], input[name="device_id"]');
  }

  function prepareLogin() {
    var login = document.querySelector('form[data-login]');
    if (!login) return;
    // The sign-in page drawn again (a wrong password): no sign-in is under way any more, so the
    // lock screen stands in for a locked worker's pages again (static/sw.js `locked`).
    Outbox.setMeta({signing_in_at: null}).catch(function () {});
    var field = deviceIdField(login);
    Outbox.deviceId().then(function (id) { if (field && !field.value) field.value = id; });
  }

  /** Every form's submit, in the capture phase so nothing else sees a casework form's. */
  function routeSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.matches('form[data-mutation-type]')) {
      event.preventDefault();
      event.stopPropagation();
      var Forms = window.FieldappForms;
      // Never posted to Flask: without its script (not loaded, or not precached yet) nothing is saved.
      if (!Forms) { console.error('fieldapp: could not save: static/forms.js is not loaded'); return; }
      var hooks = {requestFlush: ns.triggers.requestFlush, registerBackgroundSync: ns.triggers.registerBackgroundSync};
      Forms.submit(form, hooks, event.submitter).catch(function (e) { console.error('fieldapp: could not save', e); });
    } else if (form.matches('form[data-logout]')) {
      event.preventDefault();
      event.stopPropagation();
      ns.logout.signOut(form);
    } else if (form.matches('form[data-login]')) {
      // The device id goes with it, and the phone notes that a sign-in is under way: the page it
      // leads to is the worker's, not one for the lock screen to hide (static/sw.js `locked`).
      var field = deviceIdField(form);
      event.preventDefault();
      Promise.all([Outbox.deviceId(), Outbox.setMeta({signing_in_at: Date.now()})]).then(function (v) {
        if (field && !field.value) field.value = v[0];
      }, function () {}).then(function () { form.submit(); });
    }
  }

  /** A field the script marked invalid (forms.js) is valid again once the worker types. */
  function clearCustomValidity(event) {
    if (event.target && event.target.setCustomValidity) event.target.setCustomValidity('');
  }

  /** What the outbox says (from this page, another tab or the worker) shown on this page. */
  function routeOutboxEvent(event) {
    if (!event) return;
    if (event.type === 'changed') Page.render();
    if (event.type === 'progress') Page.setProgress({done: event.done, total: event.total});
    if (event.type === 'flushed') { Page.setProgress(null); ns.triggers.afterFlush(event); }
    if (event.type === 'pages-refreshed' || event.type === 'wiped' || event.type === 'shell-complete') {
      ns.offlineReady.render();
    }
    if (event.type === 'pages-refreshed') ns.pendingChanges.refreshWhenSent(event);
    if (event.type === 'page-fresh') ns.pendingChanges.replaceWhenFresh(event);
    if (event.type === 'changed') ns.pendingChanges.show();
    if (event.type === 'flushed') ns.lost.render();
    if (event.type === 'login-needed') Page.notice('tpl-login-needed');
    if (event.type === 'revoked') {
      // Wiped: nothing of anyone stays on screen while static/handover.js sends the page to the
      // neutral /wiped (whose answer clears the site's data once more: Clear-Site-Data).
      (document.querySelector('main') || document.body).replaceChildren();
      Page.notice('tpl-revoked');
    }
  }

  /** `[data-action]` buttons: "Sync now", and an outbox item's "Fix" and "Discard". */
  function routeClick(event) {
    var button = event.target.closest && event.target.closest('[data-action]');
    if (!button) return;
    if (button.dataset.action === 'sync-now') ns.triggers.onSyncNow(event);
    else if (button.dataset.action === 'show-kept-off' && ns.keptOff) ns.keptOff.show(event, button);  // bundle/forms.js
    else if (button.dataset.action === 'sign-out-anyway') ns.logout.signOut(document.querySelector('form[data-logout]'), true);
    else Page.itemAction(button);
  }

  /** "Saved" after the redirect that follows a casework form's save. */
  function showSaved() {
    try {
      if (sessionStorage.getItem(C.SAVED_FLAG)) {
        sessionStorage.removeItem(C.SAVED_FLAG);
        Page.notice('tpl-saved');
      }
    } catch (e) { /* private mode */ }
  }

  /** Signed in: keep storage, note who this is (another user starts from an empty copy), show the
   * outbox and a form to fix, then the app-open flush. */
  function startSession() {
    Outbox.persist();
    var forms = (document.body.dataset.offlineForms || '').split(' ').filter(Boolean);
    var lock = null;
    try { lock = JSON.parse(document.body.dataset.lock || 'null'); } catch (e) { /* off */ }
    var session = {userId: userId, deviceId: document.body.dataset.deviceId, forms: forms, lock: lock,
                   staleDays: Number(document.body.dataset.staleDays) || null};
    var written = Outbox.setSession(session);
    // The page bundles after this file have run by DOMContentLoaded: their listeners (the contact
    // form's `fieldapp:form-filled`) are in place before a form to fix is filled below.
    var loaded = new Promise(function (resolve) {
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', resolve);
      else resolve();
    });
    // The PIN lock first: a locked phone shows nothing else. It looks while the session is
    // written (its lock screen waits for that); the rest of the page waits for both.
    var guarded = Promise.all([ns.lock.guard(written), written, loaded]).then(function (v) { return v[0]; });
    // For the page bundles loaded after this file: whether the phone is open (true) or locked.
    ns.sessionOpen = guarded.then(function (isLocked) { return !isLocked; }, function () { return false; });
    return guarded.then(function (locked) {
      if (locked) return;
      // Who this is, kept with their keys as a digest, so they can sign in here with their PIN and
      // no signal (static/shared-phone.js).
      if (lock) window.FieldappSharedPhone.noteLogin(userId, document.body.dataset.userLogin);
      var pending = ns.pendingPerson;  // bundle/forms.js: not on a light page
      if (pending) pending.narrowList();
      var Forms = window.FieldappForms;
      return Promise.all([Page.render(), Forms && Forms.prepareFix(), ns.triggers.loadSettings(), ns.offlineReady.render(),
                          pending && pending.showPage(), pending && pending.offerInContactForm(), pending && pending.fillForm(),
                          ns.pendingChanges.show(), ns.lost.render(), ns.lost.warnIfAtRisk()]);
    }).then(function () { return ns.triggers.onAppOpen(); });
  }

  function start() {
    markScriptsRunning();
    Outbox.on(routeOutboxEvent);
    document.addEventListener('submit', routeSubmit, true);
    document.addEventListener('input', clearCustomValidity);
    ns.worker.register();
    window.FieldappDates.relabel();  // a kept copy's "today" is checked against today here
    ns.offlineView.showBanner();
    ns.caseload.wire();
    showSaved();
    ns.offlineView.recordView(userId);
    ns.pendingChanges.replaceWhenFresh();  // the slow network may have answered while this loaded
    prepareLogin();
    if (!userId) return;
    startSession();
    document.addEventListener('click', routeClick);
    ns.triggers.listen();
    ns.partials.listen();
    document.addEventListener('fieldapp:partial-swapped', function () {
      window.FieldappDates.relabel();
      ns.caseload.afterSwap();
      Page.render();
      ns.pendingChanges.show();
    });
    // The copy on screen was replaced by the server's page (pending-changes.js): wire its content.
    document.addEventListener('fieldapp:page-replaced', function () {
      window.FieldappDates.relabel();
      ns.caseload.wire();
      Page.render();
      ns.offlineReady.render();
    });
  }

  try {
    start();
  } catch (e) {
    console.error('fieldapp: the page script could not start', e);
  }
})(window.Fieldapp = window.Fieldapp || {});
