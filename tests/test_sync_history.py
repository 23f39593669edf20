"""Version history and the change log, as the app reads them: through the engine's methods and
its one embeddable SELECT (`change_log_sql`), never the tables (sync/history.py)."""

from datetime import timedelta

from tests.helpers import create, delete, uid, update
from tests.sync_fixtures import ANN, BEN, clock, engine, new_person, visibility  # noqa: F401


def change_log(engine, **filters):
    """The change log's rows as the audit trail would page through them: newest first."""
    sql, params = engine.change_log_sql(**filters)
    cursor = engine.db.execute(f"SELECT * FROM ({sql}) ORDER BY stored_at DESC, type, version DESC",
                               params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# ----------------------------------------------------------------- one record's versions
def test_correction_of_append_only_record_keeps_every_version(engine, visibility):
    person_id = new_person(engine, visibility)
    note = create("note", uid(), person_id=person_id, text="Slept at the church")
    engine.push(ANN, "d-ann", [note])
    [fix] = engine.push(ANN, "d-ann", [update("note", note["record_id"], 1,
                                              text="Slept at the chapel")])
    assert fix["version"] == 2
    history = engine.history("note", note["record_id"])
    assert [h["fields"]["text"] for h in history] == ["Slept at the church", "Slept at the chapel"]


def test_a_version_says_who_made_it_where_and_when(engine, visibility, clock):
    person_id = new_person(engine, visibility)
    clock.now += timedelta(minutes=5)
    mutation = update("person", person_id, 1, district="Fenland")
    engine.push(BEN, "d-ben", [mutation])
    version = engine.history("person", person_id)[-1]
    assert {key: version[key] for key in ("version", "op", "actor_id", "device_id", "mutation_id",
                                          "recorded_at", "stored_at")} == {
        "version": 2, "op": "update", "actor_id": BEN.id, "device_id": "d-ben",
        "mutation_id": mutation["id"], "recorded_at": "2026-11-20T08:00:00Z",
        "stored_at": "2026-11-22T09:05:00Z"}
    assert version["fields"] == {"name": "Dan", "district": "Fenland", "phone": None}


def test_histories_of_many_records_at_once(engine, visibility):
    dan, sam = new_person(engine, visibility, name="Dan"), new_person(engine, visibility, "Sam")
    engine.push(BEN, "d-ben", [update("person", sam, 1, district="March")])
    histories = engine.histories("person", [dan, sam])
    assert histories == {dan: engine.history("person", dan), sam: engine.history("person", sam)}
    assert [v["version"] for v in histories[sam]] == [1, 2]


def test_histories_map_a_record_without_versions_to_an_empty_list(engine, visibility):
    unknown = uid()
    assert engine.histories("person", [unknown]) == {unknown: []}


def test_histories_of_more_records_than_one_query_may_name(engine, visibility):
    people = [new_person(engine, visibility, name=f"P{n}") for n in range(3)]
    asked = people + [uid() for _ in range(1200)]
    histories = engine.histories("person", asked)
    assert len(histories) == len(asked)
    assert all(len(histories[person_id]) == 1 for person_id in people)


def test_fields_changed_names_only_the_fields_a_version_changed(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(ANN, "d-ann", [update("person", person_id, 1, district="Fenland", phone="07700")])
    engine.push(ANN, "d-ann", [update("person", person_id, 2, district="March", name="Dan")])
    assert engine.fields_changed("person", person_id, 2) == ["district", "phone"]
    assert engine.fields_changed("person", person_id, 3) == ["district"]


def test_fields_changed_of_a_first_version_are_the_fields_with_a_value(engine, visibility):
    person_id = new_person(engine, visibility)
    assert engine.fields_changed("person", person_id, 1) == ["name"]


def test_device_of_a_record_is_the_one_it_was_created_on(engine, visibility):
    person_id = new_person(engine, visibility, device="d-ann")
    engine.push(BEN, "d-ben", [update("person", person_id, 1, district="Fenland")])
    assert engine.device_of("person", person_id) == "d-ann"
    assert engine.device_of("person", person_id, 2) == "d-ben"
    assert engine.device_of("person", uid()) is None


def test_last_actor_leaves_out_the_one_asking(engine, visibility):
    person_id = new_person(engine, visibility, actor=ANN)
    engine.push(BEN, "d-ben", [update("person", person_id, 1, district="Fenland")])
    engine.push(ANN, "d-ann", [update("person", person_id, 2, phone="07700")])
    assert engine.last_actor("person", person_id, excluding_actor_id=ANN.id) == BEN.id
    assert engine.last_actor("person", person_id, excluding_actor_id=BEN.id) == ANN.id


def test_last_actor_is_none_when_nobody_else_stored_a_version(engine, visibility):
    person_id = new_person(engine, visibility, actor=ANN)
    assert engine.last_actor("person", person_id, excluding_actor_id=ANN.id) is None


# ----------------------------------------------------------------- the change log
def test_change_log_has_one_row_per_stored_version_with_its_columns(engine, visibility, clock):
    person_id = new_person(engine, visibility)
    note = create("note", uid(), person_id=person_id, text="Seen")
    engine.push(BEN, "d-ben", [note])
    clock.now += timedelta(hours=1)
    engine.push(BEN, "d-ben", [delete("note", note["record_id"])])
    assert change_log(engine) == [
        {"stored_at": "2026-11-22T10:00:00Z", "actor_id": BEN.id, "device_id": "d-ben",
         "scope": person_id, "type": "note", "record_id": note["record_id"], "version": 2,
         "op": "delete", "recorded_at": None},
        {"stored_at": "2026-11-22T09:00:00Z", "actor_id": BEN.id, "device_id": "d-ben",
         "scope": person_id, "type": "note", "record_id": note["record_id"], "version": 1,
         "op": "create", "recorded_at": "2026-11-22T08:00:00Z"},
        {"stored_at": "2026-11-22T09:00:00Z", "actor_id": ANN.id, "device_id": "d-ann",
         "scope": person_id, "type": "person", "record_id": person_id, "version": 1,
         "op": "create", "recorded_at": "2026-11-22T08:00:00Z"},
    ]


def test_change_log_of_a_scope_leaves_out_other_scopes(engine, visibility):
    dan, sam = new_person(engine, visibility, name="Dan"), new_person(engine, visibility, "Sam")
    engine.push(ANN, "d-ann", [create("note", uid(), person_id=sam, text="x")])
    assert {row["scope"] for row in change_log(engine, scope=sam)} == {sam}
    assert [row["record_id"] for row in change_log(engine, scope=dan)] == [dan]


def test_change_log_of_an_actor_is_what_they_stored(engine, visibility):
    person_id = new_person(engine, visibility, actor=ANN)
    engine.push(BEN, "d-ben", [update("person", person_id, 1, district="Fenland")])
    assert [(row["actor_id"], row["version"]) for row in change_log(engine, actor_id=BEN.id)] == [
        (BEN.id, 2)]


def test_change_log_can_leave_out_record_types(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(ANN, "d-ann", [create("note", uid(), person_id=person_id, text="x")])
    assert {row["type"] for row in change_log(engine, exclude_types=["note"])} == {"person"}


def test_a_moved_record_is_in_both_scopes_log_under_the_one_it_moved_to(engine, visibility):
    kept = new_person(engine, visibility, name="Dan")
    duplicate = new_person(engine, visibility, name="Danny")
    note = create("note", uid(), person_id=duplicate, text="x")
    engine.push(ANN, "d-ann", [note])
    engine.merge(ANN, "person", duplicate, kept)
    for scope in (duplicate, kept):
        [moved] = [row for row in change_log(engine, scope=scope)
                   if row["record_id"] == note["record_id"] and row["version"] == 2]
        assert (moved["op"], moved["scope"], moved["device_id"]) == ("merge", kept, None)


def test_change_log_sql_can_be_embedded_with_the_apps_own_rows(engine, visibility):
    """The audit trail unions the log with its own events and counts and pages the lot."""
    new_person(engine, visibility)
    sql, params = engine.change_log_sql(actor_id=ANN.id)
    total = engine.db.execute(
        f"SELECT COUNT(*) FROM (SELECT stored_at AS at FROM ({sql})"
        " UNION ALL SELECT '2026-11-22T09:30:00Z')", params).fetchone()[0]
    assert total == 2
