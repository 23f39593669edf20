/* fieldapp page: a page shown from this phone's copy (the service worker's page cache).
 *
 * Owns: queuing a `view` record when a cached person page is shown offline (`recordView`: reading
 * a person's record is in the audit trail even with no signal; the record is hidden from the
 * worker's outbox list and sent with the next sync); and the "Offline copy from …" banner
 * (`showBanner`). The worker marks such pages with the meta element OFFLINE_COPY_META (sw.js; a
 * partial it answers from a copy carries the header OFFLINE_COPY_HEADER: partials.js).
 * Classic script, page only; defines `Fieldapp.offlineView`, called by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var C = window.FieldappConstants;
  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var PERSON_PAGE = /^\/people\/([0-9a-f-]{36})(\/|$)/;

  function isOfflineCopy() {
    return !!document.querySelector('meta[name="' + C.OFFLINE_COPY_META + '"]');
  }

  /** "Offline copy from 14:05 (2 hours ago)": when the server rendered the copy shown. */
  function showBanner() {
    if (!isOfflineCopy()) return;
    var meta = document.querySelector('meta[name="' + C.RENDERED_AT_META + '"]');
    var when = meta ? new Date(meta.content) : null;
    Page.notice('tpl-offline-copy', function (el) {
      if (!when || isNaN(when)) return;
      var t = Page.slot(el, 'time');
      t.textContent = Page.clock(when);
      t.setAttribute('datetime', when.toISOString());
      Page.slot(el, 'age').textContent = Page.age(when);
    });
  }

  /** A person's page read from this phone's copy is still a view for the audit trail: it is
   * queued like any record (and hidden from the worker's list) and sent with the next sync. */
  function recordView(userId) {
    if (!isOfflineCopy()) return;
    var m = PERSON_PAGE.exec(location.pathname);
    if (!m || !userId) return;
    var now = new Date().toISOString();
    Outbox.enqueue({
      type: 'view', op: 'create', record_id: Outbox.uuid(), base_version: null,
      recorded_at: now, person_id: m[1], label: 'Viewed offline',
      fields: {person_id: m[1], viewed_at: now, page: location.pathname}
    }).catch(function () { /* the audit record is best effort; never block reading */ });
  }

  ns.offlineView = {showBanner: showBanner, recordView: recordView};
})(window.Fieldapp = window.Fieldapp || {});
