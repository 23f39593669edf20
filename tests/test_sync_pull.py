"""The pull: what a phone is sent. Only what its user may see, each change once, scope changes
that survive a lost answer, pages that add up to everything (sync/pull.py)."""

import sync
from tests.helpers import create, delete, uid
from tests.sync_fixtures import (  # noqa: F401
    ANN, BEN, clock, engine, new_person, open_engine, visibility)


def test_delete_leaves_a_tombstone_that_travels(engine, visibility):
    person_id = new_person(engine, visibility)
    note = create("note", uid(), person_id=person_id, text="Entered in error")
    engine.push(ANN, "d-ann", [note])
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    assert engine.push(ANN, "d-ann", [delete("note", note["record_id"])])[0]["version"] == 2
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


def test_a_reader_gets_only_the_record_types_they_may_read(engine, visibility):
    person_id = new_person(engine, visibility)
    engine.push(ANN, "d-ann", [create("note", uid(), person_id=person_id, text="not for Ben")])
    engine.can_read = lambda actor, type_name: actor.id != BEN.id or type_name == "person"
    assert {c["type"] for c in engine.pull(BEN, "d-ben", 0)["changes"]} == {"person"}
    assert {c["type"] for c in engine.pull(ANN, "d-ann", 0)["changes"]} == {"person", "note"}


def test_a_subclass_can_act_on_each_page_around_the_engines_pull(tmp_path, visibility, clock):
    """The app notes which people reached a phone by overriding `pull` and calling super()."""

    class NotingEngine(sync.Engine):
        def pull(self, actor, device_id, cursor):
            page = super().pull(actor, device_id, cursor)
            self.sent = {change["scope"] for change in page["changes"]}
            return page

    engine = open_engine(tmp_path / "sync.db", visibility, clock, engine_class=NotingEngine)
    person_id = new_person(engine, visibility)
    answer = engine.sync(BEN, {"protocol": 1, "device_id": uid(), "cursor": 0, "mutations": []})
    assert [c["record_id"] for c in answer["changes"]] == [person_id]
    assert engine.sent == {person_id}


def test_a_late_replay_of_an_old_request_never_makes_the_server_forget_what_the_phone_holds(
        engine, visibility):
    """A stalled request with an old cursor arrives after newer ones: the person the phone holds
    must still be dropped from it when they leave its user's scope (a privacy leak otherwise)."""
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    person_id = new_person(engine, visibility)  # comes into Ben's scope
    held = engine.pull(BEN, "d-ben", cursor)
    assert person_id in {c["scope"] for c in held["changes"]}
    confirmed = engine.pull(BEN, "d-ben", held["cursor"])["cursor"]  # received: the cursor moved on
    engine.pull(BEN, "d-ben", cursor)  # the stalled first request, replayed late
    visibility.scopes[BEN.id].discard(person_id)  # the share ends
    page = engine.pull(BEN, "d-ben", confirmed)
    assert {"type": "scope", "record_id": person_id, "version": 0, "deleted": True,
            "scope": person_id, "fields": None} in page["changes"]


def test_reordered_requests_still_drop_a_person_who_left(engine, visibility):
    person_id = new_person(engine, visibility)
    first = engine.pull(BEN, "d-ben", 0)
    second = engine.pull(BEN, "d-ben", first["cursor"])
    for stale in (0, first["cursor"], 0):  # retries overtaken by the answers already received
        engine.pull(BEN, "d-ben", stale)
    visibility.scopes[BEN.id].discard(person_id)
    page = engine.pull(BEN, "d-ben", second["cursor"])
    assert person_id in {c["record_id"] for c in page["changes"] if c["type"] == "scope"}


def _drop(person_id):
    return {"type": "scope", "record_id": person_id, "version": 0, "deleted": True,
            "scope": person_id, "fields": None}


def test_a_late_request_before_the_next_sync_never_forgets_what_the_last_answer_carried(
        engine, visibility):
    """The answer bringing a person arrived, but the phone has not synced since, so no cursor it
    sent proves it yet. A stalled older request arriving now must not make the server forget
    that the phone holds the person: when they leave its user's scope, the phone is told."""
    start = engine.pull(BEN, "d-ben", 0)["cursor"]
    start = engine.pull(BEN, "d-ben", start)["cursor"]  # the server has seen this cursor
    person_id = new_person(engine, visibility)
    held = engine.pull(BEN, "d-ben", start)  # received: the phone holds the person
    assert person_id in {c["scope"] for c in held["changes"]}
    engine.pull(BEN, "d-ben", 0)  # an older request, stalled until now
    visibility.scopes[BEN.id].discard(person_id)  # the share ends
    assert _drop(person_id) in engine.pull(BEN, "d-ben", held["cursor"])["changes"]


def test_two_requests_in_the_opposite_order_never_forget_what_the_first_answer_carried(
        engine, visibility):
    """The phone's request stalls, its retry (same cursor) is answered with a person, then the
    stalled one arrives: the phone still holds the person and must be told to drop them."""
    cursor = engine.pull(BEN, "d-ben", 0)["cursor"]
    person_id = new_person(engine, visibility)
    retry = engine.pull(BEN, "d-ben", cursor)  # answered and received
    assert person_id in {c["scope"] for c in retry["changes"]}
    engine.pull(BEN, "d-ben", cursor)  # the stalled first request, with the same cursor
    visibility.scopes[BEN.id].discard(person_id)
    assert _drop(person_id) in engine.pull(BEN, "d-ben", retry["cursor"])["changes"]


def test_what_a_late_requests_answer_carried_is_sent_again(engine, visibility):
    """A late request's answer reaches nobody (the phone gave up on it): a person who came into
    scope in it still reaches the phone at its next sync, whichever cursor that carries."""
    cursors = {}
    for device in ("d-retry", "d-next"):
        first = engine.pull(BEN, device, 0)["cursor"]
        second = engine.pull(BEN, device, first)["cursor"]  # received, not yet proved
        cursors[device] = first if device == "d-retry" else second
    person_id = new_person(engine, visibility)
    for device, cursor in cursors.items():  # a retry of the last request seen, or the next one
        late = engine.pull(BEN, device, 0)
        assert person_id in {c["scope"] for c in late["changes"]}
        page = engine.pull(BEN, device, cursor)
        assert person_id in {c["scope"] for c in page["changes"] if c["type"] == "person"}
