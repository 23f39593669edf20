"""Details kept off phones (PHONE_HIDDEN_FIELDS: a current address, a safe contact number and when
it is safe to call, a safety plan): no pull carries them (first, incremental, a person coming into
scope, the echo of the phone's own push), no page a phone keeps shows them, an update from a phone
that does not name them leaves them, and the online-only fragment and form show and change them
for the person's workers only (404 for anyone else), audited without their values."""

import pytest

from fieldapp import demo
from fieldapp.db import open_db

from fieldapp import users
from fieldapp.records import push_update
from fieldapp.timeutil import now_iso
from tests.helpers import uid

HEADERS = {"X-Fieldapp-Sync": "1"}
SECRETS = {"current_address": "Flat 9 Quillhaven Court", "safe_contact_number": "07700 900417",
           "safe_to_call": "Tuesdays after Zorbington leaves", "safety_plan": "Codeword marmalade"}
KEPT = set(SECRETS)


def set_secrets(app, db, person_id, username="coordinator", **values):
    actor = users.User(users.get_user_by_username(db, username))
    result = push_update(db, app.config, actor, "person", person_id, values or SECRETS)
    assert result["status"] == "applied", result
    return result


def login(app, username):
    client = app.test_client()
    device_id = uid()
    assert client.post("/login", data={"username": username, "password": "demo",
                                       "device_id": device_id}).status_code == 302
    return client, device_id


def sync(client, device_id, cursor=0, mutations=(), **extra):
    response = client.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device_id, "cursor": cursor, "mutations": list(mutations),
        **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def assert_nothing_kept_off(response):
    """No change carries a kept-off field, and no value appears anywhere in the answer."""
    text = response.get_data(as_text=True)
    assert not [value for value in SECRETS.values() if value in text]
    for change in response.get_json()["changes"]:
        assert not KEPT & set(change.get("fields") or {}), change
    for result in response.get_json()["results"]:
        assert not KEPT & set((result.get("echo") or {}).get("fields") or {}), result


def person_update(person_id, base_version, **fields):
    return {"id": uid(), "type": "person", "op": "update", "record_id": person_id,
            "base_version": base_version, "recorded_at": "2026-01-01T00:00:00Z", "fields": fields}


def test_a_first_pull_carries_the_person_but_not_their_kept_off_details(app, db, demo_data):
    dan = demo_data["Dan"]
    set_secrets(app, db, dan)
    client, device = login(app, "outreach")
    response = sync(client, device)
    [person] = [c for c in response.get_json()["changes"] if c["record_id"] == dan]
    assert person["fields"]["display_name"] == "Dan"  # the record itself travels
    assert_nothing_kept_off(response)


def test_an_incremental_pull_after_a_change_to_them_leaves_them_out(app, db, demo_data):
    dan = demo_data["Dan"]
    client, device = login(app, "outreach")
    cursor = sync(client, device).get_json()["cursor"]
    set_secrets(app, db, dan)
    response = sync(client, device, cursor)
    [person] = [c for c in response.get_json()["changes"] if c["record_id"] == dan]
    assert person["version"] == db["person"].get(dan)["version"]
    assert_nothing_kept_off(response)


def test_a_person_coming_into_scope_arrives_without_them(app, db, demo_data):
    kerry = demo_data["Kerry"]  # the navigator's, not in the outreach team's caseload
    set_secrets(app, db, kerry)
    client, device = login(app, "outreach")
    cursor = sync(client, device).get_json()["cursor"]
    outreach = users.get_user_by_username(db, "outreach")["id"]
    coordinator = users.get_user_by_username(db, "coordinator")["id"]
    with db.conn:
        db.execute("INSERT INTO person_share (person_id, user_id, shared_by, starts_at, ends_at,"
                   " reason) VALUES (?, ?, ?, ?, ?, 'cover')",
                   [kerry, outreach, coordinator, now_iso(), "2099-01-01T00:00:00Z"])
    response = sync(client, device, cursor)
    assert kerry in {c["record_id"] for c in response.get_json()["changes"]
                     if c["type"] == "person"}
    assert_nothing_kept_off(response)


@pytest.mark.parametrize("echo", [None, "partial", "result"])
def test_the_echo_of_the_phones_own_pushes_leaves_them_out(app, db, demo_data, echo):
    dan = demo_data["Dan"]
    set_secrets(app, db, dan)
    client, device = login(app, "outreach")
    cursor = sync(client, device).get_json()["cursor"]
    new_person = {"id": uid(), "type": "person", "op": "create", "record_id": uid(),
                  "base_version": None, "recorded_at": "2026-01-01T00:00:00Z",
                  "fields": {"display_name": "Man by the lock", "district": "Fenland",
                             "safety_plan": "Codeword marmalade"}}
    mutations = [person_update(dan, db["person"].get(dan)["version"], gender="man"), new_person]
    response = sync(client, device, cursor, mutations, **({"echo": echo} if echo else {}))
    assert [r["status"] for r in response.get_json()["results"]] == ["applied", "applied"]
    assert_nothing_kept_off(response)


def test_an_update_from_a_phone_that_does_not_name_them_leaves_them(app, db, demo_data):
    dan = demo_data["Dan"]
    set_secrets(app, db, dan)
    client, device = login(app, "outreach")
    response = sync(client, device, 0, [person_update(
        dan, db["person"].get(dan)["version"], description="Moved to the hostel")])
    assert response.get_json()["results"][0]["status"] == "applied"
    row = db["person"].get(dan)
    assert row["description"] == "Moved to the hostel"
    assert {name: row[name] for name in KEPT} == SECRETS


@pytest.mark.parametrize("path", ["/people/{id}", "/people/{id}/edit", "/people/{id}/contacts/new",
                                  "/contacts/new", "/caseload"])
def test_no_page_a_phone_keeps_holds_them(app, db, demo_data, path):
    dan = demo_data["Dan"]
    set_secrets(app, db, dan)
    client, _device = login(app, "outreach")
    response = client.get(path.format(id=dan))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Dan" in text
    assert not [value for value in SECRETS.values() if value in text]


def test_the_person_page_says_not_shown_on_phones_with_a_way_to_see_them(app, db, demo_data):
    dan = demo_data["Dan"]
    set_secrets(app, db, dan)
    client, _device = login(app, "outreach")
    text = client.get(f"/people/{dan}").get_data(as_text=True)
    section = text[text.index("data-kept-off>"):]
    section = section[:section.index("</section>")]
    assert section.count("Not shown on phones") == 4
    assert f'href="/people/{dan}/kept-off-phones" data-action="show-kept-off"' in text


def test_the_timeline_says_a_kept_off_detail_changed_without_its_value(app, db, demo_data):
    dan = demo_data["Dan"]
    set_secrets(app, db, dan)
    client, _device = login(app, "outreach")
    text = client.get(f"/people/{dan}").get_data(as_text=True)
    assert "Safety plan: Not shown on phones" in text


@pytest.mark.parametrize("username", ["outreach", "coordinator"])
def test_the_online_fragment_shows_them_to_the_persons_workers_and_is_never_stored(
        app, db, demo_data, username):
    dan = demo_data["Dan"]
    set_secrets(app, db, dan)
    client, _device = login(app, username)
    response = client.get(f"/people/{dan}/kept-off-phones", headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert all(value in text for value in SECRETS.values())
    assert "<html" not in text  # the fragment, for the person page's "Show"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Fieldapp-No-Phone-Copy"] == "1"
    page = client.get(f"/people/{dan}/kept-off-phones")  # without the script: a page of its own
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("username", ["navigator", "partner", "admin", "manager"])
@pytest.mark.parametrize("path", ["/people/{id}/kept-off-phones",
                                  "/people/{id}/kept-off-phones/edit"])
def test_the_online_fragment_and_form_are_not_found_for_anyone_else(app, db, demo_data, username,
                                                                    path):
    dan = demo_data["Dan"]  # the outreach team's; his consent shares with the partner's agency
    set_secrets(app, db, dan)
    client, _device = login(app, username)
    response = client.get(path.format(id=dan), headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert not [value for value in SECRETS.values() if value in response.get_data(as_text=True)]
    assert client.post(f"/people/{dan}/kept-off-phones/edit",
                       data={"safety_plan": "changed"}).status_code == 404
    assert db["person"].get(dan)["safety_plan"] == SECRETS["safety_plan"]


def test_showing_them_is_audited_as_which_exist_not_what_they_say(app, db, demo_data):
    dan = demo_data["Dan"]
    set_secrets(app, db, dan, current_address="Flat 9 Quillhaven Court")
    client, _device = login(app, "outreach")
    client.get(f"/people/{dan}/kept-off-phones", headers={"HX-Request": "true"})
    [event] = db.query("SELECT action, detail, person_id FROM audit_event WHERE detail LIKE ?",
                       [f"/people/{dan}/kept-off-phones%"])
    assert event["action"] == "view" and event["person_id"] == dan
    assert "current_address" in event["detail"] and "Quillhaven" not in event["detail"]


def test_the_online_form_changes_them_through_the_engine(app, db, demo_data):
    dan = demo_data["Dan"]
    client, _device = login(app, "outreach")
    before = db["person"].get(dan)["version"]
    response = client.post(f"/people/{dan}/kept-off-phones/edit", data=SECRETS)
    assert response.status_code == 302
    row = db["person"].get(dan)
    assert {name: row[name] for name in KEPT} == SECRETS and row["version"] == before + 1


def test_the_online_form_refuses_a_number_that_is_not_one(app, db, demo_data):
    dan = demo_data["Dan"]
    client, _device = login(app, "outreach")
    response = client.post(f"/people/{dan}/kept-off-phones/edit",
                           data={"safe_contact_number": "ring the bell twice"})
    assert response.status_code == 200
    assert "Enter a phone number" in response.get_data(as_text=True)
    assert db["person"].get(dan)["safe_contact_number"] is None


def test_a_deployment_may_keep_another_detail_off_phones(make_app):
    app = make_app(PHONE_HIDDEN_FIELDS=("safety_plan", "description"))
    db = open_db(app.config["DATABASE"])
    demo.load_demo(db, app.config)
    dan = db.execute("SELECT id FROM person WHERE display_name = 'Dan'").fetchone()[0]
    description = db["person"].get(dan)["description"]
    client, device = login(app, "outreach")
    response = sync(client, device)
    assert description not in response.get_data(as_text=True)
    for path in (f"/people/{dan}", f"/people/{dan}/edit", "/caseload"):
        assert description not in client.get(path).get_data(as_text=True), path
    assert 'name="description"' not in client.get(f"/people/{dan}/edit").get_data(as_text=True)
    shown = client.get(f"/people/{dan}/kept-off-phones", headers={"HX-Request": "true"})
    assert description in shown.get_data(as_text=True)
    db.close()


def test_a_detail_the_phone_needs_cannot_be_kept_off(make_app):
    with pytest.raises(ValueError, match="display_name"):
        make_app(PHONE_HIDDEN_FIELDS=("display_name",))


def test_a_conflict_on_one_of_them_shows_neither_value_on_the_page(app, db, demo_data):
    dan = demo_data["Dan"]
    base = db["person"].get(dan)["version"]
    set_secrets(app, db, dan)
    client, device = login(app, "outreach")  # an old phone, or a client of the API, sends one
    response = sync(client, device, 0, [person_update(dan, base, safety_plan="Codeword custard")])
    assert response.get_json()["results"][0]["status"] == "conflict"
    text = client.get(f"/people/{dan}").get_data(as_text=True)
    assert "Changes that need a decision" in text and "Safety plan" in text
    assert "custard" not in text and SECRETS["safety_plan"] not in text
