"""POST /api/sync over real HTTP through Flask's client, on a real SQLite file."""

import gzip
import hashlib
import json

import pytest

from fieldapp import create_app, devices, users
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from tests.helpers import uid

HEADERS = {"X-Fieldapp-Sync": "1"}


@pytest.fixture
def instance(tmp_path):
    """An instance folder with a migrated database and a few users."""
    users.configure_hashing(time_cost=1, memory_cost=256, parallelism=1)  # fast, for tests
    db = open_db(tmp_path / "fieldapp.db")
    migrate(db)
    team, area = "Fenland outreach", "Fenland and East Cambridgeshire"
    users.create_user(db, "ann", "pw-ann", "outreach_worker", team=team, area=area)
    users.create_user(db, "ben", "pw-ben", "outreach_worker", team=team, area=area)
    users.create_user(db, "cat", "pw-cat", "outreach_worker", team="Peterborough outreach",
                         area="Peterborough")
    users.create_user(db, "root", "pw-root", "admin")
    db.close()
    return tmp_path


def make_app(instance):
    return create_app({"TESTING": True, "INSTANCE": str(instance), "SECRET_KEY": "test",
                       "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 256, "ARGON2_PARALLELISM": 1,
                       "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                       "SYNC_MAX_MUTATIONS": 5, "SYNC_MAX_BYTES": 20_000})


@pytest.fixture
def app(instance):
    return make_app(instance)


class Phone:
    """A logged-in phone: its own cookie jar, device id and cursor."""

    def __init__(self, app, username):
        self.client = app.test_client()
        self.device_id = uid()
        self.cursor = 0
        response = self.client.post("/login", data={"username": username,
                                                    "password": f"pw-{username}",
                                                    "device_id": self.device_id})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]

    def send(self, mutations=(), **overrides):
        body = {"protocol": 1, "device_id": self.device_id, "cursor": self.cursor,
                "mutations": list(mutations), **overrides}
        return self.client.post("/api/sync", json=body, headers=HEADERS)

    def sync(self, mutations=()):
        response = self.send(mutations)
        assert response.status_code == 200, response.get_json()
        answer = response.get_json()
        self.cursor = answer["cursor"]
        return answer


def new_person(name="Woman in green coat", district="Fenland"):
    return {"id": uid(), "type": "person", "op": "create", "record_id": uid(),
            "recorded_at": "2026-11-22T08:00:00Z",
            "fields": {"display_name": name, "district": district}}


def new_contact(person_id, **overrides):
    fields = {"person_id": person_id, "contact_at": "2026-11-21T07:55", "district": "Fenland",
              "place": "Bus shelter, Market Place, Wisbech", "contact_type": "street_outreach",
              "bedded_down": True, "spoken_to": True, "duration_minutes": 20,
              "what_happened": "Offered a sleeping bag", "action": "StreetLink referral"}
    fields.update(overrides)
    return {"id": uid(), "type": "contact", "op": "create", "record_id": uid(),
            "recorded_at": "2026-11-22T08:02:11Z", "fields": fields}


def test_person_and_contact_reach_a_colleague(app):
    ann, ben = Phone(app, "ann"), Phone(app, "ben")
    person = new_person()
    contact = new_contact(person["record_id"])
    answer = ann.sync([person, contact])
    assert [r["status"] for r in answer["results"]] == ["applied", "applied"]
    changes = ben.sync()["changes"]
    assert {(c["type"], c["record_id"]) for c in changes} == {
        ("person", person["record_id"]), ("contact", contact["record_id"])}
    [pulled] = [c for c in changes if c["type"] == "contact"]
    assert pulled["fields"]["bedded_down"] is True and pulled["fields"]["place"].startswith("Bus")


def test_server_derived_fields_come_back_to_the_sender(app):
    ann = Phone(app, "ann")
    person = new_person()
    changes = ann.sync([person])["changes"]
    [mine] = [c for c in changes if c["record_id"] == person["record_id"]]
    assert mine["fields"]["area"] == "Fenland and East Cambridgeshire"
    assert mine["fields"]["team"] == "Fenland outreach"


def test_other_team_sees_nothing_and_cannot_write(app):
    ann, cat = Phone(app, "ann"), Phone(app, "cat")
    person = new_person()
    ann.sync([person])
    assert cat.sync()["changes"] == []
    [result] = cat.sync([new_contact(person["record_id"])])["results"]
    assert result["status"] == "rejected" and "person_id" in result["errors"]


def test_admin_records_no_casework(app):
    root = Phone(app, "root")
    [result] = root.sync([new_person()])["results"]
    assert result["status"] == "rejected"


def test_invalid_contact_is_rejected_with_field_errors_and_others_apply(app):
    ann = Phone(app, "ann")
    person = new_person()
    bad = new_contact(person["record_id"], place="", contact_type="teleport")
    answer = ann.sync([person, bad, new_contact(person["record_id"])])
    assert [r["status"] for r in answer["results"]] == ["applied", "rejected", "applied"]
    assert set(answer["results"][1]["errors"]) >= {"place", "contact_type"}


def test_replay_after_lost_answer_is_duplicate_and_stored_once(app, instance):
    ann = Phone(app, "ann")
    person = new_person()
    batch = [person, new_contact(person["record_id"])]
    ann.send(batch)  # committed; pretend the answer never arrived
    answer = ann.sync(batch)
    assert [r["status"] for r in answer["results"]] == ["duplicate", "duplicate"]
    db = open_db(instance / "fieldapp.db")
    assert db["contact"].count == 1 and db["person"].count == 1


def test_replay_after_server_restart_is_still_a_duplicate(app, instance):
    person = new_person()
    Phone(app, "ann").sync([person])
    restarted = make_app(instance)  # a fresh process on the same database file
    [result] = Phone(restarted, "ann").sync([person])["results"]
    assert result["status"] == "duplicate" and result["first_status"] == "applied"


def test_missing_sync_header_is_refused(app):
    ann = Phone(app, "ann")
    response = ann.client.post("/api/sync", json={"protocol": 1, "device_id": ann.device_id})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_cross_site_origin_is_refused(app):
    ann = Phone(app, "ann")
    response = ann.client.post("/api/sync", json={"protocol": 1, "device_id": ann.device_id},
                               headers={**HEADERS, "Origin": "https://evil.example"})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden_origin"


def test_not_logged_in_is_401_json(app):
    client = app.test_client()
    response = client.post("/api/sync", json={"protocol": 1, "device_id": uid(), "mutations": []},
                           headers=HEADERS)
    assert response.status_code == 401 and response.get_json() == {"error": "login_required"}


def test_device_other_than_the_sessions_is_refused(app):
    ann = Phone(app, "ann")
    response = ann.send(device_id=uid())
    assert response.status_code == 409 and response.get_json()["error"] == "device_mismatch"


def test_revoked_device_is_told_to_wipe_and_its_outbox_refused(app, instance):
    ann = Phone(app, "ann")
    db = open_db(instance / "fieldapp.db")
    devices.revoke_device(db, ann.device_id)
    response = ann.send([new_person()])
    assert response.status_code == 403 and response.get_json()["revoked"] is True
    assert db["person"].count == 0


def test_malformed_envelope_is_400_with_messages(app):
    ann = Phone(app, "ann")
    response = ann.send(protocol=9)
    assert response.status_code == 400 and "protocol" in response.get_json()["messages"]


def test_non_json_body_is_400(app):
    ann = Phone(app, "ann")
    response = ann.client.post("/api/sync", data="<html>", headers={
        **HEADERS, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_too_many_mutations_is_413_stating_both_limits(app):
    ann = Phone(app, "ann")
    response = ann.send([new_person() for _ in range(6)])
    assert response.status_code == 413
    assert response.get_json() == {"error": "too_large", "max_mutations": 5, "max_bytes": 20_000}


def test_too_many_bytes_is_413(app):
    ann = Phone(app, "ann")
    person = new_person()
    response = ann.send([new_contact(person["record_id"], what_happened="x" * 3999)
                         for _ in range(5)])
    assert response.status_code == 413


def test_gzip_body_is_measured_after_decompression(app):
    ann = Phone(app, "ann")
    body = {"protocol": 1, "device_id": ann.device_id, "cursor": 0,
            "mutations": [new_person(name="x" * 100)], "padding": "y" * 30_000}
    response = ann.client.post("/api/sync", data=gzip.compress(json.dumps(body).encode()),
                               headers={**HEADERS, "Content-Type": "application/json",
                                        "Content-Encoding": "gzip"})
    assert response.status_code == 413
    del body["padding"]
    response = ann.client.post("/api/sync", data=gzip.compress(json.dumps(body).encode()),
                               headers={**HEADERS, "Content-Type": "application/json",
                                        "Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "applied"


def test_half_an_emoji_in_one_contact_never_stops_the_batch(app):
    """A lone surrogate ("\\ud83d") in one contact: that contact is refused with a message on its
    field; the records around it are applied and the answer is a 200, not a 500 for ever."""
    ann = Phone(app, "ann")
    person = new_person()
    batch = [person, new_contact(person["record_id"], what_happened="\ud83d"),
             new_contact(person["record_id"])]
    body = json.dumps({"protocol": 1, "device_id": ann.device_id, "cursor": 0, "mutations": batch})
    assert "\\ud83d" in body  # JSON carries it; UTF-8 cannot
    response = ann.client.post("/api/sync", data=body, content_type="application/json",
                               headers=HEADERS)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert "cannot be stored" in results[1]["errors"]["what_happened"][0]


def test_deeply_nested_json_is_a_400_in_json(app):
    ann = Phone(app, "ann")
    body = '{"protocol": 1, "device_id": "%s", "mutations": ' % ann.device_id + "[" * 5000 + "]" * 5000 + "}"
    response = ann.client.post("/api/sync", data=body, content_type="application/json",
                               headers=HEADERS)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_a_sync_is_answered_503_busy_with_retry_after_while_the_write_lock_is_held(instance):
    """Overload: another connection holds the store's write lock past SYNC_LOCK_TIMEOUT_SECONDS.
    The push is answered at once with 503, Retry-After and a JSON body, nothing of it stored;
    a phone with nothing to send still gets its (no-op) pull; once the lock is free, the same
    push is applied."""
    import sqlite3
    import time

    app = make_app(instance)
    app.config.update(SYNC_LOCK_TIMEOUT_SECONDS=0.1, SYNC_BUSY_RETRY_SECONDS=7)
    ann = Phone(app, "ann")
    ann.sync()
    ann.sync()  # settles the first answer: from now on a sync with nothing new writes nothing
    person = new_person()
    holder = sqlite3.connect(str(instance / "fieldapp.db"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        response = ann.send([person])
        assert time.monotonic() - started < 2
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "7"
        assert response.get_json() == {"error": "busy", "retry_after_seconds": 7}
        assert ann.send().status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    db = open_db(instance / "fieldapp.db")
    assert db["person"].count == 0
    db.close()
    assert [r["status"] for r in ann.sync([person])["results"]] == ["applied"]


def test_a_phone_asking_for_partial_echoes_gets_back_only_what_it_lacks(app):
    """`"echo": "partial"`: the records the phone just created come back as only the fields the
    server filled or changed; merged over what the phone sent, they are exactly the records a
    colleague's phone receives whole. A phone that does not ask still gets them whole."""
    ann, ben = Phone(app, "ann"), Phone(app, "ben")
    person = new_person()
    contact = new_contact(person["record_id"], duration_minutes="20")  # the server makes it 20
    response = ann.send([person, contact], echo="partial")
    assert response.status_code == 200
    mine = {c["record_id"]: c for c in response.get_json()["changes"]}
    echoed_person, echoed_contact = mine[person["record_id"]], mine[contact["record_id"]]
    assert echoed_person["partial"] is True and echoed_contact["partial"] is True
    assert "display_name" not in echoed_person["fields"]
    assert echoed_person["fields"]["area"] == "Fenland and East Cambridgeshire"
    assert set(echoed_contact["fields"]) <= {"duration_minutes", "worker_id", "recorded_at"}
    assert echoed_contact["fields"]["duration_minutes"] == 20
    whole = {c["record_id"]: c for c in ben.sync()["changes"]}
    for sent, echoed in ((person, echoed_person), (contact, echoed_contact)):
        merged = {**sent["fields"], **echoed["fields"]}
        expected = {k: v for k, v in whole[sent["record_id"]]["fields"].items() if v is not None}
        assert {k: v for k, v in merged.items() if v is not None} == expected
        assert echoed["version"] == whole[sent["record_id"]]["version"] == 1
    assert "partial" not in whole[person["record_id"]]


def test_a_phone_asking_for_echoes_in_results_gets_them_there_and_no_change_repeating_them(app):
    """`"echo": "result"`: the partial echo of each record the phone created comes inside the
    create's own result (merged over what was sent, it is the record a colleague receives), no
    change in `changes` names it again, and no result carries a null field."""
    ann, ben = Phone(app, "ann"), Phone(app, "ben")
    person = new_person()
    contact = new_contact(person["record_id"], duration_minutes="20")
    answer = ann.send([person, contact], echo="result").get_json()
    assert [c["record_id"] for c in answer["changes"]
            if c["record_id"] in (person["record_id"], contact["record_id"])] == []
    assert [set(r) for r in answer["results"]] == [{"id", "status", "version", "echo"}] * 2
    assert answer["results"][0]["echo"]["scope"] == person["record_id"]
    whole = {c["record_id"]: c for c in ben.sync()["changes"]}
    for sent, result in zip((person, contact), answer["results"]):
        merged = {**sent["fields"], **result["echo"]["fields"]}
        expected = {k: v for k, v in whole[sent["record_id"]]["fields"].items() if v is not None}
        assert {k: v for k, v in merged.items() if v is not None} == expected
        assert result["echo"]["scope"] == whole[sent["record_id"]]["scope"]
    assert answer["results"][1]["echo"]["fields"]["duration_minutes"] == 20


def test_a_rejected_mutation_answered_with_echo_in_results_leaves_out_what_is_null(app):
    ann = Phone(app, "ann")
    bad = new_person(district="Atlantis")
    [result] = ann.send([bad], echo="result").get_json()["results"]
    assert result["status"] == "rejected" and set(result) == {"id", "status", "errors"}
    person = new_person()
    ann.send([person], echo="result")
    [replayed] = ann.send([person], echo="result").get_json()["results"]
    assert replayed == {"id": person["id"], "status": "duplicate", "version": 1,
                        "first_status": "applied"}


def test_a_phone_asking_for_results_without_ids_gets_them_in_the_order_it_sent(app):
    """`"result_ids": false`: one result per mutation, in the order sent, none naming its id (a
    refused one among them keeps its place)."""
    ann = Phone(app, "ann")
    person, bad, other = new_person(), new_person(district="Atlantis"), new_person()
    answer = ann.send([person, bad, other], echo="result", result_ids=False).get_json()
    assert [r["status"] for r in answer["results"]] == ["applied", "rejected", "applied"]
    assert all("id" not in r for r in answer["results"])
    assert answer["results"][1]["errors"]
    # The batch they answer is named by a digest of its ids, in the order sent.
    ids = "\n".join(m["id"] for m in (person, bad, other)).encode()
    assert answer["results_for"] == hashlib.sha256(ids).hexdigest()[:16]
    # Asked again by default, the ids are there.
    [replayed] = ann.send([person], echo="result").get_json()["results"]
    assert replayed["id"] == person["id"] and replayed["status"] == "duplicate"


@pytest.mark.parametrize("value", ["sometimes", 3, [False]])
def test_a_results_ids_flag_that_is_not_a_boolean_is_a_bad_request(app, value):
    ann = Phone(app, "ann")
    response = ann.send([new_person()], result_ids=value)
    assert response.status_code == 400
    assert "result_ids" in json.dumps(response.get_json())


def test_a_record_changed_again_in_the_same_request_comes_back_whole(app):
    ann = Phone(app, "ann")
    person = new_person()
    edit = {"id": uid(), "type": "person", "op": "update", "record_id": person["record_id"],
            "base_version": 1, "recorded_at": "2026-11-22T08:05:00Z",
            "fields": {"display_name": "Woman in red coat"}}
    answer = ann.send([person, edit], echo="partial").get_json()
    [change] = [c for c in answer["changes"] if c["record_id"] == person["record_id"]]
    assert "partial" not in change and change["version"] == 2
    assert change["fields"]["display_name"] == "Woman in red coat"
    assert change["fields"]["district"] == "Fenland"
