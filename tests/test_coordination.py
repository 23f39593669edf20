"""The coordinator's tools: assignment with the caseload cap, the network, merging two records of
one person, possible matches, and who may use them (shares: tests/test_sharing.py)."""

import uuid
from datetime import date

import pytest

from fieldapp import users
from fieldapp.reads import network as networks
from fieldapp.rules import CoordinationError, assignment, matching, merging, sharing
from tests.coordination_fixtures import actor, elsewhere, engine, push, user_id  # noqa: F401
from tests.helpers import mutation

AREA = "Fenland and East Cambridgeshire"


def contact(person_id, place="Bus shelter"):
    return mutation("contact", {"person_id": person_id, "contact_at": "2026-01-01T08:00",
                                "district": "Fenland", "place": place,
                                "contact_type": "street_outreach", "bedded_down": True,
                                "spoken_to": False})


def peer_session(person_id, minutes=30):
    return mutation("peer_session", {"person_id": person_id, "session_on": "2026-01-02",
                                     "duration_minutes": minutes, "mode": "phone",
                                     "purpose": "housing"})


def ndt(person_id):
    return mutation("assessment", {"person_id": person_id, "instrument": "ndt", "instrument_version": "1",
                                   "assessed_on": "2026-01-03", "status": "not_done",
                                   "not_done_reason": "Not there"})


# --------------------------------------------------------------------------- who may use them
COORDINATOR_PAGES = ["/coordination/", "/coordination/network", "/coordination/merge",
                     "/coordination/peer-hours", "/coordination/people/{dan}/assign",
                     "/coordination/people/{dan}/share"]


@pytest.mark.parametrize("username", ["outreach", "peer", "navigator", "admin"])
def test_only_coordinators_may_use_the_tools(client, auth, demo_data, username):
    auth.login(username)
    for path in COORDINATOR_PAGES:
        assert client.get(path.format(dan=demo_data["Dan"])).status_code == 403, path
    assert client.post(f"/coordination/people/{demo_data['Dan']}/assign",
                       data={"trusted_person_id": "1"}).status_code == 403
    assert client.post("/coordination/merge", data={"keep": demo_data["Dan"],
                                                    "merge": demo_data["Sam"]}).status_code == 403
    assert client.post("/coordination/shares/1/end").status_code == 403


def test_coordinator_pages_answer_and_are_never_cached(client, auth, demo_data):
    auth.login("coordinator")
    for path in COORDINATOR_PAGES:
        response = client.get(path.format(dan=demo_data["Dan"]))
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"


def test_people_of_another_area_are_refused(db, client, auth, demo_data, elsewhere):
    auth.login("coordinator")
    assert client.get(f"/coordination/people/{elsewhere}/assign").status_code == 404
    assert client.post(f"/coordination/people/{elsewhere}/assign",
                       data={"trusted_person_id": str(user_id(db, "navigator"))}).status_code == 404
    assert client.get(f"/coordination/people/{elsewhere}/share").status_code == 404
    assert client.post(f"/coordination/people/{elsewhere}/share", data={
        "user_id": str(user_id(db, "outreach")), "starts_on": date.today().isoformat(),
        "ends_on": date.today().isoformat()}).status_code == 404
    assert client.get(f"/coordination/merge?keep={demo_data['Dan']}&merge={elsewhere}").status_code == 404
    assert client.post("/coordination/merge", data={"keep": demo_data["Dan"],
                                                    "merge": elsewhere}).status_code == 404
    assert db["person"].get(elsewhere)["deleted"] == 0
    with pytest.raises(LookupError):
        sharing.share_person(db, {}, actor(db, "coordinator"), elsewhere, {})


# --------------------------------------------------------------------------- assignment
def test_assigning_a_trusted_person_goes_through_the_sync_engine(app, db, engine, client, auth,
                                                                 demo_data):
    dan = demo_data["Dan"]
    before = db["person"].get(dan)["version"]
    auth.login("coordinator", device_id=str(uuid.uuid4()))
    response = client.post(f"/coordination/people/{dan}/assign",
                           data={"trusted_person_id": str(user_id(db, "navigator"))})
    assert response.status_code == 302 and response.headers["Location"] == f"/people/{dan}"
    row = db["person"].get(dan)
    assert row["trusted_person_id"] == user_id(db, "navigator") and row["version"] == before + 1
    last = engine.history("person", dan)[-1]
    assert last["actor_id"] == user_id(db, "coordinator") and last["op"] == "update"
    session_device = db.execute("SELECT device_id FROM login_session WHERE user_id = ?"
                                " AND revoked_at IS NULL", [user_id(db, "coordinator")]).fetchone()[0]
    assert last["device_id"] == session_device
    # Nobody again
    client.post(f"/coordination/people/{dan}/assign", data={"trusted_person_id": ""})
    assert db["person"].get(dan)["trusted_person_id"] is None


def test_a_trusted_person_from_outside_the_list_is_refused(db, client, auth, demo_data):
    auth.login("coordinator")
    admin_id = user_id(db, "admin")
    response = client.post(f"/coordination/people/{demo_data['Dan']}/assign",
                           data={"trusted_person_id": str(admin_id)})
    assert response.status_code == 200 and "Choose a trusted person from the list" in response.data.decode()
    assert db["person"].get(demo_data["Dan"])["trusted_person_id"] is None


def test_above_the_caseload_cap_is_a_warning_not_a_refusal(app, db, client, auth, demo_data):
    app.config["CASELOAD_CAP"] = 1  # the navigator already has Kerry
    navigator = user_id(db, "navigator")
    auth.login("coordinator")
    page = client.get(f"/coordination/people/{demo_data['Dan']}/assign").data.decode()
    assert "Nina Clarke – 1 person (at the cap)" in page
    response = client.post(f"/coordination/people/{demo_data['Dan']}/assign",
                           data={"trusted_person_id": str(navigator)})
    page = response.data.decode()
    assert response.status_code == 200
    assert "Nina Clarke already has 1 person; the programme&#39;s cap is 1" in page
    assert "Assign anyway" in page
    assert db["person"].get(demo_data["Dan"])["trusted_person_id"] is None
    # Confirming for another worker than the one warned about does not skip their warning.
    response = client.post(f"/coordination/people/{demo_data['Dan']}/assign",
                           data={"trusted_person_id": str(navigator), "confirm": "999"})
    assert response.status_code == 200
    response = client.post(f"/coordination/people/{demo_data['Dan']}/assign",
                           data={"trusted_person_id": str(navigator), "confirm": str(navigator)})
    assert response.status_code == 302
    assert db["person"].get(demo_data["Dan"])["trusted_person_id"] == navigator
    assert "already has 1 person" in client.get(f"/people/{demo_data['Dan']}").data.decode()


def test_cap_warning_counts_open_people_of_that_worker(app, db, push, demo_data):
    navigator = user_id(db, "navigator")
    assert assignment.caseload_count(db, navigator) == 1
    assert assignment.cap_warning(db, navigator, 2, demo_data["Dan"]) is None
    assert assignment.cap_warning(db, navigator, 1, demo_data["Dan"]) == (
        "Nina Clarke already has 1 person; the programme's cap is 1")
    # Kerry herself being reassigned to her own trusted person is no new burden.
    assert assignment.cap_warning(db, navigator, 1, demo_data["Kerry"]) is None
    if "status" in db["person"].columns_dict:
        kerry = db["person"].get(demo_data["Kerry"])
        [result] = push("coordinator", mutation("person", {"status": "closed", "exit_destination": "settled_housing"},
                                                op="update", record_id=kerry["id"], base_version=kerry["version"]))
        assert result["status"] == "applied", result
        assert assignment.caseload_count(db, navigator) == 0


def test_team_can_be_changed_by_the_coordinator(app, db, client, auth, demo_data):
    auth.login("coordinator")
    dan = demo_data["Dan"]
    response = client.post(f"/coordination/people/{dan}/assign",
                           data={"trusted_person_id": "", "team": "Fenland navigators"})
    assert response.status_code == 302
    assert db["person"].get(dan)["team"] == "Fenland navigators"


# --------------------------------------------------------------------------- the network
def test_the_network_counts(app, db, client, auth, demo_data):
    coordinator = actor(db, "coordinator")
    summary = networks.network(db, coordinator, 15)
    assert summary["counts"] == {"trusted_persons": 1, "coordinators": 1, "people_supported": 1,
                                 "unassigned": 4}
    [nina] = summary["trusted_persons"]
    assert nina["name"] == "Nina Clarke" and [p["display_name"] for p in nina["people"]] == ["Kerry"]
    assignment.assign(db, app.config, coordinator, demo_data["Dan"],
                   trusted_person_id=user_id(db, "outreach"))
    summary = networks.network(db, coordinator, 15)
    assert summary["counts"] == {"trusted_persons": 2, "coordinators": 1, "people_supported": 2,
                                 "unassigned": 3}
    # A trusted person who leaves: their people count as without a trusted person again.
    users.deactivate_user(db, user_id(db, "navigator"))
    summary = networks.network(db, coordinator, 15)
    assert summary["counts"]["people_supported"] == 1 and summary["counts"]["trusted_persons"] == 1
    assert "Kerry" in [p["display_name"] for p in summary["unassigned"]]
    auth.login("coordinator")
    page = client.get("/coordination/network").data.decode()
    assert "People supported by a trusted person" in page and "Account closed" in page


# --------------------------------------------------------------------------- merging
@pytest.fixture
def twice(db, push, demo_data):
    """Dan registered again on another phone as "Daniel", with a contact, a peer session and an
    assessment, and a contact queued on that phone but not yet sent."""
    daniel = mutation("person", {"display_name": "Daniel", "description": "Has a dog called Bess",
                                 "district": "Fenland"})
    records = [contact(daniel["record_id"], "Library"), peer_session(daniel["record_id"]),
               ndt(daniel["record_id"])]
    results = push("outreach2", daniel, records[0], records[2])
    results += push("peer", records[1])
    assert all(r["status"] == "applied" for r in results), results
    push("peer", peer_session(demo_data["Dan"], 45))
    late = contact(daniel["record_id"], "Queued while offline")
    return {"dan": demo_data["Dan"], "daniel": daniel["record_id"], "records": records, "late": late}


def test_merge_shows_both_records_side_by_side(client, auth, twice):
    auth.login("coordinator")
    page = client.get(f"/coordination/merge?keep={twice['dan']}&merge={twice['daniel']}").data.decode()
    assert "Record kept" in page and "Record merged into it" in page
    assert "Sleeps near the bus station; has a dog" in page and "Has a dog called Bess" in page
    assert 'name="choice.description"' in page and 'name="choice.display_name"' in page
    assert 'name="choice.district"' not in page  # the same on both
    assert "Contacts: 3" in page and "Contacts: 1" in page and "Peer sessions: 1" in page
    assert 'name="csrf_token"' in page


def test_merge_keeps_every_record_and_lands_late_mutations(app, db, engine, client, auth, push, twice):
    dan, daniel = twice["dan"], twice["daniel"]
    before = {kind: {r["id"] for r in db[kind].rows_where("person_id IN (?, ?) AND deleted = 0", [dan, daniel])}
              for kind in ("contact", "assessment", "peer_session")}
    auth.login("coordinator")
    response = client.post("/coordination/merge", data={
        "keep": dan, "merge": daniel, "choice.description": "merge", "choice.display_name": "keep"})
    assert response.status_code == 302 and response.headers["Location"] == f"/people/{dan}"
    kept = db["person"].get(dan)
    assert (kept["display_name"], kept["description"]) == ("Dan", "Has a dog called Bess")
    assert db["person"].get(daniel)["deleted"] == 1
    for kind, ids in before.items():
        after = {r["id"] for r in db[kind].rows_where("person_id = ? AND deleted = 0", [dan])}
        assert after == ids, kind
        assert not list(db[kind].rows_where("person_id = ?", [daniel]))
    # A contact queued on a phone for the merged-away record arrives after the merge.
    [result] = push("outreach2", twice["late"])
    assert result["status"] == "applied"
    assert db["contact"].get(twice["late"]["record_id"])["person_id"] == dan
    [result] = push("outreach2", mutation("person", {"description": "Dog is called Bess"}, op="update",
                                          record_id=daniel, base_version=1))
    assert result["status"] in ("applied", "conflict")
    assert db["person"].get(dan)["deleted"] == 0
    page = client.get(f"/people/{dan}").data.decode()
    assert "records moved" in page


def test_merge_function_refuses_the_same_record_twice(app, db, demo_data):
    with pytest.raises(CoordinationError):
        merging.merge_people(db, app.config, actor(db, "coordinator"), demo_data["Dan"],
                                demo_data["Dan"], {})


def test_merge_start_page_lists_possible_duplicates(client, auth, twice):
    auth.login("coordinator")
    page = client.get("/coordination/merge").data.decode()
    assert "Possibly the same person" in page and "Dan (Fenland) and Daniel (Fenland)" in page
    assert "Similar first name" in page


# --------------------------------------------------------------------------- possible matches
def test_name_similarity():
    assert matching.name_similarity("Dan", "dan.")[1] == "Same name"
    assert matching.name_similarity("Dan O'Neil", "dan oneil")[1] == "Same name"
    assert matching.name_similarity("Zoë", "Zoe")[1] == "Same name"
    assert matching.name_similarity("Dan", "Dan Smith")[1] == "Same first name"
    assert matching.name_similarity("Dan Smith", "Dan Smith-Jones") == (2, "Same first name")
    assert matching.name_similarity("D. Smith", "Dan Smith")[1] == "Same initial and surname"
    assert matching.name_similarity("Daniel", "Dan")[1] == "Similar first name"
    assert matching.name_similarity("D", "Dan") is None
    assert matching.name_similarity("Jo", "John") is None  # too short to say
    assert matching.name_similarity("Kerry", "Lee") is None


def test_possible_matches_are_the_visible_people_with_similar_names(app, db, push, demo_data, elsewhere):
    outreach = actor(db, "outreach")
    assert [p["display_name"] for p in matching.possible_matches(db, outreach, "DAN!")] == ["Dan"]
    assert matching.possible_matches(db, outreach, "Daniel")[0]["reason"] == "Similar first name"
    assert matching.possible_matches(db, outreach, "kerry") == []  # not on this caseload
    assert matching.possible_matches(db, outreach, "Mo") == []  # another area
    assert [p["display_name"] for p in matching.possible_matches(db, actor(db, "coordinator"),
                                                                   "Kerry")] == ["Kerry"]
    assert matching.possible_matches(db, outreach, "  ") == []
    woman = matching.possible_matches(db, outreach, "woman in green coat")
    assert woman[0]["display_name"] == "Woman in green coat" and woman[0]["reason"] == "Same name"
    if "aliases" in db["person"].columns_dict:
        lee = db["person"].get(demo_data["Lee"])
        [result] = push("outreach", mutation("person", {"aliases": "Leroy, Big L"}, op="update",
                                             record_id=lee["id"], base_version=lee["version"]))
        assert result["status"] == "applied", result
        found = matching.possible_matches(db, outreach, "leroy")
        assert found[0]["display_name"] == "Lee" and found[0]["reason"] == "Same name (alias)"


def test_possible_matches_rank_the_same_district_first(app, db, push, demo_data):
    other = mutation("person", {"display_name": "Dan", "district": "East Cambridgeshire"})
    push("outreach", other)
    found = matching.possible_matches(db, actor(db, "outreach"), "Dan", "East Cambridgeshire")
    assert [p["id"] for p in found] == [other["record_id"], demo_data["Dan"]]


def test_the_matches_partial(client, auth, demo_data):
    auth.login("outreach")
    response = client.get("/people/matches?new_person.display_name=dan&new_person.district=Fenland",
                          headers={"HX-Request": "true"})
    page = response.data.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Already on the system?" in page
    assert f'href="/people/{demo_data["Dan"]}/contacts/new"' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/people/matches?name=zz", headers={"HX-Request": "true"}).data.decode().strip() == ""
    assert client.get("/people/matches?name=kerry").data.decode().strip() == ""
    auth.logout()
    auth.login("admin")
    assert client.get("/people/matches?name=dan").status_code == 403


def test_a_record_registered_in_error_is_removed_and_restored_by_the_coordinator(
        app, db, engine, client, auth, demo_data):
    """A soft delete through the engine: gone for everyone and from phones, kept in the history,
    restorable by the area's coordinator, and both changes are in the audit trail."""
    dan = demo_data["Dan"]
    phone, device = app.test_client(), str(uuid.uuid4())
    phone.post("/login", data={"username": "outreach", "password": "demo", "device_id": device})

    def sync(cursor):
        return phone.post("/api/sync", headers={"X-Fieldapp-Sync": "1"}, json={
            "protocol": 1, "device_id": device, "cursor": cursor}).get_json()

    cursor = sync(0)["cursor"]
    auth.login("outreach")
    assert client.get(f"/coordination/people/{dan}/remove").status_code == 403
    assert client.post(f"/coordination/people/{dan}/remove").status_code == 403
    auth.logout()
    auth.login("coordinator")
    assert "Remove the record" in client.get(f"/coordination/people/{dan}/remove").get_data(as_text=True)
    assert client.post(f"/coordination/people/{dan}/remove").status_code == 302
    assert db["person"].get(dan)["deleted"] == 1
    assert client.get(f"/people/{dan}").status_code == 404
    assert ">Dan</strong>" in client.get("/coordination/removed").get_data(as_text=True)
    answer = sync(cursor)
    assert {"type": "scope", "record_id": dan, "version": 0, "deleted": True, "scope": dan,
            "fields": None} in answer["changes"]
    assert client.post(f"/coordination/people/{dan}/restore").status_code == 302
    assert db["person"].get(dan)["deleted"] == 0
    assert dan in {c["scope"] for c in sync(answer["cursor"])["changes"]}
    ops = [v["op"] for v in engine.history("person", dan)]
    assert ops[-2:] == ["delete", "restore"]
