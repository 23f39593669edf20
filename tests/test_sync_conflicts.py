"""Conflicts: two phones change the same field differently. The server keeps its value, records
the other, and the app reads, counts and resolves conflicts through the engine's methods."""

import pytest

from tests.helpers import statuses, update
from tests.sync_fixtures import ANN, BEN, clock, engine, new_person, visibility  # noqa: F401


def clash(engine, person_id, field="district", kept="Fenland", other="Peterborough"):
    """Ben changes a field from version 1, then Ann changes it differently from version 1 too:
    one conflict. Returns Ann's mutation."""
    engine.push(BEN, "d-ben", [update("person", person_id, 1, **{field: kept})])
    mutation = update("person", person_id, 1, **{field: other})
    [result] = engine.push(ANN, "d-ann", [mutation])
    assert result["status"] == "conflict"
    return mutation


# ----------------------------------------------------------------- what is a conflict
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
    assert (conflict["base_value"], conflict["server_value"], conflict["incoming_value"]) == (
        None, "Fenland", "Peterborough")


def test_same_change_on_both_sides_is_not_a_conflict(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(BEN, "d-ben", [update("person", person_id, 1, district="Fenland")])
    [result] = engine.push(ANN, "d-ann", [update("person", person_id, 1, district="Fenland")])
    assert result["status"] == "applied"
    assert engine.conflicts([person_id]) == []


def test_a_conflict_answer_is_repeated_on_replay(engine, visibility):
    person_id = new_person(engine, visibility)
    mutation = clash(engine, person_id)
    [again] = engine.push(ANN, "d-ann", [mutation])
    assert again["status"] == "duplicate" and again["first_status"] == "conflict"


def test_a_conflict_names_who_caused_it_with_which_mutation(engine, visibility):
    person_id = new_person(engine, visibility)
    mutation = clash(engine, person_id)
    [conflict] = engine.conflicts([person_id])
    assert (conflict["actor_id"], conflict["mutation_id"]) == (ANN.id, mutation["id"])
    assert (conflict["type"], conflict["record_id"], conflict["scope"]) == (
        "person", person_id, person_id)


# ----------------------------------------------------------------- reading conflicts
def test_conflicts_are_listed_oldest_first(engine, visibility):
    person_id = new_person(engine, visibility)
    clash(engine, person_id, "district")
    engine.push(BEN, "d-ben", [update("person", person_id, 2, phone="07700 111111")])
    engine.push(ANN, "d-ann", [update("person", person_id, 2, phone="07700 222222")])
    listed = engine.conflicts([person_id])
    assert [c["field"] for c in listed] == ["district", "phone"]
    assert listed[0]["id"] < listed[1]["id"]


def test_conflicts_of_no_scopes_are_none(engine, visibility):
    clash(engine, new_person(engine, visibility))
    assert engine.conflicts([]) == []


def test_conflicts_without_filters_are_every_open_one(engine, visibility):
    people = [new_person(engine, visibility, name=name) for name in ("Dan", "Sam")]
    for person_id in people:
        clash(engine, person_id)
    assert sorted(c["scope"] for c in engine.conflicts()) == sorted(people)


def test_conflicts_of_one_record(engine, visibility):
    dan, sam = new_person(engine, visibility, name="Dan"), new_person(engine, visibility, "Sam")
    clash(engine, dan)
    clash(engine, sam)
    assert [c["record_id"] for c in engine.conflicts(record=("person", sam))] == [sam]


def test_conflicts_a_mutation_caused(engine, visibility):
    dan, sam = new_person(engine, visibility, name="Dan"), new_person(engine, visibility, "Sam")
    clash(engine, dan)
    mutation = clash(engine, sam)
    assert [c["record_id"] for c in engine.conflicts(mutation_id=mutation["id"])] == [sam]


def test_one_conflict_by_id_has_its_values_decoded(engine, visibility):
    person_id = new_person(engine, visibility)
    clash(engine, person_id)
    [listed] = engine.conflicts([person_id])
    conflict = engine.conflict(listed["id"])
    assert conflict == listed
    assert (conflict["server_value"], conflict["incoming_value"]) == ("Fenland", "Peterborough")


def test_a_conflict_that_does_not_exist_is_none(engine):
    assert engine.conflict(12345) is None


def test_open_conflict_counts_per_scope_leave_out_scopes_without_any(engine, visibility):
    dan, sam = new_person(engine, visibility, name="Dan"), new_person(engine, visibility, "Sam")
    clash(engine, dan, "district")
    engine.push(BEN, "d-ben", [update("person", dan, 2, phone="07700 111111")])
    engine.push(ANN, "d-ann", [update("person", dan, 2, phone="07700 222222")])
    assert engine.open_conflict_counts([dan, sam]) == {dan: 2}
    assert engine.open_conflict_counts([]) == {}


# ----------------------------------------------------------------- resolving
def test_resolving_a_conflict_records_who_and_when(engine, visibility, clock):
    person_id = new_person(engine, visibility)
    clash(engine, person_id)
    [conflict] = engine.conflicts([person_id])
    assert engine.resolve_conflict(conflict["id"], BEN.id) is True
    resolved = engine.conflict(conflict["id"])
    assert (resolved["resolved_by"], resolved["resolved_at"]) == (BEN.id, "2026-11-22T09:00:00Z")


def test_a_resolved_conflict_is_no_longer_open(engine, visibility):
    person_id = new_person(engine, visibility)
    clash(engine, person_id)
    [conflict] = engine.conflicts([person_id])
    engine.resolve_conflict(conflict["id"], BEN.id)
    assert engine.conflicts([person_id]) == []
    assert engine.open_conflict_counts([person_id]) == {}
    assert [c["id"] for c in engine.conflicts([person_id], open_only=False)] == [conflict["id"]]


def test_resolving_twice_counts_once(engine, visibility):
    person_id = new_person(engine, visibility)
    clash(engine, person_id)
    [conflict] = engine.conflicts([person_id])
    engine.resolve_conflict(conflict["id"], BEN.id)
    assert engine.resolve_conflict(conflict["id"], ANN.id) is False
    assert engine.conflict(conflict["id"])["resolved_by"] == BEN.id


def test_resolving_a_conflict_that_does_not_exist_is_false(engine):
    assert engine.resolve_conflict(12345, ANN.id) is False


def test_an_update_adopting_the_other_value_resolves_the_conflict_with_it(engine, visibility):
    """"Use the other value": the phone sends the value not kept; the engine resolves the
    conflict in the same transaction that applies it, with who did it."""
    person_id = new_person(engine, visibility)
    clash(engine, person_id)
    [result] = engine.push(BEN, "d-ben", [update("person", person_id, 2, district="Peterborough")])
    assert result["status"] == "applied"
    assert engine.db["person"].get(person_id)["district"] == "Peterborough"
    assert engine.conflicts([person_id]) == []
    assert engine.conflicts([person_id], open_only=False)[0]["resolved_by"] == BEN.id


def test_a_resolution_inside_an_update_that_fails_is_undone_with_it(engine, visibility):
    """The record type's derive hook runs after the engine resolved the adopted conflict."""
    person_id = new_person(engine, visibility)
    clash(engine, person_id)
    person_type = engine.registry.get("person")

    def crash(db, actor, op, values, current):
        raise RuntimeError("power cut")

    object.__setattr__(person_type, "derive", crash)
    [result] = engine.push(BEN, "d-ben", [update("person", person_id, 2, district="Peterborough")])
    assert result["status"] == "rejected"
    assert len(engine.conflicts([person_id])) == 1


def test_resolving_with_commit_inside_an_open_transaction_is_refused(engine, visibility):
    person_id = new_person(engine, visibility)
    clash(engine, person_id)
    [conflict] = engine.conflicts([person_id])
    engine.db.execute("BEGIN")
    with pytest.raises(RuntimeError, match="commit=False"):
        engine.resolve_conflict(conflict["id"], BEN.id)
    engine.db.execute("ROLLBACK")
    assert len(engine.conflicts([person_id])) == 1
