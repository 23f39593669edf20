"""The casework rules as the sync engine applies them: validation, who may write, derived fields."""

import uuid
from datetime import datetime, timedelta

import pytest

from fieldapp import users
from fieldapp.records import contact as contact_record, make_engine, person as person_record
from tests.helpers import contact_fields, mutation


@pytest.fixture
def push(app, db, demo_data):
    engine = make_engine(db, app.config)

    def push(username, *mutations):
        actor = users.User(users.get_user_by_username(db, username))
        return engine.push(actor, str(uuid.uuid4()), list(mutations))

    return push


def test_new_person_and_first_contact_in_one_batch(push, db):
    person = mutation("person", {"display_name": "Man by the bridge", "district": "East Cambridgeshire"})
    contact = mutation("contact", contact_fields(person["record_id"], district="East Cambridgeshire"))
    results = push("peer", person, contact)
    assert [r["status"] for r in results] == ["applied", "applied"]
    row = db["person"].get(person["record_id"])
    peer = users.get_user_by_username(db, "peer")
    assert (row["area"], row["team"], row["created_by"]) == (
        "Fenland and East Cambridgeshire", "Fenland outreach", peer["id"])
    assert db["contact"].get(contact["record_id"])["worker_id"] == peer["id"]


def test_admin_cannot_write_casework(push):
    [result] = push("admin", mutation("person", {"display_name": "X", "district": "Fenland"}))
    assert result["status"] == "rejected"


def test_contact_for_someone_outside_scope_is_rejected(push, demo_data):
    [result] = push("peer", mutation("contact", contact_fields(demo_data["Kerry"])))
    assert result["status"] == "rejected" and "person_id" in result["errors"]
    [result] = push("navigator", mutation("contact", contact_fields(demo_data["Kerry"])))
    assert result["status"] == "applied"


def test_only_a_coordinator_chooses_a_trusted_person(push, db, demo_data):
    navigator = users.get_user_by_username(db, "navigator")["id"]
    [result] = push("outreach", mutation("person", {"trusted_person_id": navigator}, op="update",
                                         record_id=demo_data["Dan"], base_version=1))
    assert result["status"] == "rejected" and "trusted_person_id" in result["errors"]
    [result] = push("coordinator", mutation("person", {"trusted_person_id": navigator}, op="update",
                                            record_id=demo_data["Dan"], base_version=1))
    assert result["status"] == "applied"


def test_worker_cannot_edit_a_person_outside_scope(push, demo_data):
    [result] = push("outreach", mutation("person", {"display_name": "K"}, op="update",
                                         record_id=demo_data["Kerry"], base_version=2))
    assert result["status"] == "rejected"
    assert result["errors"] == {"_mutation": ["You cannot change this person's record"]}


@pytest.mark.parametrize("changes, field, message", [
    ({"place": None}, "place", "Enter where the contact happened"),
    ({"place": "   "}, "place", "Enter where the contact happened"),
    ({"contact_at": (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")}, "contact_at",
     "The contact time cannot be in the future"),
    ({"contact_at": "yesterday"}, "contact_at", "Enter when the contact happened as a date and time"),
    ({"district": "Narnia"}, "district", "Choose a district from the list"),
    ({"contact_type": "telepathy"}, "contact_type", "Choose the type of contact from the list"),
    ({"duration_minutes": 2000}, "duration_minutes", "Enter a duration between 0 and 1440 minutes"),
    ({"bedded_down": None}, "bedded_down", "Answer whether the person was bedded down"),
])
def test_contact_validation_messages(app, changes, field, message):
    contact = contact_record.record_type(app.config).schema
    errors = contact().validate(contact_fields(str(uuid.uuid4()), **changes))
    assert errors[field] == [message]


def test_valid_contact_dumps_to_json_primitives(app):
    contact = contact_record.record_type(app.config).schema
    schema = contact()
    loaded = schema.load(contact_fields(str(uuid.uuid4()), duration_minutes=20, what_happened="Talked"))
    dumped = schema.dump(loaded)
    assert all(isinstance(value, (str, int, bool)) for value in dumped.values())
    assert dumped["bedded_down"] is True and dumped["duration_minutes"] == 20


def test_person_needs_a_name_or_description(app):
    person = person_record.schema_for(app.config)
    assert person().validate({"district": "Fenland"}) == {
        "display_name": ["Enter the person's name or a description"]}


def test_a_coordinator_cannot_assign_across_areas_through_sync(push, db, demo_data):
    """The sync endpoint accepts what the assign form offers: a worker and a team of the area."""
    users.create_user(db, "pboro", "demo", "outreach_worker", team="Peterborough outreach",
                      area="Peterborough")
    far = users.get_user_by_username(db, "pboro")["id"]
    dan = demo_data["Dan"]
    version = db["person"].get(dan)["version"]
    [result] = push("coordinator", mutation("person", {"trusted_person_id": far}, op="update",
                                            record_id=dan, base_version=version))
    assert result["status"] == "rejected" and "trusted_person_id" in result["errors"]
    [result] = push("coordinator", mutation("person", {"team": "Peterborough outreach"}, op="update",
                                            record_id=dan, base_version=version))
    assert result["status"] == "rejected" and "team" in result["errors"]
    [result] = push("coordinator", mutation("person", {"team": "Fenland navigators"}, op="update",
                                            record_id=dan, base_version=version))
    assert result["status"] == "applied"


@pytest.mark.parametrize("username", ["peer", "outreach"])
def test_only_a_coordinator_removes_a_person(push, db, demo_data, username):
    dan = demo_data["Dan"]
    delete = {"id": str(uuid.uuid4()), "type": "person", "op": "delete", "record_id": dan}
    [result] = push(username, delete)
    assert result["status"] == "rejected" and "coordinator" in result["errors"]["_mutation"][0]
    assert not db["person"].get(dan)["deleted"]
    [result] = push("coordinator", {**delete, "id": str(uuid.uuid4())})
    assert result["status"] == "applied" and db["person"].get(dan)["deleted"]
