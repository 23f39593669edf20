/* fieldapp page: the barriers list (templates/barriers/index.html) with the barriers this worker
 * logged on this phone that the server does not have yet, first, marked "Waiting to send" (or
 * "Needs attention" when the server refused one), from the outbox, so a barrier logged with no
 * signal is in the list at once. Drawn from `tpl-pending-barrier`; on the unfiltered list and the
 * open ones only (`[data-barrier-pending]`: a new barrier is open). Drawn again whenever the
 * outbox changes; once sent, the server's copy of the page (refreshed after the sync,
 * static/page/pending-changes.js) lists it as an ordinary barrier.
 * Classic script, page only; needs FieldappOutbox and FieldappPage; starts itself on the barriers
 * page and does nothing elsewhere.
 */
(function (ns) {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;

  function labels(list) {
    try { return JSON.parse(list.getAttribute('data-kind-labels') || '{}'); } catch (e) { return {}; }
  }

  /** This worker's barriers not yet acknowledged by the server, oldest first. */
  function pending(items) {
    return items.filter(function (i) {
      return i.type === 'barrier' && i.op === 'create' && i.user_id === Page.userId && i.fields &&
        Outbox.UNSENT.concat(['rejected']).indexOf(i.state) !== -1;
    });
  }

  /** The people this phone holds, by id: their names for "about …". */
  function names(records) {
    var byId = {};
    records.forEach(function (r) {
      if (r.type === 'person' && !r.deleted && r.fields) byId[r.record_id] = r.fields.display_name;
    });
    return byId;
  }

  function item(entry, kinds, people) {
    var el = Page.clone('tpl-pending-barrier');
    var f = entry.fields;
    Page.slot(el, 'service').textContent = f.service || '';
    Page.slot(el, 'kind').textContent = kinds[f.kind] || f.kind || '';
    var state = Page.slot(el, 'state');
    if (entry.state === 'rejected') {
      state.textContent = state.getAttribute('data-attention');
      state.classList.replace('govuk-tag--blue', 'govuk-tag--red');
    }
    var where = [f.district, f.noticed_on].filter(Boolean).join(', ');
    var about = f.person_id && people[f.person_id];
    Page.slot(el, 'where').textContent = where + (about ? ' · about ' + about : '');
    Page.slot(el, 'what').textContent = f.what_happened || '';
    el.setAttribute('data-mutation-id', entry.id);
    return el;
  }

  /** Put this worker's unsent barriers at the top of the list (replacing any drawn before). */
  function show() {
    var list = document.querySelector('[data-barrier-list][data-barrier-pending]');
    if (!list || !Page.userId || !document.getElementById('tpl-pending-barrier')) return Promise.resolve();
    return Promise.all([Outbox.list(), Outbox.records()]).then(function (v) {
      list.querySelectorAll('[data-pending-barrier]').forEach(function (el) { el.remove(); });
      var kinds = labels(list);
      var people = names(v[1]);
      var items = pending(v[0]).map(function (entry) { return item(entry, kinds, people); });
      list.prepend.apply(list, items);
      var none = document.querySelector('[data-barriers-none]');
      if (none) none.hidden = list.children.length > 0;
    }).catch(function (e) { console.error('fieldapp: could not show the barriers waiting', e); });
  }

  function start() {
    if (!document.querySelector('[data-barrier-list]')) return;
    show();
    Outbox.on(function (event) { if (event && event.type === 'changed') show(); });
    // The copy on screen replaced by the server's page (pending-changes.js): draw over the new one.
    document.addEventListener('fieldapp:page-replaced', show);
  }

  ns.pendingBarriers = {show: show};
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})(window.Fieldapp = window.Fieldapp || {});
