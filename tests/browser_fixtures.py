"""Browser-test fixtures (a pytest plugin loaded by conftest.py): Debian's Chromium driven by
Playwright, and the real app served in-process on 127.0.0.1 with the demo data.

See /work/shared/testing.md: no browser download, one browser per session, a server that can be
stopped and restarted on the same port to play a dead server.
"""

import threading

import pytest
from werkzeug.serving import make_server

from fieldapp import create_app, demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate

BROWSER_TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "browser-test-only-secret",
    "RATELIMIT_ENABLED": False,
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


class LiveServer:
    """The app on a real socket in a daemon thread; `stop()` then `start()` keeps the port."""

    def __init__(self, app, port=0):
        self.app = app
        self.port = port
        self._server = None
        self._thread = None

    def start(self):
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
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
def live_server(tmp_path):
    """A fresh instance with the demo data (`fieldapp init --demo`), served for one test."""
    app = create_app({**BROWSER_TEST_CONFIG, "INSTANCE": tmp_path / "instance"})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    demo.load_demo(db, app.config)
    db.close()
    server = LiveServer(app).start()
    yield server
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
