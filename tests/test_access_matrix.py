"""The access matrix: every role against every person-scoped route, read from the app's url_map,
for people in each relation to the user, in HTML and through the sync pull. Nothing leaks."""

from datetime import timedelta

import pytest
from werkzeug.routing import IntegerConverter
from flask import url_for

from fieldapp import users
from fieldapp.rules import access
from fieldapp.records import make_engine
from fieldapp.timeutil import now_iso
from tests.assessment_helpers import mutation as assessment_mutation, ndt_fields
from tests.helpers import uid

AREA_F = "Fenland and East Cambridgeshire"
HEADERS = {"X-Fieldapp-Sync": "1"}
# (username, role, team, area, agency)
USERS = [
    ("ow", "outreach_worker", "Team A", AREA_F, None),
    ("pm", "peer_mentor", "Team A", AREA_F, None),
    ("tp", "trusted_person", "Team N", AREA_F, None),
    ("co", "coordinator", None, AREA_F, None),
    ("pa", "partner_agency", None, AREA_F, "cgl"),
    ("ad", "admin", None, None, None),
    ("bw", "outreach_worker", "Team B", AREA_F, None),
    ("pw", "outreach_worker", "Team P", "Peterborough", None),
]
# Unique names, so a leak of any of them is visible in any answer.
PEOPLE = {
    "team": "Annwyl Teamperson", "assigned": "Bronwen Assigned", "other_team": "Cadfael Otherteam",
    "other_area": "Dylan Otherarea", "expired_share": "Eirlys Expiredshare",
    "active_share": "Ffion Activeshare", "withdrawn": "Gethin Withdrawn", "consented": "Heledd Consented",
}
VISIBLE = {
    "ow": {"team", "active_share"},
    "pm": {"team"},
    "tp": {"assigned"},
    "co": set(PEOPLE) - {"other_area"},
    "pa": {"consented"},
    "ad": set(),
}
PASSWORD = "matrix-password"


def _mutation(type_name, fields, op="create", record_id=None, base_version=None):
    return {"id": uid(), "type": type_name, "op": op, "record_id": record_id or uid(),
            "base_version": base_version, "recorded_at": "2026-01-01T00:00:00Z", "fields": fields}


@pytest.fixture
def world(app, db):
    """Users of every role and a person in each relation to them; returns ids by key."""
    actors = {}
    for username, role, team, area, agency in USERS:
        user_id = users.create_user(db, username, PASSWORD, role, team=team, area=area,
                                       agency=agency)
        actors[username] = users.User(users.get_user(db, user_id))
    engine = make_engine(db, app.config)

    def push(username, *mutations):
        results = engine.push(actors[username], uid(), list(mutations))
        assert all(r["status"] == "applied" for r in results), results
        return results

    ids = {}
    for key, name in PEOPLE.items():
        creator = {"team": "ow", "other_area": "pw"}.get(key, "bw")
        district = "Peterborough" if key == "other_area" else "Fenland"
        m = _mutation("person", {"display_name": name, "district": district})
        push(creator, m)
        ids[key] = m["record_id"]
    push("co", _mutation("person", {"trusted_person_id": actors["tp"].id}, "update",
                         ids["assigned"], 1))
    with db.conn:
        for key, start, end in (("expired_share", now_iso(-timedelta(days=10)),
                                 now_iso(-timedelta(days=1))),
                                ("active_share", now_iso(-timedelta(days=1)),
                                 now_iso(timedelta(days=5)))):
            db.execute("INSERT INTO person_share (person_id, user_id, shared_by, starts_at, ends_at,"
                       " reason) VALUES (?, ?, ?, ?, ?, 'cover')",
                       [ids[key], actors["ow"].id, actors["co"].id, start, end])
    for key in ("withdrawn", "consented"):
        consent = _mutation("consent", {"person_id": ids[key], "recording": True,
                                        "share_with": ["cgl"], "given_on": "2026-01-02"})
        push("bw", consent)
        push("bw", _mutation("contact", {
            "person_id": ids[key], "contact_at": "2026-01-03T09:00", "district": "Fenland",
            "place": "Market Place", "contact_type": "street_outreach", "bedded_down": False,
            "spoken_to": True}))
        push("bw", assessment_mutation(ndt_fields(ids[key])))
        if key == "withdrawn":
            push("bw", _mutation("consent", {"withdrawn_on": "2026-01-04"}, "update",
                                 consent["record_id"], 1))
    return {"ids": ids, "actors": actors, "engine": engine}


def person_routes(app):
    """(endpoint, method, argument names) of every rule with a person_id, plus the caseload."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "person_id" in rule.arguments or rule.rule == "/caseload":
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS", "HEAD"})[0]
            routes.append((rule, method))
    assert len(routes) >= 8, routes  # person page, edit, contacts, assessments, consent, audit...
    return routes


def _url(app, rule, person_id):
    values = {}
    for name in rule.arguments:
        if name == "person_id":
            values[name] = person_id
        else:
            converter = rule._converters.get(name)
            values[name] = 1 if isinstance(converter, IntegerConverter) else uid()
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _login(app, username):
    client = app.test_client()
    device_id = uid()
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "device_id": device_id})
    assert response.status_code == 302
    return client, device_id


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_no_route_shows_a_person_the_role_may_not_see(app, db, world, username):
    client, _device = _login(app, username)
    visible = VISIBLE[username]
    hidden_names = [PEOPLE[k] for k in PEOPLE if k not in visible]
    for rule, method in person_routes(app):
        if rule.rule == "/caseload":
            response = client.get("/caseload")
            body = response.get_data(as_text=True)
            assert response.status_code == (403 if username == "ad" else 200)
            assert {k for k, name in PEOPLE.items() if name in body} == visible
            continue
        for key, person_id in world["ids"].items():
            url = _url(app, rule, person_id)
            response = client.open(url, method=method)
            body = response.get_data(as_text=True)
            admin_page = rule.endpoint.startswith("admin.")
            for name in hidden_names:
                if admin_page and username == "ad" and name == PEOPLE[key]:
                    continue  # the admin reads this person's audit trail, by name
                assert name not in body, (username, url, name)
            if admin_page:  # the audit trail: read by an admin only, for anyone who exists
                assert method == "GET" and response.status_code == (200 if username == "ad" else 403)
            elif key not in visible:
                assert response.status_code in (403, 404), (username, url, response.status_code)
            if rule.endpoint == "people.person" and key in visible:
                assert response.status_code == 200 and PEOPLE[key] in body, (username, url)


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_the_sync_pull_sends_only_visible_people(app, db, world, username):
    client, device_id = _login(app, username)
    response = client.post("/api/sync", json={"protocol": 1, "device_id": device_id, "cursor": 0,
                                              "mutations": []}, headers=HEADERS)
    assert response.status_code == 200
    changes = response.get_json()["changes"]
    expected = {world["ids"][k] for k in VISIBLE[username]}
    assert {c["scope"] for c in changes} == expected
    assert {c["record_id"] for c in changes if c["type"] == "person"} == expected
    text = response.get_data(as_text=True)
    for key, name in PEOPLE.items():
        assert (name in text) == (key in VISIBLE[username]), (username, name)
    user = users.User(users.get_user_by_username(db, username))
    assert access.visible_scopes(db, user) == expected


def test_a_partner_reads_details_contacts_and_consent_only(app, db, world):
    client, device_id = _login(app, "pa")
    changes = client.post("/api/sync", json={"protocol": 1, "device_id": device_id, "cursor": 0},
                          headers=HEADERS).get_json()["changes"]
    assert {c["type"] for c in changes} == {"person", "contact", "consent"}
    page = client.get(f"/people/{world['ids']['consented']}").get_data(as_text=True)
    assert "Market Place" in page and "Change Grow Live" in page
    assert "NDT" not in page and "Edit details" not in page and "Record a contact" not in page
    assert client.get(f"/people/{world['ids']['consented']}/edit").status_code == 403
    assert client.get(f"/people/{world['ids']['consented']}/contacts/new").status_code == 403
    # ... and writes nothing through the sync endpoint either.
    answer = client.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device_id, "cursor": 0, "mutations": [_mutation(
            "contact", {"person_id": world["ids"]["consented"], "contact_at": "2026-01-05T09:00",
                        "district": "Fenland", "place": "Office", "contact_type": "appointment",
                        "bedded_down": False, "spoken_to": True})]}).get_json()
    assert answer["results"][0]["status"] == "rejected"


def test_a_share_that_ends_drops_the_person_from_the_phone(app, db, world):
    client, device_id = _login(app, "ow")
    body = {"protocol": 1, "device_id": device_id, "cursor": 0}
    first = client.post("/api/sync", json=body, headers=HEADERS).get_json()
    assert world["ids"]["active_share"] in {c["scope"] for c in first["changes"]}
    with db.conn:
        db.execute("UPDATE person_share SET revoked_at = ? WHERE person_id = ?",
                   [now_iso(), world["ids"]["active_share"]])
    second = client.post("/api/sync", json={**body, "cursor": first["cursor"]},
                         headers=HEADERS).get_json()
    assert {"type": "scope", "record_id": world["ids"]["active_share"], "deleted": True}.items() <= \
        second["changes"][0].items()
    assert client.get(f"/people/{world['ids']['active_share']}").status_code == 404
