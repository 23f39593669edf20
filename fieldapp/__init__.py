"""fieldapp: an offline-capable, mobile-first Flask app for outreach and trusted-person casework.

`create_app` is the one entry: defaults (config.py), then the instance's config.py or the test
mapping, then the extensions and the blueprints of fieldapp/web/, in one list.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import config as default_config
from . import db, devices, instruments, users
from .extensions import csrf, limiter, login_manager
from .instance_files import made_once
from .rules import pseudonyms
from .timeutil import now_iso

REPO = Path(__file__).resolve().parent.parent


class Int64Converter(IntegerConverter):
    """`<int:...>` in every route: ids are SQLite integers, so a number beyond 64 bits matches no
    route (404) instead of overflowing in a query (500)."""

    def __init__(self, map, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, **kwargs)


def _secret_key(instance):
    """The instance's secret key, made on first run (never a fixed development key)."""
    return made_once(Path(instance) / "secret_key",
                     lambda: secrets.token_hex(32).encode()).decode().strip()


MIN_PIN_ITERATIONS = 600_000  # PBKDF2-SHA-256 rounds for a PIN: OWASP's figure (2023)


def create_app(test_config=None):
    """Build the app: defaults, then instance/config.py or `test_config`, then blueprints."""
    test_config = dict(test_config or {})
    instance = Path(
        test_config.get("INSTANCE") or os.environ.get("FIELDAPP_INSTANCE") or "instance"
    ).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    instance.chmod(0o700)  # the database, its WAL, the secret key and the VAPID key live here
    app = Flask(
        __name__,
        instance_path=str(instance),
        static_folder=str(REPO / "static"),
        template_folder=str(REPO / "templates"),
    )
    app.url_map.converters["int"] = Int64Converter
    app.config.from_object(default_config)
    app.config["INSTANCE"] = str(instance)
    app.config["DATABASE"] = str(instance / "fieldapp.db")
    if test_config:
        app.config.from_mapping(test_config)
    else:
        app.config.from_pyfile(str(instance / "config.py"), silent=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    if not app.config.get("PSEUDONYM_SECRET"):
        app.config["PSEUDONYM_SECRET"] = pseudonyms.instance_secret(instance)
    # The cookie outlives the server's idle limit by one refresh interval, as it is re-sent at
    # most that often (web/guards.SessionCookies); the server's check decides (devices.session_user).
    from .web.guards import COOKIE_REFRESH_SECONDS

    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        days=app.config["SESSION_DAYS"], seconds=COOKIE_REFRESH_SECONDS)
    if app.config["PIN_ITERATIONS"] < MIN_PIN_ITERATIONS and not app.config.get("TESTING"):
        raise ValueError(f"PIN_ITERATIONS must be at least {MIN_PIN_ITERATIONS} (the PIN is all "
                         "that stands between a lost phone's storage and its data)")
    if os.environ.get("FIELDAPP_UNMINIFIED"):
        app.config["MINIFIED_SCRIPTS"] = False

    # Our templates first, then GOV.UK Frontend's macros ("govuk_frontend_jinja/components/...").
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(REPO / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    users.configure_hashing(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"],
                            app.config["ARGON2_PARALLELISM"])
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    # Read once per app, here; a bad instrument file stops the app, loudly, naming the file.
    instruments.reload(app.config)
    # So does a PHONE_HIDDEN_FIELDS naming a detail that cannot be kept off phones.
    from .records.person import kept_off_phones
    kept_off_phones(app.config)

    from .web import account, admin, api, assessments, assets, auth, contacts, coordination, guards
    from .web import barriers, concerns, directory, forum, health, logs, measures, oncall, peer
    from .web import mdt, people, returns, risks, safeguarding, safety, services, shell, tally, wire
    from .web import dates, dictionary, handover, kept_off

    # After-request hooks run last-registered first: security and caching headers, then the
    # casework page's ETag (and 304), then a page packed against the phone's dictionary
    # (fieldapp/web/dictionary.py), then compression of whatever body is left.
    wire.compress.init_app(app)

    health.init_app(app)
    dates.init_app(app)  # the `uk_date` filter (README: Dates and themes)
    logs.configure(app)
    for blueprint in (auth.bp, people.bp, contacts.bp, assessments.bp, peer.bp, coordination.bp,
                      barriers.bp, tally.bp, mdt.bp, directory.bp, services.bp, forum.bp,
                      measures.bp, returns.bp, account.bp, admin.bp, api.bp, shell.bp, health.bp,
                      safety.bp, oncall.bp, risks.bp, concerns.bp, safeguarding.bp, kept_off.bp,
                      handover.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)  # the sync endpoint has its own cross-site defence (header + Origin)

    @app.context_processor
    def _page_globals():
        return {"rendered_at": now_iso(), "contact_types": app.config["CONTACT_TYPES"]}

    assets.init_app(app)  # minified, bundled, versioned static files (fieldapp/web/assets.py)
    app.session_interface = guards.SessionCookies()
    app.before_request(guards.password_change_gate)
    # Registered before the page's ETag so that it runs after it, on the page as drawn, and
    # before flask-compress: a page for a browser holding the dictionary goes as dcz.
    app.after_request(dictionary.packed_with_dictionary)
    app.after_request(wire.conditional_page)
    app.after_request(guards.headers)
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies:
        # The proxy's scheme, host and client address, so the same-origin check on /api/sync and
        # secure cookies see the public https origin (README: Running it for real).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,
                                x_port=proxies)
    return app
