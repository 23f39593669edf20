/* fieldapp page map: which of the pages a phone keeps (static/cached-pages.js) show which records,
 * so that a sync asks again only for the pages showing a type of record it changed, and which
 * forms need a copy of a person's own rather than the blank one (README: Offline reading).
 *
 * Owns: the map (`ABOUT_PERSON`, `SHARED_PAGES`, `OWN_COPY_WHEN`), the list of pages to fetch
 * after a sync (`wantedPages`), and how long until every page held is checked again
 * (`RECHECK_MS`). Plain functions over the records the pull brought and the paths the cache
 * holds: it fetches nothing and stores nothing.
 * A classic script loaded before static/cached-pages.js by the page and by the service worker
 * (importScripts); defines the global `FieldappPageMap`.
 */
(function (root) {
  'use strict';

  // Every record in a person's scope is on their page (/people/<id>), and the person record (their
  // name, their details) is on every page about them. Besides that, a page about a person shows
  // these types of their records (`ABOUT_PERSON`, by the path after /people/<id>/), and the
  // worker's own pages these types of anyone's (`SHARED_PAGES`). A type named in neither is on
  // no page but the person's (`ON_NO_OTHER_PAGE`); a type the phone does not know refreshes every
  // page, as before this map. A form that shows nothing of theirs the page cannot write in from
  // the phone's records (`OWN_COPY_WHEN`, below) is the same for everyone: the phone keeps one
  // blank copy of it, /people/on-phone/<form>, and the service worker answers /people/<id>/<form>
  // from it (static/page/pending-person.js writes the person in). README: Offline reading.
  var ABOUT_PERSON = [
    [/^contacts\/new$/, ['risk_marker']],           // their risk markers, first
    [/^consent\/new$/, ['consent']],                // the consent they may withdraw
    [/^(assessments|star)\/new$/, ['assessment']],  // the previous NDT total; a Star draft to resume
    [/^star\/[^/]+\/edit$/, ['assessment']],
    [/^risk-markers\/[^/]+\/review$/, ['risk_marker']],
    [/^(edit|risk-markers\/new|safeguarding\/new|peer-sessions\/new)$/, []]
  ];
  var SHARED_PAGES = {
    '/caseload': ['person', 'contact', 'assessment', 'risk_marker', 'peer_session'],
    '/contacts/new': ['person'],
    '/mdt/new': ['person'],
    '/barriers/new': ['person', 'directory_entry'],
    '/barriers': ['barrier', 'lesson'],
    '/directory': ['directory_entry'],
    '/tally/new': ['tally'],
    '/places': ['place_marker']
  };
  // Records on no page the phone keeps but the person's own; and records on no page at all (the
  // audit of an offline view; lone-working visits and check-ins, which the safety pages show from
  // what the phone itself holds).
  var ON_NO_OTHER_PAGE = ['safeguarding_concern', 'safeguarding_decision', 'mdt_meeting'];
  var ON_NO_PAGE = ['view', 'visit', 'check_in'];
  // Pages kept that no sync refreshes (the phone fills them in itself), only fetched when missing.
  var NEVER_REFRESHED = ['/outbox', '/safety', '/safety/help/not-sent', '/safety/help/received'];
  // A page that shows no record the phone receives (a blank form, the barriers list) is asked
  // for again, conditionally, once this long after the last such check: a new version of the app
  // may have changed it.
  var RECHECK_MS = 24 * 3600 * 1000;

  var KNOWN = {person: true};
  ON_NO_OTHER_PAGE.concat(ON_NO_PAGE).forEach(function (t) { KNOWN[t] = true; });
  ABOUT_PERSON.forEach(function (entry) { entry[1].forEach(function (t) { KNOWN[t] = true; }); });
  Object.keys(SHARED_PAGES).forEach(function (path) { SHARED_PAGES[path].forEach(function (t) { KNOWN[t] = true; }); });

  /** The types of a person's records (besides the person record) the page at /people/<id>/`rest`
   * shows, or null when this map does not know the page (then any change of theirs refreshes it). */
  function shownAbout(rest) {
    for (var i = 0; i < ABOUT_PERSON.length; i += 1) {
      if (ABOUT_PERSON[i][0].test(rest)) return ABOUT_PERSON[i][1];
    }
    return null;
  }

  /** Whether `types` (a set of record types a sync changed) includes one of `shown`; a type this
   * map does not know counts as shown everywhere. */
  function touches(types, shown) {
    return Object.keys(types || {}).some(function (t) { return !KNOWN[t] || shown.indexOf(t) !== -1; });
  }

  // Of the forms that show records of the person's beyond their details, those the page fills in
  // from the phone's records itself (static/page/pending-person.js `fillForSynced`), and the
  // records that still call for the person's own copy: their risk markers on the contact form
  // (shown first: the server's own words for them). The consent form is given the withdrawal of
  // their current consent, the NDT form their previous total, and the Star form goes to the draft
  // a person has (kept as its own page, below).
  var OWN_COPY_WHEN = {
    'contacts/new': function (r) { return r.type === 'risk_marker'; },
    'consent/new': function () { return false; },
    'assessments/new': function () { return false; },
    'star/new': function () { return false; }
  };

  /** Whether the phone needs a copy of this person's own `form`, rather than the blank one: when
   * the form shows records of theirs that the page cannot write in from the phone's records, and
   * the phone holds one (`theirs`: their records held, not deleted). */
  function ownCopyNeeded(form, theirs) {
    var shown = shownAbout(form);
    if (shown === null) return true;
    if (!shown.length) return false;
    var when = OWN_COPY_WHEN[form];
    return !when || theirs.some(when);
  }

  /** The people this phone holds (the pull), not deleted. */
  function peopleHeld(all) {
    return all.filter(function (r) { return r.type === 'person' && !r.deleted; });
  }

  /** For each person id, their records the phone holds (not deleted). */
  function recordsByPerson(all) {
    var by = {};
    all.forEach(function (r) {
      if (r.deleted || !r.scope) return;
      (by[r.scope] = by[r.scope] || []).push(r);
    });
    return by;
  }

  /** The paths to fetch, given the records held (`all`), the pages `held` in the cache, the
   * per-person `forms` and what `changed` (as `pagesToRefresh`). */
  function wantedPages(all, held, forms, changed, recheck) {
    var wanted = {};
    var scopes = changed.scopes || {};
    var types = changed.types || {};
    function want(path, when) { if (!held[path] || when || recheck) wanted[path] = true; }
    Object.keys(SHARED_PAGES).forEach(function (path) { want(path, touches(types, SHARED_PAGES[path])); });
    NEVER_REFRESHED.forEach(function (path) { want(path, false); });
    // Everyone's page first, then the forms in the order named (the contact form first): a phone
    // that loses signal half way through holds what matters most.
    var people = peopleHeld(all).map(function (p) { return p.record_id; });
    var theirs = recordsByPerson(all);
    people.forEach(function (id) {
      want('/people/' + id, Object.keys(scopes[id] || {}).some(function (t) { return ON_NO_PAGE.indexOf(t) === -1; }));
    });
    function aboutThem(id, rest) {
      var shown = shownAbout(rest);
      return !!scopes[id] && (shown === null || touches(scopes[id], ['person'].concat(shown)));
    }
    forms.forEach(function (form) {
      // The blank form: for someone this phone registers offline (static/page/pending-person.js),
      // and for anyone whose form shows nothing but their name and details.
      want('/people/on-phone/' + form, false);
      people.forEach(function (id) {
        if (ownCopyNeeded(form, theirs[id] || [])) want('/people/' + id + '/' + form, aboutThem(id, form));
      });
    });
    // A draft Star reading on the server can be resumed offline on any of the worker's phones.
    all.forEach(function (r) {
      if (r.type !== 'assessment' || r.deleted || !r.fields || r.fields.status !== 'draft') return;
      var rest = 'star/' + r.record_id + '/edit';
      want('/people/' + r.fields.person_id + '/' + rest, aboutThem(r.fields.person_id, rest));
    });
    // Any other page held about a person (a form opened online, a marker's review).
    Object.keys(held).forEach(function (path) {
      var m = /^\/people\/([^/]+)\/(.+)$/.exec(path);
      if (!m || m[1] === 'on-phone') return;
      if (aboutThem(m[1], m[2]) || recheck) wanted[path] = true;
    });
    return Object.keys(wanted);
  }

  root.FieldappPageMap = {
    RECHECK_MS: RECHECK_MS,
    shownAbout: shownAbout,
    ownCopyNeeded: ownCopyNeeded,
    peopleHeld: peopleHeld,
    recordsByPerson: recordsByPerson,
    wantedPages: wantedPages
  };
})(typeof self !== 'undefined' ? self : this);
