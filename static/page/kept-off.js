/* fieldapp page: "Show" on the details a person's page keeps off phones (README: Fields kept off
 * phones).
 *
 * Owns `a[data-action="show-kept-off"]`: the link to the online-only page of the details
 * (fieldapp/web/kept_off.py). Clicked, it asks that URL for its fragment (`HX-Request`, the app's
 * partial header) with `cache: 'no-store'`, and puts the answer in place of the section
 * `[data-kept-off]`. The answer is `Cache-Control: no-store` and carries the no-phone-copy header:
 * neither the browser, the service worker nor static/cached-pages.js keeps it, and the page's own
 * copy on the phone (fetched apart) never holds it. With no signal, or a refusal, it says so in the
 * section (`data-kept-off-message`) and shows nothing. Without this script the link opens the page.
 * Classic script, page only; defines `Fieldapp.keptOff`, called by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var OFFLINE = 'Needs a signal: these details are shown online only.';
  var FAILED = 'These details could not be shown. Try again with a signal.';

  /** Say `text` in the section's message line. */
  function say(section, text) {
    var line = section.querySelector('[data-kept-off-message]');
    if (line) { line.textContent = text; line.hidden = false; }
  }

  /** Fetch the fragment into the page in place of the section. */
  function show(event, link) {
    event.preventDefault();
    var section = link.closest('[data-kept-off]');
    if (!section) return Promise.resolve();
    if (navigator.onLine === false) { say(section, OFFLINE); return Promise.resolve(); }
    // Asked for: the page is not swapped for a fresher copy meanwhile (static/page/pending-changes.js
    // `busy`), which would take the details away as they arrive.
    section.setAttribute('data-kept-off-asking', '');
    return fetch(link.href, {credentials: 'same-origin', cache: 'no-store', redirect: 'error',
                             headers: {'HX-Request': 'true'}})
      .then(function (resp) {
        if (!resp.ok) throw new Error('kept-off details: ' + resp.status);
        return resp.text();
      })
      .then(function (html) {
        var template = document.createElement('template');
        template.innerHTML = html;
        var shown = template.content.querySelector('[data-kept-off]');
        if (!shown) throw new Error('kept-off details: no fragment');
        section.replaceWith(shown);
        var heading = shown.querySelector('h3, h2');
        if (heading) { heading.tabIndex = -1; heading.focus(); }
      })
      .catch(function () { say(section, navigator.onLine === false ? OFFLINE : FAILED); });
  }

  ns.keptOff = {show: show};
})(window.Fieldapp = window.Fieldapp || {});
