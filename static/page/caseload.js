/* fieldapp page: the caseload with no signal.
 *
 * Owns: the offline filter of the caseload (`[data-caseload-filter]` over each row's
 * `data-search`: online the server is asked as the worker types (partials.js), offline the rows already on the
 * page are filtered here); how old the phone's copy of each person's page is (`[data-offline-age]`).
 * Someone new's similar names offline are static/page/offline-matches.js's (the contact form's).
 * Classic script, page only; defines `Fieldapp.caseload`, called by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var C = window.FieldappConstants;
  var Page = window.FieldappPage;
  var CachedPages = window.FieldappCachedPages;
  var RENDERED_AT = new RegExp('name="' + C.RENDERED_AT_META + '" content="([^"]+)"');

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

  ns.caseload = {wire: wire, afterSwap: afterSwap};
})(window.Fieldapp = window.Fieldapp || {});
