"""Who sees whom: the caseload, person pages and forms follow the access rules."""

import uuid

import pytest

from fieldapp import users
from fieldapp.reads import caseload
from fieldapp.rules import access
from fieldapp.records import make_engine


def _push_person(app, db, actor, name, district):
    record_id = str(uuid.uuid4())
    [result] = make_engine(db, app.config).push(actor, str(uuid.uuid4()), [{
        "id": str(uuid.uuid4()), "type": "person", "op": "create", "record_id": record_id,
        "base_version": None, "recorded_at": "2026-01-01T00:00:00Z",
        "fields": {"display_name": name, "district": district}}])
    assert result["status"] == "applied", result
    return record_id


@pytest.fixture
def elsewhere(app, db, demo_data):
    """A person registered by a Peterborough worker, outside every demo user's scope."""
    user_id = users.create_user(db, "pboro", "demo", "outreach_worker", team="Peterborough outreach",
                                   area="Peterborough")
    return _push_person(app, db, users.User(users.get_user(db, user_id)), "Mo", "Peterborough")


CASELOADS = {
    "outreach": {"Dan", "Woman in green coat", "Sam", "Lee"},
    "peer": {"Dan", "Woman in green coat", "Sam", "Lee"},
    "navigator": {"Kerry"},
    "coordinator": {"Dan", "Woman in green coat", "Kerry", "Sam", "Lee"},
}


@pytest.mark.parametrize("username", sorted(CASELOADS))
def test_caseload_shows_only_visible_people(client, auth, demo_data, elsewhere, username):
    auth.login(username)
    page = client.get("/caseload").data.decode()
    shown = {name for name in demo_data if f">{name}</a>" in page}
    assert shown == CASELOADS[username]
    assert ">Mo</a>" not in page


def test_admin_sees_no_casework(client, auth, demo_data, db):
    auth.login("admin")
    assert client.get("/caseload").status_code == 403
    assert client.get(f"/people/{demo_data['Dan']}").status_code == 403
    admin = users.User(users.get_user_by_username(db, "admin"))
    assert access.visible_person_ids(db, admin) == set()


def test_person_outside_scope_is_not_found(client, auth, demo_data, elsewhere):
    auth.login("outreach")
    assert client.get(f"/people/{elsewhere}").status_code == 404
    assert client.get(f"/people/{demo_data['Kerry']}").status_code == 404
    assert client.get(f"/people/{demo_data['Kerry']}/contacts/new").status_code == 404
    assert client.get(f"/people/{demo_data['Kerry']}/edit").status_code == 404
    assert client.get(f"/people/{demo_data['Dan']}").status_code == 200


def test_person_page_shows_the_timeline_newest_first(client, auth, demo_data):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Dan']}").data.decode()
    assert "Record a contact with Dan" in page
    assert f'data-outbox-list data-person-id="{demo_data["Dan"]}"' in page
    # Demo contacts with Dan: day centre 1 day ago, bus station 4 and 9 days ago.
    assert page.index("Day centre, Wisbech") < page.index("Asleep; did not wake him") < page.index(
        "Dog well")
    assert "Pete Walsh" in page  # recorded by


def test_caseload_is_sorted_by_most_recent_contact(app, db, demo_data):
    coordinator = users.User(users.get_user_by_username(db, "coordinator"))
    rows = caseload.caseload(db, coordinator)
    dates = [row["last_contact_at"] for row in rows]
    assert dates == sorted(dates, reverse=True)
    assert rows[0]["display_name"] == "Dan" and rows[0]["last_contact_by"] == "Pete Walsh"


def test_caseload_search_answers_htmx_with_the_list_only(client, auth, demo_data):
    auth.login("outreach")
    partial = client.get("/caseload?q=green", headers={"HX-Request": "true"})
    assert partial.data.decode().lstrip().startswith('<div id="caseload-list">')
    assert b"<html" not in partial.data
    assert b"Woman in green coat" in partial.data and b">Dan</a>" not in partial.data
    full = client.get("/caseload?q=green")
    assert b"<html" in full.data and b'data-partial-target="#caseload-list"' in full.data
    for response in (partial, full):
        assert "HX-Request" in response.headers["Vary"]
        assert response.headers["Cache-Control"] == "private, no-store"


def test_contact_forms_follow_the_page_contract(client, auth, demo_data):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Dan']}/contacts/new").data.decode()
    assert 'data-mutation-type="contact"' in page and 'data-mutation-op="create"' in page
    assert 'data-mutation-label="Contact with Dan"' in page
    assert f'type="hidden" name="person_id" value="{demo_data["Dan"]}"' in page
    assert 'type="datetime-local"' in page and 'data-type="boolean"' in page
    assert "data-record-id" not in page and "data-mutation-id" not in page
    page = client.get("/contacts/new").data.decode()
    assert 'value="new"' in page and 'name="new_person.display_name"' in page
    assert "Who was the contact with?" in page
    assert f'value="{demo_data["Kerry"]}"' not in page  # not on this worker's caseload


def test_edit_form_is_an_update_mutation(client, auth, demo_data, db):
    auth.login("coordinator")
    page = client.get(f"/people/{demo_data['Kerry']}/edit").data.decode()
    assert 'data-mutation-op="update"' in page
    version = db["person"].get(demo_data["Kerry"])["version"]
    assert f'data-record-id="{demo_data["Kerry"]}"' in page and f'data-base-version="{version}"' in page
    assert 'name="trusted_person_id"' in page  # coordinators choose trusted persons
    auth.logout()
    auth.login("outreach")
    assert 'name="trusted_person_id"' not in client.get(f"/people/{demo_data['Dan']}/edit").data.decode()


def test_person_page_shows_a_conflict_from_two_offline_edits(app, db, client, auth, demo_data):
    engine = make_engine(db, app.config)
    dan = demo_data["Dan"]
    version = db["person"].get(dan)["version"]

    def edit(username, description):
        actor = users.User(users.get_user_by_username(db, username))
        return engine.push(actor, str(uuid.uuid4()), [{
            "id": str(uuid.uuid4()), "type": "person", "op": "update", "record_id": dan,
            "base_version": version, "fields": {"description": description}}])[0]["status"]

    assert edit("outreach2", "Sleeps in the church porch") == "applied"
    assert edit("outreach", "Moved to a tent by the river") == "conflict"
    auth.login("outreach")
    page = client.get(f"/people/{dan}").data.decode()
    assert "Changes that need a decision" in page
    assert "Sleeps in the church porch" in page and "Moved to a tent by the river" in page


@pytest.mark.parametrize("path", ["/admin/users/99999999999999999999",
                                  "/admin/users/99999999999999999999/password",
                                  "/coordination/shares/99999999999999999999/end",
                                  "/people/x/conflicts/99999999999999999999/keep"])
def test_ids_beyond_64_bits_are_not_found(client, auth, demo_data, path):
    for username in ("admin", "coordinator"):
        auth.login(username)
        method = "GET" if path == "/admin/users/99999999999999999999" else "POST"
        assert client.open(path, method=method).status_code in (403, 404)
        auth.logout()


def test_a_huge_caseload_search_is_answered(client, auth, demo_data):
    auth.login("outreach")
    response = client.get("/caseload", query_string={"q": "a%_" * 30000})
    assert response.status_code == 200 and "Nobody on your caseload matches" in response.get_data(as_text=True)


def test_caseload_rows_carry_the_offline_filters_words(app, db, client, auth, demo_data):
    """What the phone's offline filter matches: name, other names, district and description in
    lower case, a missing one left out (no "None" to match)."""
    outreach = users.User(users.get_user_by_username(db, "outreach"))
    [result] = make_engine(db, app.config).push(outreach, str(uuid.uuid4()), [{
        "id": str(uuid.uuid4()), "type": "person", "op": "create", "record_id": str(uuid.uuid4()),
        "base_version": None, "recorded_at": "2026-01-01T00:00:00Z",
        "fields": {"display_name": "Jo BLOGGS", "aliases": "Jojo", "district": "Fenland"}}])
    assert result["status"] == "applied", result
    auth.login("outreach")
    page = client.get("/caseload").data.decode()
    start = page.index(">Jo BLOGGS</a>")
    row = page[page.rindex("<li", 0, start):start]
    assert 'data-search="jo bloggs jojo fenland"' in row
