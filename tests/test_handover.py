"""A lost phone's hand-over (POST /api/handover) and the coordinator's Accept and Discard, over
real HTTP through Flask's client, on a real SQLite file (fieldapp/rules/handover.py)."""

import json

import pytest

from fieldapp import devices, users
from fieldapp.db import open_db
from tests.helpers import uid
from tests.test_api import HEADERS, Phone, instance, make_app, new_contact, new_person  # noqa: F401


@pytest.fixture
def app(instance):
    db = open_db(instance / "fieldapp.db")
    users.create_user(db, "cora", "pw-cora", "coordinator", team="Fenland outreach",
                      area="Fenland and East Cambridgeshire")
    users.create_user(db, "pete", "pw-pete", "coordinator", area="Peterborough")
    db.close()
    return make_app(instance)


@pytest.fixture
def db(instance):
    database = open_db(instance / "fieldapp.db")
    yield database
    database.close()


def hand_over(client, device_id, items, **headers):
    return client.post("/api/handover", json={"device_id": device_id, "items": items},
                       headers={**HEADERS, **headers})


def plain(mutation):
    return {"id": mutation["id"], "mutation": mutation}


@pytest.fixture
def revoked(app, db):
    """Ann's phone, revoked, with a new person and a contact about them never sent."""
    ann = Phone(app, "ann")
    person = new_person("Man by the bins")
    contact = new_contact(person["record_id"])
    devices.revoke_device(db, ann.device_id)
    return ann, person, contact


def test_a_revoked_phone_hands_over_and_nothing_is_applied(revoked, db):
    ann, person, contact = revoked
    response = hand_over(ann.client, ann.device_id, [plain(person), plain(contact)])
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["not_verified", "not_verified"]
    assert db["person"].count == 0 and db["contact"].count == 0
    rows = list(db.query("SELECT mutation_id, type, person_id, verified, decision FROM handed_over ORDER BY type"))
    assert rows == [
        {"mutation_id": contact["id"], "type": "contact", "person_id": person["record_id"], "verified": 0, "decision": None},
        {"mutation_id": person["id"], "type": "person", "person_id": person["record_id"], "verified": 0, "decision": None}]
    assert db.execute("SELECT COUNT(*) FROM audit_event WHERE action = 'handed_over'").fetchone()[0] == 2


def test_a_hand_over_sent_again_keeps_one_copy(revoked, db):
    ann, person, _ = revoked
    first = hand_over(ann.client, ann.device_id, [plain(person)]).get_json()
    again = hand_over(ann.client, ann.device_id, [plain(person)]).get_json()
    assert first == again
    assert db["handed_over"].count == 1


def test_a_record_sent_before_the_revocation_is_not_kept_again(app, db):
    ann = Phone(app, "ann")
    person = new_person()
    ann.sync([person])
    devices.revoke_device(db, ann.device_id)
    [result] = hand_over(ann.client, ann.device_id, [plain(person)]).get_json()["results"]
    assert result["status"] == "already_received" and db["handed_over"].count == 0


def test_a_phone_in_good_standing_must_use_the_sync_endpoint(app, db):
    ann = Phone(app, "ann")
    response = hand_over(ann.client, ann.device_id, [plain(new_person())])
    assert response.status_code == 409 and response.get_json()["error"] == "not_revoked"
    unknown = hand_over(ann.client, uid(), [plain(new_person())])
    assert unknown.status_code == 409 and unknown.get_json()["error"] == "not_revoked"
    assert db["handed_over"].count == 0


def test_a_hand_over_needs_the_sync_header_and_this_origin(revoked, db):
    ann, person, _ = revoked
    body = {"device_id": ann.device_id, "items": [plain(person)]}
    assert ann.client.post("/api/handover", json=body).status_code == 400
    foreign = hand_over(ann.client, ann.device_id, [plain(person)], Origin="https://evil.example")
    assert foreign.status_code == 403 and foreign.get_json()["error"] == "forbidden_origin"
    assert db["handed_over"].count == 0


def test_a_hand_over_too_large_is_413(revoked, db):
    ann, person, _ = revoked
    big = dict(person, fields={"display_name": "x" * 30_000, "district": "Fenland"})
    response = hand_over(ann.client, ann.device_id, [plain(big)])
    assert response.status_code == 413 and response.get_json()["max_bytes"] == 20_000
    many = [plain(new_person()) for _ in range(6)]  # SYNC_MAX_MUTATIONS is 5 here
    assert hand_over(ann.client, ann.device_id, many).status_code == 413
    assert db["handed_over"].count == 0


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"device_id": 3, "items": []}', b'{"device_id": "x", "items": [{"id": "a"}]}',
    b'{"device_id": "x", "items": [{"id": "a", "mutation": {"id": "a"}, "sealed": {}}]}',
])
def test_a_malformed_hand_over_is_400_as_json(revoked, body):
    ann, _, _ = revoked
    response = ann.client.post("/api/handover", data=body, headers={**HEADERS, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_an_item_that_is_not_a_record_or_names_another_id_is_refused(revoked, db):
    ann, person, _ = revoked
    results = hand_over(ann.client, ann.device_id, [
        {"id": person["id"], "mutation": {"id": person["id"]}},
        {"id": uid(), "mutation": person},
    ]).get_json()["results"]
    assert [r["status"] for r in results] == ["refused", "refused"]
    assert db["handed_over"].count == 0


def coordinator(app, username="cora"):
    phone = Phone(app, username)
    return phone.client


def test_the_coordinator_accepts_one_as_the_workers_own(app, revoked, db):
    ann, person, contact = revoked
    hand_over(ann.client, ann.device_id, [plain(person), plain(contact)])
    cora = coordinator(app)
    page = cora.get("/coordination/handed-over").get_data(as_text=True)
    assert "Someone registered" in page and "A contact" in page and "Not verified" in page
    assert "handed over by a lost phone" in cora.get("/coordination/").get_data(as_text=True)

    response = cora.post(f"/coordination/handed-over/{person['id']}/accept")
    assert response.status_code == 302
    [stored] = db.query("SELECT display_name FROM person WHERE id = ?", [person["record_id"]])
    assert stored["display_name"] == "Man by the bins"
    [change] = db.query("SELECT actor_id, device_id FROM sync_mutation WHERE id = ?", [person["id"]])
    assert change == {"actor_id": users.get_user_by_username(db, "ann")["id"], "device_id": ann.device_id}
    [row] = db.query("SELECT decision, decided_by FROM handed_over WHERE mutation_id = ?", [person["id"]])
    assert row == {"decision": "accepted", "decided_by": users.get_user_by_username(db, "cora")["id"]}
    assert db.execute("SELECT COUNT(*) FROM audit_event WHERE action = 'handover_accepted'"
                      " AND person_id = ?", [person["record_id"]]).fetchone()[0] == 1
    # Accepting it again finds nothing to decide.
    assert cora.post(f"/coordination/handed-over/{person['id']}/accept").status_code == 404


def test_a_record_the_engine_refuses_stays_on_the_list_with_its_answer(app, revoked, db):
    ann, _, contact = revoked
    hand_over(ann.client, ann.device_id, [plain(contact)])  # its person never reached the server
    cora = coordinator(app)
    cora.post(f"/coordination/handed-over/{contact['id']}/accept")
    assert db["contact"].count == 0
    [row] = db.query("SELECT decision, answer FROM handed_over")
    assert row["decision"] is None and json.loads(row["answer"])["status"] in ("deferred", "rejected")
    assert "Tried before: not accepted" in cora.get("/coordination/handed-over").get_data(as_text=True)


def test_the_coordinator_discards_one_with_a_reason(app, revoked, db):
    ann, person, _ = revoked
    hand_over(ann.client, ann.device_id, [plain(person)])
    cora = coordinator(app)
    refused = cora.post(f"/coordination/handed-over/{person['id']}/discard", data={"reason": " "})
    assert refused.status_code == 400 and "Say why it is discarded" in refused.get_data(as_text=True)
    done = cora.post(f"/coordination/handed-over/{person['id']}/discard",
                     data={"reason": "Ann says she never met him"})
    assert done.status_code == 302 and db["person"].count == 0
    [event] = db.query("SELECT detail, subject_user_id FROM audit_event WHERE action = 'handover_discarded'")
    assert "Ann says she never met him" in event["detail"]
    assert event["subject_user_id"] == users.get_user_by_username(db, "ann")["id"]
    assert "None waiting" in cora.get("/coordination/handed-over").get_data(as_text=True)
    admin = Phone(app, "root").client
    trails = {name: admin.get(f"/admin/audit/users/{users.get_user_by_username(db, name)['id']}").get_data(as_text=True)
              for name in ("ann", "cora")}
    assert "Handed over by a lost phone, not applied" in trails["ann"]
    assert "Discarded a record a lost phone handed over (ann's)" in trails["cora"]


def test_only_a_coordinator_of_the_workers_area_decides(app, revoked, db):
    ann, person, _ = revoked
    hand_over(ann.client, ann.device_id, [plain(person)])
    pete = coordinator(app, "pete")
    assert "Someone registered" not in pete.get("/coordination/handed-over").get_data(as_text=True)
    assert pete.post(f"/coordination/handed-over/{person['id']}/accept").status_code == 404
    assert pete.post(f"/coordination/handed-over/{person['id']}/discard", data={"reason": "no"}).status_code == 404
    ben = Phone(app, "ben").client
    assert ben.get("/coordination/handed-over").status_code == 403
    assert db["person"].count == 0


def test_a_deactivated_workers_record_is_accepted_as_theirs(app, db):
    ann = Phone(app, "ann")
    person = new_person()
    users.deactivate_user(db, users.get_user_by_username(db, "ann")["id"])
    hand_over(ann.client, ann.device_id, [plain(person)])
    cora = coordinator(app)
    assert "(no longer active)" in cora.get("/coordination/handed-over").get_data(as_text=True)
    cora.post(f"/coordination/handed-over/{person['id']}/accept")
    [change] = db.query("SELECT actor_id FROM sync_mutation WHERE id = ?", [person["id"]])
    assert change["actor_id"] == users.get_user_by_username(db, "ann")["id"]


def test_the_wiped_page_names_nobody_and_clears_the_site(client):
    response = client.get("/wiped")
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Nothing of fieldapp's is kept on it" in page and "<script" not in page


def test_what_a_locked_phone_cannot_hand_over_is_named_as_lost(app, revoked, db):
    ann, person, contact = revoked
    lost = [{"id": contact["id"], "type": "contact", "person_id": person["record_id"],
             "recorded_at": contact["recorded_at"]}]
    response = ann.client.post("/api/handover", json={"device_id": ann.device_id, "items": [], "lost": lost},
                               headers=HEADERS)
    assert response.status_code == 200 and response.get_json()["results"] == []
    [row] = db.query("SELECT mutation_id, lost_at IS NOT NULL AS lost FROM device_outbox")
    assert row == {"mutation_id": contact["id"], "lost": 1}
    assert db["handed_over"].count == 0


def signing_phone(app, db):
    """Ann's phone with a signing key registered (as at PIN set-up), then revoked: (phone, key)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from fieldapp.rules import sealing

    ann = Phone(app, "ann")
    key = ec.generate_private_key(ec.SECP256R1())
    with db.conn:
        db.execute("UPDATE device SET signing_key = ? WHERE id = ?",
                   [sealing.b64(sealing.public_raw(key.public_key())), ann.device_id])
    devices.revoke_device(db, ann.device_id)
    return ann, key


def sealed(app, key, mutation, device_id):
    from fieldapp.rules import sealing

    envelope = sealing.seal(sealing.keyring(app.instance_path).public(), key, mutation, device_id)
    return {"id": mutation["id"], "sealed": envelope}


def test_a_sealed_and_signed_record_is_kept_as_verified(app, db):
    ann, key = signing_phone(app, db)
    person = new_person()
    [result] = hand_over(ann.client, ann.device_id, [sealed(app, key, person, ann.device_id)]).get_json()["results"]
    assert result == {"id": person["id"], "status": "kept"}
    [row] = db.query("SELECT verified, mutation FROM handed_over")
    assert row["verified"] == 1 and json.loads(row["mutation"])["fields"] == person["fields"]
    assert db["person"].count == 0


def test_a_forged_envelope_is_refused(app, db):
    from cryptography.hazmat.primitives.asymmetric import ec

    ann, key = signing_phone(app, db)
    person = new_person()
    other_key = ec.generate_private_key(ec.SECP256R1())  # not the phone's: whoever holds it
    forged = sealed(app, other_key, person, ann.device_id)
    changed = sealed(app, key, person, ann.device_id)
    changed["sealed"]["ct"] = changed["sealed"]["ct"][:-4] + ("AAAA" if not changed["sealed"]["ct"].endswith("AAAA") else "BBBB")
    another_phone = sealed(app, key, dict(new_person(), id=uid()), uid())  # signed for another device
    results = hand_over(ann.client, ann.device_id, [forged, changed, another_phone]).get_json()["results"]
    assert [r["status"] for r in results] == ["refused"] * 3
    assert all(r["errors"]["_mutation"] for r in results)
    assert db["handed_over"].count == 0


def test_a_plain_record_from_a_phone_that_seals_is_refused(app, db):
    ann, _ = signing_phone(app, db)
    [result] = hand_over(ann.client, ann.device_id, [plain(new_person())]).get_json()["results"]
    assert result["status"] == "refused" and db["handed_over"].count == 0
