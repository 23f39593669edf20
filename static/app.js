/* fieldapp page script: the service worker's registration and update prompt, casework forms turned
 * into outbox mutations (the one write path), the outbox shown on every page, and logout that never
 * drops unsent records. Classic script; needs FieldappOutbox (static/outbox.js) loaded before it.
 * The words it shows come from the <template> elements in templates/_outbox.html.
 */
(function () {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var body = document.body;
  var userId = body.dataset.userId || null;
  var TIMER_MS = 30000;
  var failures = 0;
  var timer = null;
  var hadController = !!(navigator.serviceWorker && navigator.serviceWorker.controller);
  var updateRequested = false;

  body.classList.add('js-enabled', 'govuk-frontend-supported');
  if (window.GOVUKFrontend && typeof window.GOVUKFrontend.initAll === 'function') {
    try { window.GOVUKFrontend.initAll(); } catch (e) { /* the page still works without it */ }
  }

  // ---- templates and notices ----------------------------------------------------------------

  function clone(id) {
    var t = document.getElementById(id);
    return t && t.content.firstElementChild ? t.content.firstElementChild.cloneNode(true) : null;
  }

  function templateText(id, attr, key) {
    var t = document.getElementById(id);
    var el = t && t.content.querySelector('[' + attr + '="' + key + '"]');
    return el;
  }

  function slot(root, name) { return root.querySelector('[data-slot="' + name + '"]'); }

  /** Show a notice at the top of the main content, replacing one of the same kind. */
  function notice(id, fill) {
    var el = clone(id);
    if (!el) return null;
    if (fill) fill(el);
    var kind = el.getAttribute('data-notice');
    var main = document.querySelector('main') || body;
    var old = kind && main.querySelector('[data-notice="' + kind + '"]');
    if (old) old.replaceWith(el); else main.insertBefore(el, main.firstChild);
    return el;
  }

  // ---- time ---------------------------------------------------------------------------------

  function clock(date) {
    var sameDay = new Date().toDateString() === date.toDateString();
    var time = date.toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit'});
    return sameDay ? time : date.toLocaleDateString('en-GB', {weekday: 'short', day: 'numeric', month: 'short'}) + ' ' + time;
  }

  function age(date) {
    var minutes = Math.round((Date.now() - date.getTime()) / 60000);
    if (minutes < 1) return 'just now';
    if (minutes < 60) return minutes + (minutes === 1 ? ' minute ago' : ' minutes ago');
    var hours = Math.round(minutes / 60);
    if (hours < 48) return hours + (hours === 1 ? ' hour ago' : ' hours ago');
    return Math.round(hours / 24) + ' days ago';
  }

  function showOfflineCopy() {
    if (!document.querySelector('meta[name="fieldapp-offline-copy"]')) return;
    var meta = document.querySelector('meta[name="fieldapp-rendered-at"]');
    var when = meta ? new Date(meta.content) : null;
    notice('tpl-offline-copy', function (el) {
      if (!when || isNaN(when)) return;
      var t = slot(el, 'time');
      t.textContent = clock(when);
      t.setAttribute('datetime', when.toISOString());
      slot(el, 'age').textContent = age(when);
    });
  }

  // ---- the outbox on the page ---------------------------------------------------------------

  function stateInfo(state) {
    var el = templateText('tpl-outbox-states', 'data-state', state);
    return el ? {tag: el.dataset.tag, tagClass: el.dataset.tagClass, label: el.dataset.label, message: el.textContent}
      : {tag: state, message: state};
  }

  function formUrlFor(item) {
    if (item.form_url) return item.form_url;
    if (item.type === 'contact' && item.fields && item.fields.person_id) return '/people/' + item.fields.person_id + '/contacts/new';
    if (item.type === 'person' && item.op === 'update') return '/people/' + item.record_id + '/edit';
    return '/contacts/new';
  }

  function renderItem(item) {
    var el = clone('tpl-outbox-item');
    var mine = item.user_id === userId;
    var state = mine ? item.state : (item.state === 'sent' ? 'sent' : 'other-user');
    var info = stateInfo(state);
    el.dataset.state = state;
    el.dataset.mutationId = item.id;
    // Another worker's record on a shared phone: never show what it is about.
    slot(el, 'label').textContent = mine ? (item.label || item.type) : (info.label || '');
    var tag = slot(el, 'state');
    tag.textContent = info.tag;
    if (info.tagClass) tag.classList.add(info.tagClass);
    var rec = slot(el, 'recorded');
    var when = new Date(item.recorded_at);
    rec.textContent = isNaN(when) ? item.recorded_at : clock(when);
    rec.setAttribute('datetime', item.recorded_at);
    var text = info.message.replace('{message}', item.message || '');
    if (state === 'sent' && item.message) text += ': ' + item.message;
    slot(el, 'message').textContent = text;
    var actions = slot(el, 'actions');
    if (state !== 'rejected') {
      if (actions) actions.remove();
    } else {
      el.querySelector('[data-action="fix"]').dataset.href = formUrlFor(item) + '?fix=' + encodeURIComponent(item.id);
    }
    return el;
  }

  function renderLists() {
    var lists = document.querySelectorAll('[data-outbox-list]');
    var caseload = document.querySelector('#caseload-list');
    if (!lists.length && !caseload) return Promise.resolve();
    return Outbox.list().then(function (items) {
      renderCaseloadWaiting(items);
      lists.forEach(function (list) {
        var personId = list.dataset.personId;
        var shown = items.filter(function (i) {
          if (personId && i.person_id !== personId) return false;
          return list.hasAttribute('data-outbox-all') || i.state !== 'sent';
        });
        var ul = list;
        if (list.tagName !== 'UL' && list.tagName !== 'OL') {
          ul = list.querySelector('ul[data-outbox-items]');
          if (!ul) {
            ul = document.createElement('ul');
            ul.className = 'govuk-list';
            ul.setAttribute('data-outbox-items', '');
          }
        }
        ul.replaceChildren.apply(ul, shown.map(renderItem));
        if (ul !== list) {
          list.replaceChildren();
          if (shown.length) list.appendChild(ul);
        }
        if (!shown.length) {
          var empty = clone('tpl-outbox-empty');
          if (empty) {
            if (ul === list) { var li = document.createElement('li'); li.appendChild(empty); list.appendChild(li); }
            else list.appendChild(empty);
          }
        }
      });
    });
  }

  /** On the caseload, the people registered on this phone and not yet on the server. */
  function renderCaseloadWaiting(items) {
    var list = document.querySelector('#caseload-list');
    if (!list) return;
    list.querySelectorAll('[data-outbox-person]').forEach(function (el) { el.remove(); });
    var people = items.filter(function (i) {
      return i.user_id === userId && i.type === 'person' && i.op === 'create' && i.state !== 'sent';
    });
    if (!people.length) return;
    var ul = list.querySelector('ul.app-caseload');
    if (!ul) {
      ul = document.createElement('ul');
      ul.className = 'app-caseload';
      list.prepend(ul);
    }
    people.reverse().forEach(function (item) {
      var el = clone('tpl-caseload-waiting');
      if (!el) return;
      var info = stateInfo(item.state);
      slot(el, 'label').textContent = (item.fields && item.fields.display_name) || item.label;
      slot(el, 'state').textContent = info.tag;
      slot(el, 'message').textContent = info.message.replace('{message}', item.message || '');
      ul.prepend(el);
    });
  }

  function statusText(key, n) {
    var el = templateText('tpl-sync-status', 'data-status', key);
    return el ? el.textContent.replace('{n}', n) : key;
  }

  function renderStatus() {
    var targets = document.querySelectorAll('[data-sync-status]');
    if (!targets.length || !userId) return Promise.resolve();
    return Outbox.list().then(function (items) {
      var mine = items.filter(function (i) { return i.user_id === userId; });
      var unsent = mine.filter(function (i) { return Outbox.UNSENT.indexOf(i.state) !== -1; }).length;
      var attention = mine.filter(function (i) { return i.state === 'rejected'; }).length;
      var text;
      if (!navigator.onLine) {
        text = unsent + attention ? statusText('offline', unsent + attention) : statusText('offline-none', 0);
      } else if (unsent) {
        text = unsent === 1 ? statusText('waiting-one', 1) : statusText('waiting', unsent);
      } else if (!attention) {
        text = statusText('all-sent', 0);
      }
      if (attention && navigator.onLine) text = (text ? text + '. ' : '') + statusText('attention', attention);
      targets.forEach(function (t) { t.textContent = text; });
      return unsent;
    });
  }

  function render() {
    return Promise.all([renderLists(), renderStatus()]).catch(function () {});
  }

  // ---- flushing -----------------------------------------------------------------------------

  /** Ask the service worker to flush (it outlives this page), or flush here if none controls it. */
  function requestFlush(reason) {
    if (!userId) return Promise.resolve({ok: false});
    var controller = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (!controller) return Outbox.flush({reason: reason});
    return new Promise(function (resolve) {
      var done = false;
      var off = Outbox.on(function (event) { if (event && event.type === 'flushed') finish(event); });
      function finish(result) { if (!done) { done = true; off(); resolve(result); } }
      controller.postMessage({type: 'flush', reason: reason});
      setTimeout(function () { finish({ok: false, timeout: true}); }, 25000);
    });
  }

  function schedule(result) {
    clearTimeout(timer);
    failures = result && result.ok ? 0 : failures + 1;
    if (!result || result.offline) return;  // `online` will flush
    // Only records still to send need the timer; rejected ones wait for the worker.
    if (!result.waiting || result.loginNeeded || result.revoked) return;
    timer = setTimeout(function () { flushNow('timer'); }, result.ok ? TIMER_MS : Outbox.backoff(failures));
  }

  function flushNow(reason) {
    // The `flushed` event (from this page or the worker) reschedules the timer.
    return requestFlush(reason);
  }

  function registerBackgroundSync() {
    if (!navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync && reg.sync.register) return reg.sync.register('fieldapp-outbox');
    }).catch(function () { /* not supported (Safari): timers and `online` do the work */ });
  }

  Outbox.on(function (event) {
    if (!event) return;
    if (event.type === 'changed') render();
    if (event.type === 'flushed') { render(); schedule(event); }
    if (event.type === 'login-needed') notice('tpl-login-needed');
    if (event.type === 'revoked') {
      var main = document.querySelector('main') || body;
      main.replaceChildren();
      notice('tpl-revoked');
    }
  });

  // ---- forms → mutations --------------------------------------------------------------------

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
   * fields changed since the page was rendered, emptied ones as null. `new_person.*` go apart.
   */
  function readForm(form, op) {
    var fields = {};
    var nested = {};
    var seenGroups = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      var name = el.name;
      if (!name || el.disabled || name === 'csrf_token' || name.charAt(0) === '_') return;
      if (['submit', 'button', 'reset', 'file'].indexOf(el.type) !== -1) return;
      var isChoice = el.type === 'radio' || el.type === 'checkbox';
      if (op === 'update') {
        if (isChoice) {
          if (seenGroups[name]) return;
          seenGroups[name] = true;
          var group = form.querySelectorAll('[name="' + name + '"]');
          if (!Array.prototype.some.call(group, changed)) return;
          var picked = Array.prototype.filter.call(group, function (g) { return g.checked; })[0];
          fields[name] = picked ? convert(picked, picked.value) : null;
          return;
        }
        if (!changed(el)) return;
      } else if (isChoice && !el.checked) {
        return;
      }
      var value = convert(el, el.value);
      if (value === '') {
        if (op === 'update') value = null; else return;
      }
      var dot = name.indexOf('.');
      if (dot > 0) {
        var prefix = name.slice(0, dot);
        nested[prefix] = nested[prefix] || {};
        nested[prefix][name.slice(dot + 1)] = value;
      } else {
        fields[name] = value;
      }
    });
    return {fields: fields, nested: nested};
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

  function fillTemplate(url, ids) {
    return url.replace('{record_id}', encodeURIComponent(ids.record_id || ''))
      .replace('{person_id}', encodeURIComponent(ids.person_id || ''));
  }

  function blockSecondSubmit(form, on) {
    Array.prototype.forEach.call(form.querySelectorAll('button, [type=submit]'), function (b) { b.disabled = on; });
  }

  /** Turn the submit of a casework form into outbox mutations; never posted to Flask. */
  function submitMutation(form) {
    var type = form.dataset.mutationType;
    var op = form.dataset.mutationOp || 'create';
    var fixId = new URLSearchParams(location.search).get('fix');
    var read = readForm(form, fixId ? 'create' : op);
    var fields = read.fields;
    var recordedAt = new Date().toISOString();
    var mutations = [];
    var newPerson = null;
    var recordId = op === 'create' ? Outbox.uuid() : form.dataset.recordId;
    var personId = fields.person_id || (type === 'person' ? recordId : null);

    if (type === 'contact' && fields.person_id === 'new' && fixId) {
      newPerson = read.nested.new_person || {};
    } else if (type === 'contact' && fields.person_id === 'new') {
      newPerson = read.nested.new_person || {};
      if (!newPerson.display_name) {
        var input = form.querySelector('[name="new_person.display_name"]');
        if (input) { input.setCustomValidity('Enter a name or description'); input.reportValidity(); }
        return Promise.resolve(null);
      }
      personId = Outbox.uuid();
      fields.person_id = personId;
      mutations.push({
        id: Outbox.uuid(), type: 'person', op: 'create', record_id: personId, base_version: null,
        recorded_at: recordedAt, fields: newPerson, person_id: personId,
        label: 'New person: ' + newPerson.display_name, form_url: location.pathname
      });
    }
    mutations.push({
      id: Outbox.uuid(), type: type, op: op, record_id: recordId,
      base_version: op === 'update' ? Number(form.dataset.baseVersion) : null,
      recorded_at: recordedAt, fields: fields, person_id: personId,
      label: label(form, fields, newPerson), form_url: location.pathname
    });

    blockSecondSubmit(form, true);
    var stored = fixId
      ? Outbox.get(fixId).then(function (item) {
          if (!item) return;
          if (item.type !== type) {
            // A person registered through the contact form: fix their details only.
            return Outbox.replace(fixId, read.nested.new_person || item.fields);
          }
          var patch = op === 'update' ? readForm(form, 'update').fields : fields;
          return Outbox.replace(fixId, item.op === 'update' ? Object.assign({}, item.fields, patch) : fields);
        })
      : mutations.reduce(function (p, m) { return p.then(function () { return Outbox.enqueue(m); }); }, Promise.resolve());

    return stored.then(function () {
      try { sessionStorage.setItem('fieldapp-saved', '1'); } catch (e) { /* private mode */ }
      notice('tpl-saved');
      if (!navigator.onLine) registerBackgroundSync();
      var flushing = requestFlush('save');
      var redirect = form.dataset.redirect ? fillTemplate(form.dataset.redirect, {record_id: recordId, person_id: personId}) : null;
      if (fixId) redirect = '/outbox';
      var wait = newPerson || !(navigator.serviceWorker && navigator.serviceWorker.controller)
        ? Promise.race([flushing, new Promise(function (r) { setTimeout(r, 5000); })])
        : Promise.resolve();
      return wait.then(function () {
        if (!newPerson) return redirect;
        // A person made on this phone has no page to show offline until the server has them.
        return Outbox.get(mutations[0].id).then(function (item) {
          return item && item.state === 'sent' && navigator.onLine ? redirect : '/caseload';
        });
      });
    }).then(function (target) {
      if (target) location.assign(target);
      else blockSecondSubmit(form, false);
      return target;
    }, function (error) {
      blockSecondSubmit(form, false);
      throw error;
    });
  }

  /** `?fix=<mutation id>`: fill the form from a rejected outbox item and show the server's errors. */
  function prepareFix() {
    var fixId = new URLSearchParams(location.search).get('fix');
    var form = document.querySelector('form[data-mutation-type]');
    if (!fixId || !form) return Promise.resolve();
    return Outbox.get(fixId).then(function (item) {
      if (!item) return;
      var fields = item.fields || {};
      var prefix = '';
      if (item.type !== form.dataset.mutationType) {
        // A person registered through the contact form: fill the "someone new" block.
        var someoneNew = form.querySelector('[name="person_id"][value="new"]');
        if (someoneNew) someoneNew.click();
        prefix = 'new_person.';
      }
      Object.keys(fields).forEach(function (key) {
        var name = prefix + key;
        var value = fields[name];
        var els = form.querySelectorAll('[name="' + name + '"]');
        if (!els.length) return;
        var text = value === true ? 'yes' : value === false ? 'no' : value == null ? '' : String(value);
        if (els[0].type === 'radio' || els[0].type === 'checkbox') {
          var found = false;
          els.forEach(function (el) { el.checked = el.value === text; found = found || el.checked; });
          if (!found && name === 'person_id') {
            // A person still on this phone: offer them as the choice.
            var input = els[0].cloneNode();
            input.id = 'person_id-fix';
            input.value = text;
            input.checked = true;
            var lab = document.createElement('label');
            lab.className = 'govuk-label govuk-radios__label';
            lab.htmlFor = input.id;
            lab.textContent = 'The person recorded with it';
            var wrap = document.createElement('div');
            wrap.className = 'govuk-radios__item';
            wrap.append(input, lab);
            els[0].closest('.govuk-radios').prepend(wrap);
          }
        } else if (els[0].tagName === 'SELECT' && !Array.prototype.some.call(els[0].options, function (o) { return o.value === text; })) {
          els[0].add(new Option(text, text, true, true));
        } else {
          els[0].value = text;
        }
      });
      if (item.state === 'rejected' && item.errors) {
        var summary = notice('tpl-form-errors', function (el) {
          var list = slot(el, 'list');
          Object.keys(item.errors).forEach(function (field) {
            var li = document.createElement('li');
            var target = form.querySelector('[name="' + prefix + field + '"]');
            var msg = [].concat(item.errors[field]).join(' ');
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
    });
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.matches('form[data-mutation-type]')) {
      event.preventDefault();
      event.stopPropagation();
      submitMutation(form).catch(function (e) { console.error('fieldapp: could not save', e); });
    } else if (form.matches('form[data-logout]')) {
      event.preventDefault();
      event.stopPropagation();
      logout(form);
    } else if (form.matches('form[data-login]')) {
      var field = form.querySelector('[data-device-id-field], input[name="device_id"]');
      if (field && !field.value) {
        event.preventDefault();
        Outbox.deviceId().then(function (id) { field.value = id; form.submit(); });
      }
    }
  }, true);

  document.addEventListener('input', function (event) {
    if (event.target && event.target.setCustomValidity) event.target.setCustomValidity('');
  });

  // ---- logout -------------------------------------------------------------------------------

  /** Flush first; refuse while this user's records are unsent; otherwise wipe, then sign out. */
  function logout(form) {
    blockSecondSubmit(form, true);
    var flushed = navigator.onLine ? Promise.race([
      requestFlush('logout'), new Promise(function (r) { setTimeout(r, 10000); })
    ]) : Promise.resolve();
    return flushed.then(function () { return Outbox.pendingCount(userId); }).then(function (n) {
      if (n > 0) {
        blockSecondSubmit(form, false);
        var el = notice('tpl-logout-refused', function (box) {
          slot(box, 'count').textContent = n === 1 ? '1 record' : n + ' records';
        });
        if (el) el.focus();
        return;
      }
      return Outbox.wipe().then(function () { form.submit(); });
    });
  }

  // ---- service worker -----------------------------------------------------------------------

  function offerUpdate(worker) {
    notice('tpl-update-ready', function (el) {
      el.querySelector('[data-action="update"]').addEventListener('click', function () {
        updateRequested = true;
        worker.postMessage({type: 'skip-waiting'});
      });
    });
  }

  function registerWorker() {
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.register('/sw.js', {scope: '/'}).then(function (reg) {
      if (reg.waiting && navigator.serviceWorker.controller) offerUpdate(reg.waiting);
      reg.addEventListener('updatefound', function () {
        var worker = reg.installing;
        if (!worker) return;
        worker.addEventListener('statechange', function () {
          if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
        });
      });
      // A wiped phone lost its shell cache: refill it while there is signal.
      if (navigator.onLine && reg.active) reg.active.postMessage({type: 'precache'});
    }).catch(function (e) { console.warn('fieldapp: no service worker', e); });
    var reloaded = false;
    navigator.serviceWorker.addEventListener('controllerchange', function () {
      // The first install claiming this page is not an update: only reload when one was asked for.
      if (!hadController || !updateRequested || reloaded) { hadController = true; return; }
      reloaded = true;
      location.reload();
    });
  }

  // ---- start --------------------------------------------------------------------------------

  function start() {
    registerWorker();
    showOfflineCopy();
    try {
      if (sessionStorage.getItem('fieldapp-saved')) {
        sessionStorage.removeItem('fieldapp-saved');
        notice('tpl-saved');
      }
    } catch (e) { /* private mode */ }

    var login = document.querySelector('form[data-login]');
    if (login) {
      var field = login.querySelector('[data-device-id-field], input[name="device_id"]');
      Outbox.deviceId().then(function (id) { if (field && !field.value) field.value = id; });
    }
    if (!userId) return;

    Outbox.persist();
    Outbox.setSession({userId: userId, deviceId: body.dataset.deviceId}).then(function () {
      return Promise.all([render(), prepareFix()]);
    }).then(function () { return flushNow('open'); });

    document.addEventListener('click', function (event) {
      var button = event.target.closest && event.target.closest('[data-action]');
      if (!button) return;
      var action = button.dataset.action;
      if (action === 'sync-now') {
        event.preventDefault();
        flushNow('sync-now');
      } else if (action === 'fix' && button.dataset.href) {
        location.assign(button.dataset.href);
      } else if (action === 'discard') {
        if (!button.dataset.confirming) {
          button.dataset.confirming = '1';
          button.textContent = button.dataset.confirmText || 'Yes, discard it';
          return;
        }
        var item = button.closest('[data-mutation-id]');
        if (item) Outbox.discard(item.dataset.mutationId);
      }
    });
    window.addEventListener('online', function () { render(); flushNow('online'); });
    window.addEventListener('offline', function () { render(); });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') flushNow('visible');
    });
    // An htmx request answered offline by the worker with the cached full page: swap only the
    // element the request targeted, taken from that page (htmx 4 reads ctx.select at swap time).
    document.addEventListener('htmx:after:request', function (event) {
      var ctx = event.detail && event.detail.ctx;
      var headers = ctx && ctx.response && ctx.response.headers;
      if (!headers || !headers.get('X-Fieldapp-Offline-Copy') || ctx.select) return;
      if (ctx.target && ctx.target.id) ctx.select = '#' + CSS.escape(ctx.target.id);
    });
    document.addEventListener('htmx:after:swap', render);
    document.addEventListener('htmx:afterSwap', render);
  }

  start();
})();
