"""Behind the documented HTTPS reverse proxy: Debian's Caddy on 127.0.0.1 with its own internal
certificate, in front of the real app. The phone's sync works through it when the app is told to
trust one proxy (TRUSTED_PROXIES = 1), and the proxy's headers are ignored when it is not."""

import gzip
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from fieldapp import create_app, users
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from tests.conftest import TEST_CONFIG

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(shutil.which("caddy") is None,
                       reason="Debian's caddy is installed by scripts/setup.sh --test"),
    # Caddy's internal certificate is not in the system's trust store: not verified, on purpose.
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def start_caddy(tmp_path, upstream_port):
    """Debian's Caddy on 127.0.0.1 running ops/Caddyfile (the one the README installs), for
    https://localhost:<port> (Caddy's internal CA) in front of 127.0.0.1:`upstream_port`; returns
    (the process, the https base URL) once it answers."""
    port = free_port()
    (tmp_path / "Caddyfile").write_text(
        "{\n  admin off\n  skip_install_trust\n  auto_https disable_redirects\n"
        f"  storage file_system {tmp_path / 'caddy'}\n}}\n"
        f"import {ROOT / 'ops' / 'Caddyfile'}\n")
    caddy = subprocess.Popen(["caddy", "run", "--config", str(tmp_path / "Caddyfile"),
                              "--adapter", "caddyfile"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL,
                             env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path),
                                  "XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
                                  "FIELDAPP_SITE": f"https://localhost:{port}",
                                  "FIELDAPP_UPSTREAM": f"127.0.0.1:{upstream_port}"})
    base = f"https://localhost:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{base}/login", verify=False, timeout=2)
            return caddy, base
        except requests.ConnectionError:
            assert caddy.poll() is None, "caddy stopped"
            assert time.monotonic() < deadline, "caddy did not start"
            time.sleep(0.1)


@pytest.fixture
def proxied(tmp_path):
    """Start the app with `settings` behind Caddy running ops/Caddyfile (which compresses with
    `encode`); yields a function that returns the https base URL."""
    started = []

    def start(**settings):
        app = create_app({**TEST_CONFIG, "INSTANCE": tmp_path / "instance", **settings})
        db = open_db(app.config["DATABASE"])
        migrate(db)
        users.create_user(db, "ann", "pw-ann-proxy", "outreach_worker", team="Fenland outreach",
                          area="Fenland and East Cambridgeshire")
        db.close()
        server = serve(app)
        caddy, base = start_caddy(tmp_path, server.server_port)
        started.append((caddy, server))
        return base

    yield start
    for caddy, server in started:
        caddy.terminate()
        caddy.wait(timeout=10)
        server.shutdown()


def sync_through(base):
    phone = requests.Session()
    phone.trust_env = False  # a CA bundle in the environment would override verify=False
    device_id = str(uuid.uuid4())
    phone.post(f"{base}/login", data={"username": "ann", "password": "pw-ann-proxy",
                                      "device_id": device_id}, timeout=10, verify=False)
    return phone.post(f"{base}/api/sync", timeout=10, verify=False,
                      json={"protocol": 1, "device_id": device_id, "cursor": 0, "mutations": []},
                      headers={"X-Fieldapp-Sync": "1", "Origin": base})


def test_sync_works_behind_a_trusted_https_proxy(proxied):
    response = sync_through(proxied(TRUSTED_PROXIES=1))
    assert response.status_code == 200 and response.json()["protocol"] == 1


def test_forwarded_headers_are_not_trusted_unless_told(proxied):
    response = sync_through(proxied())
    assert response.status_code == 403 and response.json()["error"] == "forbidden_origin"


def test_a_compressing_proxy_never_compresses_twice(proxied):
    """The app compresses its own answers (flask-compress); Caddy's `encode` leaves an answer
    that already has a Content-Encoding alone, so the phone decodes each answer once."""
    base = proxied(TRUSTED_PROXIES=1)
    phone = requests.Session()
    phone.trust_env = False

    def fetch(path, encoding):
        answer = phone.get(f"{base}{path}", verify=False, timeout=10, stream=True,
                           headers={"Accept-Encoding": encoding})
        return answer.headers.get("Content-Encoding"), answer.raw.read()

    for path in ["/static/flush.js", "/sw.js", "/login"]:
        encoding, body = fetch(path, "gzip")
        assert encoding == "gzip", path
        assert not gzip.decompress(body).startswith(b"\x1f\x8b"), path  # not gzip in gzip
    assert gzip.decompress(fetch("/static/flush.js", "gzip")[1]) == fetch("/static/flush.js", "identity")[1]
    assert gzip.decompress(fetch("/login", "gzip")[1]).lstrip().startswith(b"<!DOCTYPE html>")


def test_metrics_are_not_served_through_the_proxy(proxied):
    base = proxied(TRUSTED_PROXIES=1)
    answer = requests.get(f"{base}/metrics", verify=False, timeout=10)
    assert answer.status_code == 404


def test_answers_through_the_proxy_are_compressed(proxied):
    base = proxied(TRUSTED_PROXIES=1)
    answer = requests.get(f"{base}/login", verify=False, timeout=10,
                          headers={"Accept-Encoding": "gzip"})
    assert answer.headers.get("Content-Encoding") == "gzip"


@pytest.mark.server_config(TRUSTED_PROXIES=1)
def test_a_phone_browser_syncs_through_caddy_over_https(tmp_path, live_server, browser_type,
                                                       browser_type_launch_args,
                                                       phone_context_args):
    """The whole path a phone takes in production: Chromium on https://localhost (Caddy's
    certificate), the service worker installed (it needs a secure origin), a contact saved and
    sent through the outbox to /api/sync behind the proxy (the same-origin check sees the public
    https origin), a Secure `__Host-` session cookie, and HSTS on every answer."""
    from playwright.sync_api import expect

    from tests.test_offline import fill_contact, person_id, sign_in

    caddy, base = start_caddy(tmp_path, live_server.port)
    args = [*browser_type_launch_args.get("args", []), "--ignore-certificate-errors"]
    browser = browser_type.launch(**{**browser_type_launch_args, "args": args})
    try:
        context = browser.new_context(base_url=base, ignore_https_errors=True, **phone_context_args)
        hsts = []
        context.on("response", lambda response: hsts.append(
            response.headers.get("strict-transport-security")))
        page = sign_in(context, "outreach")  # waits until the service worker controls the page
        [cookie] = [c for c in context.cookies() if "fieldapp_session" in c["name"]]
        assert cookie["name"] == "__Host-fieldapp_session" and cookie["secure"]
        dan = person_id(live_server, "Dan")
        page.goto(f"/people/{dan}/contacts/new")
        fill_contact(page, "Through the proxy: Horsefair, Wisbech")
        page.click("button:has-text('Save contact')")
        page.wait_for_url(f"**/people/{dan}")
        expect(page.locator("[data-sync-status]").first).to_have_text("All sent", timeout=15000)
        stored = live_server.query("SELECT person_id FROM contact WHERE place LIKE 'Through the proxy%'")
        assert [row["person_id"] for row in stored] == [dan]
        assert any(e["results"] and "applied" in e["results"].values()
                   for e in live_server.faults.exchanges)
        syncs = [e for e in live_server.faults.exchanges if e["status"] is not None]
        assert syncs and all(e["status"] == 200 for e in syncs)
        assert hsts and all(value and "max-age=" in value for value in hsts if value is not None)
        assert None not in hsts[:3]
        context.close()
    finally:
        browser.close()
        caddy.terminate()
        caddy.wait(timeout=10)
