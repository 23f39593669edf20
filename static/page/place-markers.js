/* fieldapp risk markers on places on the contact form (README: Risk markers): when the form's
 * district and place are chosen, the live `place_marker` records the phone holds (the pull brings
 * the area's to every caseworker's phone) whose place matches are shown above the rest of the
 * form (templates/risks/_place_markers.html), with or without signal. A match: the same district,
 * and one place description contains the other (case, spaces and punctuation ignored; at least
 * three letters typed). Classic script, page only; needs FieldappOutbox. Starts itself.
 */
(function () {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var box = document.querySelector('[data-place-markers]');
  var form = box && box.closest('form');
  if (!box || !form || !Outbox) return;
  var kinds = {};
  try { kinds = JSON.parse(box.dataset.kinds || '{}'); } catch (e) { /* labels fall back to kinds */ }
  var timer = null;

  function norm(text) {
    return String(text || '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  }

  /** Whether a marker's place is the place typed (see the header). */
  function matches(fields, district, place) {
    var marked = norm(fields.place);
    return fields.district === district && place.length >= 3 && !!marked &&
      (marked.indexOf(place) !== -1 || place.indexOf(marked) !== -1);
  }

  function show() {
    var district = (form.querySelector('[name="district"]') || {}).value;
    var place = norm((form.querySelector('[name="place"]') || {}).value);
    return Outbox.records().then(function (records) {
      var found = records.filter(function (r) {
        return r.type === 'place_marker' && !r.deleted && r.fields && !r.fields.retired &&
          matches(r.fields, district, place);
      });
      var list = box.querySelector('[data-slot="list"]');
      list.replaceChildren();
      found.forEach(function (r) {
        var li = document.createElement('li');
        var strong = document.createElement('strong');
        strong.textContent = kinds[r.fields.kind] || r.fields.kind;
        li.append(strong, ': ' + r.fields.place + (r.fields.note ? ' (' + r.fields.note + ')' : ''));
        list.appendChild(li);
      });
      box.hidden = found.length === 0;
    }).catch(function () { box.hidden = true; });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(show, 200);
  }

  form.addEventListener('input', function (event) {
    if (event.target.name === 'place' || event.target.name === 'district') soon();
  });
  form.addEventListener('change', function (event) {
    if (event.target.name === 'district') soon();
  });
  document.addEventListener('fieldapp:form-filled', soon);
  show();
})();
