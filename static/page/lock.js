/* fieldapp page: the PIN lock (when the deployment has it on: PHONE_LOCK).
 *
 * Two parts:
 * - `guard`, on every signed-in page (static/page/start.js, before anything else is shown): the
 *   page must get this worker's unlocked key (static/vault.js: from the service worker, in memory
 *   only); it does not once the idle time
 *   has passed, nor when this tab was opened afresh (the app reopened): then the lock screen
 *   (/lock?next=<here>). Until the guard has looked, `body.app-locking` keeps the content hidden.
 *   Each tap or key puts the idle lock off.
 * - the lock screen itself (templates/shell/lock.html, also what the service worker serves in place
 *   of a casework page while locked): choose a PIN (first use on this phone; needs signal, for the
 *   server's key of this device, /api/device-key), enter it (works with no signal; too many wrong
 *   tries drop the phone's copies of people, never its unsent records), or choose a new one after
 *   signing in again (forgotten, or wiped). Where the browser can (static/screen-lock.js), a PIN
 *   just chosen is followed by the offer of the phone's own screen lock ("Unlock with this
 *   phone's screen lock"), and the lock screen tries that first, once, the PIN form beside it.
 *   It also sends what a locked phone can (`keepSending`), and offers "I need help" with no PIN
 *   (`offerHelp`).
 * Classic script, last in the shared bundle (so the lock screen needs nothing else, and the
 * service worker, importing the bundle, skips it); needs FieldappOutbox, FieldappVault and
 * FieldappSealing.
 * Defines `Fieldapp.lock`.
 */
(function (ns) {
  'use strict';

  if (!ns) return;  // in the service worker, which imports the shared bundle this is part of
  var Outbox = window.FieldappOutbox;
  var Vault = window.FieldappVault;
  var Screen = window.FieldappScreenLock;
  var TAB_FLAG = 'fieldapp-unlocked';  // sessionStorage: this tab was unlocked, by this user

  function settingsOf(text) {
    try { return JSON.parse(text || 'null'); } catch (e) { return null; }
  }

  function markUnlocked(userId) {
    try { sessionStorage.setItem(TAB_FLAG, String(userId)); } catch (e) { /* private mode */ }
  }

  function tabUnlocked(userId) {
    try { return sessionStorage.getItem(TAB_FLAG) === String(userId); } catch (e) { return false; }
  }

  function showContent() { document.body.classList.remove('app-locking'); }

  /** On a signed-in page: resolves true when the phone is locked (and the lock screen is on its
   * way), false when the page may show. `written`: the page's session being written to the
   * outbox (static/page/start.js). The guard looks for the key meanwhile and shows an unlocked
   * page at once (waiting for that write made the lock cost a page opened offline 70–110 ms:
   * bench/phone_crypto.py); only the lock screen, which reads the session, waits for it. */
  function guard(written) {
    written = written || Promise.resolve();
    var body = document.body;
    var lock = settingsOf(body.dataset.lock);
    var userId = body.dataset.userId;
    // Signing in again (to replace a forgotten PIN) must stay open while locked.
    if (!lock || !userId || location.pathname === '/login') { showContent(); return Promise.resolve(false); }
    // A tab opened afresh (the app reopened) locks the phone: the key is forgotten everywhere.
    var fresh = !tabUnlocked(userId);
    var looking = fresh ? Vault.lock(userId).then(function () { return null; })
      : Vault.key(userId, lock.minutes * 60000);
    return looking.then(function (key) {
      if (!key) {
        return written.then(function () {
          location.replace('/lock?next=' + encodeURIComponent(location.pathname + location.search));
          return true;
        });
      }
      showContent();
      Vault.touch(userId, true);  // opening a page is using the app
      ['pointerdown', 'keydown'].forEach(function (type) {
        document.addEventListener(type, function () { Vault.touch(userId); }, {passive: true});
      });
      return false;
    }, function () { showContent(); return false; });
  }

  // ---- the lock screen ---------------------------------------------------------------------

  function el(selector) { return document.querySelector(selector); }

  function show(which) {
    document.querySelectorAll('[data-lock-form]').forEach(function (f) { f.hidden = f.dataset.lockForm !== which; });
    var first = el('[data-lock-form="' + which + '"] input');
    if (first) first.focus();
  }

  function say(message) {
    var box = el('[data-lock-error]');
    el('[data-lock-message]').textContent = message;
    box.hidden = !message;
    if (message) box.focus();
  }

  /** Why a PIN will not do, or '' if it will: digits only, long enough, not one digit repeated,
   * not a run up or down (123456, 987654). */
  function pinProblem(pin, minDigits) {
    if (!/^[0-9]+$/.test(pin)) return 'Enter digits only';
    if (pin.length < minDigits) return 'Enter at least ' + minDigits + ' digits';
    var same = true, up = true, down = true;
    for (var i = 1; i < pin.length; i += 1) {
      var d = pin.charCodeAt(i) - pin.charCodeAt(i - 1);
      same = same && d === 0;
      up = up && d === 1;
      down = down && d === -1;
    }
    if (same || up || down) return 'Choose a PIN that is not one digit repeated or digits in a row';
    return '';
  }

  /** Where to go once unlocked: the page asked for (the lock screen served in its place, or ?next=). */
  function target() {
    // The sign-in page, served by the service worker as this screen with no signal: the caseload.
    if (location.pathname === '/login') return '/caseload';
    if (location.pathname !== '/lock') return location.pathname + location.search;
    var next = new URLSearchParams(location.search).get('next') || '/caseload';
    return next.charAt(0) === '/' && next.charAt(1) !== '/' ? next : '/caseload';
  }

  var REGISTER_WAIT_MS = 4000;  // an unlock with poor signal does not wait longer than this

  /** Unlocked: make sure the server has this phone's signing key (static/sealing.js; only
   * possible soon after a password sign-in, so tried at each unlock until it is), then go on. */
  function done(userId) {
    markUnlocked(userId);
    var go = function () { location.replace(target()); };
    var late = new Promise(function (resolve) { setTimeout(resolve, REGISTER_WAIT_MS); });
    Outbox.session().then(function (s) {
      return Promise.race([window.FieldappSealing.register(userId, s && s.deviceId), late]);
    }).then(go, go);
  }

  /** The server's key for this phone, or null (no signal), or {signedOut} when the worker must
   * sign in with their password first (signed out, or signed in too long ago). */
  function serverKey() {
    return fetch('/api/device-key', {credentials: 'same-origin', cache: 'no-store'}).then(function (resp) {
      if (resp.status === 401 || resp.status === 403) return {signedOut: true};
      return resp.ok ? resp.json() : null;
    }).catch(function () { return null; });
  }

  /** Choosing a PIN: `reset` when a data key exists already (forgotten or wiped PIN). */
  function choose(userId, lock, reset) {
    return serverKey().then(function (answer) {
      if (answer && answer.signedOut) { show('signin'); return; }
      if (!answer) {
        show('signin');
        say('Choosing a PIN needs signal. Try again where there is signal.');
        return;
      }
      el('[data-lock-min]').textContent = lock.min_digits;
      if (reset) el('[data-lock-title]').textContent = 'Choose a new PIN for this phone';
      show('choose');
      el('[data-lock-form="choose"]').onsubmit = function (event) {
        event.preventDefault();
        var pin = el('#new-pin').value;
        var problem = pinProblem(pin, lock.min_digits);
        if (!problem && pin !== el('#repeat-pin').value) problem = 'The two PINs are not the same';
        if (problem) { say(problem); return; }
        say('');
        // `iterations`: the deployment's PIN_ITERATIONS (at least 600,000 outside tests).
        var saving = reset ? Vault.resetPin(userId, answer.key, pin, lock.iterations)
          : Vault.setup(userId, pin, answer.key, lock.iterations);
        saving.then(function (ok) {
          if (ok === false) { say('This phone cannot open your records with the server\'s key.'); return; }
          return offerScreenLock(userId, pin).then(function () { done(userId); });
        });
      };
    });
  }

  /** After a PIN is chosen: where the phone can, offer its own screen lock; resolves once the
   * worker has chosen (or at once, where it cannot or is set up already). */
  function offerScreenLock(userId, pin) {
    return Promise.all([Screen.available(), Screen.has(userId)]).then(function (v) {
      if (!v[0] || v[1]) return;
      show('offer');
      return new Promise(function (resolve) {
        el('[data-lock-action="not-now"]').onclick = function () { resolve(); };
        el('[data-lock-action="use-screen"]').onclick = function (event) {
          event.target.disabled = true;
          Screen.add(userId, pin).then(function (ok) {
            event.target.disabled = false;
            if (ok) { resolve(); return; }
            say('This phone\'s screen lock could not be set up. Your PIN works.');
          });
        };
      });
    });
  }

  /** The screen lock, where chosen: tried once when the lock screen opens and again by its
   * button; a failure (cancelled, the credential gone) leaves the PIN form, which always works. */
  function screenUnlock(userId) {
    return Promise.all([Screen.available(), Screen.has(userId)]).then(function (v) {
      var place = el('[data-lock-screen]');
      if (!v[0] || !v[1]) { place.hidden = true; return; }
      place.hidden = false;
      var button = el('[data-lock-action="screen"]');
      var attempt = function () {
        if (button.disabled) return Promise.resolve();
        button.disabled = true;
        return Screen.unlock(userId).then(function (result) {
          button.disabled = false;
          if (result.ok) { done(userId); return; }
          say('This phone\'s screen lock did not unlock fieldapp. Enter your PIN.');
        });
      };
      button.onclick = function (event) { event.preventDefault(); attempt(); };
      return attempt();
    });
  }

  /** What a wrong PIN is told (`result` from FieldappVault.unlock). */
  function wrongPin(result) {
    if (result.wiped) {
      return 'Too many wrong PINs. This phone no longer holds your caseload; records not sent yet are kept. Sign in to choose a new PIN.';
    }
    return 'Wrong PIN. ' + (result.left === 1 ? '1 try left' : result.left + ' tries left') +
      ' before this phone drops its copy of your caseload.';
  }

  function unlockForm(userId, lock) {
    show('unlock');
    screenUnlock(userId);
    el('[data-lock-form="unlock"]').onsubmit = function (event) {
      event.preventDefault();
      var input = el('#pin');
      var button = el('[data-lock-form="unlock"] button');
      if (button.disabled) return;  // one try at a time: each is counted
      var pin = input.value;
      input.value = '';
      button.disabled = true;
      Vault.unlock(userId, pin, lock.attempts, Outbox.dropCopies).then(function (result) {
        button.disabled = false;
        if (result.ok) { done(userId); return; }
        say(wrongPin(result));
        if (result.wiped) { show('signin'); return; }
        input.focus();
      });
    };
    el('[data-lock-action="forgot"]').onclick = function (event) {
      event.preventDefault();
      choose(userId, lock, true);
    };
  }

  // ---- sending while locked ----------------------------------------------------------------
  // A locked phone may sit on this screen for hours, and Safari has no Background Sync: so the
  // lock screen itself sends what may go while locked (what was sealed for the server when it was
  // saved, and what a lone worker sends with no PIN: static/at-rest.js `plainWhileLocked`) when it
  // opens, when signal returns, when it is shown again and, after a failed try, on the backoff.
  // Sending is also how a lost phone, locked, learns it was revoked: it hands over and wipes.

  var sendTimer = null;
  var sendFailures = 0;

  function send(reason) {
    clearTimeout(sendTimer);
    return Outbox.flush({reason: reason}).then(function (result) {
      sendFailures = result.ok ? 0 : sendFailures + 1;
      if (!result.ok && result.waiting && !result.loginNeeded && !result.revoked && !result.wiped) {
        sendTimer = setTimeout(function () { send('lock-timer'); }, window.FieldappSend.backoff(sendFailures));
      }
      return result;
    });
  }

  function keepSending() {
    window.addEventListener('online', function () { sendFailures = 0; send('online'); });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') send('visible');
    });
    return send('lock-screen');
  }

  /** "I need help" on the lock screen: a call for help with no visit (a `visit` of kind "help",
   * as on the lone-working page), kept and sent plain, so a worker in danger never types a PIN;
   * the screen then says whether the server has it, as the lone-working page does. */
  function offerHelp(lock) {
    var box = el('[data-lock-help]');
    if (!box || !lock.help) return;
    box.hidden = false;
    var button = el('[data-lock-action="help"]');
    var said = el('[data-lock-help-said]');
    button.onclick = function () {
      if (button.disabled) return;
      button.disabled = true;
      Outbox.enqueue({type: 'visit', op: 'create', fields: {kind: 'help'}, label: 'I need help', form_url: '/safety'})
        .then(function (item) {
          return send('help').then(function () { return Outbox.get(item.id); });
        }).then(function (item) {
          var received = !!item && item.state === 'sent';
          var title = document.createElement('p');
          title.className = 'govuk-body-l govuk-!-font-weight-bold';
          title.textContent = received ? 'The server has your call for help.' : 'Your call for help has NOT reached the server. Call 999 now.';
          var more = document.createElement('p');
          more.className = 'govuk-body';
          more.textContent = received
            ? 'Your buddy, whoever is on call and the area\'s coordinators are being alerted. If you are in danger, call 999 now: nobody may see the alert straight away.'
            : 'There is no signal, or the server did not answer. It is kept on this phone and will be sent the moment there is signal, but nobody knows yet.';
          said.replaceChildren(title, more);
          said.focus();
        }, function () {
          said.textContent = 'Your call for help could not be saved on this phone. Call 999 now.';
          said.focus();
        }).then(function () { button.disabled = false; });
    };
  }

  /** Whether the screen asks who is signing in (static/page/phone-sign-in.js) rather than for
   * this worker's PIN: asked for ("Not you?", `?sign-in`), the sign-in page opened with no signal
   * (the service worker serves this screen for it), or nobody signed in on a phone someone has
   * a PIN on (the last worker signed out). */
  function signingIn(userId) {
    if (!ns.phoneSignIn) return Promise.resolve(false);  // its script not on the phone yet
    if (location.pathname === '/login' || new URLSearchParams(location.search).has('sign-in')) return Promise.resolve(true);
    return userId ? Promise.resolve(false) : window.FieldappSharedPhone.anyoneHere();
  }

  /** The lock screen: which form to show. */
  function startLockScreen() {
    return Promise.all([Outbox.session(), Outbox.getMeta('lock')]).then(function (v) {
      var userId = v[0] && v[0].userId;
      var lock = v[1];
      return signingIn(userId).then(function (yes) {
        if (yes) return ns.phoneSignIn.start({show: show, say: say, done: done, wrongPin: wrongPin});
        return lockScreenFor(userId, lock);
      });
    });
  }

  /** This worker's lock screen: unlock, or choose a PIN (first use here, or after a wipe). */
  function lockScreenFor(userId, lock) {
    if (!userId) { show('signin'); return; }
    if (!lock) { done(userId); return; }
    offerHelp(lock);
    keepSending();
    return Promise.all([Vault.hasPin(userId), Vault.hasKeys(userId)]).then(function (has) {
      if (has[0]) return unlockForm(userId, lock);
      return choose(userId, lock, has[1]);
    });
  }

  ns.lock = {guard: guard, pinProblem: pinProblem};
  if (document.querySelector('meta[name="fieldapp-lock"]')) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', startLockScreen);
    else startLockScreen();
  }
})(typeof window !== 'undefined' ? (window.Fieldapp = window.Fieldapp || {}) : null);
