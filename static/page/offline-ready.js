/* fieldapp page: the "Ready for offline use" cue.
 *
 * Owns `[data-offline-ready]` (on the caseload and the outbox page): whether this phone holds the
 * worker's caseload for a shift with no signal, e.g. "Ready for offline use: 4 people and their
 * forms, refreshed 14:05". Counted from what the phone actually holds (static/cached-pages.js
 * `holdings`: the people of the last pull whose page and every form their role needs are in the
 * page cache), never from what the server says. Shown after sign-in and again whenever a sync has
 * refreshed the copies (the `pages-refreshed` event, from this page or the service worker).
 * Classic script, page only; defines `Fieldapp.offlineReady`, started by static/page/start.js. The
 * words are the `<template id="tpl-offline-ready">` of templates/_outbox.html.
 */
(function (ns) {
  'use strict';

  var CachedPages = window.FieldappCachedPages;
  var Page = window.FieldappPage;

  /** The template's sentence for `key`, with {name}s filled from `values`. */
  function sentence(key, values) {
    var t = document.getElementById('tpl-offline-ready');
    var el = t && t.content.querySelector('[data-ready="' + key + '"]');
    var text = el ? el.textContent : '';
    Object.keys(values).forEach(function (k) { text = text.split('{' + k + '}').join(values[k]); });
    return text;
  }

  /** Which sentence the holdings call for, and its values. */
  function describe(h) {
    var when = h.refreshedAt ? new Date(h.refreshedAt) : null;
    var time = when && !isNaN(when) ? Page.clock(when) : '';
    if (!h.people) return null;  // nobody on the caseload: nothing to be ready with
    if (h.caseload && h.blankForms !== false && h.ready === h.people && time) {
      return sentence(h.people === 1 ? 'ready-one' : 'ready', {n: h.people, time: time});
    }
    return sentence('partial', {ready: h.ready, n: h.people});
  }

  /** Fill every `[data-offline-ready]` on the page (hidden while there is nothing to say). */
  function render() {
    var targets = document.querySelectorAll('[data-offline-ready]');
    if (!targets.length || !Page.userId) return Promise.resolve();
    return CachedPages.holdings().then(function (h) {
      var text = describe(h);
      targets.forEach(function (el) {
        el.textContent = text || '';
        el.hidden = !text;
      });
    }).catch(function () { /* no storage (private mode): say nothing rather than something wrong */ });
  }

  ns.offlineReady = {render: render};
})(window.Fieldapp = window.Fieldapp || {});
