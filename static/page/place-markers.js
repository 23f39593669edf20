/* fieldapp risk markers on places on the contact form (README: Risk markers): when the form's
 * district and place are chosen, the live `place_marker` records the phone holds (the pull brings
 * the area's to every caseworker's phone) whose place matches are shown above the rest of the
 * form (templates/risks/_place_markers.html), with or without signal. A match: the same district,
 * and one place description contains the other (case, spaces and punctuation ignored; at least
 * three letters typed). Markers added or retired on this phone and not sent yet count too.
 * Classic script, page only; needs FieldappOutbox. Starts itself.
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

  /** The markers the pull brought, with what this phone has queued laid over them: a marker added
   * or retired here with no signal counts before it is sent (the outbox keeps the order made). */
  function withQueued(records, items) {
    var byId = {};
    var out = records.filter(function (r) {
      if (r.type !== 'place_marker') return true;
      byId[r.record_id] = {type: r.type, record_id: r.record_id, deleted: r.deleted,
                           fields: Object.assign({}, r.fields)};
      return false;
    });
    items.forEach(function (i) {
      if (i.type !== 'place_marker' || i.state === 'sent' || !i.fields) return;
      var held = byId[i.record_id];
      if (i.op === 'create' && !held) {
        byId[i.record_id] = {type: i.type, record_id: i.record_id, fields: Object.assign({}, i.fields)};
      } else if (held) {
        Object.assign(held.fields, i.fields);
      }
    });
    return out.concat(Object.keys(byId).map(function (id) { return byId[id]; }));
  }

  function show() {
    var district = (form.querySelector('[name="district"]') || {}).value;
    var place = norm((form.querySelector('[name="place"]') || {}).value);
    return Promise.all([Outbox.records(), Outbox.list()]).then(function (v) {
      var found = withQueued(v[0], v[1]).filter(function (r) {
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
