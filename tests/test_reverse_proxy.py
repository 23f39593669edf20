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

import pytest
import requests
from werkzeug.serving import make_server

from fieldapp import create_app, users
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from tests.conftest import TEST_CONFIG

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


@pytest.fixture
def proxied(tmp_path):
    """Start the app with `settings` behind Caddy (compressing too, with `encode`); yields a
    function that returns the https base URL."""
    started = []

    def start(encode=False, **settings):
        app = create_app({**TEST_CONFIG, "INSTANCE": tmp_path / "instance", **settings})
        db = open_db(app.config["DATABASE"])
        migrate(db)
        users.create_user(db, "ann", "pw-ann-proxy", "outreach_worker", team="Fenland outreach",
                          area="Fenland and East Cambridgeshire")
        db.close()
        server = serve(app)
        port = free_port()
        (tmp_path / "Caddyfile").write_text(
            "{\n  admin off\n  skip_install_trust\n  auto_https disable_redirects\n"
            f"  storage file_system {tmp_path / 'caddy'}\n}}\n"
            f"https://localhost:{port} {{\n  tls internal\n"
            + ("  encode zstd gzip\n" if encode else "")
            + f"  reverse_proxy 127.0.0.1:{server.server_port}\n}}\n")
        caddy = subprocess.Popen(["caddy", "run", "--config", str(tmp_path / "Caddyfile"),
                                  "--adapter", "caddyfile"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL,
                                 env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path),
                                      "XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
        started.append((caddy, server))
        base = f"https://localhost:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{base}/login", verify=False, timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "caddy did not start"
                time.sleep(0.1)
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
    base = proxied(encode=True, TRUSTED_PROXIES=1)
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
