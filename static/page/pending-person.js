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
 * update queued behind their registration.
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

  /** Write `value` into the form's fields named `name` as their starting value, so that the form
   * counts only what the worker then changes (static/forms.js `changed`). */
  function startFrom(form, name, value) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name !== name) return;
      if (el.type === 'radio' || el.type === 'checkbox') {
        var on = el.dataset.type === 'boolean' ? !!value
          : Array.isArray(value) ? value.indexOf(el.value) !== -1
          : el.value === String(value) || (value === true && el.value === 'yes') || (value === false && el.value === 'no');
        el.checked = el.defaultChecked = on;
      } else if (el.tagName === 'SELECT') {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = o.defaultSelected = o.value === String(value); });
      } else {
        el.value = el.defaultValue = value == null ? '' : String(value);
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

  /** A blank form (`/people/on-phone/<form>?person=<id>`) made theirs; or, for someone this
   * phone does not hold, closed with a word why (nothing can be saved against nobody). */
  function fillForm() {
    var id = wantedId();
    if (location.pathname.indexOf(ON_PHONE + '/') !== 0) return Promise.resolve();
    var forms = document.querySelectorAll('form[data-mutation-type]');
    return (id ? queuedPerson(id) : Promise.resolve(null)).then(function (item) {
      if (item && item.state === 'sent' && navigator.onLine) {
        location.replace('/people/' + id + location.pathname.slice(ON_PHONE.length));
        return;
      }
      if (!item) {
        forms.forEach(function (form) {
          form.querySelectorAll('button, input, select, textarea').forEach(function (el) { el.disabled = true; });
        });
        var h1 = document.querySelector('main h1');
        if (h1) h1.textContent = 'This person is not on this phone';
        return;
      }
      document.querySelectorAll('input[name="person_id"][value="on-phone"]').forEach(function (el) { el.value = id; });
      document.querySelectorAll('a[href="' + ON_PHONE + '"]').forEach(function (a) { a.href = pageUrl(id); });
      forms.forEach(function (form) {
        if (form.dataset.recordId === 'on-phone') form.dataset.recordId = id;
        form.dataset.redirect = pageUrl(id);
      });
      return detailsOnPhone(id, item).then(function (fields) {
        writeName(fields.display_name || '');
        var edit = document.querySelector('form[data-mutation-type="person"][data-mutation-op="update"]');
        if (edit) Object.keys(fields).forEach(function (name) { startFrom(edit, name, fields[name]); });
      });
    });
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

  ns.pendingPerson = {pageUrl: pageUrl, narrowList: narrowList, showPage: showPage,
                      offerInContactForm: offerInContactForm, fillForm: fillForm};
})(window.Fieldapp = window.Fieldapp || {});
