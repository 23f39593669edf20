/* fieldapp page status: what the worker sees of the outbox. The shared page helpers (templates,
 * notices, times), the outbox lists (`[data-outbox-list]`) and their "Fix" and "Discard" buttons,
 * the people registered on this phone on the caseload, and the sync status line
 * (`[data-sync-status]`, the header's link to the outbox, and `[data-sync-progress]` on the
 * outbox page): what waits, counted as records ("2 contacts, 1 new person", `whatWaits`), how far
 * a long send has got, and when a failed one is tried again.
 * Classic script, page only; needs FieldappOutbox and FieldappDates. Defines `FieldappPage`; static/page/start.js
 * starts it. The words come from the <template> elements in templates/_outbox.html.
 */
(function () {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var userId = document.body.dataset.userId || null;
  var progress = null;  // {done, total} while a flush with several records runs
  var retry = null;     // {at: Date, failure} after a failed attempt, until the next one succeeds

  // ---- templates and notices ----------------------------------------------------------------

  function clone(id) {
    var t = document.getElementById(id);
    return t && t.content.firstElementChild ? t.content.firstElementChild.cloneNode(true) : null;
  }

  function templateEntry(id, attr, key) {
    var t = document.getElementById(id);
    return t && t.content.querySelector('[' + attr + '="' + key + '"]');
  }

  function slot(root, name) { return root.querySelector('[data-slot="' + name + '"]'); }

  /** Show a notice at the top of the main content, replacing one of the same kind. */
  function notice(id, fill) {
    var el = clone(id);
    if (!el) return null;
    if (fill) fill(el);
    var kind = el.getAttribute('data-notice');
    var main = document.querySelector('main') || document.body;
    var old = kind && main.querySelector('[data-notice="' + kind + '"]');
    if (old) old.replaceWith(el); else main.insertBefore(el, main.firstChild);
    return el;
  }

  // ---- time ---------------------------------------------------------------------------------

  /** A moment as the phone shows it: "today 09:15", "yesterday 23:10", "30 Nov 2026, 11:00"
   * (static/dates.js, the same rules as the pages' dates). */
  function clock(date, seconds) {
    return window.FieldappDates.when(date, seconds);
  }

  function age(date) {
    var minutes = Math.round((Date.now() - date.getTime()) / 60000);
    if (minutes < 1) return 'just now';
    if (minutes < 60) return minutes + (minutes === 1 ? ' minute ago' : ' minutes ago');
    var hours = Math.round(minutes / 60);
    if (hours < 48) return hours + (hours === 1 ? ' hour ago' : ' hours ago');
    return Math.round(hours / 24) + ' days ago';
  }

  // ---- the outbox on the page ---------------------------------------------------------------

  function stateInfo(state) {
    var el = templateEntry('tpl-outbox-states', 'data-state', state);
    return el ? {tag: el.dataset.tag, tagClass: el.dataset.tagClass, label: el.dataset.label, message: el.textContent}
      : {tag: state, message: state};
  }

  /** Why an attempt failed, in the worker's words. */
  function failureText(failure) {
    var el = templateEntry('tpl-send-failures', 'data-failure', failure || 'network');
    return el ? el.textContent : String(failure);
  }

  /** Where "Fix" leads: the form the record came from, or, for a contact about someone this phone
   * does not know (made elsewhere, or since discarded), the contact form where anyone can be chosen. */
  function formUrlFor(item, knownPeople) {
    if (item.type === 'contact') {
      var pid = item.fields && item.fields.person_id;
      if (!pid || !knownPeople[pid]) return '/contacts/new';
      return item.form_url || '/people/' + pid + '/contacts/new';
    }
    if (item.form_url) return item.form_url;
    if (item.type === 'person' && item.op === 'update') return '/people/' + item.record_id + '/edit';
    return '/contacts/new';
  }

  // ---- what is waiting, counted as a worker counts it ---------------------------------------

  /** What `items` are, in the worker's words ("2 contacts, 1 new person"): one per record, not
   * per change sent (a person registered and then edited is one new person; a Star draft saved
   * twice is one assessment), most first. The words are `tpl-record-kinds`'s. */
  function whatWaits(items) {
    var created = {};
    items.forEach(function (i) { if (i.type === 'person' && i.op === 'create') created[i.record_id] = true; });
    var seen = {};
    var counts = {};
    items.forEach(function (i) {
      var key = i.type + ' ' + i.record_id;
      if (seen[key]) return;
      seen[key] = true;
      var kind = i.type === 'person' ? (created[i.record_id] ? 'person-new' : 'person') : i.type;
      if (!templateEntry('tpl-record-kinds', 'data-kind', kind)) kind = 'record';
      counts[kind] = (counts[kind] || 0) + 1;
    });
    var t = document.getElementById('tpl-record-kinds');
    var order = t ? Array.prototype.map.call(t.content.querySelectorAll('[data-kind]'), function (el) {
      return el.dataset.kind;
    }) : [];
    return Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || order.indexOf(a) - order.indexOf(b);
    }).map(function (kind) {
      var el = templateEntry('tpl-record-kinds', 'data-kind', kind);
      if (!el) return counts[kind] + ' ' + kind;
      return counts[kind] === 1 ? el.textContent : el.dataset.many.split('{n}').join(counts[kind]);
    }).join(', ');
  }

  /** Where an item's person is read: their page, or, for someone registered on this phone and
   * not sent yet, their page on the phone (static/page/pending-person.js). Null for none. */
  function personUrl(item, onPhone) {
    var pid = item.type === 'person' ? item.record_id : item.person_id;
    if (!pid) return null;
    return onPhone[pid] ? '/outbox?person=' + encodeURIComponent(pid) : '/people/' + encodeURIComponent(pid);
  }

  function renderItem(item, knownPeople, onPhone) {
    var el = clone('tpl-outbox-item');
    var mine = item.user_id === userId;
    var state = mine ? item.state : (item.state === 'sent' ? 'sent' : 'other-user');
    var failed = mine && state === 'waiting' && item.last_error;
    var info = stateInfo(failed ? 'waiting-failed' : state);
    el.dataset.state = state;
    el.dataset.mutationId = item.id;
    // Another worker's record on a shared phone: never show what it is about.
    var label = slot(el, 'label');
    label.textContent = mine ? (item.label || item.type) : (info.label || '');
    // Tappable: the record's person, on the server or only on this phone (never another's).
    var href = mine && onPhone && personUrl(item, onPhone);
    if (href) {
      var a = document.createElement('a');
      a.className = 'govuk-link';
      a.href = href;
      a.textContent = label.textContent;
      label.replaceChildren(a);
    }
    var tag = slot(el, 'state');
    tag.textContent = info.tag;
    if (info.tagClass) tag.classList.add(info.tagClass);
    var rec = slot(el, 'recorded');
    var when = new Date(item.recorded_at);
    rec.textContent = isNaN(when) ? item.recorded_at : clock(when);
    rec.setAttribute('datetime', item.recorded_at);
    var text = info.message.replace('{message}', item.message || '');
    if (failed) {
      var at = new Date(item.last_attempt_at);
      text = text.replace('{time}', isNaN(at) ? '' : clock(at, true)).replace('{why}', failureText(item.last_error));
    }
    if (state === 'sent' && item.message) text += ': ' + item.message;
    slot(el, 'message').textContent = text;
    var actions = slot(el, 'actions');
    // A Star draft still on this phone can be resumed (and finished) offline, in the same form.
    var draft = mine && item.type === 'assessment' && item.fields && item.fields.status === 'draft' &&
      (state === 'waiting' || state === 'deferred');
    if (state !== 'rejected' && !draft) {
      if (actions) actions.remove();
    } else {
      var url = formUrlFor(item, knownPeople);
      var fix = el.querySelector('[data-action="fix"]');
      fix.dataset.href = url + (url.indexOf('?') === -1 ? '?' : '&') + 'fix=' + encodeURIComponent(item.id);
      if (draft) fix.textContent = 'Resume';
    }
    return el;
  }

  function renderLists() {
    var lists = document.querySelectorAll('[data-outbox-list]');
    var caseload = document.querySelector('#caseload-list');
    if (!lists.length && !caseload) return Promise.resolve();
    return Promise.all([Outbox.list(), lists.length ? Outbox.records() : []]).then(function (v) {
      var items = v[0];
      var knownPeople = {};
      v[1].forEach(function (r) { if (r.type === 'person' && !r.deleted) knownPeople[r.record_id] = true; });
      var onPhone = {};
      items.forEach(function (i) {
        if (i.type !== 'person' || i.op !== 'create') return;
        knownPeople[i.record_id] = true;
        if (i.state !== 'sent') onPhone[i.record_id] = true;
      });
      renderCaseloadWaiting(items);
      lists.forEach(function (list) {
        var personId = list.dataset.personId;
        var shown = items.filter(function (i) {
          if (personId && i.person_id !== personId) return false;
          if (i.type === 'view') return false;  // an audit record of reading a page offline
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
        ul.replaceChildren.apply(ul, shown.map(function (i) { return renderItem(i, knownPeople, onPhone); }));
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
      // Their page on this phone until the server has them (static/page/pending-person.js).
      slot(el, 'label').href = '/outbox?person=' + encodeURIComponent(item.record_id);
      slot(el, 'state').textContent = info.tag;
      // What waits about them, counted as everywhere else ("1 contact, 1 new person").
      var about = items.filter(function (i) {
        return i.user_id === userId && i.state !== 'sent' && i.type !== 'view' &&
          (i.person_id === item.record_id || (i.type === 'person' && i.record_id === item.record_id));
      });
      slot(el, 'message').textContent = el.dataset.what
        ? el.dataset.what.split('{what}').join(whatWaits(about))
        : info.message.replace('{message}', item.message || '');
      ul.prepend(el);
    });
  }

  function statusText(key, values) {
    var el = templateEntry('tpl-sync-status', 'data-status', key);
    var text = el ? el.textContent : key;
    Object.keys(values || {}).forEach(function (k) { text = text.split('{' + k + '}').join(values[k]); });
    return text;
  }

  /** How many records `items` are (one per record, as `whatWaits` counts). */
  function whatCount(items) {
    var seen = {};
    items.forEach(function (i) { seen[i.type + ' ' + i.record_id] = true; });
    return Object.keys(seen).length;
  }

  /** The status line: offline, sending (with progress), waiting (with the next retry), all sent. */
  function renderStatus() {
    var targets = document.querySelectorAll('[data-sync-status], [data-sync-progress]');
    if (!targets.length || !userId) return Promise.resolve();
    return Outbox.list().then(function (items) {
      var mine = items.filter(function (i) { return i.user_id === userId && i.type !== 'view'; });
      var waiting = mine.filter(function (i) { return Outbox.UNSENT.indexOf(i.state) !== -1; });
      var stuck = mine.filter(function (i) { return i.state === 'rejected'; });
      var unsent = waiting.length;
      var attention = whatCount(stuck);
      var text;
      if (!navigator.onLine) {
        text = unsent + attention ? statusText('offline', {what: whatWaits(waiting.concat(stuck))}) : statusText('offline-none');
      } else if (progress && progress.total > 1 && progress.done < progress.total) {
        text = statusText('progress', {done: progress.done, total: progress.total});
      } else if (unsent) {
        text = statusText('waiting', {what: whatWaits(waiting)});
        if (retry) text += '. ' + statusText('retry', {why: failureText(retry.failure), time: clock(retry.at, true)});
      } else if (!attention) {
        text = statusText('all-sent');
      }
      if (attention && navigator.onLine) text = (text ? text + '. ' : '') + statusText('attention', {n: attention});
      targets.forEach(function (t) {
        t.textContent = text;
        if (t.hasAttribute('data-sync-progress')) t.hidden = !text;
      });
      return unsent;
    });
  }

  /** A click on an outbox item's "Fix" (open the form it came from, filled in) or "Discard"
   * (the first click asks to confirm, the second throws the record away). */
  function itemAction(button) {
    var action = button.dataset.action;
    if (action === 'fix' && button.dataset.href) {
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
  }

  var rendering = null;
  var again = false;

  /** Render lists and status; calls while one runs coalesce into one more (a long send emits many
   * events, and the outbox page may list hundreds of records). */
  function render() {
    if (rendering) { again = true; return rendering; }
    rendering = Promise.all([renderLists(), renderStatus()]).catch(function () {}).then(function () {
      rendering = null;
      if (again) { again = false; return render(); }
    });
    return rendering;
  }

  window.FieldappPage = {
    userId: userId,
    clone: clone,
    slot: slot,
    notice: notice,
    clock: clock,
    age: age,
    whatWaits: whatWaits,
    stateInfo: stateInfo,
    render: render,
    itemAction: itemAction,
    /** A flush's progress ({done, total}), or null when it has finished. */
    setProgress: function (p) { progress = p; render(); },
    /** When the next attempt after a failure is due ({at, failure}), or null. */
    setRetry: function (r) { retry = r; render(); }
  };
})();
