"""`fieldapp backup` and `fieldapp restore`: a consistent copy while the app writes, and back."""

import stat
import threading
import uuid
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

from fieldapp import config as default_config, users
from fieldapp.backup import backup
from fieldapp.cli import main
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from fieldapp.records import make_engine

CONFIG = {key: getattr(default_config, key) for key in dir(default_config) if key.isupper()}


def _worker(db):
    user_id = users.create_user(db, "ann", "pw-ann-123", "outreach_worker",
                                   team="Fenland outreach", area="Fenland and East Cambridgeshire")
    return SimpleNamespace(id=user_id, role="outreach_worker", team="Fenland outreach",
                           area="Fenland and East Cambridgeshire")


def _person(engine, actor, name):
    person_id = str(uuid.uuid4())
    [result] = engine.push(actor, str(uuid.uuid4()), [{
        "id": str(uuid.uuid4()), "type": "person", "op": "create", "record_id": person_id,
        "fields": {"display_name": name, "district": "Fenland"}}])
    assert result["status"] == "applied"
    return person_id


def test_backup_while_writing_is_consistent_and_restores(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {"FIELDAPP_INSTANCE": str(instance)}
    db = open_db(instance / "fieldapp.db")
    migrate(db)
    actor = _worker(db)
    engine = make_engine(db, CONFIG)
    for n in range(50):
        _person(engine, actor, f"before {n}")

    stop = threading.Event()

    def keep_writing():
        writer_db = open_db(instance / "fieldapp.db")
        writer = make_engine(writer_db, CONFIG)
        n = 0
        while not stop.is_set() and n < 500:
            _person(writer, actor, f"during {n}")
            n += 1
        writer_db.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        result = CliRunner().invoke(main, ["backup", str(tmp_path / "copy.db")], env=env)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output

    copy = open_db(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    people_in_copy = copy["person"].count
    assert people_in_copy >= 50
    # Consistent: every person in the copy has its mutation and its history, nothing half-written.
    assert copy["sync_mutation"].count == people_in_copy
    assert copy.execute("SELECT COUNT(*) FROM sync_history").fetchone()[0] == people_in_copy
    copy.close()

    _person(engine, actor, "after the backup")
    db.close()
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "copy.db"), "--yes"], env=env)
    assert result.exit_code == 0, result.output
    restored = open_db(instance / "fieldapp.db")
    assert restored["person"].count == people_in_copy
    assert (instance / "fieldapp.db.before-restore").exists()
    restored.close()


def test_backup_refuses_to_overwrite(tmp_path):
    instance = tmp_path / "instance"
    env = {"FIELDAPP_INSTANCE": str(instance)}
    CliRunner().invoke(main, ["init"], env=env)
    (tmp_path / "taken.db").write_text("keep me")
    result = CliRunner().invoke(main, ["backup", str(tmp_path / "taken.db")], env=env)
    assert result.exit_code != 0 and "already exists" in result.output
    assert (tmp_path / "taken.db").read_text() == "keep me"


def test_restore_refuses_a_damaged_copy(tmp_path):
    instance = tmp_path / "instance"
    env = {"FIELDAPP_INSTANCE": str(instance)}
    CliRunner().invoke(main, ["init"], env=env)
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "junk.db"), "--yes"], env=env)
    assert result.exit_code == 1 and "not a usable database" in result.output
    assert open_db(instance / "fieldapp.db").execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_instance_folder_and_every_file_in_it_are_private(make_app, tmp_path):
    """Special category data: no other local account reads the database, its WAL or a copy."""
    app = make_app()
    instance = Path(app.config["INSTANCE"])
    db = open_db(app.config["DATABASE"])
    db.execute("CREATE TABLE IF NOT EXISTS t (x)")
    db.execute("INSERT INTO t VALUES (1)")
    db.conn.commit()
    copy = tmp_path / "backups" / "copy.db"
    backup(app.config["DATABASE"], copy)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    for path in [*instance.iterdir(), copy]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    db.close()
