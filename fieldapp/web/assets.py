"""The app shell's static files as phones get them: few, small, and safe to keep.

- **Minified.** Our scripts (static/*.js, static/page/*.js, static/*.mjs) are served from
  static/build/min/ (terser, at set-up) in place of their sources, at the same URLs. Set
  FIELDAPP_UNMINIFIED=1 (or MINIFIED_SCRIPTS=False) to debug with the sources.
- **Bundled.** The classic scripts every page loads are served as two files (`BUNDLES`), one
  request each instead of seventeen, and gzip packs one file tighter than many small ones (issue 13:
  22.2 KB gzipped one by one, 17.0 KB as two bundles). `bundle/shared.js` is what the service
  worker imports too (the outbox and flush), `bundle/page.js` the modules every page runs. The
  modules of one kind of page only (the casework forms' submit, the contact form's, the
  directory's, the barriers list's) are page bundles of their own, loaded by those pages alone. Each part stays a file of its own in
  static/ (and is still served alone), so the sources read as before.
- **Versioned.** `asset_url(name)` is `/static/<name>?v=<hash>`, the hash of every file the answer
  is made from (a source and its minified copy, or a bundle's parts). An answer to a URL with the
  current hash may be kept by the browser for a year and never revalidated (`immutable`): one URL
  always means the same bytes. That is what lets the service worker precache from the HTTP cache
  (static/sw.js `precache`): what the first page just loaded is not downloaded again, and an update
  (new hashes, so new URLs) can never be answered with an old file. A URL with another hash or none
  is answered with the current file, revalidated every time (`no-cache`). `private`: the answers
  may carry the session cookie, which no shared cache may keep.
"""

import hashlib
import json
import os
import re
import time
from pathlib import Path

from flask import Response, current_app, render_template, request, send_from_directory

from . import dictionary
from .wire import packed_once

# The bundles and their parts, in the order they must run (each file's header says what it needs).
# A new classic script for every page goes into one of them (the worker's `shared` only if the
# service worker needs it too), not into templates/base.html.
BUNDLES = {
    "bundle/shared.js": [
        "vendor/idb.umd.js", "constants.js", "outbox.js", "wipe.js", "unlocked-key.js", "vault.js",
        "screen-lock.js", "sealing.js", "at-rest.js", "page-map.js", "cached-pages.js",
        "shared-phone.js", "send.js", "answer.js", "flush.js", "handover.js", "page/lock.js",
    ],
    "bundle/page.js": [
        "dates.js", "status.js", "page/worker.js", "page/triggers.js", "page/logout.js",
        "page/caseload.js", "page/offline-view.js", "page/partials.js", "page/offline-ready.js",
        "page/pending-changes.js", "page/lost.js", "page/safety.js",
        "page/start.js",
    ],
    # Page bundles: the modules of one kind of page, loaded by that page only (its template's
    # `page_scripts` block, after bundle/page.js) and precached once the first page has shown
    # (fieldapp/web/shell.py PRECACHED_LATER), so they weigh nothing on the first load and every
    # form still has them offline.
    # The casework forms' submit (the one write path) and someone registered on this phone (their
    # page on the outbox page, the forms made theirs), for every page but the light ones
    # (templates/base.html `light_page`: the caseload, login), which have neither.
    "bundle/forms.js": ["forms.js", "page/fix-form.js", "page/pending-person.js", "page/kept-off.js"],
    "bundle/contact.js": ["page/contact-form.js", "page/place-markers.js", "page/offline-matches.js"],
    "bundle/directory.js": ["page/directory.js"],
    "bundle/barriers.js": ["page/pending-barriers.js"],
    # The lock screen's "Sign in on this phone" (templates/shell/lock.html), for shared phones.
    "bundle/phone-sign-in.js": ["page/phone-sign-in.js"],
}
# Made by Jinja, not read from disk: the phone scripts' templates (the outbox states, the notices,
# the status line's words...), once in a file every page loads and the service worker precaches,
# instead of in every page (about 2 KB compressed a page: issue 13's page refresh and first sign-in).
# Name -> the templates it is made of, in order.
RENDERED = {"phone-templates.js": ["_outbox.html", "_outbox_list.html"]}
IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Our scripts: a name in static/ or static/page/, nothing else (no other folder, no ".."), so
# vendored and built files are never looked up in static/build/min/.
OUR_SCRIPT = re.compile(r"(page/)?[A-Za-z0-9_-]+\.m?js")

_built = {}  # (its files, name) -> (stamp of its files, bytes served, hash)
_checked = {}  # (its files, name) -> when its files' stamp was last read (time.monotonic)


def _static():
    return Path(current_app.static_folder)


_files = {}  # (static folder, minified?, name) -> the files an answer is made from, and served


def _files_of(name):
    """The files the answer for `name` is made from, and the one of them served for each part
    (worked out once per static folder: pages ask for several asset URLs each)."""
    static = _static()
    use_minified = bool(current_app.config.get("MINIFIED_SCRIPTS", True))
    key = (str(static), use_minified, name)
    if key not in _files:
        minified = static / "build" / "min"
        made_from, served = [], []
        for part in BUNDLES.get(name, [name]):
            source = static / part
            made_from.append(source)
            if use_minified and OUR_SCRIPT.fullmatch(part) and (minified / part).is_file():
                made_from.append(minified / part)
                served.append(minified / part)
            else:
                served.append(source)
        _files[key] = (made_from, served, [str(f) for f in made_from])
    return _files[key]


def _rendered(name):
    """(bytes served, content hash) for a RENDERED name: its templates rendered (they depend on
    nobody: every variant a page could have is in) into a script that adds them to the page, once,
    before the page's own scripts run. Rendered once per app, as Jinja compiles each template
    once; where the app reloads changed templates (debug, TEMPLATES_AUTO_RELOAD), each time it
    is asked for, so it is never older than the page that names it."""
    if current_app.jinja_env.auto_reload:
        return _render(name)
    made = current_app.extensions.setdefault("fieldapp.rendered", {})
    if name not in made:
        made[name] = _render(name)
    return made[name]


def _render(name):
    """The script of a RENDERED name, rendered now: (bytes, content hash)."""
    # A run of white space is one space to HTML wherever it is (no <pre> here): the indentation goes.
    html = re.sub(r"\n\s+", "\n", "".join(render_template(t) for t in RENDERED[name]))
    body = ("/* fieldapp: the phone scripts' <template> elements (templates/"
            + ", templates/".join(RENDERED[name]) + "), added to the page before its scripts run. */\n"
            "if (!document.getElementById('tpl-outbox-states')) document.body.insertAdjacentHTML('beforeend', "
            + json.dumps(html, ensure_ascii=False) + ");\n").encode()
    return body, hashlib.sha256(body).hexdigest()[:12]


def built(name):
    """(bytes served, content hash) for a static file or bundle, or None if a part is missing.
    Rebuilt only when one of its files changes size or modification time, which is looked at
    most once every STATIC_RECHECK_SECONDS: every page names seven of them, made of some seventy
    files, and reading all their times was four tenths of a plain page's time."""
    if name in RENDERED:
        return _rendered(name)
    made_from, served, paths = _files_of(name)
    key = (tuple(paths), name)  # the sources alone, or with their minified copies: two answers
    cached = _built.get(key)
    now = time.monotonic()
    if cached is not None and now - _checked.get(key, 0) < current_app.config.get(
            "STATIC_RECHECK_SECONDS", 1.0):
        return cached[1], cached[2]
    try:
        stamp = tuple((found.st_mtime_ns, found.st_size) for found in map(os.stat, paths))
    except OSError:
        return None
    _checked[key] = now
    if cached is None or cached[0] != stamp:
        digest = hashlib.sha256()
        for f in made_from:
            digest.update(f.read_bytes())
        # A bundle's parts are joined with a `;` line: a part that ends without one never runs on
        # into the next.
        body = b"\n;\n".join(f.read_bytes() for f in served) if name in BUNDLES else None
        cached = _built[key] = (stamp, body, digest.hexdigest()[:12])
    return cached[1], cached[2]


def asset_url(name):
    """The URL of a static file or bundle with its content hash: what pages and the worker load."""
    found = built(name)
    url = f"{current_app.static_url_path}/{name}"
    return f"{url}?v={found[1]}" if found else url


def shell_files(names):
    """Every file on disk the given static names (files or bundles) are made from (a RENDERED
    one's templates count through fieldapp/web/shell.py PRECACHED_TEMPLATES)."""
    files = []
    for name in names:
        if name not in RENDERED:
            files += _files_of(name)[0]
    return files


def serve(filename):
    """The static view: a bundle, our minified script or the plain file (Flask's safe path join:
    nothing outside static/), with its caching by the URL's hash."""
    static = _static()
    minified = static / "build" / "min"
    if filename in BUNDLES or filename in RENDERED:
        found = built(filename)
        if found is None:
            return Response("not built: run scripts/setup.sh", status=404)
        response = Response(found[0], mimetype="text/javascript")
        response.set_etag(found[1])
        response.make_conditional(request)
    elif (current_app.config.get("MINIFIED_SCRIPTS", True) and OUR_SCRIPT.fullmatch(filename)
          and (minified / filename).is_file()):
        response = send_from_directory(minified, filename)
    else:
        response = send_from_directory(static, filename)  # 404 for anything outside static/
    if filename == dictionary.NAME:
        response.mimetype = "text/plain"  # markup to compress against, never a page to show
        dictionary.serve_headers(response)
    current = (built(filename) or (None, None))[1]
    asked = request.args.get("v")
    response.headers["Cache-Control"] = IMMUTABLE if asked and asked == current else REVALIDATE
    return packed_once(response, (str(static), filename, current)) if current else response


def init_app(app):
    """Serve static files through `serve`, and give templates `asset_url`."""
    app.view_functions["static"] = serve
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["page_dictionary_url"] = page_dictionary_url


def page_dictionary_url():
    """The versioned URL of the page dictionary (fieldapp/web/dictionary.py), or None when set-up
    has not built it."""
    return asset_url(dictionary.NAME) if built(dictionary.NAME) else None
