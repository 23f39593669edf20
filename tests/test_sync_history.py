"""Version history: every stored version of a record, with who made it and when."""

from tests.helpers import create, uid, update
from tests.sync_fixtures import ANN, BEN, clock, engine, new_person, visibility  # noqa: F401


def test_correction_of_append_only_record_keeps_every_version(engine, visibility):
    person_id = new_person(engine, visibility)
    note = create("note", uid(), person_id=person_id, text="Slept at the church")
    engine.push(ANN, "d-ann", [note])
    [fix] = engine.push(ANN, "d-ann", [update("note", note["record_id"], 1,
                                              text="Slept at the chapel")])
    assert fix["version"] == 2
    history = engine.history("note", note["record_id"])
    assert [h["fields"]["text"] for h in history] == ["Slept at the church", "Slept at the chapel"]
