"""A person's details: validation, field-by-field merge of offline edits, conflicts resolved
through the pages, the housing history and the caseload's order."""


import pytest

from fieldapp import users
from fieldapp.reads import caseload
from fieldapp.records import make_engine
from tests.helpers import uid


def update(person_id, base_version, **fields):
    return {"id": uid(), "type": "person", "op": "update", "record_id": person_id,
            "base_version": base_version, "recorded_at": "2026-01-01T00:00:00Z", "fields": fields}


def create(**fields):
    return {"id": uid(), "type": "person", "op": "create", "record_id": uid(), "base_version": None,
            "recorded_at": "2026-01-01T00:00:00Z", "fields": fields}


@pytest.fixture
def push(app, db, demo_data):
    engine = make_engine(db, app.config)

    def push(username, m):
        actor = users.User(users.get_user_by_username(db, username))
        [result] = engine.push(actor, uid(), [m])
        return result

    return push


def version(db, person_id):
    return db["person"].get(person_id)["version"]


def test_closed_needs_an_exit_destination(db, demo_data, push):
    lee = demo_data["Lee"]
    result = push("outreach", update(lee, version(db, lee), status="closed"))
    assert result["status"] == "rejected" and "exit_destination" in result["errors"]
    result = push("outreach", update(lee, version(db, lee), status="closed",
                                     exit_destination="settled_housing"))
    assert result["status"] == "applied"
    result = push("outreach", create(display_name="X", district="Fenland", status="closed"))
    assert result["status"] == "rejected" and "exit_destination" in result["errors"]


def test_details_are_checked_against_the_lists(db, demo_data, push):
    lee = demo_data["Lee"]
    result = push("outreach", update(lee, version(db, lee), gender="robot", housing_situation="moon",
                                     date_of_birth="2099-01-01", homelessness="maybe"))
    assert result["status"] == "rejected"
    assert set(result["errors"]) == {"gender", "housing_situation", "date_of_birth", "homelessness"}
    result = push("outreach", update(lee, version(db, lee), gender="prefer_not_to_say",
                                     ethnicity="prefer_not_to_say", date_of_birth="1980-05-01",
                                     homelessness=True, known_to_services="unknown"))
    assert result["status"] == "applied"
    row = db["person"].get(lee)
    assert (row["gender"], row["homelessness"], row["date_of_birth"]) == (
        "prefer_not_to_say", 1, "1980-05-01")


def test_a_new_person_starts_at_first_contact(db, demo_data, push):
    m = create(display_name="Man by the lock", district="Fenland")
    assert push("outreach", m)["status"] == "applied"
    assert db["person"].get(m["record_id"])["status"] == "first_contact"


def test_offline_edits_of_different_fields_both_apply(db, demo_data, push):
    lee = demo_data["Lee"]
    base = version(db, lee)
    assert push("outreach", update(lee, base, housing_situation="hostel"))["status"] == "applied"
    assert push("outreach2", update(lee, base, gender="man"))["status"] == "applied"
    row = db["person"].get(lee)
    assert (row["housing_situation"], row["gender"]) == ("hostel", "man")


@pytest.fixture
def conflict(db, demo_data, push):
    """Two workers set Lee's housing situation differently from the same version."""
    lee = demo_data["Lee"]
    base = version(db, lee)
    assert push("outreach2", update(lee, base, housing_situation="hostel"))["status"] == "applied"
    assert push("outreach", update(lee, base, housing_situation="rough_sleeping"))["status"] == "conflict"
    return db.execute("SELECT id FROM sync_conflict WHERE scope = ?", [lee]).fetchone()[0]


def test_both_workers_and_the_caseload_see_the_conflict(client, auth, demo_data, conflict):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Lee']}").get_data(as_text=True)
    assert "Changes that need a decision" in page
    assert "kept “Hostel”" in page and "entered “Rough sleeping”" in page
    assert "Keep this" in page and "Use the other value" in page
    assert 'name="housing_situation" data-send-always' in page and 'value="rough_sleeping"' in page
    rows = client.get("/caseload").get_data(as_text=True)
    assert "1 conflict to resolve" in rows
    assert rows.index(">Lee</a>") < rows.index(">Dan</a>")  # what needs the worker first


def test_an_uninvolved_worker_cannot_resolve(client, auth, demo_data, conflict):
    auth.login("peer")
    page = client.get(f"/people/{demo_data['Lee']}").get_data(as_text=True)
    assert "Changes that need a decision" in page and "Keep this" not in page
    response = client.post(f"/people/{demo_data['Lee']}/conflicts/{conflict}/keep")
    assert response.status_code == 403


@pytest.mark.parametrize("username", ["outreach", "outreach2", "coordinator"])
def test_keep_this_resolves(client, auth, db, demo_data, conflict, username):
    auth.login(username)
    response = client.post(f"/people/{demo_data['Lee']}/conflicts/{conflict}/keep")
    assert response.status_code == 302
    row = db["sync_conflict"].get(conflict)
    assert row["resolved_at"] and row["resolved_by"] == users.get_user_by_username(
        db, username)["id"]
    assert db["person"].get(demo_data["Lee"])["housing_situation"] == "hostel"
    assert "Changes that need a decision" not in client.get(
        f"/people/{demo_data['Lee']}").get_data(as_text=True)


def test_use_the_other_value_is_an_update_that_resolves(db, demo_data, conflict, push):
    lee = demo_data["Lee"]
    result = push("outreach", update(lee, version(db, lee), housing_situation="rough_sleeping"))
    assert result["status"] == "applied"
    row = db["sync_conflict"].get(conflict)
    assert row["resolved_at"] and row["resolved_by"] == users.get_user_by_username(
        db, "outreach")["id"]
    assert db["person"].get(lee)["housing_situation"] == "rough_sleeping"


def test_person_page_shows_details_housing_history_and_timeline(client, auth, demo_data):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Dan']}").get_data(as_text=True)
    assert "Also known as Danny" in page and "Homelessness, Substance misuse" in page
    history = page[page.index("Housing history"):]
    assert history.index("Hostel") < history.index("Rough sleeping")  # newest first
    assert "Details changed" in page and "Registered" in page
    assert "People working with Dan" in page and "Pete Walsh" in page


def test_edit_form_offers_every_detail(client, auth, demo_data):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Dan']}/edit").get_data(as_text=True)
    for name in ("aliases", "date_of_birth", "age_band", "gender", "ethnicity", "homelessness",
                 "mental_health", "offending", "substance_misuse", "domestic_abuse",
                 "known_to_services", "housing_situation", "agencies", "status", "engaged_on",
                 "exit_destination"):
        assert f'name="{name}"' in page, name
    assert "Prefer not to say" in page and 'data-type="boolean"' in page


def test_caseload_rows_carry_the_offline_filter_data(client, auth, demo_data):
    auth.login("outreach")
    page = client.get("/caseload").get_data(as_text=True)
    assert "data-caseload-filter" in page and 'data-partial-get="/caseload"' in page
    assert 'data-search="dan danny fenland' in page
    assert page.count("data-caseload-row") == 4 and page.count("data-offline-age") == 4


def test_newly_assigned_comes_before_the_rest(app, db, demo_data, push):
    navigator = users.User(users.get_user_by_username(db, "navigator"))
    rows = caseload.prioritised(db, app.config, navigator)
    kerry = next(r for r in rows if r["display_name"] == "Kerry")
    assert kerry["newly_assigned"]
    coordinator = users.User(users.get_user_by_username(db, "coordinator"))
    needs = [r["need"] for r in caseload.prioritised(db, app.config, coordinator)]
    order = [key for key, _label in caseload.NEEDS]
    assert needs == sorted(needs, key=order.index)


def test_the_persons_trusted_person_may_resolve(client, auth, db, demo_data, conflict):
    navigator = users.get_user_by_username(db, "navigator")["id"]
    auth.login("coordinator")
    client.post(f"/coordination/people/{demo_data['Lee']}/assign",
                data={"trusted_person_id": navigator, "team": "", "confirm": str(navigator)})
    auth.logout()
    auth.login("navigator")
    response = client.post(f"/people/{demo_data['Lee']}/conflicts/{conflict}/keep")
    assert response.status_code == 302 and db["sync_conflict"].get(conflict)["resolved_by"] == navigator


def test_an_uninvolved_worker_adopting_the_other_value_does_not_resolve_it(db, demo_data, conflict,
                                                                         push):
    lee = demo_data["Lee"]
    result = push("peer", update(lee, version(db, lee), housing_situation="rough_sleeping"))
    assert result["status"] == "applied"
    assert db["sync_conflict"].get(conflict)["resolved_at"] is None
