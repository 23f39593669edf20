"""What does a phone's first sign-in take from the network? Prints figures; asserts nothing.

    .venv/bin/python bench/first_signin.py [--list]

Serves the app with the demo data on 127.0.0.1 and drives Debian's Chromium (Playwright, a 360 px
phone with its service worker) through a first visit: the login page, signing in as the demo
outreach worker and choosing a PIN (the lock is on by default: bench/phone_sign_in.py), and
everything the phone then does by itself until the network has been quiet for
two seconds (the service worker's install and precache, the first sync, the pages it keeps for
offline use). Every request that reaches the server is counted by a WSGI middleware in front of the
app, the page's and the service worker's alike, with its answer's size as the app sent it (raw) and
gzipped as a compressing proxy would send it (text types only; an answer the app already
compressed is counted as it is). Headers are counted apart.
Issue 13's goal: at most 150 kB for the whole first sign-in.
"""

import gzip
import sys
import tempfile
import threading
import time
from collections import defaultdict

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from fieldapp import create_app, demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from phone_sign_in import sign_in

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json",
                "image/svg+xml")
QUIET_SECONDS = 2.0


class Measure:
    """WSGI middleware: each request's path, status, body (raw and gzipped) and header bytes."""

    def __init__(self, app):
        self.app = app
        self.exchanges = []
        self.last = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        captured = {}

        def keep(status, headers, *rest):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, *rest)

        chunks = list(self.app(environ, keep))
        body = b"".join(chunks)
        headers = dict((k.lower(), v) for k, v in captured["headers"])
        kind = headers.get("content-type", "")
        if headers.get("content-encoding") or not kind.startswith(COMPRESSIBLE) or not body:
            packed = len(body)
        else:
            packed = len(gzip.compress(body, compresslevel=6))
        request_headers = sum(len(k) + len(str(v)) + 4 for k, v in environ.items() if k.startswith("HTTP_"))
        response_headers = sum(len(k) + len(v) + 4 for k, v in captured["headers"])
        query = environ.get("QUERY_STRING")
        with self._lock:
            self.exchanges.append({
                "path": environ["PATH_INFO"] + ("?" + query if query else ""),
                "method": environ["REQUEST_METHOD"], "status": captured["status"][:3],
                "raw": len(body), "gzip": packed,
                "headers": request_headers + response_headers + len(captured["status"]) + 40,
            })
            self.last = time.monotonic()
        return [body]


def kind_of(path):
    if path.startswith("/static/"):
        return "shell files (/static/)"
    if path in ("/sw.js", "/manifest.webmanifest", "/offline"):
        return "service worker, manifest, /offline"
    if path.startswith("/api/"):
        return "sync (/api/)"
    if path.startswith(("/login", "/logout")):
        return "login"
    return "pages (caseload, people, forms)"


def main(argv=None):
    """Drive a first sign-in, print what crossed the wire and return the totals (bench/limit.py's
    table). `--list` in `argv` (or the command line) also prints every request, in order."""
    listing = "--list" in (sys.argv[1:] if argv is None else argv)
    instance = tempfile.mkdtemp(prefix="fieldapp-first-signin-")
    app = create_app({"INSTANCE": instance, "RATELIMIT_ENABLED": False})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    demo.load_demo(db, app.config)
    db.close()
    measure = Measure(app)
    server = make_server("127.0.0.1", 0, measure, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--disable-gpu", "--disable-quic", "--no-sandbox",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"])
            context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740},
                                          is_mobile=True, has_touch=True, service_workers="allow")
            page = context.new_page()
            sign_in(page)  # with the PIN the lock asks for: the phone syncs only once it is chosen
            deadline = time.monotonic() + 90
            while time.monotonic() - measure.last < QUIET_SECONDS and time.monotonic() < deadline:
                time.sleep(0.2)
            browser.close()
    finally:
        server.shutdown()

    totals = defaultdict(lambda: {"n": 0, "raw": 0, "gzip": 0, "headers": 0})
    for e in measure.exchanges:
        for key in (kind_of(e["path"]), "all"):
            t = totals[key]
            t["n"] += 1
            t["raw"] += e["raw"]
            t["gzip"] += e["gzip"]
            t["headers"] += e["headers"]
    print("First sign-in of a phone (demo data, outreach), every request that reached the server:")
    print(f"  {'':<36} {'requests':>8} {'bodies raw':>11} {'gzipped':>9} {'headers':>9}")
    for key in sorted(k for k in totals if k != "all") + ["all"]:
        t = totals[key]
        print(f"  {key:<36} {t['n']:>8} {t['raw'] / 1000:>9.1f} kB {t['gzip'] / 1000:>6.1f} kB "
              f"{t['headers'] / 1000:>6.1f} kB")
    everything = totals["all"]
    print(f"  on the wire through a gzip proxy (bodies + headers): "
          f"{(everything['gzip'] + everything['headers']) / 1000:.1f} kB in {everything['n']} requests "
          "(goal: 150 kB)")
    print(f"  as the app sends it, uncompressed: "
          f"{(everything['raw'] + everything['headers']) / 1000:.1f} kB")
    if listing:
        for e in measure.exchanges:
            print(f"    {e['method']:4} {e['status']} {e['path'][:90]:90} {e['gzip']:>7} {e['headers']:>6}")
    shell_twice = [e["path"] for e in measure.exchanges if e["path"].startswith("/static/")]
    repeated = sorted({p for p in shell_twice if shell_twice.count(p) > 1})
    print(f"  shell files asked for more than once: {repeated or 'none'} "
          "(a first install's importScripts revalidates its bundle: a 304, no body)")
    return {"requests": everything["n"], "wire": everything["gzip"] + everything["headers"],
            "raw": everything["raw"] + everything["headers"], "headers": everything["headers"]}


if __name__ == "__main__":
    main()
