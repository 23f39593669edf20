/* fieldapp page: live partials, the two searches that ask the server as the worker types.
 *
 * Owns: an input marked `data-partial-get="<url>"` asks that URL, `data-partial-delay` ms after the
 * worker stops typing (at once on the search box's `search` event), with its own name=value and
 * those of the fields `data-partial-include` selects, and puts the answer in place of the element
 * `data-partial-target` selects (`data-partial-swap="inner"`: in place of its content). This did
 * the work of htmx (13 KB gzipped, a quarter of the first load, for these two searches: issue 13).
 * - The request carries `HX-Request: true`: the header by which the server (people.caseload,
 *   coordination.matches, guards.password_change_gate) and the service worker (sw.js) tell a
 *   partial from a page. The name is htmx's, kept as the app's contract.
 * - Only the newest answer is shown: each keystroke's request aborts the one before.
 * - An answer with `HX-Redirect`, or one the server redirected (signed out), becomes a navigation.
 * - An answer the service worker made from its copy of the full page (OFFLINE_COPY_HEADER, no
 *   signal after all) gives only the target element, taken out of that page.
 * - Known to be offline, nothing is asked: the page's own offline search answers (caseload.js).
 * After a swap the document hears `fieldapp:partial-swapped`. The listeners are the document's,
 * so a page whose content is replaced in place (pending-changes.js) needs no wiring again.
 * Classic script, page only; defines `Fieldapp.partials`, started by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var C = window.FieldappConstants;
  var SELECTOR = 'input[data-partial-get]';
  var DEFAULT_DELAY_MS = 300;
  var timers = new WeakMap();    // input → its pending debounce timer
  var asked = new WeakMap();     // input → the query last asked for (ask again only when it changes)
  var inFlight = new WeakMap();  // input → the AbortController of its newest request

  /** The query string: the input's own name=value, then the included fields'. */
  function queryOf(input) {
    var params = new URLSearchParams();
    params.append(input.name, input.value);
    var include = input.dataset.partialInclude;
    if (include) {
      document.querySelectorAll(include).forEach(function (field) {
        if (field.name) params.append(field.name, field.value);
      });
    }
    return params.toString();
  }

  /** Put `html` in place of the target (or of its content); `fromCopy`: html is a whole page. */
  function swap(input, html, fromCopy) {
    var selector = input.dataset.partialTarget;
    var target = document.querySelector(selector);
    if (!target) return false;
    var nodes;
    if (fromCopy) {
      var found = new DOMParser().parseFromString(html, 'text/html').querySelector(selector);
      if (!found) return false;
      nodes = input.dataset.partialSwap === 'inner' ? Array.prototype.slice.call(found.childNodes) : [found];
      nodes = nodes.map(function (n) { return document.importNode(n, true); });
    } else {
      var template = document.createElement('template');
      template.innerHTML = html;
      nodes = [template.content];
    }
    if (input.dataset.partialSwap === 'inner') target.replaceChildren.apply(target, nodes);
    else target.replaceWith.apply(target, nodes);
    return true;
  }

  /** Ask the server for the partial, unless the query is the one last asked for. */
  function ask(input) {
    if (navigator.onLine === false) return Promise.resolve();
    var query = queryOf(input);
    if (asked.get(input) === query) return Promise.resolve();
    asked.set(input, query);
    var previous = inFlight.get(input);
    if (previous) previous.abort();
    var controller = new AbortController();
    inFlight.set(input, controller);
    var base = input.dataset.partialGet;
    var url = base + (base.indexOf('?') === -1 ? '?' : '&') + query;
    return fetch(url, {credentials: 'same-origin', headers: {'HX-Request': 'true'}, signal: controller.signal})
      .then(function (resp) {
        var redirect = resp.headers.get('HX-Redirect');
        if (redirect) { location.assign(redirect); return; }
        if (resp.redirected) { location.assign(resp.url); return; }
        if (!resp.ok || (resp.headers.get('Content-Type') || '').indexOf('text/html') !== 0) return;
        var fromCopy = !!resp.headers.get(C.OFFLINE_COPY_HEADER);
        return resp.text().then(function (html) {
          if (inFlight.get(input) !== controller) return;  // a newer request is on its way
          inFlight.delete(input);
          if (swap(input, html, fromCopy)) {
            document.dispatchEvent(new CustomEvent('fieldapp:partial-swapped', {detail: {input: input}}));
          }
        });
      })
      .catch(function () {
        // Aborted by a newer keystroke, or no signal: the same query may be asked again later.
        if (inFlight.get(input) === controller) { inFlight.delete(input); asked.delete(input); }
      });
  }

  function onInput(event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches(SELECTOR)) return;
    clearTimeout(timers.get(input));
    if (event.type === 'search') { ask(input); return; }
    var delay = parseInt(input.dataset.partialDelay, 10);
    timers.set(input, setTimeout(ask, isNaN(delay) ? DEFAULT_DELAY_MS : delay, input));
  }

  function listen() {
    document.addEventListener('input', onInput);
    document.addEventListener('search', onInput, true);  // capture: sure to be heard
  }

  ns.partials = {listen: listen, ask: ask};
})(window.Fieldapp = window.Fieldapp || {});
