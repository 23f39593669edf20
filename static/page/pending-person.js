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
 * Classic script, page only; defines `Fieldapp.pendingPerson`, started by static/page/start.js.
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
      var h1 = document.querySelector('main h1');
      if (h1) { h1.textContent = fields.display_name || h1.textContent; h1.after(el); }
      document.title = (fields.display_name || '') + ' – fieldapp';
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
      input.value = id;
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
                      offerInContactForm: offerInContactForm};
})(window.Fieldapp = window.Fieldapp || {});
