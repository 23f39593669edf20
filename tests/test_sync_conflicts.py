"""Conflicts: two phones change the same field differently. The server keeps its value and
records the other."""

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
    assert (conflict["server_value"], conflict["incoming_value"]) == ('"Fenland"', '"Peterborough"')


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
