/* fieldapp page: someone registered on this phone whom the server has not got yet.
 *
 * Until the first sync there is no server page for them, so the phone gives them one: their
 * caseload row (static/status.js, `tpl-caseload-waiting`) links to the outbox page with
 * `?person=<id>`, which `showPage` turns into their page, filled from the queued `person` create
 * with `<template id="tpl-pending-person">` (name, district, description, "Record a contact with
 * …", and only their records in the list). The general contact form opened with `?person=<id>`
 * (`offerInContactForm`) offers and picks them, so a second record needs no signal; the outbox
 * sends a person's create before the records that refer to them, in the order made. Once the
 * server has them, the same address goes to their real page.
 * Every other form about them (`fillForm`) is a blank one the phone keeps once per form,
 * `/people/on-phone/<form>` (fieldapp/web/guards.py `form_person_or_404`), opened with
 * `?person=<id>`: their id and name are written in, and an edit starts from their details as
 * registered (and changed since) on this phone, so it sends only what the worker changes, as an
 * update queued behind their registration. The same blank form stands in offline for the form of
 * anyone the server has, when the phone holds no copy of that person's own (`fillForSynced`:
 * static/page-map.js: their own copy is kept only of a form that shows more than their details).
 * Classic script, page only, in bundle/forms.js (every page but the light ones: the outbox page and
 * the forms); defines `Fieldapp.pendingPerson`, started by static/page/start.js.
 */
(function (ns) {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var PAGE = '/outbox';

  /** Where a person registered on this phone is shown while waiting to send. */
  function pageUrl(personId) { return PAGE + '?person=' + encodeURIComponent(personId); }

  function wantedId() { return new URLSearchParams(location.search).get('person'); }

  /** The queued create of this person by the signed-in worker, or null. */
  function queuedPerson(personId) {
    return Outbox.list({personId: personId}).then(function (items) {
      return items.filter(function (i) {
        return i.type === 'person' && i.op === 'create' && i.record_id === personId && i.user_id === Page.userId;
      })[0] || null;
    });
  }

  /** Synchronously, before the first render: the outbox page with `?person=` lists only theirs. */
  function narrowList() {
    var id = wantedId();
    var list = location.pathname === PAGE && id && document.querySelector('[data-outbox-list]');
    if (list) list.dataset.personId = id;
  }

  /** The outbox page with `?person=<id>`: that person's page, from the queued record. */
  function showPage() {
    var id = wantedId();
    if (location.pathname !== PAGE || !id) return Promise.resolve();
    return queuedPerson(id).then(function (item) {
      if (item && item.state === 'sent' && navigator.onLine) { location.replace('/people/' + id); return; }
      if (!item) return;
      var fields = item.fields || {};
      var el = Page.clone('tpl-pending-person');
      if (!el) return;
      Page.slot(el, 'district').textContent = fields.district || '';
      Page.slot(el, 'description').textContent = fields.description || '';
      var record = el.querySelector('[data-slot="record-contact"]');
      record.href = '/contacts/new?person=' + encodeURIComponent(id);
      Page.slot(el, 'record-name').textContent = fields.display_name || '';
      el.querySelectorAll('[data-form]').forEach(function (a) {
        a.href = ON_PHONE + '/' + a.dataset.form + '?person=' + encodeURIComponent(id);
        a.append(' ', fields.display_name ? 'for ' + fields.display_name : '');
      });
      var h1 = document.querySelector('main h1');
      if (h1) { h1.textContent = fields.display_name || h1.textContent; h1.after(el); }
      document.title = (fields.display_name || '') + ' – fieldapp';
    });
  }

  var ON_PHONE = '/people/on-phone';
  var ON_PHONE_NAME = '\u27e8name\u27e9';  // fieldapp/reads/person.py ON_PHONE_NAME

  /** Their details as this phone holds them: the registration, then each edit queued since. */
  function detailsOnPhone(personId, created) {
    return Outbox.list({personId: personId}).then(function (items) {
      var fields = Object.assign({}, created.fields || {});
      items.forEach(function (i) {
        if (i.type === 'person' && i.op === 'update' && i.record_id === personId) Object.assign(fields, i.fields || {});
      });
      return fields;
    });
  }

  // The fields the worker has already typed in or picked: the fill below comes from IndexedDB a
  // moment after the page shows, and must not put back what they changed in that moment.
  var touched = new WeakSet();
  ['input', 'change'].forEach(function (type) {
    document.addEventListener(type, function (e) { touched.add(e.target); }, true);
  });

  /** Write `value` into the form's fields named `name` as their starting value, so that the form
   * counts only what the worker then changes (static/forms.js `changed`); a field the worker has
   * already changed keeps what they put in, now counted against that start. */
  function startFrom(form, name, value) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name !== name) return;
      var mine = touched.has(el);
      if (el.type === 'radio' || el.type === 'checkbox') {
        var on = el.dataset.type === 'boolean' ? !!value
          : Array.isArray(value) ? value.indexOf(el.value) !== -1
          : el.value === String(value) || (value === true && el.value === 'yes') || (value === false && el.value === 'no');
        var checked = el.checked;
        el.defaultChecked = on;
        el.checked = mine ? checked : on;
      } else if (el.tagName === 'SELECT') {
        // No value is the empty choice: were no option marked as the start, the browser would
        // show the first one and the form would count it as changed (sent as null: a conflict).
        var start = value == null ? '' : String(value);
        var picked = Array.prototype.map.call(el.selectedOptions, function (o) { return o.value; });
        Array.prototype.forEach.call(el.options, function (o) {
          o.defaultSelected = o.value === start;
          o.selected = mine ? picked.indexOf(o.value) !== -1 : o.value === start;
        });
      } else {
        var typed = el.value;
        el.defaultValue = value == null ? '' : String(value);
        el.value = mine ? typed : el.defaultValue;
      }
    });
  }

  /** Every text and label of the page that names the blank person names them instead. */
  function writeName(name) {
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.nodeValue.indexOf(ON_PHONE_NAME) !== -1) n.nodeValue = n.nodeValue.split(ON_PHONE_NAME).join(name);
    }
    document.querySelectorAll('[data-mutation-label]').forEach(function (el) {
      el.dataset.mutationLabel = el.dataset.mutationLabel.split(ON_PHONE_NAME).join(name);
    });
    document.title = document.title.split(ON_PHONE_NAME).join(name);
  }

  // Until the blank form is made theirs (a moment, from IndexedDB), its fields take no input:
  // what a quick worker typed would otherwise meet the fill half way (their words run into the
  // details written in). Held from this script's first run (it runs as the page loads), let go
  // once the fill is done, or after HOLD_MAX_MS whatever happened: a form is never left shut.
  var HOLD_MAX_MS = 3000;
  var held = [];
  var closed = false;

  function holdUntilFilled() {
    if (!blankOnScreen()) return;
    document.querySelectorAll('form[data-mutation-type] input, form[data-mutation-type] select, form[data-mutation-type] textarea')
      .forEach(function (el) {
        if (!el.disabled && el.type !== 'hidden') { el.disabled = true; held.push(el); }
      });
    if (held.length) setTimeout(letGo, HOLD_MAX_MS);
  }

  function letGo() {
    if (!closed) held.forEach(function (el) { el.disabled = false; });
    held = [];
  }

  /** Nothing can be saved against nobody: the form closed, with a word why. */
  function closeForms(forms) {
    closed = true;
    forms.forEach(function (form) {
      form.querySelectorAll('button, input, select, textarea').forEach(function (el) { el.disabled = true; });
    });
    var h1 = document.querySelector('main h1');
    if (h1) h1.textContent = 'This person is not on this phone';
  }

  /** Write the person `id` into the blank form on screen: the id where the blank has `on-phone`,
   * the back link to `back`, the name everywhere, and an edit starting from their `fields`. */
  function writePerson(id, back, fields, forms) {
    document.querySelectorAll('input[name="person_id"][value="on-phone"]').forEach(function (el) { el.value = id; });
    document.querySelectorAll('a[href="' + ON_PHONE + '"]').forEach(function (a) { a.href = back; });
    forms.forEach(function (form) {
      if (form.dataset.recordId === 'on-phone') form.dataset.recordId = id;
    });
    writeName(fields.display_name || '');
    var edit = document.querySelector('form[data-mutation-type="person"][data-mutation-op="update"]');
    if (edit) Object.keys(fields).forEach(function (name) { startFrom(edit, name, fields[name]); });
  }

  /** Whether the page on screen is a blank form (one copy kept for everyone). */
  function blankOnScreen() {
    return !!document.querySelector('input[name="person_id"][value="on-phone"], form[data-record-id="on-phone"]');
  }

  /** A blank form (`/people/on-phone/<form>?person=<id>`) made theirs; or, for someone this
   * phone does not hold, closed with a word why (nothing can be saved against nobody). The same
   * blank form answers `/people/<id>/<form>` offline for someone the server has (static/sw.js
   * `cachedPage`): then it is made theirs from the records the pull brought (`fillForSynced`). */
  function fillForm() {
    return fillIn().then(function (v) { letGo(); return v; }, function (e) { letGo(); throw e; });
  }

  function fillIn() {
    var id = wantedId();
    var own = /^\/people\/([^/]+)\/./.exec(location.pathname);
    if (own && own[1] !== 'on-phone' && blankOnScreen()) return fillForSynced(own[1]);
    if (location.pathname.indexOf(ON_PHONE + '/') !== 0) return Promise.resolve();
    var forms = document.querySelectorAll('form[data-mutation-type]');
    return (id ? queuedPerson(id) : Promise.resolve(null)).then(function (item) {
      if (item && item.state === 'sent' && navigator.onLine) {
        location.replace('/people/' + id + location.pathname.slice(ON_PHONE.length));
        return;
      }
      if (!item) { closeForms(forms); return; }
      forms.forEach(function (form) { form.dataset.redirect = pageUrl(id); });
      return detailsOnPhone(id, item).then(function (fields) { writePerson(id, pageUrl(id), fields, forms); });
    });
  }

  /** The blank form shown at `/people/<id>/<form>`: their details as the pull brought them, with
   * this worker's edits not sent yet over them; the edit names the version the phone holds (what
   * the server's own copy of the form would name); the contact starts in their district. */
  function fillForSynced(id) {
    var forms = document.querySelectorAll('form[data-mutation-type]');
    return Promise.all([Outbox.records({scope: id}), Outbox.list({personId: id})]).then(function (v) {
      var record = v[0].filter(function (r) { return r.type === 'person' && r.record_id === id && !r.deleted; })[0];
      if (!record || !record.fields) { closeForms(forms); return; }
      var fields = Object.assign({}, record.fields);
      v[1].forEach(function (i) {
        if (i.type === 'person' && i.op === 'update' && i.record_id === id && i.user_id === Page.userId &&
            i.state !== 'sent') Object.assign(fields, i.fields || {});
      });
      var edit = document.querySelector('form[data-mutation-type="person"][data-mutation-op="update"][data-record-id="on-phone"]');
      if (edit && typeof record.version === 'number') edit.dataset.baseVersion = String(record.version);
      offerWithdrawal(id, v[0]);  // before the name is written in: it names them too
      writePerson(id, '/people/' + id, fields, forms);
      // The person's own contact form starts in their district, not the last one used.
      var district = document.querySelector('form[data-mutation-type="contact"] select[name="district"][data-remember="district"]');
      if (district && fields.district) {
        district.removeAttribute('data-remember');
        Array.prototype.forEach.call(district.options, function (o) { o.selected = o.value === fields.district; });
      }
      writePreviousTotal(v[0]);
      warnOfMarkers(v[0]);
      document.body.dataset.blankFormFor = id;  // for tests and tools: the person is written in
      return resumeDraft(id, v[0]);
    });
  }

  /** The value of the form's hidden field `name`, or null. */
  function hidden(form, name) {
    var el = form.querySelector('input[type="hidden"][name="' + name + '"]');
    return el ? el.value : null;
  }

  /** The NDT form's previous total, as the server's own copy of it says (fieldapp/reads/assessments.py
   * `previous_total`: their latest final total of this instrument and version), from the
   * assessments of theirs the phone holds. */
  function writePreviousTotal(records) {
    var form = document.querySelector('form[data-assessment-form="ndt"]');
    var line = document.querySelector('[data-previous]');
    if (!form || !line) return;
    var instrument = hidden(form, 'instrument');
    var version = hidden(form, 'instrument_version');
    var finals = records.filter(function (r) {
      var f = r.fields || {};
      return r.type === 'assessment' && !r.deleted && f.status === 'final' && f.total != null &&
        f.instrument === instrument && String(f.instrument_version) === version;
    }).sort(function (a, b) {
      var x = (a.fields.assessed_on || '') + ' ' + (a.fields.created_at || '');
      var y = (b.fields.assessed_on || '') + ' ' + (b.fields.created_at || '');
      return x < y ? -1 : x > y ? 1 : 0;
    });
    var last = finals[finals.length - 1];
    if (!last) return;
    var total = document.createElement('strong');
    total.textContent = String(last.fields.total);
    var on = document.createElement('time');
    on.setAttribute('datetime', last.fields.assessed_on);
    on.textContent = window.FieldappDates.day(new Date(last.fields.assessed_on + 'T12:00:00Z'));
    line.replaceChildren('Previous total: ', total, ' of ' + form.dataset.maxTotal + ', on ', on, '.');
    form.dataset.previousTotal = String(last.fields.total);
  }

  /** The consent form: the withdrawal of their current consent, as the server's own copy offers
   * it (fieldapp/reads/consents.py `current_consent`: the latest by the day given, unless it is a
   * withdrawal), naming that record and its version. */
  function offerWithdrawal(id, records) {
    var template = document.querySelector('template[data-withdraw-consent]');
    if (!template) return;
    var current = records.filter(function (r) {
      return r.type === 'consent' && !r.deleted && r.fields;
    }).sort(function (a, b) {
      var x = (a.fields.given_on || '') + ' ' + (a.fields.created_at || '');
      var y = (b.fields.given_on || '') + ' ' + (b.fields.created_at || '');
      return x < y ? 1 : x > y ? -1 : 0;
    })[0];
    if (!current || current.fields.withdrawn || current.fields.withdrawn_on || typeof current.version !== 'number') return;
    var part = template.content.cloneNode(true);
    var form = part.querySelector('form');
    form.dataset.recordId = current.record_id;
    form.dataset.baseVersion = String(current.version);
    form.dataset.redirect = '/people/' + id;
    template.replaceWith(part);
  }

  /** The contact form of someone with a live risk marker is kept as their own copy, which shows
   * the markers first (templates/risks/_markers.html; static/page-map.js `OWN_COPY_WHEN`). Should
   * the blank one stand in before that copy has come (the signal lost half way through a
   * refresh), it still says so first, from the markers the phone holds. */
  function warnOfMarkers(records) {
    var h1 = document.querySelector('main h1');
    var live = records.filter(function (r) {
      return r.type === 'risk_marker' && !r.deleted && r.fields && !r.fields.retired;
    });
    if (!h1 || !live.length || !document.querySelector('form[data-mutation-type="contact"]')) return;
    var kinds = {};
    var named = document.querySelector('[data-place-markers][data-kinds]');
    try { kinds = named ? JSON.parse(named.dataset.kinds) : {}; } catch (e) { /* the kinds as stored */ }
    var box = document.createElement('div');
    box.className = 'govuk-warning-text app-risk-markers';
    box.dataset.riskMarkers = '';
    var icon = document.createElement('span');
    icon.className = 'govuk-warning-text__icon';
    icon.setAttribute('aria-hidden', 'true');
    icon.textContent = '!';
    var text = document.createElement('div');
    text.className = 'govuk-warning-text__text';
    var heading = document.createElement('h2');
    heading.className = 'govuk-heading-s govuk-!-margin-bottom-1';
    heading.textContent = live.length === 1 ? 'Risk marker' : 'Risk markers';
    var list = document.createElement('ul');
    list.className = 'govuk-list govuk-!-margin-bottom-0';
    live.forEach(function (m) {
      var item = document.createElement('li');
      var label = document.createElement('strong');
      label.textContent = kinds[m.fields.kind] || m.fields.kind;
      item.append(label, m.fields.note ? ': ' + m.fields.note : '');
      list.append(item);
    });
    text.append(heading, list);
    box.append(icon, text);
    h1.after(box);
  }

  /** A new Star reading for someone with a draft of this instrument resumes the draft instead, as
   * the server's own copy of the form does: the phone keeps the draft's page
   * (/people/<id>/star/<draft>/edit, static/cached-pages.js). */
  function resumeDraft(id, records) {
    var form = document.querySelector('form[data-assessment-form="star"][data-mutation-op="create"]');
    if (!form) return;
    var instrument = hidden(form, 'instrument');
    var draft = records.filter(function (r) {
      var f = r.fields || {};
      return r.type === 'assessment' && !r.deleted && f.status === 'draft' && f.instrument === instrument;
    })[0];
    if (draft) location.replace('/people/' + id + '/star/' + draft.record_id + '/edit');
  }

  /** The general contact form opened with `?person=<id>` for someone still on this phone: offer
   * them as the choice, picked, and come back to their page after the save. */
  function offerInContactForm() {
    var id = wantedId();
    var form = document.querySelector('form[data-mutation-type="contact"]');
    var radio = form && form.querySelector('input[type="radio"][name="person_id"]');
    if (!id || !radio) return Promise.resolve();
    return queuedPerson(id).then(function (item) {
      if (!item || item.state === 'sent') return;
      var name = (item.fields && item.fields.display_name) || '';
      var input = radio.cloneNode();
      input.id = 'person_id-on-phone';
      // Cloned from the first choice, "Someone not on the system yet": not its reveal.
      input.removeAttribute('aria-controls');
      input.removeAttribute('data-aria-controls');
      input.value = id;
      input.dataset.district = (item.fields && item.fields.district) || '';
      input.checked = true;
      var label = document.createElement('label');
      label.className = 'govuk-label govuk-radios__label';
      label.htmlFor = input.id;
      label.textContent = name;
      var wrap = document.createElement('div');
      wrap.className = 'govuk-radios__item';
      wrap.append(input, label);
      radio.closest('.govuk-radios').prepend(wrap);
      form.dataset.mutationLabel = 'Contact with {name}';
      form.dataset.redirect = pageUrl(id);
    });
  }

  if (typeof document !== 'undefined' && document.body) holdUntilFilled();

  ns.pendingPerson = {pageUrl: pageUrl, narrowList: narrowList, showPage: showPage,
                      offerInContactForm: offerInContactForm, fillForm: fillForm};
})(window.Fieldapp = window.Fieldapp || {});
