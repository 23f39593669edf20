/* fieldapp page: a page shown from this phone's copy (the service worker's page cache).
 *
 * Owns: queuing a `view` record when a cached person page is shown offline (`recordView`: reading
 * a person's record is in the audit trail even with no signal; the record is hidden from the
 * worker's outbox list and sent with the next sync); the "Offline copy from …" banner
 * (`showBanner`); and, for an htmx request the worker answered with a cached full page, swapping
 * only the element the request targeted (`selectFromCopy`). The worker marks such answers: the
 * meta element OFFLINE_COPY_META in a page, the header OFFLINE_COPY_HEADER on a partial (sw.js).
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

  /** `htmx:after:request`: an answer the worker made from the cached full page swaps only the
   * element the request targeted, taken from that page (htmx 4 reads ctx.select at swap time). */
  function selectFromCopy(event) {
    var ctx = event.detail && event.detail.ctx;
    var headers = ctx && ctx.response && ctx.response.headers;
    if (!headers || !headers.get(C.OFFLINE_COPY_HEADER) || ctx.select) return;
    if (ctx.target && ctx.target.id) ctx.select = '#' + CSS.escape(ctx.target.id);
  }

  ns.offlineView = {showBanner: showBanner, recordView: recordView, selectFromCopy: selectFromCopy};
})(window.Fieldapp = window.Fieldapp || {});
