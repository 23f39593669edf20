/* fieldapp page: the caseload and "someone new" with no signal.
 *
 * Owns: the offline filter of the caseload (`[data-caseload-filter]` over each row's
 * `data-search`: online the server is asked as the worker types (partials.js), offline the rows already on the
 * page are filtered here); how old the phone's copy of each person's page is (`[data-offline-age]`);
 * and, registering someone new offline, the people this phone holds with a similar name
 * (`#new-person-matches`; online the server answers, GET /people/matches).
 * Classic script, page only; defines `Fieldapp.caseload`, called by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var C = window.FieldappConstants;
  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var CachedPages = window.FieldappCachedPages;
  var RENDERED_AT = new RegExp('name="' + C.RENDERED_AT_META + '" content="([^"]+)"');
  var MAX_MATCHES = 10;

  /** Show only the rows whose `data-search` contains what was typed. */
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

  /** "Copy on this phone from 2 hours ago" beside each person whose page the phone holds. */
  function showCopyAges() {
    var cells = document.querySelectorAll('[data-offline-age][data-person-url]');
    if (!cells.length) return;
    cells.forEach(function (el) {
      // The copy read unsealed (static/at-rest.js); null when none is held.
      CachedPages.pageText(el.dataset.personUrl).then(function (html) {
        var m = html == null ? null : RENDERED_AT.exec(html);
        var when = m ? new Date(m[1]) : null;
        if (!when || isNaN(when)) return;
        el.textContent = 'Copy on this phone from ' + Page.age(when);
        el.hidden = false;
      });
    });
  }

  /** Online, the server is asked as the worker types (partials.js, which asks nothing offline);
   * offline (or when that fails) the rows already on the page are filtered here, so the caseload
   * can be searched with no signal. Called again when the page's content is replaced in place. */
  function wire() {
    var input = document.querySelector('input[data-caseload-filter]');
    if (input) {
      input.addEventListener('input', function () { filterRows(input.value); });
      if (input.value) filterRows(input.value);
    }
    showCopyAges();
  }

  /** The server's list arrived (partials.js): filter it by what is typed now, show copy ages. */
  function afterSwap() {
    var input = document.querySelector('input[data-caseload-filter]');
    if (!input || !document.querySelector('#caseload-list')) return;
    filterRows(input.value);
    showCopyAges();
  }

  function words(text) {
    return (text || '').toLowerCase().split(/[^a-z0-9]+/).filter(function (w) { return w.length >= 2; });
  }

  /** People held on this phone with any word of their name or aliases starting the same way as a
   * word typed (either way round). */
  function similarPeople(records, typed) {
    if (!typed.length) return [];
    return records.filter(function (r) {
      if (r.type !== 'person' || r.deleted || !r.fields) return false;
      var theirs = words(r.fields.display_name + ' ' + (r.fields.aliases || ''));
      return typed.some(function (t) {
        return theirs.some(function (w) { return w.indexOf(t) === 0 || t.indexOf(w) === 0; });
      });
    }).slice(0, MAX_MATCHES);
  }

  /** "Already on the system?" with a link to a contact with each person found. */
  function showMatches(box, found) {
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
  }

  /** Registering someone new with no signal: the server cannot be asked for similar names, so
   * the people this phone holds are checked here. */
  function wireOfflineMatches() {
    var input = document.querySelector('input[name="new_person.display_name"]');
    var box = document.getElementById('new-person-matches');
    if (!input || !box) return;
    input.addEventListener('input', function () {
      if (navigator.onLine !== false) return;  // online, the server is asked (partials.js)
      var typed = words(input.value);
      Outbox.records().then(function (records) { showMatches(box, similarPeople(records, typed)); });
    });
  }

  ns.caseload = {wire: wire, afterSwap: afterSwap, wireOfflineMatches: wireOfflineMatches};
})(window.Fieldapp = window.Fieldapp || {});
