/* fieldapp page: signing out without losing a record.
 *
 * Owns what the "Sign out" form (`form[data-logout]`) does on a phone: flush first (online, for at
 * most LOGOUT_FLUSH_WAIT_MS), then refuse while any of this user's records is not acknowledged
 * (rejected ones included: FieldappOutbox.pendingCount), saying how many; otherwise wipe the phone
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

  /** "Logout refused: N records not sent yet", focused so a screen reader says it. */
  function refuse(form, n) {
    blockSecondSubmit(form, false);
    var el = Page.notice('tpl-logout-refused', function (box) {
      Page.slot(box, 'count').textContent = n === 1 ? '1 record' : n + ' records';
    });
    if (el) el.focus();
  }

  /** Flush first; refuse while this user's records are unsent; otherwise wipe, then sign out. */
  function signOut(form) {
    blockSecondSubmit(form, true);
    var flushed = navigator.onLine ? Promise.race([
      ns.triggers.requestFlush('logout'),
      new Promise(function (r) { setTimeout(r, LOGOUT_FLUSH_WAIT_MS); })
    ]) : Promise.resolve();
    return flushed.then(function () { return Outbox.pendingCount(Page.userId); }).then(function (n) {
      if (n > 0) return refuse(form, n);
      return window.FieldappSharedPhone.signOut(Page.userId).then(function () { form.submit(); });
    });
  }

  ns.logout = {signOut: signOut};
})(window.Fieldapp = window.Fieldapp || {});
