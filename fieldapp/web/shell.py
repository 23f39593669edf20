"""The app shell: the service worker, the web app manifest, the outbox page and the offline page.

`/sw.js` is served from the site root (not /static/) so its scope is the whole app, with a version
made from the content of everything it precaches: any change to those files makes a new worker,
which installs a fresh shell cache beside the old one and deletes the old one when it activates.
What the worker must know of the server is written into it here, as it is served, so it is said
once: the version, the list of files it precaches (`PRECACHED_STATIC`, `PRECACHED_PAGES`) and the
path patterns of its caching policy (`SW_ROUTES`).
"""

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user, login_required

from .. import instruments, users
from ..db import get_db
from ..reads.assessments import instruments_in_use
from ..records.names import RECORD_NAMES
from ..records.peer_session import PEER_ROLES
from ..rules import access, licence, sealed_sync
from .assets import asset_url, shell_files
from .wire import packed_once

bp = Blueprint("shell", __name__)

THEME_COLOUR = "#0b0c0c"

# Static files the worker precaches (relative to the static folder; bundles as
# fieldapp/web/assets.py BUNDLES names them), in two phases. At install, `PRECACHED_STATIC`: every
# script and style sheet templates/base.html loads on every page (tests/test_service_worker.py checks
# it), which the first page has just loaded, so they come from the HTTP cache. Once the first page
# has shown (static/page/worker.js asks when the page is idle), `PRECACHED_LATER`: the scripts of
# one kind of page only (the page bundles, the assessment forms' script) and the icons, so that
# every form works offline on a phone that never opened it, without weighing on the first load
# (issue 13; bench/shell_weight.py counts them apart). The worker gets each as its versioned URL
# (assets.asset_url).
PRECACHED_STATIC = [
    "phone-templates.js",
    "build/app.css",
    "bundle/shared.js",
    "bundle/page.js",
    "govuk-init.mjs",
]
PRECACHED_LATER = [
    "build/pages.css",
    "bundle/forms.js",
    "bundle/contact.js",
    "bundle/directory.js",
    "bundle/barriers.js",
    "assessment.js",
    "bundle/phone-sign-in.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
]
# What the worker imports (importScripts): the outbox and flush it shares with the page.
WORKER_SCRIPTS = "bundle/shared.js"
# Pages of this blueprint the worker precaches too.
PRECACHED_PAGES = ["/manifest.webmanifest", "/offline", "/lock", "/stale"]
# Templates that make up the precached /offline, /lock and /stale pages.
PRECACHED_TEMPLATES = ["base.html", "_outbox.html", "_outbox_list.html", "shell/offline.html", "shell/lock.html",
                       "shell/stale.html"]

# The service worker's caching policy by path, for GET requests. A "casework" page is kept on the
# phone for reading offline (the worker stores it when opened, a sync refreshes it); a
# "network-only" path is never cached, and a page of it offline is the /offline page; a path that
# matches a network-only pattern is never cached even if a casework one matches it too
# (/people/matches). Anything else: static files cache-first, other pages network first with no
# copy kept. The patterns are sent to the worker as JavaScript RegExp sources: keep to what both
# Python and JavaScript read the same way (^ $ [^/] ( | ) \.).
CASEWORK = "casework"
NETWORK_ONLY = "network-only"
SW_ROUTES = [
    (r"^/caseload$", CASEWORK),
    (r"^/outbox$", CASEWORK),
    (r"^/contacts/new$", CASEWORK),
    (r"^/people/[^/]+$", CASEWORK),
    (r"^/people/[^/]+/contacts/new$", CASEWORK),
    (r"^/people/[^/]+/edit$", CASEWORK),
    (r"^/people/[^/]+/consent/new$", CASEWORK),
    (r"^/people/[^/]+/(assessments|star)/new$", CASEWORK),
    (r"^/people/[^/]+/star/[^/]+/edit$", CASEWORK),
    (r"^/people/[^/]+/peer-sessions/new$", CASEWORK),
    (r"^/people/[^/]+/risk-markers/(new|[^/]+/review)$", CASEWORK),
    (r"^/risk-markers/due$", CASEWORK),
    (r"^/places$", CASEWORK),
    (r"^/people/[^/]+/safeguarding/new$", CASEWORK),
    (r"^/peer/hours$", CASEWORK),
    (r"^/barriers(/new)?$", CASEWORK),
    (r"^/tally/new$", CASEWORK),
    (r"^/mdt/new$", CASEWORK),
    (r"^/directory$", CASEWORK),
    (r"^/safety$", CASEWORK),
    (r"^/safety/help/(received|not-sent)$", CASEWORK),
    (r"^/people/[^/]+/kept-off-phones(/edit)?$", NETWORK_ONLY),  # web/kept_off.py
    (r"^/api/", NETWORK_ONLY),
    (r"^/login$", NETWORK_ONLY),
    (r"^/logout$", NETWORK_ONLY),
    (r"^/admin(/|$)", NETWORK_ONLY),
    (r"^/sw\.js$", NETWORK_ONLY),
    (r"^/wiped$", NETWORK_ONLY),
    (r"^/coordination(/|$)", NETWORK_ONLY),
    (r"^/measures(/|$)", NETWORK_ONLY),
    (r"^/services(/|$)", NETWORK_ONLY),
    (r"^/forum(/|$)", NETWORK_ONLY),
    (r"^/people/matches$", NETWORK_ONLY),
    (r"^/account(/|$)", NETWORK_ONLY),
    (r"^/(healthz|metrics)$", NETWORK_ONLY),  # for operators: never a page to keep
    (r"^/on-call(/|$)", NETWORK_ONLY),
    (r"^/safeguarding(/|$)", NETWORK_ONLY),
]

MANIFEST = {
    "name": "fieldapp",
    "short_name": "fieldapp",
    "description": "Record outreach contacts, with or without signal.",
    "start_url": "/caseload",
    "scope": "/",
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#ffffff",
    "theme_color": THEME_COLOUR,
    "icons": [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {
            "src": "/static/icons/icon-maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ],
}

_version_cache = {}


def offline_forms(user):
    """The forms about one person that `user` may need with no signal, as the paths after
    /people/<id>/ (every page writes them into `<body data-offline-forms>`; the phone keeps each of
    them for every person it holds, static/cached-pages.js). Only forms the user's role may open,
    and the Star only once the deployment holds its licence (README: Offline reading)."""
    if not getattr(user, "is_authenticated", False) or not access.writes_casework(user):
        return []
    forms = ["contacts/new", "edit", "consent/new", "assessments/new", "risk-markers/new",
             "safeguarding/new"]
    licensed = licence.star_licensed(get_db())
    catalog = instruments.catalog(current_app.config)
    if any(i.kind == "star" for i in instruments_in_use(catalog, current_app.config, licensed)):
        forms.append("star/new")
    if user.role in PEER_ROLES:
        forms.append("peer-sessions/new")
    return forms


# What the page of someone registered on a phone calls each form it offers (templates/_outbox.html).
OFFLINE_FORM_NAMES = {"contacts/new": "Record a contact", "edit": "Edit details",
                      "consent/new": "Record consent", "assessments/new": "Start an NDT assessment",
                      "star/new": "Start a Star reading", "peer-sessions/new": "Log a peer session",
                      "risk-markers/new": "Add a risk marker",
                      "safeguarding/new": "Raise a safeguarding concern"}


def lock_settings(app_config, user=None):
    """The PIN lock as `user`'s phone needs it (`<body data-lock>`, kept in the outbox's meta), or
    None when the deployment has it off. `plain`: what the phone may keep and send plain while
    locked, the server's own rule (fieldapp/rules/sealed_sync.py `PLAIN_WHILE_LOCKED`); `help`:
    the lock screen offers "I need help" (a worker who may go out alone: static/page/lock.js)."""
    if not app_config["PHONE_LOCK"]:
        return None
    return {"minutes": app_config["PHONE_LOCK_MINUTES"], "attempts": app_config["PIN_ATTEMPTS"],
            "min_digits": app_config["PIN_MIN_DIGITS"], "iterations": app_config["PIN_ITERATIONS"],
            "plain": sealed_sync.PLAIN_WHILE_LOCKED,
            "help": getattr(user, "role", None) in users.CASEWORK_ROLES}


@bp.app_context_processor
def _offline_forms():
    return {"offline_forms": offline_forms(current_user._get_current_object()),
            "offline_form_names": OFFLINE_FORM_NAMES,
            "record_names": RECORD_NAMES,
            "lock_settings": lock_settings(current_app.config, current_user._get_current_object()),
            "stale_phone_days": current_app.config["STALE_PHONE_DAYS"]}


def route_patterns(policy):
    """The `SW_ROUTES` patterns of one policy (`CASEWORK` or `NETWORK_ONLY`), in order."""
    return [pattern for pattern, their_policy in SW_ROUTES if their_policy == policy]


def sw_lists():
    """What /sw.js is given besides its version, by placeholder: the URLs it precaches at install
    and once the first page has shown (static files with their content hash), the script it
    imports and the path patterns of its caching policy."""
    return {
        "__PRECACHE__": [asset_url(name) for name in PRECACHED_STATIC] + PRECACHED_PAGES,
        "__PRECACHE_LATER__": [asset_url(name) for name in PRECACHED_LATER],
        "__WORKER_SCRIPTS__": asset_url(WORKER_SCRIPTS),
        "__CASEWORK_PAGES__": route_patterns(CASEWORK),
        "__NETWORK_ONLY__": route_patterns(NETWORK_ONLY),
        "__SLOW_LINK_MS__": current_app.config["SLOW_LINK_MS"],
    }


def _shell_files():
    static = Path(current_app.static_folder)
    templates = Path(current_app.root_path).parent / "templates"
    files = [static / "sw.js"] + shell_files(PRECACHED_STATIC + PRECACHED_LATER)
    files += [templates / name for name in PRECACHED_TEMPLATES]
    return files


def shell_version():
    """A short content hash of sw.js, the precached files, the manifest and the lists written
    into sw.js.

    Recomputed only when a file's size or modification time changes, so serving /sw.js stays cheap.
    """
    files = _shell_files()
    lists = json.dumps(sw_lists(), sort_keys=True)
    stamp = (lists,) + tuple(
        (str(f), f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else (str(f), None, None)
        for f in files
    )
    if stamp in _version_cache:
        return _version_cache[stamp]
    digest = hashlib.sha256(json.dumps(MANIFEST, sort_keys=True).encode())
    digest.update(lists.encode())
    for f in files:
        digest.update(str(f.name).encode())
        if f.exists():
            digest.update(f.read_bytes())
    version = digest.hexdigest()[:16]
    _version_cache.clear()
    _version_cache[stamp] = version
    return version


@bp.route("/sw.js")
def service_worker():
    """The service worker, from the root so that it may control every page, with its version and
    lists written in (see static/sw.js's header)."""
    # The copy minified at set-up (static/build/min/sw.js) when there is one: fewer bytes per check.
    static = Path(current_app.static_folder)
    minified = static / "build" / "min" / "sw.js"
    use_minified = minified.is_file() and current_app.config.get("MINIFIED_SCRIPTS", True)
    source = (minified if use_minified else static / "sw.js").read_text(encoding="utf-8")
    body = source.replace("__VERSION__", shell_version())
    for placeholder, value in sw_lists().items():
        body = body.replace(placeholder, json.dumps(value, separators=(",", ":")))
    response = Response(body, mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    # The browser's update check revalidates it on every navigation: unchanged, that is a 304.
    tag = hashlib.sha256(response.get_data()).hexdigest()[:16]
    response.set_etag(tag)
    return packed_once(response.make_conditional(request), ("sw.js", tag))


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest: installable, opens on the caseload, standalone."""
    response = Response(json.dumps(MANIFEST), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/outbox")
@login_required
def outbox():
    """Every record in this phone's outbox with its state (filled in by the page script)."""
    return render_template("shell/outbox.html")


@bp.route("/lock")
def lock():
    """The phone's lock screen (static/page/lock.js): set, enter or reset the PIN. It names nobody,
    not even the worker: the service worker serves it in place of any casework page while the
    phone is locked."""
    return render_template("shell/lock.html")


@bp.route("/stale")
def stale():
    """What a phone that has not synced for STALE_PHONE_DAYS shows instead of its copies of people."""
    return render_template("shell/stale.html", days=current_app.config["STALE_PHONE_DAYS"])


@bp.route("/offline")
def offline():
    """What the worker sees offline for a page this phone has no copy of."""
    return render_template("shell/offline.html")
