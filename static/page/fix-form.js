/* fieldapp page: `?fix=<mutation id>`, a record that needs attention filled back into its form,
 * with the server's errors by their fields, so the worker corrects it and saves it again (the
 * outbox item is replaced, not added to: static/forms.js `storeFix`).
 * Classic script, page only, after static/forms.js in bundle/forms.js; needs FieldappOutbox and
 * FieldappPage (static/status.js). Adds `prepareFix` to `FieldappForms`; static/page/start.js
 * runs it once the page's own modules have.
 */
(function () {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var notice = Page.notice;
  var slot = Page.slot;

  /** Flatten a record's fields to input names: an object field (scores, notes, disagree) fills
   * its dotted inputs. */
  function inputValues(fields) {
    var flat = {};
    Object.keys(fields).forEach(function (key) {
      var value = fields[key];
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        Object.keys(value).forEach(function (k) { flat[key + '.' + k] = value[k]; });
      } else {
        flat[key] = value;
      }
    });
    return flat;
  }

  /** The fix form of a contact about a person still on this phone (not in the form's list):
   * offer them as the choice. */
  function offerRecordedPerson(radio, personId) {
    var input = radio.cloneNode();
    input.id = 'person_id-fix';
    // Cloned from the first choice, "Someone not on the system yet": not its reveal.
    input.removeAttribute('aria-controls');
    input.removeAttribute('data-aria-controls');
    input.value = personId;
    input.checked = true;
    var lab = document.createElement('label');
    lab.className = 'govuk-label govuk-radios__label';
    lab.htmlFor = input.id;
    lab.textContent = 'The person recorded with it';
    var wrap = document.createElement('div');
    wrap.className = 'govuk-radios__item';
    wrap.append(input, lab);
    radio.closest('.govuk-radios').prepend(wrap);
  }

  /** Set the inputs named `name` to `value` (a list ticks its checkboxes; true/false pick yes/no). */
  function fillInput(form, name, value) {
    // Buttons carry their own value (name=status on "Save draft"): never overwrite it.
    var els = Array.prototype.filter.call(form.querySelectorAll('[name="' + name + '"]'),
      function (el) { return ['submit', 'button', 'reset'].indexOf(el.type) === -1; });
    if (!els.length) return;
    var text = value === true ? 'yes' : value === false ? 'no' : value == null ? '' : String(value);
    if (Array.isArray(value)) {
      els.forEach(function (el) { el.checked = value.indexOf(el.value) !== -1; });
    } else if (els[0].type === 'radio' || els[0].type === 'checkbox') {
      var found = false;
      els.forEach(function (el) { el.checked = el.value === text; found = found || el.checked; });
      if (!found && name === 'person_id') offerRecordedPerson(els[0], text);
    } else if (els[0].tagName === 'SELECT' && !Array.prototype.some.call(els[0].options, function (o) { return o.value === text; })) {
      els[0].add(new Option(text, text, true, true));
    } else {
      els[0].value = text;
    }
  }

  /** The server's errors: a summary at the top (focused), and each message by its field. */
  function showErrors(form, errors, prefix) {
    var summary = notice('tpl-form-errors', function (el) {
      var list = slot(el, 'list');
      Object.keys(errors).forEach(function (field) {
        var li = document.createElement('li');
        var target = form.querySelector('[name="' + prefix + field + '"]');
        var msg = [].concat(errors[field]).join(' ');
        if (target && target.id) {
          var a = document.createElement('a');
          a.href = '#' + target.id;
          a.textContent = msg;
          li.appendChild(a);
          var group = target.closest('.govuk-form-group');
          if (group) {
            group.classList.add('govuk-form-group--error');
            var p = document.createElement('p');
            p.className = 'govuk-error-message';
            p.textContent = msg;
            var labelEl = group.querySelector('.govuk-label, legend');
            if (labelEl) labelEl.after(p); else group.prepend(p);
          }
        } else {
          li.textContent = msg;
        }
        list.appendChild(li);
      });
    });
    if (summary) summary.focus();
  }

  /** `?fix=<mutation id>`: fill the form from a rejected outbox item and show the server's errors. */
  function prepareFix() {
    var fixId = new URLSearchParams(location.search).get('fix');
    var form = document.querySelector('form[data-mutation-type]');
    if (!fixId || !form) return Promise.resolve();
    return Outbox.get(fixId).then(function (item) {
      if (!item) return;
      var prefix = '';
      if (item.type !== form.dataset.mutationType) {
        // A person registered through the contact form: fill the "someone new" block.
        var someoneNew = form.querySelector('[name="person_id"][value="new"]');
        if (someoneNew) someoneNew.click();
        prefix = 'new_person.';
      }
      var flat = inputValues(item.fields || {});
      Object.keys(flat).forEach(function (key) { fillInput(form, prefix + key, flat[key]); });
      document.dispatchEvent(new Event('fieldapp:form-filled'));  // conditional reveals follow
      if (item.state === 'rejected' && item.errors) showErrors(form, item.errors, prefix);
    });
  }

  window.FieldappForms.prepareFix = prepareFix;
})();
