"""The sync engine at speed: a batch in one transaction with a savepoint per mutation, pulls that
read outside the write lock, no-op pulls that write and snapshot nothing, a bounded wait for the
lock. A tiny registry (tests/sync_fixtures.py), real SQLite files, no Flask."""

import sqlite3

import pytest
from sqlite_utils import Database

import sync
from tests.helpers import create, statuses, uid
from tests.sync_fixtures import (ANN, BEN, clock, engine, new_person, open_engine,  # noqa: F401
                                 visibility)


def traced(engine, action):
    """The SQL statements `action()` runs on the engine's connection, and its result."""
    seen = []
    engine.db.conn.set_trace_callback(seen.append)
    try:
        result = action()
    finally:
        engine.db.conn.set_trace_callback(None)
    return seen, result


def database_file(engine) -> str:
    """The path of the engine's SQLite file."""
    return engine.db.conn.execute("PRAGMA database_list").fetchone()[2]


def second_engine(engine, visibility, clock, **options):
    """Another engine on a connection of its own (as another server thread has), same file."""
    return sync.Engine(Database(database_file(engine)), engine.registry, visibility, clock=clock,
                       page_size=engine.page_size, **options)


def test_a_batch_is_one_durable_commit(engine, visibility):
    person_id = new_person(engine, visibility)
    batch = [create("note", uid(), person_id=person_id, text=f"n{n}") for n in range(5)]
    seen, results = traced(engine, lambda: engine.push(ANN, "d-ann", batch))
    assert statuses(results) == ["applied"] * 5
    assert [s for s in seen if s.startswith(("BEGIN", "COMMIT"))] == ["BEGIN IMMEDIATE", "COMMIT"]


def test_a_push_never_asks_sqlite_master(engine, visibility):
    """sqlite-utils' table objects look up sqlite_master on every use: not on the hot path."""
    person_id = new_person(engine, visibility)
    batch = [create("note", uid(), person_id=person_id, text=f"n{n}") for n in range(3)]
    seen, _ = traced(engine, lambda: engine.push(ANN, "d-ann", batch))
    assert not [s for s in seen if "sqlite_master" in s]
    assert len(seen) <= 4 + 10 * len(batch)


def test_a_failing_mutation_mid_batch_leaves_nothing_of_itself_and_the_rest_apply(
        engine, visibility):
    """The middle mutation writes, then fails: its savepoint takes back what it wrote (its row,
    its version, its change log row, its id), the mutations either side are applied."""
    person_id = new_person(engine, visibility)
    record_type = engine.registry.get("note")
    original = record_type.derive

    def half_then_fail(db, actor, op, values, current):
        if values.get("text") == "boom":
            db.execute("INSERT INTO note (id, version, deleted, scope, person_id, text)"
                       " VALUES ('half', 1, 0, ?, ?, 'half')", [person_id, person_id])
            raise ValueError("a bug after a write")
        return original(db, actor, op, values, current)

    object.__setattr__(record_type, "derive", half_then_fail)
    try:
        batch = [create("note", uid(), person_id=person_id, text=text)
                 for text in ("a", "boom", "b")]
        results = engine.push(ANN, "d-ann", batch)
    finally:
        object.__setattr__(record_type, "derive", original)
    assert statuses(results) == ["applied", "rejected", "applied"]
    db = engine.db
    assert sorted(r[0] for r in db.execute("SELECT text FROM note").fetchall()) == ["a", "b"]
    bad = batch[1]["record_id"]
    for table, column in (("sync_history", "record_id"), ("sync_change", "record_id"),
                          ("sync_mutation", "record_id")):
        assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} IN (?, 'half')",
                          [bad]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM sync_mutation WHERE id = ?",
                      [batch[1]["id"]]).fetchone()[0] == 0
    # Sent again once fixed, it is judged afresh (never a duplicate of a failure).
    assert statuses(engine.push(ANN, "d-ann", [batch[1]])) == ["applied"]


def test_a_refused_and_a_deferred_mutation_mid_batch_leave_the_rest_applied(engine, visibility):
    person_id = new_person(engine, visibility)
    batch = [create("note", uid(), person_id=person_id, text="a"),
             create("person", uid(), name="locked"),
             create("note", uid(), person_id=uid(), text="waits"),
             create("note", uid(), person_id=person_id, text="b")]
    assert statuses(engine.push(ANN, "d-ann", batch)) == [
        "applied", "rejected", "deferred", "applied"]
    assert engine.db["note"].count == 2
    assert engine.db.execute("SELECT COUNT(*) FROM sync_deferral").fetchone()[0] == 1


def test_the_same_mutation_twice_in_one_push_is_a_duplicate_the_second_time(engine, visibility):
    person_id = new_person(engine, visibility)
    note = create("note", uid(), person_id=person_id, text="once")
    assert statuses(engine.push(ANN, "d-ann", [note, note])) == ["applied", "duplicate"]
    assert engine.db["note"].count == 1


def test_a_push_is_not_blocked_by_a_slow_pull(engine, visibility, clock):
    """While a pull is reading (here: in the middle of working out who sees what), another
    server thread's push gets the write lock at once; and the pull's answer never skips it."""
    person_id = new_person(engine, visibility)
    other = second_engine(engine, visibility, clock, lock_timeout=0)
    note = create("note", uid(), person_id=person_id, text="pushed during the pull")
    results = []
    real = engine.visible_scopes

    def slow_visibility(db, actor):
        if not results:
            results.extend(other.push(ANN, "d-ann", [note]))  # would be Busy behind a lock
        return real(db, actor)

    engine.visible_scopes = slow_visibility
    page = engine.pull(BEN, "d-ben", 0)
    engine.visible_scopes = real
    assert statuses(results) == ["applied"]
    got = {c["record_id"] for c in page["changes"]}
    if note["record_id"] not in got:  # not in this answer: then surely in the next
        got |= {c["record_id"] for c in engine.pull(BEN, "d-ben", page["cursor"])["changes"]}
    assert {person_id, note["record_id"]} <= got


def test_a_noop_pull_writes_nothing_and_builds_no_snapshot(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(ANN, "d-ann", [create("note", uid(), person_id=person_id, text="a")])
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    cursor = engine.pull(BEN, "d-ben", cursor)["cursor"]  # confirms the first answer
    seen, page = traced(engine, lambda: engine.pull(BEN, "d-ben", cursor))
    assert page["changes"] == [] and page["cursor"] == cursor
    assert not [s for s in seen if s.startswith(("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE"))]
    assert not [s for s in seen if 'FROM "note" WHERE scope' in s or 'FROM "person" WHERE scope'
                in s], "a no-op pull built a snapshot"


def test_a_noop_pull_is_answered_while_another_connection_holds_the_write_lock(
        engine, visibility, clock):
    person_id = new_person(engine, visibility)
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    cursor = engine.pull(BEN, "d-ben", cursor)["cursor"]
    holder = sqlite3.connect(database_file(engine), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        engine.lock_timeout = 0.05
        assert engine.pull(BEN, "d-ben", cursor)["changes"] == []
        with pytest.raises(sync.Busy) as busy:
            engine.push(ANN, "d-ann", [create("note", uid(), person_id=person_id, text="x")])
        assert busy.value.retry_after == engine.retry_after
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert engine.db["note"].count == 0


def test_a_snapshot_reads_a_scope_through_its_index(engine, visibility):
    """`index_scopes` indexes each record table's scope, so a person coming into a phone's scope
    costs an index search, not a scan of every contact on the server."""
    sync.index_scopes(engine.db, engine.registry)
    sync.index_scopes(engine.db, engine.registry)  # again: nothing to do, no error
    plan = engine.db.execute('EXPLAIN QUERY PLAN SELECT * FROM "note" WHERE scope = ?'
                             " AND deleted = 0 ORDER BY rowid", ["x"]).fetchall()
    assert "USING INDEX note_sync_scope" in " ".join(str(step[-1]) for step in plan)


def test_the_apps_record_tables_have_their_scopes_indexed(tmp_path):
    from fieldapp.db import open_db
    from fieldapp.migrations import migrate

    db = open_db(tmp_path / "fieldapp.db")
    migrate(db)
    indexes = {row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()}
    for table in ("person", "contact", "assessment", "consent", "peer_session"):
        assert f"{table}_sync_scope" in indexes
    db.close()


def test_a_push_whose_pull_cannot_have_the_lock_is_still_answered(engine, visibility):
    """The push committed, then the pull's bookkeeping met a held lock: the push's results are
    answered (nothing is sent twice), with no changes and the cursor as it was, `more` to ask
    again; that later pull brings everything."""
    person_id = new_person(engine, visibility)
    holder = []
    real_push = engine.push

    def push_then_hold_the_lock(*args):
        results = real_push(*args)
        holder.append(sqlite3.connect(database_file(engine), isolation_level=None))
        holder[0].execute("BEGIN IMMEDIATE")
        return results

    engine.push = push_then_hold_the_lock
    engine.lock_timeout = 0.05
    device_id = uid()
    note = create("note", uid(), person_id=person_id, text="kept")
    try:
        answer = engine.sync(BEN, {"protocol": 1, "device_id": device_id, "cursor": 0,
                                   "mutations": [note]})
    finally:
        holder[0].execute("ROLLBACK")
        holder[0].close()
        engine.push = real_push
    assert statuses(answer["results"]) == ["applied"]
    assert answer["changes"] == [] and answer["cursor"] == 0 and answer["more"] is True
    page = engine.pull(BEN, device_id, 0)
    assert {c["record_id"] for c in page["changes"]} == {person_id, note["record_id"]}


def test_the_engines_quick_dump_is_marshmallows_dump():
    """sync.records.dump skips marshmallow's dump only for schemas whose every field dumps a
    value as it is: for those, on what a load gives and on what SQLite gives back, the two agree;
    a schema with any other field (assessments' JSON) goes through marshmallow."""
    from fieldapp import config
    from fieldapp.records import record_types
    from sync.records import dump, schema_of

    types = {t.name: t for t in record_types({k: getattr(config, k) for k in dir(config)
                                              if k.isupper()})}
    contact = schema_of(types["contact"].schema)
    loaded = contact.load({"person_id": uid(), "contact_at": "2026-01-01T08:00",
                           "district": "Fenland", "place": "Bus shelter",
                           "contact_type": "street_outreach", "bedded_down": True,
                           "spoken_to": False, "duration_minutes": "20", "action": None})
    stored = {**loaded, "bedded_down": 1, "spoken_to": 0, "what_happened": None}
    for values in (loaded, stored, {}):
        assert dump(contact, values) == contact.dump(values)
    person = schema_of(types["person"].schema)
    row = {"display_name": "Dan", "district": "Fenland", "trusted_person_id": 3,
           "homelessness": 1, "gender": None}
    assert dump(person, row) == person.dump(row)
    assessment = schema_of(types["assessment"].schema)
    dump(assessment, {})
    assert assessment._sync_dumps_as_is is False
