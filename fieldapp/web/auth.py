"""Logging in and out: flask-login over server-side sessions.

The Flask session cookie holds only the login session token; every request looks the token up
(`devices.session_user`), so logout, deactivation and a revoked phone take effect at once.

Sign-in is throttled three ways: flask-limiter per address (RATELIMIT_LOGIN) and per username as
typed (RATELIMIT_LOGIN_ACCOUNT), and a lock per account after repeated wrong passwords
(rules/logins.py). The user's own phone, a known and unrevoked device id in the form, is held back
by none of them with the right password, so a guesser behind the same proxy, or guessing at that
account, does not shut the worker out. No answer tells whether a username exists.
"""

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from .. import devices, users
from ..db import get_db
from ..extensions import limiter, login_manager
from ..rules import logins

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue"
# Phones change networks all day: do not tie a session to an IP address.
login_manager.session_protection = None


@login_manager.user_loader
def _load_user(token):
    config = current_app.config
    return devices.session_user(get_db(), token, config["SESSION_DAYS"], config["SESSION_MAX_DAYS"])


@login_manager.unauthorized_handler
def _unauthorized():
    # The phone's sync call needs JSON it can act on (keep the outbox, ask to sign in again).
    if request.path.startswith("/api/"):
        return jsonify({"error": "login_required"}), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def home_endpoint(role):
    """Where a user of `role` starts: admins at their users, everyone else at the caseload."""
    return "admin.users" if role == "admin" else "people.caseload"


def _safe_next(target):
    """`target` if it is a path on this site, else None. Parsed, not pattern-matched: browsers
    drop tabs and newlines and read a backslash as a slash, so "/\t/evil.example" means another
    host; anything with a control character, a space or a backslash is refused outright."""
    if not target or any(ord(c) < 32 or c.isspace() or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return target


WRONG = "Enter a correct username and password"
LOCKED = ("Too many failed attempts to sign in with this username. Try again in {minutes} "
          "minutes, or sign in on a phone you have signed in on before.")


def _account_key():
    """flask-limiter's key for the per-account limit: the username as typed."""
    return "login-account:" + logins.account_key(request.form.get("username"))


def _from_a_known_phone():
    """True if the form comes from a phone the named user has signed in on and that is not
    revoked (flask-limiter's exemption; the password is still checked, and the lock still holds
    a wrong one)."""
    user = users.get_user_by_username(get_db(), request.form.get("username", "").strip())
    return bool(user) and devices.is_known_device(get_db(), user["id"], request.form.get("device_id"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
               exempt_when=_from_a_known_phone)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"], methods=["POST"],
               key_func=_account_key, exempt_when=_from_a_known_phone)
def login():
    """The sign-in form. The phone script fills the hidden device_id before it is sent."""
    error = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        device_id = request.form.get("device_id", "")
        db = get_db()
        # Checked first, whatever the lock: every answer costs one hash, so timing tells nothing.
        user = users.verify_login(db, username, request.form.get("password", ""))
        held = logins.is_locked(db, username) and not (
            user is not None and devices.is_known_device(db, user["id"], device_id))
        if not held and user is None:
            held = logins.record_failure(db, current_app.config, username,
                                         address=request.remote_addr)
            error = WRONG
        if held:
            error, status = LOCKED.format(minutes=current_app.config["LOGIN_LOCK_MINUTES"]), 429
        elif user is not None:
            logins.record_success(db, username)
            token = devices.start_session(db, user["id"], device_id, request.headers.get("User-Agent"))
            session.clear()
            session.permanent = True
            login_user(users.User(user, devices.session_device_id(db, token), token))
            # flask-login's identifier of the address and browser (128 hex digits) serves only its
            # session protection, which is off here (phones change networks): it need not ride
            # on every request in the cookie.
            session.pop("_id", None)
            # The CSRF token goes into the new session now, not with the first page drawn after:
            # requests in flight around sign-in could otherwise put an older session back.
            generate_csrf()
            if user["must_change_password"]:
                # An administrator's reset: the password worked once; choose your own first.
                return redirect(url_for("account.password"))
            return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(user["role"])))
    return render_template("auth/login.html", error=error, username=username), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the server-side session. The phone's logout script (static/page/logout.js) sends this
    form only once the outbox is empty: it flushes first and refuses while records wait."""
    if current_user.is_authenticated:
        devices.end_session(get_db(), current_user.token)
    logout_user()
    session.clear()
    flash("You have signed out")
    # No Clear-Site-Data: casework pages are never in the browser's HTTP cache (no-store), the
    # phone script wipes storage once no record waits, and Chromium can hold a navigation for many
    # seconds while it clears a cache.
    return redirect(url_for("auth.login"))
