"""Logging in and out: flask-login over server-side sessions.

The Flask session cookie holds only the login session token; every request looks the token up
(`users.session_user`), so logout, deactivation and a revoked phone take effect at once.
"""

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_user, logout_user

from .. import users
from ..db import get_db
from ..extensions import limiter, login_manager

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue"
# Phones change networks all day: do not tie a session to an IP address.
login_manager.session_protection = None


@login_manager.user_loader
def _load_user(token):
    return users.session_user(get_db(), token, current_app.config["SESSION_DAYS"])


@login_manager.unauthorized_handler
def _unauthorized():
    # The phone's sync call needs JSON it can act on (keep the outbox, ask to sign in again).
    if request.path.startswith("/api/"):
        return jsonify({"error": "login_required"}), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def home_endpoint(user):
    """Where a user starts: admins at their users, everyone else at the caseload."""
    return "admin.users" if user["role"] == "admin" else "people.caseload"


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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """The sign-in form. The phone script fills the hidden device_id before it is sent."""
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        db = get_db()
        user = users.verify_login(db, username, request.form.get("password", ""))
        if user is None:
            error = "Enter a correct username and password"
        else:
            token = users.start_session(
                db, user["id"], request.form.get("device_id", ""), request.headers.get("User-Agent")
            )
            session.clear()
            session.permanent = True
            login_user(users.User(user, users.session_device_id(db, token), token))
            if user["must_change_password"]:
                # An administrator's reset: the password worked once; choose your own first.
                return redirect(url_for("account.password"))
            return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
    return render_template("auth/login.html", error=error, username=username)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the server-side session. The phone's logout script (static/page/logout.js) sends this
    form only once the outbox is empty: it flushes first and refuses while records wait."""
    if current_user.is_authenticated:
        users.end_session(get_db(), current_user.token)
    logout_user()
    session.clear()
    flash("You have signed out")
    response = redirect(url_for("auth.login"))
    # The browser's HTTP cache only: storage (IndexedDB, the service worker's caches) is the
    # phone script's to wipe, after it has made sure no one's unsent record is in it.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response
