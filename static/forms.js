/* fieldapp forms: a casework form's submit becomes outbox mutations (the one write path: never
 * posted to Flask). `?fix=<mutation id>`, filling a form back from a record that needs attention,
 * is static/page/fix-form.js, after this file in the same bundle.
 * Classic script, page only; needs FieldappConstants, FieldappOutbox and FieldappPage
 * (static/status.js). Defines `FieldappForms`; static/page/start.js routes submits to it. Its own
 * bundle (bundle/forms.js), loaded after bundle/page.js on every page but the light ones.
 * Page contract: README, "One write path".
 */
(function () {
  'use strict';

  var C = window.FieldappConstants;
  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var notice = Page.notice;

  function isBooleanField(el) {
    return el.dataset.type === 'boolean' || !!(el.closest && el.closest('[data-type="boolean"]') && el.tagName !== 'FORM');
  }

  function convert(el, value) {
    if (value === '') return '';
    if (el.type === 'number' || el.dataset.type === 'number') {
      var n = Number(value);
      return isNaN(n) ? value : n;
    }
    if (isBooleanField(el)) {
      if (value === 'yes') return true;
      if (value === 'no') return false;
    }
    return value;  // datetime-local, date, text: the string as typed
  }

  function changed(el) {
    if (el.type === 'radio' || el.type === 'checkbox') return el.checked !== el.defaultChecked;
    if (el.tagName === 'SELECT') {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }

  /**
   * The form's fields as typed values. Create: every filled field (empty ones omitted). Update: only
   * fields changed since the page was rendered, emptied ones as null. `new_person.*` go apart; any
   * other dotted name is a key of an object field (`scores.housing` → {scores: {housing: 2}}), sent
   * whole on an update when any of its keys changed. A lone `data-type="boolean"` checkbox is
   * true when ticked and false when not.
   */
  function readForm(form, op) {
    // What the readers below fill in, and what they have seen so far.
    var acc = {form: form, update: op === 'update', fields: {}, nested: {}, seenGroups: {}, objectChanged: {}};
    Array.prototype.forEach.call(form.elements, function (el) {
      var name = el.name;
      if (!name || el.disabled || name === 'csrf_token' || name.charAt(0) === '_') return;
      if (['submit', 'button', 'reset', 'file'].indexOf(el.type) !== -1) return;
      var dotAt = name.indexOf('.');
      var objectName = dotAt > 0 && name.slice(0, dotAt) !== 'new_person' ? name.slice(0, dotAt) : null;
      if (el.type === 'checkbox' && el.dataset.type === 'list') readList(acc, el);
      else if (el.type === 'checkbox' && isBooleanField(el)) readBoolean(acc, el, objectName);
      else if (objectName) readObjectKey(acc, el, objectName);
      else readValue(acc, el);
    });
    Object.keys(acc.nested).forEach(function (objectName) {
      if (objectName === 'new_person') return;
      if (!acc.update || acc.objectChanged[objectName]) acc.fields[objectName] = acc.nested[objectName];
    });
    return {fields: acc.fields, nested: acc.nested};
  }

  function putNested(acc, objectName, key, value) {
    acc.nested[objectName] = acc.nested[objectName] || {};
    acc.nested[objectName][key] = value;
  }

  /** Checkboxes sharing a name with data-type="list": the ticked values as an array. */
  function readList(acc, el) {
    var name = el.name;
    if (acc.seenGroups[name]) return;
    acc.seenGroups[name] = true;
    var boxes = acc.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
    if (acc.update && !Array.prototype.some.call(boxes, changed)) return;
    acc.fields[name] = Array.prototype.filter.call(boxes, function (b) { return b.checked && !b.disabled; })
      .map(function (b) { return b.value; });
  }

  /** A lone data-type="boolean" checkbox: true when ticked, false when not. */
  function readBoolean(acc, el, objectName) {
    if (acc.update && changed(el)) acc.objectChanged[objectName || el.name] = true;
    if (acc.update && !objectName && !changed(el)) return;
    if (objectName) putNested(acc, objectName, el.name.slice(objectName.length + 1), el.checked);
    else acc.fields[el.name] = el.checked;
  }

  /** A key of an object field: always read, so an update can send the object whole. */
  function readObjectKey(acc, el, objectName) {
    if (acc.update && changed(el)) acc.objectChanged[objectName] = true;
    if (el.type === 'radio' && !el.checked) return;
    var item = convert(el, el.value);
    acc.nested[objectName] = acc.nested[objectName] || {};
    if (item !== '') acc.nested[objectName][el.name.slice(objectName.length + 1)] = item;
  }

  /** Any other field (and `new_person.*`, kept apart in `nested`). */
  function readValue(acc, el) {
    var name = el.name;
    var isChoice = el.type === 'radio' || el.type === 'checkbox';
    if (acc.update) {
      if (isChoice) return readChangedChoice(acc, name);
      // data-send-always: part of the change although unchanged here ("Use the other value").
      if (!changed(el) && !el.hasAttribute('data-send-always')) return;
    } else if (isChoice && !el.checked) {
      return;
    }
    var value = convert(el, el.value);
    if (value === '') {
      if (acc.update) value = null; else return;
    }
    var dot = name.indexOf('.');
    if (dot > 0) putNested(acc, name.slice(0, dot), name.slice(dot + 1), value);
    else acc.fields[name] = value;
  }

  /** On an update, a radio group (or checkboxes sharing a name) whose choice changed: the value
   * picked now, or null. */
  function readChangedChoice(acc, name) {
    if (acc.seenGroups[name]) return;
    acc.seenGroups[name] = true;
    var group = acc.form.querySelectorAll('[name="' + name + '"]');
    if (!Array.prototype.some.call(group, changed)) return;
    var picked = Array.prototype.filter.call(group, function (g) { return g.checked; })[0];
    acc.fields[name] = picked ? convert(picked, picked.value) : null;
  }

  function personName(form, fields, newPerson) {
    if (newPerson && newPerson.display_name) return newPerson.display_name;
    var pick = form.querySelector('[name="person_id"]:checked') ||
      (form.querySelector('select[name="person_id"]'));
    if (pick && pick.tagName === 'SELECT') return pick.options[pick.selectedIndex] ? pick.options[pick.selectedIndex].text : '';
    if (pick && pick.labels && pick.labels[0]) return pick.labels[0].textContent.trim();
    return '';
  }

  function label(form, fields, newPerson) {
    var text = form.dataset.mutationLabel || form.dataset.mutationType;
    return text.replace(/\{([\w.]+)\}/g, function (all, key) {
      if (key === 'name' || key === 'person') return personName(form, fields, newPerson);
      if (fields[key] != null) return String(fields[key]);
      return all;
    });
  }

  /** The form's address without `fix`, so a queued record can be reopened in the same form. */
  function formUrl() {
    var params = new URLSearchParams(location.search);
    params.delete('fix');
    var query = params.toString();
    return location.pathname + (query ? '?' + query : '');
  }

  function fillTemplate(url, ids) {
    return url.replace('{record_id}', encodeURIComponent(ids.record_id || ''))
      .replace('{person_id}', encodeURIComponent(ids.person_id || ''));
  }

  /** Disable (or enable again) a form's buttons while its submit is being handled. */
  function blockSecondSubmit(form, on) {
    Array.prototype.forEach.call(form.querySelectorAll('button, [type=submit]'), function (b) { b.disabled = on; });
  }

  /**
   * The mutations a casework form's submit makes: {type, op, mutations, newPerson, recordId,
   * personId}, or null when "someone new" has no name (the field says so). A contact that
   * registers someone new (person_id "new") queues the person's create first.
   */
  function buildMutations(form, read, fixId, submitter) {
    var type = form.dataset.mutationType;
    var op = form.dataset.mutationOp || 'create';
    var fields = read.fields;
    // The button pressed can carry a value ("Save draft" / "Save final reading": name=status).
    if (submitter && submitter.name) fields[submitter.name] = convert(submitter, submitter.value);
    var recordedAt = new Date().toISOString();
    var built = {type: type, op: op, mutations: [], newPerson: null,
                 recordId: op === 'create' ? Outbox.uuid() : form.dataset.recordId};
    built.personId = fields.person_id || (type === 'person' ? built.recordId : null);
    if (type === 'contact' && fields.person_id === 'new') {
      built.newPerson = read.nested.new_person || {};
      if (!fixId && !built.newPerson.display_name) {
        var input = form.querySelector('[name="new_person.display_name"]');
        if (input) { input.setCustomValidity('Enter a name or description'); input.reportValidity(); }
        return null;
      }
      if (!fixId) {
        built.personId = fields.person_id = Outbox.uuid();
        built.mutations.push({
          id: Outbox.uuid(), type: 'person', op: 'create', record_id: built.personId, base_version: null,
          recorded_at: recordedAt, fields: built.newPerson, person_id: built.personId,
          label: 'New person: ' + built.newPerson.display_name, form_url: formUrl()
        });
      }
    }
    built.mutations.push({
      id: Outbox.uuid(), type: type, op: op, record_id: built.recordId,
      base_version: op === 'update' ? Number(form.dataset.baseVersion) : null,
      recorded_at: recordedAt, fields: fields, person_id: built.personId,
      label: label(form, fields, built.newPerson), form_url: formUrl()
    });
    return built;
  }

  /** `?fix=`: the queued item gets the form's fields (same mutation and record ids). */
  function storeFix(form, fixId, built, read, submitter) {
    return Outbox.get(fixId).then(function (item) {
      if (!item) return;
      if (item.type !== built.type) {
        // A person registered through the contact form: fix their details only.
        return Outbox.replace(fixId, read.nested.new_person || item.fields);
      }
      var fields = read.fields;
      var patch = built.op === 'update' ? readForm(form, 'update').fields : fields;
      // The button pressed is part of the change ("Save final reading" of a resumed draft).
      if (submitter && submitter.name) patch[submitter.name] = fields[submitter.name];
      return Outbox.replace(fixId, item.op === 'update' ? Object.assign({}, item.fields, patch) : fields);
    });
  }

  /** Saved: say so, ask for a flush, and find where to go next (waiting a little for the flush
   * when the page must know its outcome). */
  function afterSave(form, hooks, built, fixId) {
    try { sessionStorage.setItem(C.SAVED_FLAG, '1'); } catch (e) { /* private mode */ }
    notice('tpl-saved');
    if (!navigator.onLine) hooks.registerBackgroundSync();
    var flushing = hooks.requestFlush('save');
    var redirect = form.dataset.redirect
      ? fillTemplate(form.dataset.redirect, {record_id: built.recordId, person_id: built.personId}) : null;
    if (fixId) redirect = '/outbox';
    if (form.dataset.redirectSent) return awaitSent(form, flushing, built, redirect);
    var newPerson = built.newPerson;
    var wait = newPerson || !(navigator.serviceWorker && navigator.serviceWorker.controller)
      ? Promise.race([flushing, new Promise(function (r) { setTimeout(r, 5000); })])
      : Promise.resolve();
    return wait.then(function () {
      if (!newPerson) return redirect;
      // A person made on this phone has no page to show offline until the server has them.
      return Outbox.get(built.mutations[0].id).then(function (item) {
        return item && item.state === 'sent' && navigator.onLine ? redirect : '/caseload';
      });
    });
  }

  /** A form that must say plainly whether the server has it ("I need help"): wait for the flush
   * (at most AWAIT_SENT_MS), then go to `data-redirect-sent` only if the server acknowledged the
   * mutation as applied; otherwise to `data-redirect` (it is kept and sent when there is signal).
   * With no signal at all, at once: no false hope while the worker waits. */
  function awaitSent(form, flushing, built, unsent) {
    var last = built.mutations[built.mutations.length - 1];
    var deadline = Date.now() + (C.AWAIT_SENT_MS || 10000);
    function sent() {
      return Outbox.get(last.id).then(function (item) { return !!item && item.state === 'sent'; });
    }
    function nextFlushed() {
      return new Promise(function (resolve) {
        var off = Outbox.on(function (event) { if (event && event.type === 'flushed') { off(); resolve(); } });
      });
    }
    // A flush already running when this one was asked for answers first, without this record:
    // wait on for the one that takes it (the next `flushed`), until it is sent or time is up.
    function until(flushed) {
      var left = new Promise(function (r) { setTimeout(r, Math.max(0, deadline - Date.now())); });
      return Promise.race([flushed, left]).then(sent).then(function (ok) {
        if (ok || Date.now() >= deadline || !navigator.onLine) return ok;
        return until(nextFlushed());
      });
    }
    return (navigator.onLine ? until(flushing) : sent()).then(function (ok) {
      return ok ? form.dataset.redirectSent : unsent;
    });
  }

  /**
   * Turn the submit of a casework form into outbox mutations; never posted to Flask.
   * `hooks.requestFlush(reason)` sends them (through the service worker when it controls the page);
   * `hooks.registerBackgroundSync()` asks the browser to flush later when saved offline.
   */
  function submitMutation(form, hooks, submitter) {
    var fixId = new URLSearchParams(location.search).get('fix');
    var op = form.dataset.mutationOp || 'create';
    var read = readForm(form, fixId ? 'create' : op);
    // A blank form (static/page/pending-person.js) not yet made someone's: nothing to save against.
    if (form.dataset.recordId === 'on-phone' || read.fields.person_id === 'on-phone') return Promise.resolve(null);
    var built = buildMutations(form, read, fixId, submitter);
    if (!built) return Promise.resolve(null);
    blockSecondSubmit(form, true);
    var stored = fixId ? storeFix(form, fixId, built, read, submitter) : Outbox.enqueueAll(built.mutations);
    return stored.then(function () {
      return afterSave(form, hooks, built, fixId);
    }).then(function (target) {
      if (target) location.assign(target);
      else blockSecondSubmit(form, false);
      return target;
    }, function (error) {
      blockSecondSubmit(form, false);
      throw error;
    });
  }

  window.FieldappForms = {submit: submitMutation, blockSecondSubmit: blockSecondSubmit};
})();
