/* fieldapp directory search: filters the directory page's list as the worker types, in the page,
 * so it works with no signal from the phone's copy of the page (fieldapp/web/directory.py). Every
 * word typed must appear in a service's name, offer, address, how to refer or districts. Classic
 * script, page only, needs nothing else. */
(function () {
  'use strict';

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

  function start() {
    var input = document.querySelector('[data-directory-filter]');
    if (!input) return;
    var form = input.form;
    // The server's list is complete on this page: filter it here, online or not.
    if (form) form.addEventListener('submit', function (event) { event.preventDefault(); filter(input); });
    input.addEventListener('input', function () { filter(input); });
    if (input.value) filter(input);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
