/* fieldapp directory search (fieldapp/web/directory.py). On a signed-in phone the list is drawn
 * from the phone's own records, the `directory_entry` records the sync pull brought (every live
 * entry reaches every caseworker's phone), not from the copy of the page: so with no signal the
 * worker finds the service the last sync brought even if the page's copy is older, or was kept
 * before that sync. Each entry is drawn from `tpl-directory-entry`, by name. With no directory
 * records on the phone (never synced), the server's list on the page stays.
 * Then filters the list as the worker types, in the page: every word typed must appear in a
 * service's name, offer, address, how to refer or districts (the server's `?q=` rule).
 * Classic script, page only; needs FieldappOutbox and FieldappPage.
 */
(function () {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;

  function filter(input) {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var items = document.querySelectorAll('[data-directory-list] [data-search]');
    var shown = 0;
    Array.prototype.forEach.call(items, function (item) {
      var text = item.getAttribute('data-search');
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      item.hidden = !match;
      if (match) shown += 1;
    });
    var count = document.querySelector('[data-directory-count]');
    if (count) count.textContent = shown + (shown === 1 ? ' service' : ' services');
    var none = document.querySelector('[data-directory-none]');
    if (none) none.hidden = shown !== 0;
  }

  /** What a search looks in, as fieldapp/reads/directory.py `entries` makes it. */
  function searchText(f, districts) {
    return ['name', 'offers', 'address', 'how_to_refer'].map(function (k) { return f[k] || ''; })
      .join(' ').toLowerCase() + ' ' + districts.join(' ').toLowerCase();
  }

  /** One entry drawn from the template; an optional fact with nothing recorded is dropped. */
  function entry(f) {
    var el = Page.clone('tpl-directory-entry');
    var districts = Array.isArray(f.districts) ? f.districts : [];
    el.setAttribute('data-search', searchText(f, districts));
    Page.slot(el, 'name').textContent = f.name || '';
    Page.slot(el, 'offers').textContent = f.offers || '';
    Page.slot(el, 'districts').textContent = districts.join(', ');
    ['address', 'opening_times', 'how_to_refer', 'last_checked_on'].forEach(function (k) {
      Page.slot(el, k).textContent = f[k] || '';
    });
    var phone = Page.slot(el, 'phone');
    phone.textContent = f.phone || '';
    phone.setAttribute('href', 'tel:' + String(f.phone || '').replace(/ /g, ''));
    el.querySelectorAll('[data-fact]').forEach(function (row) {
      if (!f[row.getAttribute('data-fact')]) row.remove();
    });
    return el;
  }

  /** The list from the phone's directory records, when it holds any (live ones, by name). */
  function drawFromRecords(list) {
    if (!Outbox || !Page || !Page.userId || !document.getElementById('tpl-directory-entry')) {
      return Promise.resolve(false);
    }
    return Outbox.records().then(function (records) {
      var held = records.filter(function (r) { return r.type === 'directory_entry'; });
      if (!held.length) return false;
      var live = held.filter(function (r) { return !r.deleted && r.fields; }).map(function (r) { return r.fields; });
      live.sort(function (a, b) {
        return String(a.name || '').toLowerCase().localeCompare(String(b.name || '').toLowerCase());
      });
      list.replaceChildren.apply(list, live.map(entry));
      list.setAttribute('data-drawn-from', 'phone');
      return true;
    }).catch(function () { return false; });
  }

  function start() {
    var input = document.querySelector('[data-directory-filter]');
    var list = document.querySelector('[data-directory-list]');
    if (!input || !list) return;
    var form = input.form;
    // The list is complete on this page: filter it here, online or not.
    if (form) form.addEventListener('submit', function (event) { event.preventDefault(); filter(input); });
    input.addEventListener('input', function () { filter(input); });
    drawFromRecords(list).then(function () { filter(input); });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
