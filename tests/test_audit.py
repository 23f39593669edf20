"""The audit trail: views (online, offline once uploaded, records sent to phones) and changes,
readable by an admin per person and per user, by nobody else."""

from datetime import date

from fieldapp import users
from fieldapp.reads import audit
from fieldapp.records import make_engine
from tests.helpers import uid

HEADERS = {"X-Fieldapp-Sync": "1"}


def views(db, person_id, via="html", action="view"):
    return db.execute("SELECT COUNT(*) FROM audit_event WHERE person_id = ? AND via = ?"
                      " AND action = ?", [person_id, via, action]).fetchone()[0]


def test_a_page_view_is_logged_and_a_background_refresh_is_logged_apart(client, auth, db,
                                                                       demo_data):
    """The server never trusts a header to decide whether to audit: a refresh the service worker
    says it made is still attributable, as its own kind of event, not counted as a view."""
    auth.login("outreach")
    dan = demo_data["Dan"]
    client.get(f"/people/{dan}")
    client.get(f"/people/{dan}/contacts/new")
    assert views(db, dan) == 2
    client.get(f"/people/{dan}", headers={"X-Fieldapp-Refresh": "1"})
    assert views(db, dan) == 2 and views(db, dan, action="refresh") == 1
    row = db.execute("SELECT * FROM audit_event WHERE person_id = ? ORDER BY id", [dan]).fetchone()
    outreach = users.get_user_by_username(db, "outreach")
    assert row[2] == outreach["id"] and row[4] == "view" and row[5] == f"/people/{dan}"


def test_records_sent_to_a_phone_are_logged(client, auth, db, demo_data):
    device_id = uid()
    auth.login("navigator", device_id=device_id)
    client.post("/api/sync", headers=HEADERS, json={"protocol": 1, "device_id": device_id})
    assert views(db, demo_data["Kerry"], via="sync", action="sent_to_phone") == 1
    assert views(db, demo_data["Dan"], via="sync", action="sent_to_phone") == 0


def test_an_offline_view_is_uploaded_and_never_sent_back(app, client, auth, db, demo_data):
    device_id = uid()
    auth.login("outreach", device_id=device_id)
    dan = demo_data["Dan"]
    view = {"id": uid(), "type": "view", "op": "create", "record_id": uid(), "base_version": None,
            "recorded_at": "2026-11-01T10:00:00Z",
            "fields": {"person_id": dan, "viewed_at": "2026-11-01T09:59:00Z", "page": f"/people/{dan}"}}
    answer = client.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device_id, "mutations": [view]}).get_json()
    assert answer["results"][0]["status"] == "applied"
    assert "view" not in {c["type"] for c in answer["changes"]}
    trail = audit.trail(make_engine(db, app.config), person_id=dan)
    offline = [e for e in trail["events"] if e["via"] == "offline"]
    assert len(offline) == 1 and offline[0]["phone_time"] == "2026-11-01T09:59:00Z"
    assert offline[0]["device_id"] == device_id and offline[0]["user_name"] == "Olu Adeyemi"
    change = dict(view, id=uid(), op="update", base_version=1, fields={"page": "/x"})
    answer = client.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device_id, "mutations": [change]}).get_json()
    assert answer["results"][0]["status"] == "rejected"


def test_admin_reads_the_trail_per_person_and_per_user(client, auth, db, demo_data):
    dan = demo_data["Dan"]
    auth.login("peer")
    client.get(f"/people/{dan}")
    auth.logout()
    auth.login("admin")
    page = client.get(f"/admin/audit/people/{dan}").get_data(as_text=True)
    assert "Audit trail of Dan" in page and "Pete Walsh" in page
    assert f"Viewed /people/{dan}" in page
    assert "Create of contact" in page and "Update of person" in page  # changes, from history
    assert "housing situation" in page and "Hostel" not in page  # field names, never values
    peer = users.get_user_by_username(db, "peer")
    page = client.get(f"/admin/audit/users/{peer['id']}").get_data(as_text=True)
    assert "Audit trail of Pete Walsh" in page and "Dan" in page
    assert client.get("/admin/audit").status_code == 200
    assert client.get(f"/admin/audit/people/{uid()}").status_code == 404


def test_only_an_admin_reads_the_trail(client, auth, db, demo_data):
    for username in ("outreach", "coordinator", "partner"):
        auth.login(username)
        assert client.get(f"/admin/audit/people/{demo_data['Dan']}").status_code == 403
        assert client.get("/admin/audit/users/1").status_code == 403
        auth.logout()


def test_the_trail_is_paginated(app, client, auth, db, demo_data):
    dan = demo_data["Dan"]
    auth.login("outreach")
    for _ in range(audit.PER_PAGE + 5):
        client.get(f"/people/{dan}")
    first = audit.trail(make_engine(db, app.config), person_id=dan)
    assert first["pages"] == 2 and len(first["events"]) == audit.PER_PAGE
    second = audit.trail(make_engine(db, app.config), person_id=dan, page=2)
    assert len(second["events"]) == first["total"] - audit.PER_PAGE
    auth.logout()
    auth.login("admin")
    page = client.get(f"/admin/audit/people/{dan}?page=2").get_data(as_text=True)
    assert "govuk-pagination" in page


def test_coordinator_pages_and_access_grants_are_in_the_trail(app, client, auth, db, demo_data):
    """Assign, share and the merge preview show a person's details: each is a view; granting and
    ending a share changes who sees the person: each is recorded."""
    dan, sam = demo_data["Dan"], demo_data["Sam"]
    auth.login("coordinator")
    client.get(f"/coordination/people/{dan}/assign")
    client.get(f"/coordination/people/{dan}/share")
    client.get(f"/coordination/merge?keep={dan}&merge={sam}")
    assert views(db, dan) == 3 and views(db, sam) == 1
    outreach2 = users.get_user_by_username(db, "outreach2")["id"]
    today = date.today().isoformat()
    client.post(f"/coordination/people/{sam}/share",
                data={"user_id": outreach2, "starts_on": today, "ends_on": today, "reason": "cover"})
    [share] = db.execute("SELECT id FROM person_share WHERE person_id = ?", [sam]).fetchall()
    client.post(f"/coordination/shares/{share[0]}/end")
    actions = [row[0] for row in db.execute(
        "SELECT action FROM audit_event WHERE person_id = ? ORDER BY id", [sam])]
    assert actions[-2:] == ["share_granted", "share_ended"]
    auth.logout()
    auth.login("admin")
    trail = client.get(f"/admin/audit/people/{sam}").get_data(as_text=True)
    assert "Shared with Priya Shah" in trail and "Share ended" in trail


def offline_view(person_id):
    return {"id": uid(), "type": "view", "op": "create", "record_id": uid(), "base_version": None,
            "recorded_at": "2026-11-01T10:00:00Z",
            "fields": {"person_id": person_id, "viewed_at": "2026-11-01T09:59:00Z",
                       "page": f"/people/{person_id}"}}


def test_an_offline_view_of_a_stranger_is_answered_as_for_an_unknown_id(client, auth, db,
                                                                        demo_data):
    """Uploads cannot tell which ids exist, nor write into the trail of people never seen."""
    device_id = uid()
    auth.login("outreach", device_id=device_id)
    answer = client.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device_id, "cursor": 0,
        "mutations": [offline_view(demo_data["Kerry"]), offline_view(uid())]}).get_json()
    stranger, unknown = answer["results"]
    assert stranger["status"] == unknown["status"] == "deferred"
    assert stranger["errors"] == unknown["errors"]
    assert db.execute("SELECT COUNT(*) FROM view").fetchone()[0] == 0


def test_an_offline_view_of_someone_who_has_left_the_caseload_is_kept(client, auth, db, demo_data):
    """The phone held Kerry's page while she was shared with the worker: the view stands."""
    device_id = uid()
    auth.login("navigator", device_id=device_id)
    client.post("/api/sync", headers=HEADERS, json={"protocol": 1, "device_id": device_id})
    db.execute("UPDATE person SET trusted_person_id = NULL, team = 'elsewhere' WHERE id = ?",
               [demo_data["Kerry"]])
    db.conn.commit()
    answer = client.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device_id, "mutations": [offline_view(demo_data["Kerry"])]})
    assert answer.get_json()["results"][0]["status"] == "applied"
