/* fieldapp page: the contact form, quick to fill in at night (issue 12).
 *
 * - "When" (`[data-default-now]`) starts as now, by the phone's clock, in the programme's time zone
 *   the page names (PROGRAMME_TIMEZONE), filled in when the form is shown: never a time rendered by
 *   the server, which a cached form would freeze.
 * - "Type of contact" (`[data-remember=contact_type]`) starts as the last one this worker recorded;
 *   the district (`[data-remember=district]`, the general form only) as the chosen person's, or
 *   the last one this worker used; "Where" offers the places this worker used recently
 *   (`[data-recent-places]`). All of it comes from what the phone already holds for this worker
 *   (`recentContacts`: their contacts in the outbox and in the records the pull brought), so
 *   nothing new is stored, and none of it overrides what the worker has picked or a form to fix.
 * - One tap answers "bedded down" and "spoken to" (`_seen`, never pre-answered): copied into the
 *   record's two yes/no fields.
 * - The general form's people filter as the worker types (offline too), and give way to someone
 *   new's questions once they are chosen; someone new is given the contact's district (asked once).
 * Classic script, page only; needs FieldappOutbox and FieldappPage (static/status.js). Defines
 * `Fieldapp.contactForm` and starts itself (bundle/contact.js, the contact form's pages only). README: "Recording a contact".
 */
(function (ns) {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var MAX_PLACES = 8;
  var touched = {};  // field name -> true once the worker changed it (programmatic sets fire no events)
  var memory = {};  // what `remembered` found, once the store has answered

  function contactForm() { return document.querySelector('form[data-mutation-type="contact"]'); }

  function fixing() { return new URLSearchParams(location.search).has('fix'); }

  /** Now as a datetime-local value ("2026-11-30T23:10") in `zone` (the phone's own zone when the
   * browser does not know it). */
  function nowIn(zone) {
    var now = new Date();
    var parts = {};
    try {
      new Intl.DateTimeFormat('en-GB', {timeZone: zone || undefined, year: 'numeric', month: '2-digit',
        day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'})
        .formatToParts(now).forEach(function (p) { parts[p.type] = p.value; });
    } catch (e) {
      var pad = function (n) { return String(n).padStart(2, '0'); };
      parts = {year: String(now.getFullYear()), month: pad(now.getMonth() + 1), day: pad(now.getDate()),
               hour: pad(now.getHours()), minute: pad(now.getMinutes())};
    }
    return parts.year + '-' + parts.month + '-' + parts.day + 'T' + parts.hour + ':' + parts.minute;
  }

  /** Fill every empty (or untouched) "when" with now. */
  function fillNow(form) {
    form.querySelectorAll('input[data-default-now]').forEach(function (input) {
      if (!touched[input.name] && (!input.value || !fixing())) input.value = nowIn(input.dataset.defaultNow);
    });
  }

  /**
   * The contacts this worker recorded that the phone holds, most recent first: those in the outbox
   * (in the order made, newest first), then those the pull brought (by when they happened). The one
   * place this module reads the phone's store, through the outbox module (which seals what it
   * keeps): only what the phone already holds for this worker.
   */
  function recentContacts(userId) {
    return Promise.all([Outbox.list(), Outbox.records()]).then(function (v) {
      var seen = {};
      var mine = v[0].filter(function (i) {
        return i.type === 'contact' && i.op === 'create' && i.user_id === String(userId) && i.fields;
      }).reverse().map(function (i) { seen[i.record_id] = true; return i.fields; });
      var pulled = v[1].filter(function (r) {
        return r.type === 'contact' && !r.deleted && r.fields && !seen[r.record_id] &&
          String(r.fields.worker_id) === String(userId);
      }).map(function (r) { return r.fields; });
      pulled.sort(function (a, b) { return String(b.contact_at || '').localeCompare(String(a.contact_at || '')); });
      return mine.concat(pulled);
    });
  }

  /** The last district and type this worker used, and their recent places (each once). */
  function remembered(contacts) {
    var last = contacts[0] || {};
    var places = [];
    var lower = {};
    contacts.forEach(function (c) {
      var place = (c.place || '').trim();
      if (!place || lower[place.toLowerCase()] || places.length >= MAX_PLACES) return;
      lower[place.toLowerCase()] = true;
      places.push(place);
    });
    return {district: last.district || null, contact_type: last.contact_type || null, places: places};
  }

  function selectIfOffered(select, value) {
    if (!select || !value) return;
    if (Array.prototype.some.call(select.options, function (o) { return o.value === value; })) select.value = value;
  }

  /** The district the contact starts in: the chosen person's, else the last one used. */
  function defaultDistrict(form) {
    var select = form.querySelector('select[data-remember="district"]');
    if (!select || touched.district) return;
    var picked = form.querySelector('input[name="person_id"]:checked');
    selectIfOffered(select, (picked && picked.dataset.district) || memory.district || select.dataset.initial);
    followDistrict(form);
  }

  /** Someone new is recorded in the contact's district (asked once). */
  function followDistrict(form) {
    var district = form.querySelector('[name="district"]');
    form.querySelectorAll('[data-same-as="district"]').forEach(function (el) {
      if (district) el.value = district.value;
    });
  }

  /** The one-tap answer copied into `bedded_down` and `spoken_to` (empty until answered). */
  function copySeen(form) {
    var picked = form.querySelector('input[name="_seen"]:checked');
    var bedded = form.querySelector('input[type="hidden"][name="bedded_down"]');
    var spoken = form.querySelector('input[type="hidden"][name="spoken_to"]');
    if (!bedded || !spoken) return;
    bedded.value = picked ? picked.dataset.beddedDown : '';
    spoken.value = picked ? picked.dataset.spokenTo : '';
  }

  /** A form filled back to be fixed: pick the answer its two fields hold, and keep the district
   * of someone new as it was registered. */
  function afterFill(form) {
    var bedded = form.querySelector('input[type="hidden"][name="bedded_down"]');
    var spoken = form.querySelector('input[type="hidden"][name="spoken_to"]');
    if (bedded && spoken && bedded.value && spoken.value) {
      var radio = form.querySelector('input[name="_seen"][data-bedded-down="' + bedded.value + '"][data-spoken-to="' + spoken.value + '"]');
      if (radio) radio.checked = true;
    }
    var someoneNew = form.querySelector('input[name="person_id"][value="new"]:checked');
    var kept = form.querySelector('[data-same-as="district"]');
    var district = form.querySelector('select[name="district"]');
    if (someoneNew && kept && district) selectIfOffered(district, kept.value);
    followDistrict(form);
  }

  /** Show only the people whose name, other names, district or description has what was typed
   * (the one picked stays in view); with someone new chosen and nothing typed, none of them, so
   * the rest of the form follows the new person's questions. */
  function filterPeople(form) {
    var filter = form.querySelector('[data-person-filter]');
    if (!filter) return;
    var words = filter.value.trim().toLowerCase();
    var someoneNew = form.querySelector('input[name="person_id"][value="new"]:checked');
    var shown = 0;
    form.querySelectorAll('[data-person-choice]').forEach(function (row) {
      var input = row.querySelector('input');
      var match = words ? (row.dataset.search || '').indexOf(words) !== -1 || (input && input.checked) : !someoneNew;
      row.hidden = !match;
      if (match) shown += 1;
    });
    var empty = form.querySelector('[data-person-filter-empty]');
    if (empty) empty.hidden = !words || shown > 0;
  }

  /** What the phone remembers for this worker, once the store can be read (after the PIN lock):
   * the last type and district, and the recent places offered under "Where". Nothing that the
   * worker has already picked, nor a form filled back to be fixed, is overridden. */
  function applyRemembered() {
    var form = contactForm();
    if (!form || fixing() || !Page.userId) return Promise.resolve();
    return recentContacts(Page.userId).then(function (contacts) {
      memory = remembered(contacts);
      if (!touched.contact_type) selectIfOffered(form.querySelector('select[data-remember="contact_type"]'), memory.contact_type);
      defaultDistrict(form);
      var list = form.querySelector('[data-recent-places]');
      if (list) {
        list.replaceChildren.apply(list, memory.places.map(function (place) {
          var option = document.createElement('option');
          option.value = place;
          return option;
        }));
      }
      form.dataset.defaultsReady = '';  // for tests and tools: the phone's defaults are in
      return memory;
    });
  }

  /** Wire the contact form on this page, if there is one, as the page starts (before the worker
   * can type): "when" is now, and the copied fields follow each change, so they are current
   * whenever the casework submit handler (static/forms.js) reads the form. */
  function wire() {
    var form = contactForm();
    if (!form) return;
    var district = form.querySelector('select[data-remember="district"]');
    if (district) district.dataset.initial = district.value;
    form.addEventListener('change', function (event) {
      var el = event.target;
      if (el.name === '_seen') copySeen(form);
      else if (el.name === 'person_id') { defaultDistrict(form); filterPeople(form); }
      else if (el.name) touched[el.name] = true;
      if (el.name === 'district') followDistrict(form);
    });
    form.addEventListener('input', function (event) {
      if (event.target.name) touched[event.target.name] = true;
      if (event.target.matches('[data-person-filter]')) filterPeople(form);
    });
    document.addEventListener('fieldapp:form-filled', function () { afterFill(form); });
    // Back to a form kept by the browser: "when" is now again, unless the worker set it.
    window.addEventListener('pageshow', function (event) { if (event.persisted) fillNow(form); });
    fillNow(form);
    copySeen(form);
    followDistrict(form);
  }

  ns.contactForm = {wire: wire, applyRemembered: applyRemembered, nowIn: nowIn};
  // Loaded after bundle/page.js on the contact form's pages only (bundle/contact.js): wired at
  // once, and what the phone remembers is filled in once the PIN lock has let the worker in.
  try {
    wire();
    if (ns.sessionOpen) ns.sessionOpen.then(function (open) { return open && applyRemembered(); })
      .catch(function (e) { console.error('fieldapp: the contact form could not remember', e); });
  } catch (e) {
    console.error('fieldapp: the contact form could not start', e);
  }
})(window.Fieldapp = window.Fieldapp || {});
