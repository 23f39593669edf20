/* fieldapp page: "someone new" on the contact form with no signal.
 *
 * Owns: registering someone new offline, the people this phone holds with a similar name
 * (`#new-person-matches`; online the server answers, GET /people/matches, through partials.js).
 * Classic script, page only, in bundle/contact.js (the contact form's pages); needs
 * FieldappOutbox. Starts itself.
 */
(function () {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var MAX_MATCHES = 10;

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

  try {
    wireOfflineMatches();
  } catch (e) {
    console.error('fieldapp: offline matches could not start', e);
  }
})();
