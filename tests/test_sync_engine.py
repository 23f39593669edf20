"""The sync engine alone: a tiny registry of its own, real SQLite files, no Flask."""

import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, validate
from sqlite_utils import Database

import sync

ANN = SimpleNamespace(id=1)
BEN = SimpleNamespace(id=2)


class PersonSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    district = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)


class NoteSchema(Schema):
    person_id = fields.String(required=True)
    text = fields.String(required=True, validate=validate.Length(min=1))
    urgent = fields.Boolean(load_default=False)


def refuse_locked(db, actor, op, scope, values, current):
    if values.get("name") == "locked":
        raise sync.Refusal("Locked names may not be used.", {"name": ["Locked."]})


class Visibility:
    """Who sees which scopes; tests move people in and out of view."""

    def __init__(self):
        self.scopes = {ANN.id: set(), BEN.id: set()}

    def __call__(self, db, actor):
        return set(self.scopes[actor.id])


@pytest.fixture
def visibility():
    return Visibility()


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def engine(tmp_path, visibility, clock):
    db = Database(str(tmp_path / "sync.db"))
    db.execute("PRAGMA journal_mode=WAL")
    sync.migrate(db)
    db["person"].create({"id": str, "version": int, "deleted": int, "scope": str, "name": str,
                         "district": str, "phone": str}, pk="id")
    db["note"].create({"id": str, "version": int, "deleted": int, "scope": str, "person_id": str,
                       "text": str, "urgent": int, "author": int}, pk="id")
    registry = sync.Registry(
        sync.RecordType("person", "person", PersonSchema, authorize=refuse_locked),
        sync.RecordType("note", "note", NoteSchema, append_only=True, scope_field="person_id",
                        references={"person_id": "person"},
                        derive=lambda db, actor, op, values, current: {"author": actor.id}
                        if op == "create" else {}),
    )

    def visible_with_own(db, actor):
        return visibility(db, actor)

    return sync.Engine(db, registry, visible_with_own, page_size=50, defer_days=14, clock=clock)


def uid():
    return str(uuid.uuid4())


def create(type_name, record_id, **values):
    return {"id": uid(), "type": type_name, "op": "create", "record_id": record_id,
            "base_version": None, "recorded_at": "2026-11-22T08:00:00Z", "fields": values}


def update(type_name, record_id, base_version, **values):
    return {"id": uid(), "type": type_name, "op": "update", "record_id": record_id,
            "base_version": base_version, "recorded_at": "2026-11-20T08:00:00Z", "fields": values}


def statuses(results):
    return [r["status"] for r in results]


def new_person(engine, visibility, name="Dan", actor=ANN, device="d-ann"):
    person_id = uid()
    visibility.scopes[ANN.id].add(person_id)
    visibility.scopes[BEN.id].add(person_id)
    [result] = engine.push(actor, device, [create("person", person_id, name=name)])
    assert result["status"] == "applied"
    return person_id


def test_create_is_applied_at_version_one(engine, visibility):
    person_id = uid()
    [result] = engine.push(ANN, "d-ann", [create("person", person_id, name="Dan")])
    assert result["status"] == "applied" and result["version"] == 1
    assert engine.db["person"].get(person_id)["name"] == "Dan"


def test_replayed_mutation_is_a_duplicate_and_stored_once(engine, visibility):
    person_id = new_person(engine, visibility)
    mutation = create("note", uid(), person_id=person_id, text="Met at the bus station")
    first = engine.push(ANN, "d-ann", [mutation])
    again = engine.push(ANN, "d-ann", [mutation])
    assert statuses(first) == ["applied"]
    assert again[0]["status"] == "duplicate"
    assert again[0]["first_status"] == "applied" and again[0]["version"] == 1
    assert engine.db["note"].count == 1
    assert len(engine.history("note", mutation["record_id"])) == 1


def test_answer_lost_after_commit_retry_is_duplicate(engine, visibility):
    """The server committed, the phone never heard: the whole batch is sent again."""
    person_id = new_person(engine, visibility)
    batch = [create("note", uid(), person_id=person_id, text=f"note {n}") for n in range(3)]
    body = {"protocol": 1, "device_id": str(uuid.uuid4()), "cursor": 0, "mutations": batch}
    engine.sync(ANN, body)  # the answer is lost on the way back
    answer = engine.sync(ANN, body)
    assert statuses(answer["results"]) == ["duplicate"] * 3
    assert engine.db["note"].count == 3


def test_a_conflict_answer_is_repeated_on_replay(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(BEN, "d-ben", [update("person", person_id, 1, district="Fenland")])
    clash = update("person", person_id, 1, district="Peterborough")
    first = engine.push(ANN, "d-ann", [clash])
    again = engine.push(ANN, "d-ann", [clash])
    assert first[0]["status"] == "conflict"
    assert again[0]["status"] == "duplicate" and again[0]["first_status"] == "conflict"


def test_mutations_apply_in_order_within_a_batch(engine, visibility):
    person_id = uid()
    visibility.scopes[ANN.id].add(person_id)
    results = engine.push(ANN, "d-ann", [
        create("person", person_id, name="Woman in green coat"),
        create("note", uid(), person_id=person_id, text="First met"),
    ])
    assert statuses(results) == ["applied", "applied"]


def test_rejected_mutation_does_not_block_the_others(engine, visibility):
    person_id = new_person(engine, visibility)
    results = engine.push(ANN, "d-ann", [
        create("note", uid(), person_id=person_id, text="before"),
        create("note", uid(), person_id=person_id, text=""),
        {"id": uid(), "type": "note", "op": "explode", "record_id": uid()},
        create("note", uid(), person_id=person_id, text="after"),
    ])
    assert statuses(results) == ["applied", "rejected", "rejected", "applied"]
    assert "text" in results[1]["errors"]
    assert "op" in results[2]["errors"]
    assert engine.db["note"].count == 2


def test_rejected_mutation_is_judged_afresh_when_fixed(engine, visibility):
    person_id = new_person(engine, visibility)
    mutation = create("note", uid(), person_id=person_id, text="")
    assert engine.push(ANN, "d-ann", [mutation])[0]["status"] == "rejected"
    mutation["fields"]["text"] = "Fixed"
    assert engine.push(ANN, "d-ann", [mutation])[0]["status"] == "applied"


def test_unknown_type_is_rejected_with_a_message(engine):
    [result] = engine.push(ANN, "d-ann", [create("parcel", uid(), name="x")])
    assert result["status"] == "rejected"
    assert "Unknown record type" in result["errors"]["_mutation"][0]


def test_refusal_from_the_record_type_is_rejected(engine):
    [result] = engine.push(ANN, "d-ann", [create("person", uid(), name="locked")])
    assert result["status"] == "rejected" and result["errors"] == {"name": ["Locked."]}


def test_mutation_id_reused_by_another_user_is_rejected(engine, visibility):
    person_id = new_person(engine, visibility)
    mutation = create("note", uid(), person_id=person_id, text="mine")
    engine.push(ANN, "d-ann", [mutation])
    [result] = engine.push(BEN, "d-ben", [mutation])
    assert result["status"] == "rejected"
    assert engine.db["note"].count == 1


def test_reference_to_a_record_not_yet_synced_is_deferred_then_applied(engine, visibility):
    person_id = uid()
    visibility.scopes[ANN.id].add(person_id)
    note = create("note", uid(), person_id=person_id, text="Met the woman from the other phone")
    [waiting] = engine.push(ANN, "d-ann", [note])
    assert waiting["status"] == "deferred" and engine.db["note"].count == 0
    engine.push(BEN, "d-ben", [create("person", person_id, name="Woman in green coat")])
    [result] = engine.push(ANN, "d-ann", [note])
    assert result["status"] == "applied"


def test_deferred_mutation_is_rejected_after_the_set_time(engine, visibility, clock):
    note = create("note", uid(), person_id=uid(), text="Orphan")
    assert engine.push(ANN, "d-ann", [note])[0]["status"] == "deferred"
    clock.now += timedelta(days=15)
    [result] = engine.push(ANN, "d-ann", [note])
    assert result["status"] == "rejected"
    assert "has not reached the server in 14 days" in result["errors"]["_mutation"][0]


def test_update_of_unknown_record_is_deferred(engine):
    [result] = engine.push(ANN, "d-ann", [update("person", uid(), 1, district="Fenland")])
    assert result["status"] == "deferred"


def test_edits_to_different_fields_both_apply(engine, visibility):
    person_id = new_person(engine, visibility)
    ann = engine.push(ANN, "d-ann", [update("person", person_id, 1, district="Fenland")])
    ben = engine.push(BEN, "d-ben", [update("person", person_id, 1, phone="07700 900123")])
    assert statuses(ann + ben) == ["applied", "applied"]
    row = engine.db["person"].get(person_id)
    assert (row["district"], row["phone"], row["version"]) == ("Fenland", "07700 900123", 3)


def test_same_field_changed_differently_is_a_conflict_keeping_the_server_value(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(BEN, "d-ben", [update("person", person_id, 1, district="Fenland")])
    [result] = engine.push(ANN, "d-ann", [update("person", person_id, 1, district="Peterborough",
                                                 phone="01354 000000")])
    assert result["status"] == "conflict"
    row = engine.db["person"].get(person_id)
    assert row["district"] == "Fenland" and row["phone"] == "01354 000000"
    [conflict] = engine.conflicts([person_id])
    assert conflict["field"] == "district"
    assert (conflict["server_value"], conflict["incoming_value"]) == ('"Fenland"', '"Peterborough"')


def test_same_change_on_both_sides_is_not_a_conflict(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(BEN, "d-ben", [update("person", person_id, 1, district="Fenland")])
    [result] = engine.push(ANN, "d-ann", [update("person", person_id, 1, district="Fenland")])
    assert result["status"] == "applied"
    assert engine.conflicts([person_id]) == []


def test_update_from_a_version_the_server_never_had_is_rejected(engine, visibility):
    person_id = new_person(engine, visibility)
    [result] = engine.push(ANN, "d-ann", [update("person", person_id, 7, district="Fenland")])
    assert result["status"] == "rejected"


def test_correction_of_append_only_record_keeps_every_version(engine, visibility):
    person_id = new_person(engine, visibility)
    note = create("note", uid(), person_id=person_id, text="Slept at the church")
    engine.push(ANN, "d-ann", [note])
    [fix] = engine.push(ANN, "d-ann", [update("note", note["record_id"], 1,
                                              text="Slept at the chapel")])
    assert fix["version"] == 2
    history = engine.history("note", note["record_id"])
    assert [h["fields"]["text"] for h in history] == ["Slept at the church", "Slept at the chapel"]


def test_delete_leaves_a_tombstone_that_travels(engine, visibility):
    person_id = new_person(engine, visibility)
    note = create("note", uid(), person_id=person_id, text="Entered in error")
    engine.push(ANN, "d-ann", [note])
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    delete = {"id": uid(), "type": "note", "op": "delete", "record_id": note["record_id"]}
    assert engine.push(ANN, "d-ann", [delete])[0]["version"] == 2
    page = engine.pull(BEN, "d-ben", cursor)
    assert [(c["record_id"], c["deleted"]) for c in page["changes"]] == [
        (note["record_id"], True)]


def test_pull_includes_own_device_changes_with_derived_fields(engine, visibility):
    person_id = new_person(engine, visibility)
    note_id = uid()
    engine.push(ANN, "d-ann", [create("note", note_id, person_id=person_id, text="hi")])
    page = engine.pull(ANN, "d-ann", 0)
    [note] = [c for c in page["changes"] if c["type"] == "note"]
    assert note["fields"]["author"] == ANN.id and note["fields"]["urgent"] is False


def test_pull_sends_only_what_the_user_may_see(engine, visibility):
    shared = new_person(engine, visibility, name="Dan")
    private = uid()
    visibility.scopes[ANN.id].add(private)
    engine.push(ANN, "d-ann", [create("person", private, name="Kerry"),
                               create("note", uid(), person_id=private, text="private")])
    page = engine.pull(BEN, "d-ben", 0)
    assert {c["scope"] for c in page["changes"]} == {shared}


def test_person_coming_into_scope_arrives_whole_whatever_the_cursor(engine, visibility):
    person_id = uid()
    visibility.scopes[ANN.id].add(person_id)
    engine.push(ANN, "d-ann", [create("person", person_id, name="Sam"),
                               create("note", uid(), person_id=person_id, text="old news")])
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    visibility.scopes[BEN.id].add(person_id)  # assigned to Ben
    page = engine.pull(BEN, "d-ben", cursor)
    assert sorted(c["type"] for c in page["changes"]) == ["note", "person"]


def test_person_leaving_scope_tells_the_phone_to_drop_them(engine, visibility):
    person_id = new_person(engine, visibility)
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    visibility.scopes[BEN.id].discard(person_id)
    page = engine.pull(BEN, "d-ben", cursor)
    assert page["changes"] == [{"type": "scope", "record_id": person_id, "version": 0,
                                "deleted": True, "scope": person_id, "fields": None}]
    assert engine.pull(BEN, "d-ben", page["cursor"])["changes"] == []


def test_lost_scope_answer_is_sent_again(engine, visibility):
    person_id = new_person(engine, visibility)
    first = engine.pull(BEN, "d-ben", 0)
    assert first["changes"]
    again = engine.pull(BEN, "d-ben", 0)  # the first answer never arrived: same cursor again
    assert [c["record_id"] for c in again["changes"]] == [person_id]
    assert engine.pull(BEN, "d-ben", again["cursor"])["changes"] == []


def test_later_change_reaches_a_colleague_once(engine, visibility):
    person_id = new_person(engine, visibility)
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    note_id = uid()
    engine.push(ANN, "d-ann", [create("note", note_id, person_id=person_id, text="Seen today")])
    page = engine.pull(BEN, "d-ben", cursor)
    assert [c["record_id"] for c in page["changes"]] == [note_id]
    assert engine.pull(BEN, "d-ben", page["cursor"])["changes"] == []


def test_pull_is_paginated_and_complete(engine, visibility):
    person_id = new_person(engine, visibility)
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    note_ids = {uid() for _ in range(120)}
    engine.push(ANN, "d-ann", [create("note", n, person_id=person_id, text="x") for n in note_ids])
    received, pages, more = [], 0, True
    while more:
        page = engine.pull(BEN, "d-ben", cursor)
        received += [c["record_id"] for c in page["changes"]]
        cursor, more, pages = page["cursor"], page["more"], pages + 1
    assert pages == 3
    assert sorted(received) == sorted(note_ids)


def test_new_device_gets_a_snapshot_split_over_pages(engine, visibility):
    people = [new_person(engine, visibility, name=f"P{n}") for n in range(3)]
    for person_id in people:
        engine.push(ANN, "d-ann", [create("note", uid(), person_id=person_id, text="x")
                                   for _ in range(20)])
    received, cursor, more = [], 0, True
    while more:
        page = engine.pull(BEN, "d-new", cursor)
        received += [c["record_id"] for c in page["changes"]]
        cursor, more = page["cursor"], page["more"]
    assert len(received) == len(set(received)) == 63


def test_malformed_envelope_raises(engine):
    with pytest.raises(sync.EnvelopeError) as error:
        engine.sync(ANN, {"protocol": 2, "device_id": str(uuid.uuid4()), "mutations": []})
    assert "protocol" in error.value.messages


def test_envelope_with_a_mutation_without_id_raises(engine):
    with pytest.raises(sync.EnvelopeError):
        engine.sync(ANN, {"protocol": 1, "device_id": str(uuid.uuid4()),
                          "mutations": [{"type": "person"}]})


def test_error_mid_batch_keeps_earlier_mutations_and_leaves_no_half(engine, visibility):
    """A crash while applying the second mutation: the first stays committed, the second is not
    half-applied, so a retry of the batch answers duplicate then applies the second."""
    person_id = new_person(engine, visibility)
    good = create("note", uid(), person_id=person_id, text="kept")
    bad = create("note", uid(), person_id=person_id, text="boom")
    record_type = engine.registry.get("note")
    original = record_type.derive

    def crash(db, actor, op, values, current):
        if values.get("text") == "boom":
            raise RuntimeError("power cut")
        return original(db, actor, op, values, current)

    object.__setattr__(record_type, "derive", crash)
    with pytest.raises(RuntimeError):
        engine.push(ANN, "d-ann", [good, bad])
    object.__setattr__(record_type, "derive", original)
    assert engine.db["note"].count == 1
    assert engine.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert statuses(engine.push(ANN, "d-ann", [good, bad])) == ["duplicate", "applied"]


def test_merge_moves_every_record_and_leaves_a_tombstone(engine, visibility):
    kept = new_person(engine, visibility, name="Dan")
    duplicate = new_person(engine, visibility, name="Danny", actor=BEN, device="d-ben")
    notes = [create("note", uid(), person_id=duplicate, text=f"seen {n}") for n in range(3)]
    engine.push(BEN, "d-ben", notes)
    assert engine.merge(ANN, "person", duplicate, kept) == {"moved": 3}
    assert {row["person_id"] for row in engine.db["note"].rows} == {kept}
    assert engine.db["person"].get(duplicate)["deleted"] == 1
    assert [h["fields"]["person_id"] for h in engine.history("note", notes[0]["record_id"])] == [
        duplicate, kept]


def test_mutations_queued_for_a_merged_away_record_land_on_the_kept_one(engine, visibility):
    kept = new_person(engine, visibility, name="Dan")
    duplicate = new_person(engine, visibility, name="Danny", actor=BEN, device="d-ben")
    engine.merge(ANN, "person", duplicate, kept)
    late_note = create("note", uid(), person_id=duplicate, text="recorded offline before merge")
    late_edit = update("person", duplicate, 1, district="Fenland")
    assert statuses(engine.push(BEN, "d-ben", [late_note, late_edit])) == ["applied", "applied"]
    assert engine.db["note"].get(late_note["record_id"])["person_id"] == kept
    assert engine.db["person"].get(kept)["district"] == "Fenland"


def test_edit_of_merged_away_record_conflicts_where_the_kept_one_differs(engine, visibility):
    kept = new_person(engine, visibility, name="Dan")
    engine.push(ANN, "d-ann", [update("person", kept, 1, phone="07700 111111")])
    duplicate = new_person(engine, visibility, name="Danny", actor=BEN, device="d-ben")
    engine.merge(ANN, "person", duplicate, kept)
    [result] = engine.push(BEN, "d-ben", [update("person", duplicate, 1, phone="07700 222222")])
    assert result["status"] == "conflict"
    assert engine.db["person"].get(kept)["phone"] == "07700 111111"


def test_phone_following_the_merged_away_person_moves_its_records(engine, visibility):
    kept = new_person(engine, visibility, name="Dan")
    duplicate = new_person(engine, visibility, name="Danny")
    note = create("note", uid(), person_id=duplicate, text="x")
    engine.push(ANN, "d-ann", [note])
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    engine.merge(ANN, "person", duplicate, kept)
    visibility.scopes[BEN.id].discard(duplicate)  # a deleted person is seen by nobody
    changes = engine.pull(BEN, "d-ben", cursor)["changes"]
    moved = [c for c in changes if c["record_id"] == note["record_id"]]
    assert moved and moved[-1]["scope"] == kept and not moved[-1]["deleted"]
    assert {"type": "scope", "record_id": duplicate, "version": 0, "deleted": True,
            "scope": duplicate, "fields": None} in changes


def test_merge_refuses_nonsense(engine, visibility):
    kept = new_person(engine, visibility)
    with pytest.raises(sync.Refusal):
        engine.merge(ANN, "person", kept, kept)
    with pytest.raises(sync.Refusal):
        engine.merge(ANN, "note", kept, kept)


def test_a_reader_gets_only_the_record_types_they_may_read(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(ANN, "d-ann", [create("note", uid(), person_id=person_id, text="not for Ben")])
    engine.can_read = lambda actor, type_name: actor.id != BEN.id or type_name == "person"
    assert {c["type"] for c in engine.pull(BEN, "d-ben", 0)["changes"]} == {"person"}
    assert {c["type"] for c in engine.pull(ANN, "d-ann", 0)["changes"]} == {"person", "note"}
