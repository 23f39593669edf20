"""What stands in front of every page: who may open it, the person it is about, how it may be
cached, and the security headers. Flask only; the rules themselves are in fieldapp/rules/.

- Role guards: `role_required(*roles)` and the named guards built from it. A signed-in user with
  another role gets 403; a signed-out one is sent to sign in (JSON 401 under /api/).
- `audited_person_or_404(person_id)`: the person if the current user may see them, else 404. Every
  person-scoped page calls it, so it is where a view of the person is written to the audit trail
  (fieldapp/audit.py).
- `form_person_or_404(person_id)`: the same for a form about a person, where `on-phone` stands for
  someone registered on the phone and not yet on the server: a blank person the phone fills in.
- `CACHING`: the one table of caching policy, by blueprint. The service worker's lists of which
  pages it keeps come from the same table (web/shell.py).
- `password_change_gate`: after an administrator's reset, nothing opens but the change-password
  page until the user has chosen their own (a before-request hook).
- HTTPS (`https_in_use`, the HTTPS setting): the session cookie (`SessionCookies`) and HSTS.
"""

import functools
import time

from flask import (abort, current_app, g, has_request_context, jsonify, make_response, redirect,
                   request, url_for)
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_required

from .. import audit, devices, users
from ..db import get_db
from ..reads.person import ON_PHONE, for_phones, get_person, person_on_phone
from ..records.peer_session import PEER_ROLES
from ..rules import access


def role_required(*roles):
    """Allow only signed-in users with one of `roles`; others get 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# Forms that write casework: caseworkers only.
casework_required = role_required(*users.CASEWORK_ROLES)
# Pages that read people's records: caseworkers and partner agency workers (within consent).
reader_required = role_required(*users.READER_ROLES)
coordinator_required = role_required("coordinator")
peer_required = role_required(*PEER_ROLES)
admin_required = role_required("admin")


def audited_person_or_404(person_id):
    """The person if the current user may see them, else 404; records the view in the audit
    trail. A page the service worker says it fetched in the background is recorded too, as a
    `refresh` (counted apart from views): the server never trusts a header to skip the audit."""
    person = get_person(get_db(), current_user, person_id)
    if person is None:
        abort(404)
    if person["status"] == "closed" and (person["closed_at"] or "") < access.phone_cutoff(current_app.config):
        g.no_phone_copy = True  # off every phone (rules/retention.py): `headers` tells the worker
    action = "refresh" if audit.is_background_refresh(request.headers) else "view"
    audit.record_view(get_db(), current_user, person_id, request.path,
                      device_id=current_user.device_id, action=action)
    return person


def form_person_or_404(person_id):
    """The person a form is about, as `audited_person_or_404`; or, for `/people/on-phone/<form>`,
    a blank person: the phone keeps that page once per form and writes in the id and name of
    someone it registered offline, so every form works for them before the first sync. A form is
    a page phones keep: the details kept off phones are blanked (reads.person.for_phones)."""
    if person_id == ON_PHONE:
        return person_on_phone(get_db())
    return for_phones(current_app.config, audited_person_or_404(person_id))


# On a page about a person who is off phones (closed for PHONE_CLOSED_DAYS): keep no copy.
NO_PHONE_COPY_HEADER = "X-Fieldapp-No-Phone-Copy"


# What a user with a one-time password may still reach: the page to choose their own, signing in
# and out, and the app shell and static files, which hold nobody's records.
BEFORE_OWN_PASSWORD = {"account.password", "auth.login", "auth.logout", "static"}


def password_change_gate():
    """Until a user with a one-time password (an administrator's reset) has chosen their own,
    every other page sends them to choose it (an htmx partial by HX-Redirect, so no part of a
    casework page is swapped in) and the sync endpoint answers 403 `password_change_required`:
    whoever was handed the password cannot work as that user unseen. A before-request hook."""
    # The endpoint first: a static file's request need not load the user from the database.
    if request.endpoint in BEFORE_OWN_PASSWORD or request.blueprint == "shell":
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.path.startswith("/api/"):
        response = jsonify({"error": "password_change_required"})
        response.status_code = 403
        response.headers["Cache-Control"] = "no-store"
        return response
    target = url_for("account.password")
    if request.headers.get("HX-Request"):
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


# How each blueprint's pages may be cached:
# - "casework": kept for offline use by the service worker's own cache (which wipes at logout),
#   never by the browser's HTTP cache, where a page would outlive the session on disk, nor by a
#   shared one; the same URL may answer a full page or an htmx partial (Vary).
# - "online": built from the server's current picture or holding secrets: never stored anywhere.
# - None: the blueprint sets its own headers (the app shell, the JSON API) or has no policy.
CACHING = {
    "people": "casework",
    "contacts": "casework",
    "assessments": "casework",
    "peer": "casework",
    "safety": "casework",
    "risks": "casework",
    "concerns": "casework",
    "safeguarding": "online",
    "kept_off": "online",  # the details kept off phones: never stored anywhere
    "oncall": "online",
    "auth": "online",
    "admin": "online",
    "coordination": "online",
    "measures": "online",
    "barriers": "casework",
    "tally": "casework",
    "mdt": "casework",
    "directory": "casework",
    "services": "online",
    "forum": "online",
    "returns": "online",
    "account": "online",
    "api": None,
    "handover": "online",  # a lost phone's hand-over, its last page, the coordinator's list
    "shell": None,
    "health": "online",  # /healthz and /metrics: always fresh
}

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


HSTS = "max-age=31536000"  # a year: browsers come back over https only


def https_in_use(app) -> bool:
    """True if this request reached the app over HTTPS: the HTTPS setting, or with it None,
    the request's own scheme (behind a proxy, as the trusted proxy says)."""
    setting = app.config["HTTPS"]
    if setting is not None:
        return bool(setting)
    return has_request_context() and request.is_secure


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, Secure and `__Host-` prefixed over HTTPS.

    One rule decides both, per request, so a request reads the cookie under the name it writes
    it: over https `__Host-fieldapp_session` (Secure, Path=/, no Domain: no other site and no
    plain-http page can set or overwrite it), over plain http (localhost, the demo)
    `fieldapp_session`. A cookie planted over plain http is never the one an https request reads.
    """

    def get_cookie_secure(self, app):
        return https_in_use(app) or bool(app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_name(self, app):
        name = app.config["SESSION_COOKIE_NAME"]
        if self.get_cookie_secure(app) and not self.get_cookie_domain(app):
            return "__Host-" + name
        return name

    def save_session(self, app, session, response):
        """Send the cookie only when the session changed, or when its expiry was last pushed
        forward more than COOKIE_REFRESH_SECONDS ago (SESSION_REFRESH_EACH_REQUEST is off).

        Why: the cookie (about 430 bytes) went with every answer, sync answers included. The
        idle limit itself is the server's (devices.session_user, SESSION_DAYS since the session was
        last used), so the cookie need only outlive it: its lifetime is SESSION_DAYS plus one
        refresh interval (create_app), and a signed-in user's cookie is re-sent at most once per
        interval, stamped with the interval's number.

        And a static file's answer never varies with the cookie nor refreshes it (Flask says it
        varies whenever anything looked at the session, and flask-login looks on every request):
        a static file is the same for everyone, and the service worker, which fetches static files
        without cookies, takes the very answer the page got from the HTTP cache only if no
        `Vary: Cookie` tells the browser otherwise (fieldapp/web/assets.py)."""
        static = request.endpoint == "static"
        if not static and session.permanent and session:
            interval = int(time.time() // COOKIE_REFRESH_SECONDS)
            if session.get("_cookie_interval") != interval:
                # Marks the session modified: sent now (at sign-in, with the rest of it), then
                # not again until the next interval.
                session["_cookie_interval"] = interval
        super().save_session(app, session, response)
        if static:
            # Rewritten whole: a HeaderSet's discard does not write back to the header.
            kept = [value for value in response.vary if value.lower() != "cookie"]
            if kept:
                response.headers["Vary"] = ", ".join(kept)
            else:
                response.headers.pop("Vary", None)


# Whose page an HTML answer is (the user id): static/constants.js USER_HEADER.
USER_HEADER = "X-Fieldapp-User"

# How often a signed-in user's cookie is re-sent with a later expiry (SessionCookies).
COOKIE_REFRESH_SECONDS = 3600


def headers(response):
    """Security headers everywhere; caching by the CACHING table (an after_request hook)."""
    if https_in_use(current_app):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if g.get("no_phone_copy"):
        # The service worker keeps no copy of this page (static/sw.js `cacheableResponse`).
        response.headers[NO_PHONE_COPY_HEADER] = "1"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        if current_user.is_authenticated:
            # Whose page this is: a phone keeps it only among that worker's copies, never under
            # another's key on a shared phone (static/cached-pages.js `drawnFor`).
            response.headers[USER_HEADER] = str(current_user.id)
    policy = CACHING.get(request.blueprint)
    if policy == "casework":
        response.vary.add("HX-Request")
        response.headers["Cache-Control"] = "private, no-store"
    elif policy == "online":
        response.headers["Cache-Control"] = "no-store"
    return response
