/* fieldapp page: what the worker just saved, shown before the server has it, and the page made
 * fresh once it has.
 *
 * Owns three things about the phone's unsent changes and the pages they belong to:
 * - `show`: over the copy on screen, the changes still in this worker's outbox: a person's new
 *   name and details (`[data-person-name]`, the rows classed `app-detail--<field>` of
 *   templates/people/person.html), marked "Waiting to send"; and what waits for a person, at the
 *   top of their page and under their caseload row ("1 contact, 1 change of details saved on
 *   this phone", `tpl-pending-value`, `tpl-person-waiting`).
 * - `replaceWhenFresh`: a page shown from the copy on a slow link becomes the server's page, in
 *   place, once the service worker has it (`page-fresh`);
 * - `refreshWhenSent`: after a sync refreshed the copies (the `pages-refreshed` event), the page on
 *   screen is replaced in place by its new copy when the sync changed it (a colleague's edit, a
 *   conflict); and a page shown from the phone's copy ("Offline copy from …")
 *   by the server's once everything is sent, so the banner goes. Never a page with a casework
 *   form, nor while the worker is in a field (they may be typing).
 * Classic script, page only; defines `Fieldapp.pendingChanges`, started by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var C = window.FieldappConstants;
  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var PERSON_PAGE = /^\/people\/([0-9a-f-]{36})$/;
  // Where the person page shows each field (date of birth and age band share the age row).
  var SHOWN = {display_name: '[data-person-name]'};
  ['description', 'district', 'gender', 'ethnicity', 'known_to_services', 'housing_situation', 'agencies',
   'engaged_on'].forEach(function (f) { SHOWN[f] = '.app-detail--' + f + ' .govuk-summary-list__value'; });
  SHOWN.date_of_birth = SHOWN.age_band = '.app-detail--age .govuk-summary-list__value';

  /** A value as the person page words it: a choice by its label (the page's
   * `[data-choice-labels]`), a date of birth as "Born …". */
  function worded(field, value) {
    var block = document.querySelector('script[data-choice-labels]');
    var labels = {};
    try { labels = block ? JSON.parse(block.textContent) : {}; } catch (e) { /* keep the raw value */ }
    if (field === 'date_of_birth') return 'Born ' + value;
    return (labels[field] && labels[field][value]) || String(value);
  }

  function mineUnsent(items) {
    return items.filter(function (i) {
      return i.user_id === Page.userId && Outbox.UNSENT.concat(['rejected']).indexOf(i.state) !== -1;
    });
  }

  /** Put `value`, marked "Waiting to send", in place of what `el` shows. */
  function markPending(el, value) {
    var mark = Page.clone('tpl-pending-value');
    if (!mark) return;
    Page.slot(mark, 'value').textContent = value;
    el.replaceChildren(mark);
  }

  /** A person's page: their details as this phone last changed them, in the order made. */
  function showPersonChanges(items, personId) {
    var latest = {};
    items.forEach(function (i) {
      if (i.type !== 'person' || i.op !== 'update' || i.record_id !== personId) return;
      Object.keys(i.fields || {}).forEach(function (k) { latest[k] = i.fields[k]; });
    });
    Object.keys(SHOWN).forEach(function (field) {
      var el = document.querySelector(SHOWN[field]);
      if (el && field in latest && latest[field] != null && latest[field] !== '') markPending(el, worded(field, latest[field]));
    });
  }

  /** What this phone holds for one person, worded (`tpl-person-waiting`): what the records are
   * ("1 contact, 1 change of details"), when the last was saved, "Needs attention" when the
   * server refused one, and a link to the outbox narrowed to them. Null for nothing. */
  function waitingLine(items, personId) {
    var theirs = items.filter(function (i) {
      return i.type !== 'view' && (i.person_id === personId || (i.type === 'person' && i.record_id === personId));
    });
    var line = theirs.length && Page.clone('tpl-person-waiting');
    if (!line) return null;
    var last = theirs[theirs.length - 1];
    var at = (last.type === 'contact' && last.fields && last.fields.contact_at) || last.recorded_at;
    var when = new Date(at);
    var t = Page.slot(line, 'time');
    t.textContent = isNaN(when) ? '' : Page.clock(when);
    t.setAttribute('datetime', at);
    Page.slot(line, 'what').textContent = Page.whatWaits(theirs);
    if (theirs.some(function (i) { return i.state === 'rejected'; })) {
      var tag = Page.slot(line, 'tag');
      tag.textContent = Page.stateInfo('rejected').tag;
      tag.classList.replace('govuk-tag--blue', 'govuk-tag--red');
    }
    Page.slot(line, 'outbox').href = '/outbox?person=' + encodeURIComponent(personId);
    return line;
  }

  /** Fill `el` with what waits for `personId` (hidden when nothing does). */
  function showWaiting(el, items, personId) {
    var line = waitingLine(items, personId);
    el.replaceChildren.apply(el, line ? [line] : []);
    el.hidden = !line;
  }

  /** The caseload: under each person's row, what this phone still has for them. */
  function showCaseloadWaiting(items) {
    document.querySelectorAll('[data-caseload-row]').forEach(function (row) {
      var link = row.querySelector('a[href^="/people/"]');
      if (!link) return;
      var el = row.querySelector('[data-person-waiting]');
      if (!el) {
        el = document.createElement('p');
        el.className = 'govuk-body-s app-caseload__meta app-person-waiting';
        el.setAttribute('data-person-waiting', '');
        link.after(el);
      }
      showWaiting(el, items, link.getAttribute('href').split('/')[2]);
    });
  }

  /** Show this worker's unsent changes over the page (called on start and when the outbox changes). */
  function show() {
    var m = PERSON_PAGE.exec(location.pathname);
    var caseload = document.querySelector('#caseload-list');
    if (!m && !caseload) return Promise.resolve();
    return Outbox.list().then(function (items) {
      var mine = mineUnsent(items);
      if (m) showPersonChanges(mine, m[1]);
      var top = m && document.querySelector('[data-person-waiting][data-person-id]');
      if (top) showWaiting(top, mine, m[1]);
      if (caseload) showCaseloadWaiting(mine);
    });
  }

  /** Swap in the server's page for the copy on screen, in place: the main content and the
   * render time; the offline-copy mark and banner go, the app's other notices on screen ("A new
   * version is ready", "Saved") stay. In place rather than a reload, so that a link the worker
   * tapped meanwhile is never interrupted. */
  function replaceWithFresh(html) {
    var fresh = new DOMParser().parseFromString(html, 'text/html');
    var main = fresh.querySelector('main');
    var here = document.querySelector('main');
    if (!main || !here) return;
    var notices = Array.prototype.filter.call(here.querySelectorAll('[data-notice]'), function (el) {
      return el.dataset.notice !== 'offline-copy';
    });
    here.replaceChildren.apply(here, notices.concat(Array.prototype.slice.call(main.childNodes).map(function (n) {
      return document.importNode(n, true);
    })));
    var mark = document.querySelector('meta[name="' + C.OFFLINE_COPY_META + '"]');
    if (mark) mark.remove();
    var at = fresh.querySelector('meta[name="' + C.RENDERED_AT_META + '"]');
    var mine = document.querySelector('meta[name="' + C.RENDERED_AT_META + '"]');
    if (at && mine) mine.content = at.content;
    // The page modules that wired elements of the old content wire the new (static/page/start.js).
    document.dispatchEvent(new CustomEvent('fieldapp:page-replaced'));
    show();
  }

  /** Whether replacing the page now could take something from the worker: a casework form (they
   * may be typing), details kept off phones they asked to see (static/page/kept-off.js), or any
   * field they are in (the caseload's search). */
  function busy() {
    var active = document.activeElement;
    return !!document.querySelector('form[data-mutation-type], [data-kept-off-asking], [data-kept-off-shown]') ||
      !!(active && active.closest && active.closest('main') && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName));
  }

  /** The page on screen, when the sync just stored a newer copy of it (a colleague's change, a
   * conflict, what this phone sent coming back): the copy from the cache, in place. */
  function replaceFromCache(paths) {
    if (!paths || paths.indexOf(location.pathname) === -1 || location.search) return Promise.resolve(false);
    // The copy unsealed (static/at-rest.js), or null.
    return window.FieldappCachedPages.pageText(location.pathname).then(function (html) {
      if (html == null) return false;
      replaceWithFresh(html);
      return true;
    });
  }

  /** The copies were refreshed after a sync (`event.paths`, the pages stored): the page on screen
   * is replaced in place by its new copy; and a page from the phone's copy, with nothing left to
   * send, by the server's (once: the fresh page is not a copy). */
  function refreshWhenSent(event) {
    if (busy()) return Promise.resolve();
    var copy = document.querySelector('meta[name="' + C.OFFLINE_COPY_META + '"]');
    if (!copy) return replaceFromCache(event && event.paths);
    if (!navigator.onLine) return Promise.resolve();
    return Outbox.list().then(function (items) {
      var waiting = mineUnsent(items).filter(function (i) { return i.state !== 'rejected'; });
      if (waiting.length) return;
      return fetch(location.pathname + location.search, {credentials: 'same-origin', redirect: 'error'})
        .then(function (resp) {
          var type = resp.headers.get('Content-Type') || '';
          if (resp.ok && type.indexOf('text/html') === 0) return resp.text().then(replaceWithFresh);
        }).catch(function () { /* no signal after all: keep the copy and its banner */ });
    });
  }

  /** A page shown from this phone's copy because the link was slow (static/sw.js slowLinkCopy):
   * once the network's answer has replaced the copy (the worker's `page-fresh` event, or already
   * by the time this page started), swap it in place, unless the worker is in a form or a field. */
  function replaceWhenFresh(event) {
    var shown = document.querySelector('meta[name="' + C.RENDERED_AT_META + '"]');
    var copy = document.querySelector('meta[name="' + C.OFFLINE_COPY_META + '"]');
    var elsewhere = event && event.path && event.path !== location.pathname;
    if (!copy || !shown || elsewhere || location.search || busy()) return Promise.resolve(false);
    return window.FieldappCachedPages.openIfPresent().then(function (cache) {
      return cache && cache.match(location.pathname, {ignoreVary: true});
    }).then(function (resp) {
      if (!resp) return false;
      return resp.text().then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        var at = fresh.querySelector('meta[name="' + C.RENDERED_AT_META + '"]');
        if (!at || at.content === shown.content) return false;  // still the copy on screen
        replaceWithFresh(html);
        return true;
      });
    }).catch(function () { return false; });
  }

  ns.pendingChanges = {show: show, refreshWhenSent: refreshWhenSent, replaceWhenFresh: replaceWhenFresh};
})(window.Fieldapp = window.Fieldapp || {});
