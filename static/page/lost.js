/* fieldapp page: records the server found lost from this phone before they were sent.
 *
 * Owns `[data-lost-notice]` on the caseload and the outbox page: when a sync answered that records
 * this phone had reported unsent vanished without arriving (fieldapp/rules/unsent.py; meta `lost`,
 * kept by static/flush.js), say how many and link to the list of what to enter again
 * (/account/lost-records). Opening that list clears the notice. And `warnIfAtRisk`: where this
 * browser may clear what the app keeps (storage not persistent; an iPhone's Safari tab), say what
 * to do before going out.
 * Classic script, page only; defines `Fieldapp.lost`, started by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var LIST = '/account/lost-records';

  /** Show the notice where the page has room for it, or clear it on the list itself. */
  function render() {
    if (location.pathname === LIST) return Outbox.setMeta({lost: []});
    var place = document.querySelector('[data-offline-ready]') || document.querySelector('[data-outbox-list]');
    if (!place) return Promise.resolve();
    return Outbox.getMeta('lost').then(function (lost) {
      var old = document.querySelector('[data-lost-notice]');
      if (old) old.remove();
      var views = (Array.isArray(lost) ? lost : []).filter(function (item) { return item.type !== 'view'; });
      if (!views.length) return;
      var notice = Page.clone('tpl-lost-notice');
      if (!notice) return;
      Page.slot(notice, 'count').textContent = views.length === 1 ? '1 record' : views.length + ' records';
      place.before(notice);
    });
  }

  /** Where the browser may clear what the app keeps, say so once, on the caseload: storage not
   * made persistent (any browser under pressure), and an iPhone's Safari tab (Safari deletes a
   * site's storage after 7 days without a visit unless the app is on the home screen). */
  function warnIfAtRisk() {
    var place = document.querySelector('[data-offline-ready]');
    if (!place || document.querySelector('[data-storage-risk]')) return Promise.resolve();
    var iphoneTab = /iPhone|iPad|iPod/.test(navigator.userAgent) && navigator.standalone === false;
    var asked = navigator.storage && navigator.storage.persisted ? navigator.storage.persisted() : Promise.resolve(true);
    return asked.then(function (kept) {
      if (kept && !iphoneTab) return;
      var notice = Page.clone(iphoneTab ? 'tpl-storage-risk-iphone' : 'tpl-storage-risk');
      if (notice) place.after(notice);
    }, function () {});
  }

  ns.lost = {render: render, warnIfAtRisk: warnIfAtRisk};
})(window.Fieldapp = window.Fieldapp || {});
