/* fieldapp page: the "Ready for offline use" cue.
 *
 * Owns `[data-offline-ready]` (on the caseload and the outbox page): whether this phone holds the
 * worker's caseload for a shift with no signal, e.g. "Ready for offline use: 4 people and their
 * forms, refreshed 14:05". Counted from what the phone actually holds (static/cached-pages.js
 * `holdings`: the people of the last pull whose page and every form their role needs are in the
 * page cache, and the shell's scripts precached once the first page has shown, static/sw.js
 * PRECACHE_LATER: the forms' own scripts), never from what the server says. Shown after sign-in and again whenever a sync has
 * refreshed the copies (the `pages-refreshed` event, from this page or the service worker).
 * Classic script, page only; defines `Fieldapp.offlineReady`, started by static/page/start.js. The
 * words are the `<template id="tpl-offline-ready">` of templates/_outbox.html.
 */
(function (ns) {
  'use strict';

  var CachedPages = window.FieldappCachedPages;
  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;

  /** The template's sentence for `key`, with {name}s filled from `values`. */
  function sentence(key, values) {
    var t = document.getElementById('tpl-offline-ready');
    var el = t && t.content.querySelector('[data-ready="' + key + '"]');
    var text = el ? el.textContent : '';
    Object.keys(values).forEach(function (k) { text = text.split('{' + k + '}').join(values[k]); });
    return text;
  }

  /** Whether every file of the shell's deferred part (the worker notes their URLs once it has them
   * all, static/sw.js `shellComplete`) is in a cache on this phone: a form whose script is missing
   * would open offline without its defaults or markers. */
  function shellHeld() {
    if (typeof caches === 'undefined') return Promise.resolve(false);
    return Outbox.getMeta('shell_later').then(function (urls) {
      if (!urls || !urls.length) return false;
      return Promise.all(urls.map(function (url) { return caches.match(url); }))
        .then(function (hits) { return hits.every(Boolean); });
    });
  }

  /** Which sentence the holdings call for, and its values. */
  function describe(h) {
    var when = h.refreshedAt ? new Date(h.refreshedAt) : null;
    var time = when && !isNaN(when) ? Page.clock(when) : '';
    if (!h.people) return null;  // nobody on the caseload: nothing to be ready with
    if (h.caseload && h.blankForms !== false && h.ready === h.people && time) {
      // Every page is held; the forms' own scripts and styles may still be on their way.
      if (!h.shell) return sentence('shell', {});
      return sentence(h.people === 1 ? 'ready-one' : 'ready', {n: h.people, time: time});
    }
    return sentence('partial', {ready: h.ready, n: h.people});
  }

  /** Fill every `[data-offline-ready]` on the page (hidden while there is nothing to say). */
  function render() {
    var targets = document.querySelectorAll('[data-offline-ready]');
    if (!targets.length || !Page.userId) return Promise.resolve();
    return Promise.all([CachedPages.holdings(), shellHeld()]).then(function (v) {
      var h = v[0];
      h.shell = v[1];
      var text = describe(h);
      targets.forEach(function (el) {
        el.textContent = text || '';
        el.hidden = !text;
      });
    }).catch(function () { /* no storage (private mode): say nothing rather than something wrong */ });
  }

  ns.offlineReady = {render: render};
})(window.Fieldapp = window.Fieldapp || {});
