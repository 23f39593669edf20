/* fieldapp page: signing out without losing a record.
 *
 * Owns what the "Sign out" form (`form[data-logout]`) does on a phone: flush first (online, for at
 * most LOGOUT_FLUSH_WAIT_MS), then refuse while any of this user's records is not acknowledged
 * (rejected ones included: FieldappOutbox.pendingCount), saying how many (with the PIN lock on, the
 * worker may sign out anyway: their records stay sealed on the phone and go when they are back).
 * The session ends through /api/sign-out, owed with no signal (static/shared-phone.js). Then wipe the phone
 * (the IndexedDB database and every fieldapp- cache: FieldappOutbox.wipe; on a phone another worker
 * has records, copies or keys on, only this worker's: static/shared-phone.js `signOut`) and only
 * then post the form. The server's /logout never refuses: this is the one guard, and it runs on the phone.
 * Classic script, page only; defines `Fieldapp.logout`, called by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var LOGOUT_FLUSH_WAIT_MS = 10000;  // a stalled link must not keep the worker from signing out

  /** The form's buttons off while it works (the light pages have no static/forms.js to do it). */
  function blockSecondSubmit(form, on) {
    Array.prototype.forEach.call(form.querySelectorAll('button, [type=submit]'), function (b) { b.disabled = on; });
  }

  /** "Logout refused: N records not sent yet", focused so a screen reader says it; with the PIN
   * lock, the choice to sign out anyway (they stay sealed on the phone). */
  function refuse(form, n, sealed) {
    blockSecondSubmit(form, false);
    var el = Page.notice('tpl-logout-refused', function (box) {
      Page.slot(box, 'count').textContent = n === 1 ? '1 record' : n + ' records';
      var anyway = Page.slot(box, 'anyway');
      if (anyway) anyway.hidden = !sealed;
      if (sealed) Page.slot(box, 'deletes').remove();
    });
    if (el) el.focus();
  }

  /** Whether this worker's records on the phone are sealed under their PIN (the lock on, their
   * key made): then they may sign out leaving unsent ones, kept sealed for their return. */
  function sealedHere() {
    var lock = null;
    try { lock = JSON.parse(document.body.dataset.lock || 'null'); } catch (e) { /* off */ }
    return lock && window.FieldappVault ? window.FieldappVault.hasKeys(Page.userId) : Promise.resolve(false);
  }

  /**
   * Flush first; refuse while this user's records are unsent (with the lock on, unless `anyway`:
   * the worker chose to leave them on the phone, sealed under their key and to the server, for
   * when they next sign in here). Then nothing else of theirs stays (static/shared-phone.js
   * `signOut`: the whole wipe, or theirs alone on a phone others use) and their session ends on
   * the server, now or with the first signal.
   */
  function signOut(form, anyway) {
    blockSecondSubmit(form, true);
    var flushed = navigator.onLine ? Promise.race([
      ns.triggers.requestFlush('logout'),
      new Promise(function (r) { setTimeout(r, LOGOUT_FLUSH_WAIT_MS); })
    ]) : Promise.resolve();
    var Shared = window.FieldappSharedPhone;
    return flushed.then(function () {
      return Promise.all([Outbox.pendingCount(Page.userId), sealedHere()]);
    }).then(function (v) {
      var n = v[0], sealed = v[1];
      if (n > 0 && !(sealed && anyway)) return refuse(form, n, sealed);
      // Signed out on the server here (POST /api/sign-out), or with the first signal: with none,
      // the sign-in page, which the service worker answers with "Sign in on this phone".
      return Shared.signOut(Page.userId, document.body.dataset.deviceId, n > 0).then(function (told) {
        if (told) form.submit(); else location.replace('/login');
      });
    });
  }

  ns.logout = {signOut: signOut};
})(window.Fieldapp = window.Fieldapp || {});
