"""Shared fixtures: a throwaway app and database per test, and an `auth` helper."""

import pytest

from fieldapp import create_app, demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate

pytest_plugins = ["tests.browser_fixtures"]

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-only-secret",
    "RATELIMIT_ENABLED": False,
    "WTF_CSRF_ENABLED": False,
    # Cheap password hashing: tests log in hundreds of times (production keeps the defaults).
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 256,
    "ARGON2_PARALLELISM": 1,
}


@pytest.fixture
def make_app(tmp_path):
    """Build an app over a fresh instance folder, with extra settings."""

    def make(**overrides):
        app = create_app({**TEST_CONFIG, "INSTANCE": tmp_path / "instance", **overrides})
        db = open_db(app.config["DATABASE"])
        migrate(db)
        db.close()
        return app

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """The app's database file, opened for the test to read and write directly."""
    database = open_db(app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def demo_data(app, db):
    """The demo users (password 'demo') and people, written through the sync engine."""
    demo.load_demo(db, app.config)
    return {row["display_name"]: row["id"] for row in db.query("SELECT id, display_name FROM person")}


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username, password="demo", device_id=""):
        return self._client.post(
            "/login", data={"username": username, "password": password, "device_id": device_id}
        )

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def figures(request):
    """`figures(text)` records a figure a test measured (chaos counts, tap counts, latencies).
    They are printed together at the end of the run, under "figures", also when the suite runs on
    pytest-xdist workers (whose own output is not shown): tests never assert on them."""
    return lambda text: request.node.user_properties.append(("figure", text))


def pytest_terminal_summary(terminalreporter):
    """Print every figure the tests recorded (see `figures`)."""
    lines = [(report.nodeid, value) for reports in terminalreporter.stats.values()
             for report in reports if getattr(report, "when", None) == "call"
             for key, value in getattr(report, "user_properties", ()) if key == "figure"]
    if lines:
        terminalreporter.section("figures")
        for nodeid, value in lines:
            terminalreporter.write_line(f"{nodeid.split('::')[-1]}: {value}")
