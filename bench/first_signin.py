"""What does a phone's first sign-in take from the network? Prints figures; asserts nothing.

    .venv/bin/python bench/first_signin.py [--list] [--no-https]

Serves the app with the demo data on 127.0.0.1 and drives Debian's Chromium (Playwright, a 360 px
phone with its service worker) through a first visit: the login page, signing in as the demo
outreach worker and choosing a PIN (the lock is on by default: bench/phone_sign_in.py), and
everything the phone then does by itself until the network has been quiet for
two seconds (the service worker's install and precache, the first sync, the pages it keeps for
offline use). Every request that reaches the server is counted by a WSGI middleware in front of the
app, the page's and the service worker's alike, with its answer's size as the app sent it (raw) and
gzipped as a compressing proxy would send it (text types only; an answer the app already
compressed is counted as it is). Headers are counted apart: HTTP/1.1's, as `fieldapp serve`
alone speaks it, each header in full on every request.

Then the same first sign-in through the HTTPS front the README installs (Debian's Caddy running
ops/Caddyfile, its own internal certificate, trusted by Chromium by its key's hash): HTTP/2 over
TLS, as a real phone talks to a real deployment. A counting proxy (bench/linkproxy.py) between
Chromium and Caddy counts every byte on the TCP connections, both ways: TLS handshakes, HTTP/2's
compressed headers (HPACK) and frames, the bodies. `--no-https` skips it (it needs caddy and
openssl; without them it says so).
Issue 13's goal: at most 150 kB for the whole first sign-in.
"""

import base64
import gzip
import hashlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from fieldapp import create_app, demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from linkproxy import MeasuringProxy
from phone_sign_in import sign_in

ROOT = Path(__file__).resolve().parent.parent

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


def serve_demo(**settings):
    """The app with the demo data on 127.0.0.1 behind a `Measure`: (server, measure)."""
    instance = tempfile.mkdtemp(prefix="fieldapp-first-signin-")
    app = create_app({"INSTANCE": instance, "RATELIMIT_ENABLED": False, **settings})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    demo.load_demo(db, app.config)
    db.close()
    measure = Measure(app)
    server = make_server("127.0.0.1", 0, measure, threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, measure


def first_sign_in(base, measure, extra_args=()):
    """Chromium's first sign-in at `base`, until the server has been quiet for QUIET_SECONDS."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--disable-gpu", "--disable-quic", "--no-sandbox",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
            *extra_args])
        context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740},
                                      is_mobile=True, has_touch=True, service_workers="allow")
        page = context.new_page()
        sign_in(page)  # with the PIN the lock asks for: the phone syncs only once it is chosen
        deadline = time.monotonic() + 90
        while time.monotonic() - measure.last < QUIET_SECONDS and time.monotonic() < deadline:
            time.sleep(0.2)
        browser.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def key_hash(certificate):
    """Base64 SHA-256 of a certificate's public key: what Chromium's
    --ignore-certificate-errors-spki-list trusts (so the HTTP cache works as on a real site)."""
    public = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", str(certificate)],
                            capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public,
                         capture_output=True, check=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def through_https_front():
    """The first sign-in through Caddy (ops/Caddyfile) over HTTPS and HTTP/2: {"requests",
    "wire", "up", "down", "connections"} counted on the TCP connections, or None when caddy or
    openssl is missing."""
    if not (shutil.which("caddy") and shutil.which("openssl")):
        print("through the HTTPS front: not measured (needs caddy and openssl: scripts/setup.sh --test)")
        return None
    server, measure = serve_demo(TRUSTED_PROXIES=1)
    folder = Path(tempfile.mkdtemp(prefix="fieldapp-caddy-"))
    port = free_port()
    (folder / "Caddyfile").write_text(
        "{\n  admin off\n  skip_install_trust\n  auto_https disable_redirects\n"
        f"  default_bind 127.0.0.1\n  storage file_system {folder / 'caddy'}\n}}\n"
        f"import {ROOT / 'ops' / 'Caddyfile'}\n")
    caddy = subprocess.Popen(
        ["caddy", "run", "--config", str(folder / "Caddyfile"), "--adapter", "caddyfile"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={"HOME": str(folder), "XDG_DATA_HOME": str(folder), "XDG_CONFIG_HOME": str(folder),
             "PATH": "/usr/bin:/bin", "FIELDAPP_SITE": f"https://localhost:{port}",
             "FIELDAPP_UPSTREAM": f"127.0.0.1:{server.server_port}"})
    try:
        deadline = time.monotonic() + 20
        while not list((folder / "caddy").rglob("localhost.crt")):
            if caddy.poll() is not None or time.monotonic() > deadline:
                print("through the HTTPS front: not measured (caddy did not start)")
                return None
            time.sleep(0.1)
        time.sleep(0.5)  # the certificate written, the listener up
        trusted = ",".join(key_hash(c) for c in (folder / "caddy").rglob("*.crt"))
        # Chromium talks to the counting proxy, which relays to Caddy: the site's name is still
        # localhost (Caddy matches the name, not the port).
        proxy = MeasuringProxy(port)
        first_sign_in(f"https://localhost:{proxy.port}", measure,
                      [f"--ignore-certificate-errors-spki-list={trusted}"])
        counts = proxy.reset()
    finally:
        caddy.terminate()
        caddy.wait(timeout=10)
        server.shutdown()
    print(f"  through the HTTPS front (Caddy, TLS, HTTP/2), every byte on the TCP connections: "
          f"{(counts.up + counts.down) / 1000:.1f} kB ({counts.up / 1000:.1f} up, "
          f"{counts.down / 1000:.1f} down) for {len(measure.exchanges)} requests on "
          f"{counts.connections} connection(s) (goal: 150 kB)")
    return {"requests": len(measure.exchanges), "wire": counts.up + counts.down, "up": counts.up,
            "down": counts.down, "connections": counts.connections}


def main(argv=None):
    """Drive a first sign-in, print what crossed the wire and return the totals (bench/limit.py's
    table). `--list` in `argv` (or the command line) also prints every request, in order;
    `--no-https` skips the run through the HTTPS front."""
    args = sys.argv[1:] if argv is None else argv
    listing = "--list" in args
    server, measure = serve_demo()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        first_sign_in(base, measure)
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
    https = None if "--no-https" in args else through_https_front()
    return {"requests": everything["n"], "wire": everything["gzip"] + everything["headers"],
            "raw": everything["raw"] + everything["headers"], "headers": everything["headers"],
            "https": https}


if __name__ == "__main__":
    main()
