"""The app shell: the service worker, the web app manifest, the outbox page and the offline page.

`/sw.js` is served from the site root (not /static/) so its scope is the whole app, with a version
made from the content of everything it precaches: any change to those files makes a new worker,
which installs a fresh shell cache beside the old one and deletes the old one when it activates.
"""

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template
from flask_login import login_required

bp = Blueprint("shell", __name__)

THEME_COLOUR = "#0b0c0c"

# Static files the worker precaches (relative to the static folder), besides /offline and the
# manifest. Keep in step with PRECACHE in static/sw.js.
PRECACHED_STATIC = [
    "build/app.css",
    "vendor/htmx.min.js",
    "vendor/idb.umd.js",
    "outbox.js",
    "flush.js",
    "status.js",
    "forms.js",
    "app.js",
    "assessment.js",
    "govuk-init.mjs",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
]
# Templates that make up the precached /offline page.
PRECACHED_TEMPLATES = ["base.html", "_outbox.html", "shell/offline.html"]

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


def _shell_files():
    static = Path(current_app.static_folder)
    templates = Path(current_app.root_path).parent / "templates"
    files = [static / "sw.js"] + [static / name for name in PRECACHED_STATIC]
    files += [templates / name for name in PRECACHED_TEMPLATES]
    return files


def shell_version():
    """A short content hash of sw.js, the precached files and the manifest.

    Recomputed only when a file's size or modification time changes, so serving /sw.js stays cheap.
    """
    files = _shell_files()
    stamp = tuple(
        (str(f), f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else (str(f), None, None)
        for f in files
    )
    if stamp in _version_cache:
        return _version_cache[stamp]
    digest = hashlib.sha256(json.dumps(MANIFEST, sort_keys=True).encode())
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
    """The service worker, from the root so that it may control every page."""
    # The copy minified at set-up (static/build/min/sw.js) when there is one: fewer bytes per check.
    static = Path(current_app.static_folder)
    minified = static / "build" / "min" / "sw.js"
    use_minified = minified.is_file() and current_app.config.get("MINIFIED_SCRIPTS", True)
    source = (minified if use_minified else static / "sw.js").read_text(encoding="utf-8")
    body = source.replace("__VERSION__", shell_version())
    response = Response(body, mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


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


@bp.route("/offline")
def offline():
    """What the worker sees offline for a page this phone has no copy of."""
    return render_template("shell/offline.html")
