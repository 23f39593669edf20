"""A database made by an earlier fieldapp opens and migrates cleanly under today's code: no applied
migration runs again (their set and function names are kept wherever the code moved), the new ones
run once, and the app serves it."""

import sqlite3
import uuid
from pathlib import Path

import pytest

from fieldapp import create_app
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from tests.conftest import TEST_CONFIG

OLD_MAIN = Path(__file__).parent / "data" / "main-279bab4-demo.sql"


@pytest.fixture
def old_instance(tmp_path):
    """An instance folder holding the database as fieldapp at commit 279bab4 left it."""
    instance = tmp_path / "instance"
    instance.mkdir()
    connection = sqlite3.connect(instance / "fieldapp.db")
    connection.executescript(OLD_MAIN.read_text())
    connection.close()
    return instance


def applied(db):
    return [(row["migration_set"], row["name"]) for row in db.query(
        "SELECT migration_set, name FROM _sqlite_migrations ORDER BY id")]


def test_an_old_database_migrates_once_and_keeps_its_applied_migrations(old_instance):
    db = open_db(old_instance / "fieldapp.db")
    before = applied(db)
    migrate(db)
    after = applied(db)
    assert after[:len(before)] == before and len(set(after)) == len(after)
    assert ("fieldapp", "m006_engine_owns_its_indexes") in after
    migrate(db)
    assert applied(db) == after
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_old_database_keeps_one_timestamp_format_and_the_engines_own_index(old_instance):
    db = open_db(old_instance / "fieldapp.db")
    migrate(db)
    stored = [row[0] for row in db.execute("SELECT stored_at FROM sync_history")]
    assert stored and all(at.endswith("Z") and len(at) == 20 for at in stored)
    indexes = {row[1] for row in db.execute("SELECT type, name FROM sqlite_master WHERE type = 'index'")}
    assert "sync_history_actor" not in indexes and "sync_history_by_actor" in indexes


def test_the_app_serves_an_old_database(old_instance):
    db = open_db(old_instance / "fieldapp.db")
    migrate(db)
    dan = db.execute("SELECT id FROM person WHERE display_name = 'Dan'").fetchone()[0]
    db.close()
    app = create_app({**TEST_CONFIG, "INSTANCE": old_instance})
    client = app.test_client()
    device = str(uuid.uuid4())
    client.post("/login", data={"username": "outreach", "password": "demo", "device_id": device})
    assert "Dan" in client.get("/caseload").get_data(as_text=True)
    assert client.get(f"/people/{dan}").status_code == 200
    answer = client.post("/api/sync", headers={"X-Fieldapp-Sync": "1"}, json={
        "protocol": 1, "device_id": device, "cursor": 0, "mutations": []}).get_json()
    assert dan in {change["scope"] for change in answer["changes"]}
