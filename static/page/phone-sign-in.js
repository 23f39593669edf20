/* fieldapp page: "Sign in on this phone", on the lock screen (templates/shell/lock.html), for a
 * phone workers share: whoever has used fieldapp on this phone before signs in with their username
 * and their own PIN, with no signal too. The PIN opens only their own keys (static/vault.js), the
 * phone takes back their copies and sets the last worker's aside, sealed (static/shared-phone.js
 * `change`), after ending that worker's session on the server when it can (`signInHere`). A worker new
 * to the phone, or one whose PIN was wiped, signs in with their password (which needs signal).
 * Shown after a sign-out, after "Not you?" (`/lock?sign-in`) and for the sign-in page opened with
 * no signal (static/sw.js serves this screen for it); static/page/lock.js starts it, with the lock
 * screen's own `show`, `say`, `done` and `wrongPin`.
 * Classic script, the lock screen only (as bundle/phone-sign-in.js), after bundle/shared.js;
 * precached once the first page has shown (fieldapp/web/shell.py PRECACHED_LATER). Defines `Fieldapp.phoneSignIn`.
 */
(function (ns) {
  'use strict';

  var Outbox = window.FieldappOutbox;
  var Vault = window.FieldappVault;
  var Shared = window.FieldappSharedPhone;
  var NOT_HERE = 'This phone has no PIN for that username. The first time you use fieldapp on a phone, ' +
    'sign in with your password: that needs signal.';
  var WIPED = 'Too many wrong PINs were typed for you on this phone. Sign in with your password to choose a new PIN.';

  var HAND_ON_FLUSH_MS = 5000;  // what the last worker sealed for the server: sent first if it can

  function el(selector) { return document.querySelector(selector); }

  /** What `userId` set aside on this phone (their device id, their lock settings), or null. */
  function awayOf(userId) {
    return Outbox.getMeta('away').then(function (away) { return (away && away[String(userId)]) || null; });
  }

  /** Drop `userId`'s set-aside copies (too many wrong PINs typed for them here): their unsent
   * records stay, sealed, as after the same at an ordinary unlock. */
  function dropAway(userId) {
    return Outbox.transaction(['meta'], function (t) {
      var meta = t.objectStore('meta');
      return meta.get('away').then(function (away) {
        var mine = away && away[String(userId)];
        if (!mine) return null;
        mine.records = [];
        Shared.RESET.forEach(function (k) { delete mine[k]; });
        return meta.put(away, 'away');
      });
    }).then(function () { return caches.delete(Shared.awayCache(userId)); });
  }

  /** The user id whose keys on this phone belong to `username`, or null. */
  function findLogin(username) {
    return Promise.all([Shared.loginDigest(username), Vault.users()]).then(function (v) {
      return Promise.all(v[1].map(function (u) { return Vault.keysOf(u); })).then(function (entries) {
        var hit = entries.filter(function (k) { return k && k.login === v[0]; })[0];
        return hit ? String(hit.user_id) : null;
      });
    });
  }

  /**
   * `userId` has just unlocked their keys with their PIN: the phone becomes theirs (their copies
   * back, the last worker's set aside), after what the last worker sealed for the server has gone
   * if it can and their session is ended on the server (owed, with no signal), so a session of
   * theirs is never used for the next. Resolves when done.
   */
  function signInHere(userId) {
    var me = String(userId);
    return Promise.all([Outbox.session(), awayOf(me), Vault.keysOf(me)]).then(function (v) {
      var current = v[0];
      var leaving = current.userId && current.userId !== me ? current.deviceId : null;
      var device = (v[1] && v[1].device_id) || (v[2] && v[2].signing_device) || null;
      var sending = leaving && navigator.onLine !== false
        ? Promise.race([Outbox.flush({reason: 'hand-on'}), new Promise(function (r) { setTimeout(r, HAND_ON_FLUSH_MS); })])
        : Promise.resolve();
      return sending.then(function () {
        return leaving ? Shared.oweSignOut(leaving).then(Shared.settleSignOuts) : null;
      }).then(function () {
        return Outbox.setSession({userId: me, deviceId: device});
      });
    });
  }

  /** Try `username` and `pin`: their keys opened, the phone is theirs and shows their caseload. */
  function attempt(screen, username, pin) {
    return findLogin(username).then(function (userId) {
      if (!userId) { screen.say(NOT_HERE); return; }
      return Promise.all([Outbox.session(), Outbox.getMeta('lock'), awayOf(userId), Vault.hasPin(userId)])
        .then(function (v) {
          if (!v[3]) { screen.say(WIPED); return; }
          var lock = (v[2] && v[2].lock) || v[1];
          // Too many wrong PINs drop this worker's copies only: set aside, or on show.
          var onWipe = v[0].userId === userId ? Outbox.dropCopies : function () { return dropAway(userId); };
          return Vault.unlock(userId, pin, lock ? lock.attempts : 5, onWipe).then(function (result) {
            if (!result.ok) {
              screen.say(result.wiped ? WIPED : screen.wrongPin(result));
              el('#phone-pin').focus();
              return;
            }
            return signInHere(userId).then(function () { screen.done(userId); });
          });
        });
    });
  }

  /** Show the form and take its submits, one at a time (each wrong PIN counts). */
  function start(screen) {
    screen.show('phone-sign-in');
    var form = el('[data-lock-form="phone-sign-in"]');
    var button = form.querySelector('button[type="submit"]');
    form.onsubmit = function (event) {
      event.preventDefault();
      if (button.disabled) return;
      var username = el('#phone-username').value.trim();
      var pin = el('#phone-pin').value;
      if (!username || !pin) { screen.say(username ? 'Enter your PIN' : 'Enter your username'); return; }
      el('#phone-pin').value = '';
      screen.say('');
      button.disabled = true;
      attempt(screen, username, pin).catch(function (e) {
        screen.say('This phone could not open your records. Sign in with your password.');
      }).then(function () { button.disabled = false; });
    };
  }

  ns.phoneSignIn = {start: start};
})(window.Fieldapp = window.Fieldapp || {});
