/* fieldapp lone working on the phone (README: Lone working): the phone's own reminder before a
 * visit's deadline, and check-ins on a visit still waiting on this phone.
 *
 * The reminder. A browser gives a service worker no timer that outlives it, so while the app is
 * open (any page) this page timer shows the reminder through the service worker
 * (`registration.showNotification`, with the lock-screen actions "I'm safe" and "Extend 30 min"
 * that static/sw.js turns into check-ins) at the deadline minus CHECKIN_REMINDER_MINUTES. The
 * deadline is computed from what the phone holds: the server's deadlines as the /safety page last
 * showed them (kept in localStorage: visit ids and times only, no place or name), and, on top, what
 * is in the outbox made since: a visit not on the server yet (its expected end), an "extend" (its
 * new time), an "I'm safe" (at least CHECKIN_SAFE_MINUTES from when it was made) and an "end". The
 * text names nobody: "Your visit ends in 10 minutes". A phone with the app closed gets no local
 * reminder; the server's push (with signal) and its escalation do not depend on the phone.
 *
 * Queued visits. A visit started with no signal is shown on /safety from the outbox, with the same
 * check-in forms (templates/safety/index.html `tpl-queued-visit`): their check-ins are queued after
 * the visit, and the outbox sends in order, so the server has the visit first.
 * Classic script, page only; needs FieldappOutbox and FieldappPage (static/status.js). Starts
 * itself (signed in only); defines `Fieldapp.safety.schedule`, which works the reminders out again.
 */
(function (ns) {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var Page = window.FieldappPage;
  var userId = document.body.dataset.userId || null;
  var STATE_KEY = 'fieldapp-safety';
  var SHOWN_KEY = 'fieldapp-safety-reminded';
  var MINUTE = 60000;
  var timer = null;
  var shownQueue = null;  // the queued visits on screen, so a flush's events never redraw a form being filled

  function readJson(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key) || 'null') || fallback; } catch (e) { return fallback; }
  }

  function writeJson(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  /** On /safety: keep the server's deadlines as this page shows them, and the two settings. */
  function rememberPage() {
    var el = document.querySelector('[data-safety]');
    if (!el) return;
    var visits = {};
    Array.prototype.forEach.call(el.querySelectorAll('[data-visit-id]'), function (v) {
      visits[v.dataset.visitId] = v.dataset.dueAt;
    });
    writeJson(STATE_KEY, {userId: userId, at: el.dataset.renderedAt, visits: visits,
                          reminderMinutes: Number(el.dataset.reminderMinutes),
                          safeMinutes: Number(el.dataset.safeMinutes)});
  }

  /** A datetime-local value ("2026-12-01T22:30", the phone's own zone) or an ISO time as a Date. */
  function parseTime(text) {
    var moment = text ? new Date(text) : null;
    return moment && !isNaN(moment) ? moment : null;
  }

  /** This user's items, and the visits among them not on the server page (still on the phone). */
  function phoneItems() {
    return Outbox.list().then(function (items) {
      return items.filter(function (i) { return i.user_id === String(userId) && i.op === 'create'; });
    });
  }

  /** [{visitId, due: Date}] for every visit the phone knows is open (see the header). */
  function deadlines(state, items) {
    var due = {};
    var since = parseTime(state.at) || new Date(0);
    Object.keys(state.visits || {}).forEach(function (id) { due[id] = parseTime(state.visits[id]); });
    var safe = (state.safeMinutes || 30) * MINUTE;
    items.forEach(function (item) {
      var f = item.fields || {};
      var made = parseTime(item.created_at) || new Date();
      if (item.type === 'visit' && f.kind !== 'help' && !(item.record_id in due)) {
        due[item.record_id] = parseTime(f.expected_end);
      } else if (item.type === 'check_in' && f.visit_id in due && made > since) {
        if (f.kind === 'end') delete due[f.visit_id];
        else if (f.kind === 'extend') due[f.visit_id] = parseTime(f.until) || due[f.visit_id];
        else if (f.kind === 'safe' && due[f.visit_id]) {
          due[f.visit_id] = new Date(Math.max(due[f.visit_id], made.getTime() + safe));
        }
      }
    });
    return Object.keys(due).filter(function (id) { return due[id]; })
      .map(function (id) { return {visitId: id, due: due[id]}; });
  }

  /** Show the reminder for one visit and deadline, once (across pages and reloads). */
  function remind(visitId, due) {
    var key = visitId + '@' + due.toISOString();
    var shown = readJson(SHOWN_KEY, []);
    if (shown.indexOf(key) !== -1 || !navigator.serviceWorker) return;
    writeJson(SHOWN_KEY, shown.concat([key]).slice(-20));
    var minutes = Math.max(1, Math.round((due - Date.now()) / MINUTE));
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.showNotification('fieldapp', {
        body: 'Your visit ends in ' + minutes + ' minute' + (minutes === 1 ? '' : 's'),
        icon: '/static/icons/icon-192.png',
        tag: 'fieldapp-visit-' + visitId,
        requireInteraction: true,
        actions: [{action: 'safe', title: "I'm safe"}, {action: 'extend', title: 'Extend 30 min'}],
        data: {url: '/safety', visitId: visitId}
      });
    }).catch(function (e) { console.warn('fieldapp: no reminder notification', e); });
  }

  /** Work out every deadline now, remind where it is time, and wake again at the next one (at
   * most a minute away, so a deadline changed elsewhere is picked up). */
  function schedule() {
    clearTimeout(timer);
    var state = readJson(STATE_KEY, {});
    if (!userId || state.userId !== userId || !state.reminderMinutes) return Promise.resolve();
    return phoneItems().then(function (items) {
      var now = Date.now();
      var next = now + MINUTE;
      deadlines(state, items).forEach(function (d) {
        var at = d.due.getTime() - state.reminderMinutes * MINUTE;
        if (now >= d.due.getTime()) return;  // past: the server escalates
        if (now >= at) remind(d.visitId, d.due);
        else next = Math.min(next, at);
      });
      timer = setTimeout(schedule, Math.max(1000, next - now));
    }).catch(function () { timer = setTimeout(schedule, MINUTE); });
  }

  /** On /safety: a section with check-in forms for each visit still on this phone. */
  function showQueuedVisits() {
    var holder = document.querySelector('[data-queued-visits]');
    var state = document.querySelector('[data-safety]');
    if (!holder || !state) return Promise.resolve();
    var onServer = {};
    Array.prototype.forEach.call(state.querySelectorAll('[data-visit-id]'), function (v) {
      onServer[v.dataset.visitId] = true;
    });
    return phoneItems().then(function (items) {
      var ended = {};
      items.forEach(function (i) { if (i.type === 'check_in' && i.fields.kind === 'end') ended[i.fields.visit_id] = true; });
      var queued = items.filter(function (i) {
        return i.type === 'visit' && i.state !== 'sent' && i.fields.kind !== 'help' &&
          !onServer[i.record_id] && !ended[i.record_id];
      });
      var key = queued.map(function (i) { return i.record_id; }).join(' ');
      if (key === shownQueue) return;
      shownQueue = key;
      holder.replaceChildren();
      queued.forEach(function (item, index) {
        var section = document.getElementById('tpl-queued-visit').content.firstElementChild.cloneNode(true);
        Page.slot(section, 'place').textContent = item.fields.place || '';
        Page.slot(section, 'district').textContent = item.fields.district || '';
        Array.prototype.forEach.call(section.querySelectorAll('[name="visit_id"]'), function (input) {
          input.value = item.record_id;
        });
        Array.prototype.forEach.call(section.querySelectorAll('[id]'), function (el) {
          var label = section.querySelector('label[for="' + el.id + '"]');
          el.id = el.id + '-' + index;
          if (label) label.htmlFor = el.id;
        });
        holder.appendChild(section);
      });
      // A visit waiting here has its own "I need help": one button, not two.
      var helpNow = document.querySelector('[data-help-now]');
      if (helpNow) helpNow.hidden = queued.length > 0;
    });
  }

  function start() {
    if (!userId || !Outbox) return;
    rememberPage();
    showQueuedVisits();
    schedule();
    Outbox.on(function (event) {
      if (event.type === 'changed') { showQueuedVisits(); schedule(); }
      if (event.type === 'wiped') {
        clearTimeout(timer);
        try { localStorage.removeItem(STATE_KEY); localStorage.removeItem(SHOWN_KEY); } catch (e) { /* */ }
      }
    });
  }

  ns.safety = {schedule: schedule};
  try {
    start();
  } catch (e) {
    console.error('fieldapp: lone working on the phone could not start', e);
  }
})(window.Fieldapp = window.Fieldapp || {});
