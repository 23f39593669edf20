"""The sync engine's push alone: mutations applied once, in order, each in a savepoint of the
batch's one transaction; rejected, deferred and replayed mutations (the batch's transaction
itself: tests/test_sync_batch.py). A tiny registry (tests/sync_fixtures.py), real SQLite
files, no Flask. Conflicts, pulls, merges and history have files of their own."""

import sqlite3
import uuid
from datetime import timedelta

import pytest

import sync
from tests.helpers import create, delete, statuses, uid, update
from tests.sync_fixtures import ANN, BEN, clock, engine, new_person, visibility  # noqa: F401


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


def test_deferred_mutation_still_waits_just_before_the_set_time(engine, visibility, clock):
    note = create("note", uid(), person_id=uid(), text="Orphan")
    engine.push(ANN, "d-ann", [note])
    clock.now += timedelta(days=14, seconds=-1)
    assert engine.push(ANN, "d-ann", [note])[0]["status"] == "deferred"


def test_update_of_unknown_record_is_deferred(engine):
    [result] = engine.push(ANN, "d-ann", [update("person", uid(), 1, district="Fenland")])
    assert result["status"] == "deferred"


def test_update_from_a_version_the_server_never_had_is_rejected(engine, visibility):
    person_id = new_person(engine, visibility)
    [result] = engine.push(ANN, "d-ann", [update("person", person_id, 7, district="Fenland")])
    assert result["status"] == "rejected"


def test_update_of_a_deleted_record_is_rejected(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(ANN, "d-ann", [delete("person", person_id)])
    [result] = engine.push(BEN, "d-ben", [update("person", person_id, 1, district="Fenland")])
    assert result["status"] == "rejected"
    assert "deleted on the server" in result["errors"]["_mutation"][0]


def test_malformed_envelope_raises(engine):
    with pytest.raises(sync.EnvelopeError) as error:
        engine.sync(ANN, {"protocol": 2, "device_id": str(uuid.uuid4()), "mutations": []})
    assert "protocol" in error.value.messages


def test_envelope_with_a_mutation_without_id_raises(engine):
    with pytest.raises(sync.EnvelopeError):
        engine.sync(ANN, {"protocol": 1, "device_id": str(uuid.uuid4()),
                          "mutations": [{"type": "person"}]})


def test_store_trouble_mid_batch_keeps_earlier_mutations_and_leaves_no_half(engine, visibility):
    """The disk fills while applying the second mutation: the first stays committed, the second is
    not half-applied, the batch stops (the phone sends again), and the retry answers duplicate
    then applies the second."""
    person_id = new_person(engine, visibility)
    good = create("note", uid(), person_id=person_id, text="kept")
    bad = create("note", uid(), person_id=person_id, text="boom")
    record_type = engine.registry.get("note")
    original = record_type.derive

    def crash(db, actor, op, values, current):
        if values.get("text") == "boom":
            raise sqlite3.OperationalError("database or disk is full")
        return original(db, actor, op, values, current)

    object.__setattr__(record_type, "derive", crash)
    with pytest.raises(sync.StoreUnavailable):
        engine.push(ANN, "d-ann", [good, bad])
    object.__setattr__(record_type, "derive", original)
    assert engine.db["note"].count == 1
    assert engine.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert statuses(engine.push(ANN, "d-ann", [good, bad])) == ["duplicate", "applied"]


def test_an_unexpected_error_rejects_that_mutation_and_the_rest_apply(engine, visibility):
    """A bug or data the store cannot take, in one record: that record is rejected with a message,
    the records before and after it are applied and answered."""
    person_id = new_person(engine, visibility)
    record_type = engine.registry.get("note")
    original = record_type.derive

    def crash(db, actor, op, values, current):
        if values.get("text") == "boom":
            raise ValueError("a bug")
        return original(db, actor, op, values, current)

    object.__setattr__(record_type, "derive", crash)
    batch = [create("note", uid(), person_id=person_id, text=text) for text in ("a", "boom", "b")]
    results = engine.push(ANN, "d-ann", batch)
    assert statuses(results) == ["applied", "rejected", "applied"]
    assert "kept on this phone" in results[1]["errors"]["_mutation"][0]
    assert engine.db["note"].count == 2


def test_text_that_is_not_valid_unicode_is_refused_for_that_field(engine, visibility):
    person_id = new_person(engine, visibility)
    batch = [create("note", uid(), person_id=person_id, text=text)
             for text in ("before", "half an emoji \ud83d", "after")]
    results = engine.push(ANN, "d-ann", batch)
    assert statuses(results) == ["applied", "rejected", "applied"]
    assert "cannot be stored" in results[1]["errors"]["text"][0]
