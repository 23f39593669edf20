"""fieldapp: an offline-capable, mobile-first Flask app for outreach and trusted-person casework."""

import os
import re
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import Flask, request, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from . import accounts
from . import config as default_config
from . import db
from .extensions import csrf, limiter, login_manager

REPO = Path(__file__).resolve().parent.parent

# Blueprints whose pages hold casework: cacheable per user by the service worker, never shared.
CASEWORK_BLUEPRINTS = {"people", "contacts", "assessments"}
# Online-only pages: never stored by any cache.
NO_STORE_BLUEPRINTS = {"auth", "admin"}

CSP = "; ".join(
    [
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
    ]
)


def _secret_key(instance):
    """The instance's secret key, made on first run (never a fixed development key)."""
    path = Path(instance) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(test_config=None):
    """Build the app: defaults, then instance/config.py or `test_config`, then blueprints."""
    test_config = dict(test_config or {})
    instance = Path(
        test_config.get("INSTANCE") or os.environ.get("FIELDAPP_INSTANCE") or "instance"
    ).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    app = Flask(
        __name__,
        instance_path=str(instance),
        static_folder=str(REPO / "static"),
        template_folder=str(REPO / "templates"),
    )
    app.config.from_object(default_config)
    app.config["INSTANCE"] = str(instance)
    app.config["DATABASE"] = str(instance / "fieldapp.db")
    if test_config:
        app.config.from_mapping(test_config)
    else:
        app.config.from_pyfile("config.py", silent=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=app.config["SESSION_DAYS"])

    # Our templates first, then GOV.UK Frontend's macros ("govuk_frontend_jinja/components/...").
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(REPO / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    accounts.configure_hashing(app.config.get("ARGON2_TIME_COST"),
                               app.config.get("ARGON2_MEMORY_COST"),
                               app.config.get("ARGON2_PARALLELISM"))
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import account, admin, api, assessments, auth, contacts, instruments, people, shell

    # A bad instrument file stops the app here, loudly, naming the file.
    instruments.catalog(app.config)

    app.register_blueprint(auth.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(contacts.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(assessments.bp)

    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # the sync endpoint has its own cross-site defence (header + Origin)
    app.register_blueprint(shell.bp)
    app.register_blueprint(account.bp)
    from . import coordination, peer  # peer sessions and coordinator tools

    app.register_blueprint(peer.bp)
    app.register_blueprint(coordination.bp)

    @app.context_processor
    def _page_globals():
        return {
            "rendered_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "contact_types": app.config["CONTACT_TYPES"],
        }

    _serve_minified_scripts(app)
    app.after_request(_headers)
    return app


def _serve_minified_scripts(app):
    """Serve static/build/min/<name>.js (made by terser at set-up) in place of static/<name>.js, at
    the same URL, when it exists: the page, the service worker's importScripts and its precache
    list keep one set of names. Our scripts are static/*.js, static/page/*.js and static/*.mjs, so
    a name may have one `page/` folder and nothing else (no other folder, no "..": vendored and
    built files are never looked up there). Set FIELDAPP_UNMINIFIED=1 (or MINIFIED_SCRIPTS=False)
    to debug."""
    minified = REPO / "static" / "build" / "min"
    plain_static = app.view_functions["static"]
    if os.environ.get("FIELDAPP_UNMINIFIED"):
        app.config["MINIFIED_SCRIPTS"] = False  # read by fieldapp/shell.py for sw.js too
    if not app.config.get("MINIFIED_SCRIPTS", True):
        return
    our_script = re.compile(r"(page/)?[A-Za-z0-9_-]+\.m?js")

    def static(filename):
        if our_script.fullmatch(filename) and (minified / filename).is_file():
            return send_from_directory(minified, filename)
        return plain_static(filename=filename)

    app.view_functions["static"] = static


def _headers(response):
    """Security headers everywhere; caching rules by kind of page."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
    if request.blueprint in CASEWORK_BLUEPRINTS:
        # The same URL answers a full page or an htmx partial: caches must keep them apart.
        response.vary.add("HX-Request")
        response.headers["Cache-Control"] = "private, no-cache"
    elif request.blueprint in NO_STORE_BLUEPRINTS:
        response.headers["Cache-Control"] = "no-store"
    return response
