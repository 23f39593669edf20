"""Merging two records of one thing (two registrations of one person): every record moves to the
one kept, mutations still on their way land there too, and phones are told (Engine.merge)."""

import pytest

import sync
from tests.helpers import create, statuses, uid, update
from tests.sync_fixtures import ANN, BEN, clock, engine, new_person, visibility  # noqa: F401


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


def test_open_conflicts_move_to_the_kept_record(engine, visibility):
    kept = new_person(engine, visibility, name="Dan")
    duplicate = new_person(engine, visibility, name="Danny", actor=BEN, device="d-ben")
    engine.push(ANN, "d-ann", [update("person", duplicate, 1, district="Fenland")])
    engine.push(BEN, "d-ben", [update("person", duplicate, 1, district="March")])
    engine.merge(ANN, "person", duplicate, kept)
    assert engine.open_conflict_counts([kept, duplicate]) == {kept: 1}


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


def test_merge_refuses_a_record_into_itself(engine, visibility):
    kept = new_person(engine, visibility)
    with pytest.raises(sync.Refusal, match="into itself"):
        engine.merge(ANN, "person", kept, kept)


def test_merge_refuses_a_type_that_belongs_to_another_record(engine, visibility):
    person_id = new_person(engine, visibility)
    notes = [create("note", uid(), person_id=person_id, text=text) for text in ("a", "b")]
    engine.push(ANN, "d-ann", notes)
    with pytest.raises(sync.Refusal, match="cannot be merged"):
        engine.merge(ANN, "note", notes[0]["record_id"], notes[1]["record_id"])
