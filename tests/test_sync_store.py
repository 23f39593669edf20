"""The engine's tables and their migrations: one time format, UTC 'YYYY-MM-DDTHH:MM:SSZ', for every
server time the engine stores, and databases written in the older '+00:00' form brought to it."""

from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

import sync
from sync import store
from tests.helpers import create, uid, update
from tests.sync_fixtures import (  # noqa: F401
    ANN, BEN, Clock, Visibility, clock, create_record_tables, engine, new_person, registry,
    visibility)

def server_times(db):
    """Every server time in the engine's tables, as stored."""
    return [value for table, columns in store.ENGINE_TIMES.items() for column in columns
            for (value,) in db.execute(f"SELECT {column} FROM {table}") if value is not None]


def old_database(path):
    """A database as the engine left it before times ended in Z: its tables, and one row in each
    with the times it wrote then ('+00:00'; a deferral's first sight with microseconds)."""
    db = Database(str(path))
    store.migrations.apply(db, stop_before="store_times_with_z")
    person_id = uid()
    db.execute("INSERT INTO sync_mutation VALUES (?, 'd-ann', 1, 'person', 'create', ?, 'applied',"
               " 1, '2026-11-20T08:00:00+00:00', '2026-11-22T09:00:00+00:00')", [uid(), person_id])
    db.execute("INSERT INTO sync_history VALUES ('person', ?, 1, 'create', 0, '{}', 1, 'd-ann',"
               " NULL, '2026-11-20T08:00:00+00:00', '2026-11-22T09:00:00+00:00')", [person_id])
    db.execute("INSERT INTO sync_conflict (type, record_id, scope, field, mutation_id, actor_id,"
               " created_at, resolved_at, resolved_by) VALUES ('person', ?, ?, 'district', ?, 1,"
               " '2026-11-22T09:00:01+00:00', '2026-11-23T10:00:00Z', 2)",
               [person_id, person_id, uid()])
    db.execute("INSERT INTO sync_deferral VALUES (?, '2026-11-22T09:00:00.123456+00:00')", [uid()])
    db.execute("INSERT INTO sync_alias VALUES ('person', ?, ?, 1, '2026-11-22T09:00:02+00:00')",
               [uid(), person_id])
    db.conn.commit()
    return db


def test_the_migrations_keep_their_set_and_names():
    """Applied migrations are recorded by name: renaming one would run it again."""
    assert store.migrations.name == "sync"
    assert [m.name for m in store.migrations.pending(Database(memory=True))] == [
        "create_sync_tables", "create_alias_table", "store_times_with_z", "index_history_by_actor",
        "remember_confirmed_cursors"]


def test_every_time_the_engine_stores_ends_in_z(engine, visibility, clock):
    person_id = new_person(engine, visibility)
    duplicate = new_person(engine, visibility, name="Danny")
    engine.push(BEN, "d-ben", [update("person", person_id, 1, district="Fenland")])
    engine.push(ANN, "d-ann", [update("person", person_id, 1, district="March"),
                               create("note", uid(), person_id=uid(), text="waiting")])
    [conflict] = engine.conflicts([person_id])
    engine.resolve_conflict(conflict["id"], BEN.id)
    engine.merge(ANN, "person", duplicate, person_id)
    # 4 mutations stored, 4 versions (2 creates, an update, the merged-away tombstone), a conflict
    # and its resolution, a deferral and an alias.
    assert server_times(engine.db) == ["2026-11-22T09:00:00Z"] * 12


def test_a_time_is_stored_in_utc_to_the_second(engine, visibility, clock):
    clock.now = datetime(2026, 11, 22, 10, 0, 0, 999999, tzinfo=timezone(timedelta(hours=1)))
    person_id = new_person(engine, visibility)
    assert engine.history("person", person_id)[0]["stored_at"] == "2026-11-22T09:00:00Z"


def test_old_times_are_rewritten_to_end_in_z(tmp_path):
    db = old_database(tmp_path / "old.db")
    sync.migrate(db)
    assert sorted(server_times(db)) == [
        "2026-11-22T09:00:00Z", "2026-11-22T09:00:00Z", "2026-11-22T09:00:00Z",
        "2026-11-22T09:00:01Z", "2026-11-22T09:00:02Z", "2026-11-23T10:00:00Z"]


def test_the_phones_own_times_are_left_as_sent(tmp_path):
    db = old_database(tmp_path / "old.db")
    sync.migrate(db)
    phone_times = [row[0] for row in db.execute(
        "SELECT recorded_at FROM sync_mutation UNION ALL SELECT recorded_at FROM sync_history")]
    assert phone_times == ["2026-11-20T08:00:00+00:00"] * 2


def test_a_deferral_first_seen_before_the_migration_still_waits_its_time(tmp_path):
    db = Database(str(tmp_path / "old.db"))
    store.migrations.apply(db, stop_before="store_times_with_z")
    create_record_tables(db)
    note = create("note", uid(), person_id=uid(), text="Orphan")
    db.execute("INSERT INTO sync_deferral VALUES (?, '2026-11-22T09:00:00.500000+00:00')",
               [note["id"]])
    db.conn.commit()
    sync.migrate(db)
    clock = Clock()
    engine = sync.Engine(db, registry(), Visibility(), defer_days=14, clock=clock)
    clock.now += timedelta(days=14, seconds=-1)
    assert engine.push(ANN, "d-ann", [note])[0]["status"] == "deferred"
    clock.now += timedelta(seconds=1)
    assert engine.push(ANN, "d-ann", [note])[0]["status"] == "rejected"


def test_history_is_indexed_by_actor_and_time(engine):
    columns = [row[2] for row in engine.db.execute("PRAGMA index_info(sync_history_by_actor)")]
    assert columns == ["actor_id", "stored_at"]
