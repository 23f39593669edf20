"""Browser-test fixtures (a pytest plugin loaded by conftest.py): Debian's Chromium driven by
Playwright, and the real app served in-process on 127.0.0.1 with the demo data.

No browser is downloaded (scripts/setup.sh --test installs Debian's Chromium), one browser per
session, a server that can be stopped and restarted on the same port to play a dead server, and
`SyncFaults` in front of the app for the faults no browser switch can make (an answer lost after
the server committed, a stalled link). A test changes the server's settings with
`@pytest.mark.server_config(SYNC_DEFER_DAYS=...)`.
"""

import gzip
import io
import json
import socket
import threading
import time

import brotli
import pytest
from werkzeug.serving import make_server

from fieldapp import create_app, demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate

BROWSER_TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "browser-test-only-secret",
    "RATELIMIT_ENABLED": False,
    # Cheap password hashing: tests log in hundreds of times (production keeps the defaults).
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 256,
    "ARGON2_PARALLELISM": 1,
    # A page waits this long for a loaded test server before the phone's copy is shown, so that
    # tests expecting the server's page get it; tests/test_slow_link.py uses the default.
    "SLOW_LINK_MS": 3000,
    # A cheap PIN key likewise (tests/test_phone_lock.py keeps one test with the real 600,000).
    "PIN_ITERATIONS": 1000,
}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium instead of a downloaded browser, quiet on this network."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--disable-gpu",
            "--disable-quic",
            "--no-sandbox",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
        ],
    }


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "server_config(**settings): app settings for the live server of this test")


def decoded(body, headers):
    """An answer's body as the app meant it: the app compresses its answers (flask-compress)."""
    encoding = dict((k.lower(), v) for k, v in headers).get("content-encoding")
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        return brotli.decompress(body)
    return body


class SyncFaults:
    """WSGI middleware in front of the app: faults on `POST /api/sync`, and a log of every exchange.

    `set(fault, skip=0, count=None)` makes the sync requests after the next `skip` ones suffer
    `fault` (`count` of them, or all until `set(None)`):
    - "drop-after-commit": the app runs (the server commits), then the connection is closed with no
      answer at all;
    - "cut-after-commit": the app runs, then the answer is cut off half way (Content-Length says more);
    - "stall": the request is held (nothing reaches the app) until `release()` or `stall_seconds`,
      then goes on to the app ("pass") or is dropped unseen ("drop"), as `release(then)` says;
    - "drop-before": the connection is closed before the app sees the request (signal lost);
    - "unavailable": answered 503 with `Retry-After: <retry_after>` and the JSON body an overloaded
      server sends, before the app sees it.
    `hold_pages(seconds)` stalls page requests instead (the slow-link tests).
    `exchanges` holds one dict per sync request: its mutation ids, the fault, the HTTP status, the
    statuses the server answered (`None` when the app never saw it), the body's Content-Encoding
    and size on the wire, and when it arrived (`at`, time.monotonic()).
    """

    def __init__(self, app, stall_seconds=30):
        self.app = app
        self.stall_seconds = stall_seconds
        self.exchanges = []
        self._lock = threading.Lock()
        self._fault = None
        self._skip = 0
        self._count = None
        self._release = threading.Event()
        self._then = "pass"
        self.in_flight = 0
        self.retry_after = 2  # seconds, the Retry-After of the "unavailable" fault
        self.page_hold_seconds = 0  # hold_pages(): page requests held this long (0: none)
        self._pages_release = threading.Event()
        self.held_pages = []

    def set(self, fault, skip=0, count=None):
        with self._lock:
            self._fault, self._skip, self._count = fault, skip, count
            self._release.clear()

    def release(self, then="pass"):
        """Let held requests go on: "pass" to the app, or "drop" unseen."""
        self._then = then
        self._release.set()

    @property
    def held(self):
        """Sync requests being held by a stall right now."""
        return sum(1 for e in list(self.exchanges) if e["fault"] == "stall" and e["held"])

    def _next_fault(self):
        with self._lock:
            if self._fault is None:
                return None
            if self._skip > 0:
                self._skip -= 1
                return None
            fault = self._fault
            if self._count is not None:
                self._count -= 1
                if self._count <= 0:
                    self._fault = None
            return fault

    def hold_pages(self, seconds=10):
        """A link that stalls for pages: every page request (a GET that is not a static file, the
        service worker or the API) is held for `seconds`, or until `release_pages()`, then answered
        by the app. `held_pages` lists the paths held right now."""
        self._pages_release.clear()
        self.page_hold_seconds = seconds

    def release_pages(self):
        self.page_hold_seconds = 0
        self._pages_release.set()

    def _is_page(self, environ):
        path = environ.get("PATH_INFO", "")
        return (environ.get("REQUEST_METHOD") == "GET" and path != "/sw.js"
                and not path.startswith(("/static/", "/api/", "/manifest")))

    def _hold_page(self, environ):
        path = environ.get("PATH_INFO", "")
        with self._lock:
            self.held_pages.append(path)
        try:
            self._pages_release.wait(self.page_hold_seconds)
        finally:
            with self._lock:
                self.held_pages.remove(path)

    def __call__(self, environ, start_response):
        if self.page_hold_seconds and self._is_page(environ):
            self._hold_page(environ)
        if environ.get("PATH_INFO") != "/api/sync" or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        encoding = environ.get("HTTP_CONTENT_ENCODING", "")
        try:
            body = gzip.decompress(raw) if encoding == "gzip" else raw
            ids = [m.get("id") for m in json.loads(body).get("mutations", [])]
        except (ValueError, AttributeError, OSError, EOFError):
            ids = []
        fault = self._next_fault()
        exchange = {"ids": ids, "fault": fault, "status": None, "results": None, "held": False,
                    "encoding": encoding, "bytes": len(raw), "raw": raw, "at": time.monotonic()}
        with self._lock:
            self.exchanges.append(exchange)
            self.in_flight += 1
        try:
            if fault == "stall":
                exchange["held"] = True
                self._release.wait(self.stall_seconds)
                exchange["held"] = False
                if self._then == "drop":
                    return self._drop(environ, start_response)
            if fault == "drop-before":
                return self._drop(environ, start_response)
            if fault == "unavailable":
                # What an overloaded server answers (README: Sync protocol), before the app.
                exchange["status"] = 503
                answer = json.dumps({"error": "unavailable",
                                     "retry_after_seconds": self.retry_after}).encode()
                start_response("503 Service Unavailable", [
                    ("Content-Type", "application/json"), ("Content-Length", str(len(answer))),
                    ("Retry-After", str(self.retry_after))])
                return [answer]
            captured = {}

            def capture(status, headers, exc_info=None):
                captured["status"], captured["headers"] = status, headers
                return lambda data: None

            body = b"".join(self.app(environ, capture))  # the server commits here
            exchange["status"] = int(captured["status"].split()[0])
            try:
                answer = json.loads(decoded(body, captured["headers"]))
                # Results without ids (the phone asks for them) answer the mutations in order.
                exchange["results"] = {r.get("id", ids[i] if i < len(ids) else None): r["status"]
                                       for i, r in enumerate(answer.get("results", []))}
            except (ValueError, AttributeError, KeyError, TypeError):
                pass
            if fault == "drop-after-commit":
                return self._drop(environ, start_response)
            headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
            if fault == "cut-after-commit":
                start_response(captured["status"], headers + [("Content-Length", str(len(body)))])
                return self._cut(environ, body[: len(body) // 2])
            start_response(captured["status"], headers + [("Content-Length", str(len(body)))])
            return [body]
        finally:
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _close(environ):
        try:
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _drop(self, environ, start_response):
        """Close the connection with no answer at all (the server's write then fails quietly)."""
        self._close(environ)
        start_response("200 OK", [("Content-Length", "0")])
        return []

    def _cut(self, environ, part):
        """Send `part` of the answer, then close the connection."""
        yield part
        self._close(environ)


class LiveServer:
    """The app on a real socket in a daemon thread; `stop()` then `start()` keeps the port.
    Requests pass through `faults` (a SyncFaults), which does nothing until told to."""

    def __init__(self, app, port=0):
        self.app = app
        self.faults = SyncFaults(app)
        self.port = port
        self._server = None
        self._thread = None

    def start(self):
        self._server = make_server("127.0.0.1", self.port, self.faults, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self):
        """The server's sqlite file."""
        return self.app.config["DATABASE"]

    def query(self, sql, params=()):
        """Rows from the server's database, read the way an operator would."""
        db = open_db(self.database)
        try:
            return [dict(row) for row in db.query(sql, params)]
        finally:
            db.close()


@pytest.fixture
def live_server(tmp_path, request):
    """A fresh instance with the demo data (`fieldapp init --demo`), served for one test, with the
    settings of the test's `server_config` mark, if any."""
    marker = request.node.get_closest_marker("server_config")
    settings = dict(marker.kwargs) if marker else {}
    app = create_app({**BROWSER_TEST_CONFIG, "INSTANCE": tmp_path / "instance", **settings})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    demo.load_demo(db, app.config)
    db.close()
    server = LiveServer(app).start()
    yield server
    server.faults.release("drop")
    server.faults.release_pages()
    server.stop()


@pytest.fixture
def phone_context_args():
    """A cheap Android phone's screen, with service workers on."""
    return {
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "service_workers": "allow",
    }


@pytest.fixture
def phone(browser, live_server, phone_context_args):
    """A factory of phone-sized browser contexts against the live server, closed after the test."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, **phone_context_args)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
