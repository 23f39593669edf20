"""Risk markers: added, reviewed and retired through the sync endpoint as a phone does, shown
first on the person page, the caseload row and the contact form, read by partner agencies the
person's consent shares with, and markers past review listed for the coordinator."""

import uuid
from datetime import date, timedelta

import pytest

from tests.helpers import mutation, uid

HEADERS = {"X-Fieldapp-Sync": "1"}


def phone(app, username):
    client = app.test_client()
    device_id = str(uuid.uuid4())
    client.post("/login", data={"username": username, "password": "demo", "device_id": device_id})
    return client, device_id


def sync(client, device_id, mutations, cursor=0):
    response = client.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device_id, "cursor": cursor, "mutations": mutations})
    assert response.status_code == 200
    return response.get_json()


def add_marker(client, device, person_id, **fields):
    marker_id = uid()
    body = {"person_id": person_id, "kind": "dog", "note": "Large dog, ask for it to be shut away",
            "review_on": (date.today() + timedelta(days=30)).isoformat(), **fields}
    [result] = sync(client, device, [mutation("risk_marker", body, record_id=marker_id)])["results"]
    return marker_id, result


def test_a_marker_is_shown_first_on_the_page_the_row_and_the_contact_form(app, db, demo_data):
    client, device = phone(app, "outreach")
    dan = demo_data["Dan"]
    _, result = add_marker(client, device, dan)
    assert result["status"] == "applied"
    page = client.get(f"/people/{dan}").data.decode()
    assert "Large dog" in page
    assert page.index("data-risk-markers") < page.index("Record a contact with")
    caseload = client.get("/caseload").data.decode()
    start = caseload.index(f'href="/people/{dan}"')
    row = caseload[start:caseload.index("</li>", start)]
    assert "Dog" in row
    form = client.get(f"/people/{dan}/contacts/new").data.decode()
    assert form.index("Large dog") < form.index('data-mutation-type="contact"')


def test_review_and_retire_are_updates_with_who_and_when(app, db, demo_data):
    client, device = phone(app, "outreach")
    dan = demo_data["Dan"]
    marker_id, _ = add_marker(client, device, dan)
    later = (date.today() + timedelta(days=90)).isoformat()
    [result] = sync(client, device, [mutation("risk_marker", {"review_on": later}, "update",
                                              marker_id, 1)])["results"]
    assert result["status"] == "applied" and result["version"] == 2
    row = db["risk_marker"].get(marker_id)
    assert row["review_on"] == later and row["reviewed_by"] and row["reviewed_at"]
    assert client.get(f"/people/{dan}/risk-markers/{marker_id}/review").status_code == 200
    [result] = sync(client, device, [mutation("risk_marker", {"retired": True, "note": "Dog rehomed"},
                                              "update", marker_id, 2)])["results"]
    assert result["status"] == "applied"
    assert "Large dog" not in client.get(f"/people/{dan}").data.decode()
    [result] = sync(client, device, [{"id": uid(), "type": "risk_marker", "op": "delete",
                                      "record_id": marker_id}])["results"]
    assert result["status"] == "rejected"


@pytest.mark.parametrize("fields, field", [
    ({"kind": "bear"}, "kind"),
    ({"kind": "other", "note": ""}, "note"),
    ({"review_on": "soon"}, "review_on"),
    ({"review_on": "2001-01-01"}, "review_on"),
    ({"note": "x" * 301}, "note"),
])
def test_a_bad_marker_is_refused_with_a_message(app, db, demo_data, fields, field):
    client, device = phone(app, "outreach")
    _, result = add_marker(client, device, demo_data["Dan"], **fields)
    assert result["status"] == "rejected" and field in result["errors"], result


def test_partners_see_markers_of_people_shared_with_them_and_write_none(app, db, demo_data):
    client, device = phone(app, "outreach")
    dan, kerry = demo_data["Dan"], demo_data["Kerry"]
    marker_id, _ = add_marker(client, device, dan)
    add_marker(client, device, kerry, kind="weapons", note="Has carried a knife")
    partner, partner_device = phone(app, "partner")
    answer = sync(partner, partner_device, [])
    pulled = {c["record_id"] for c in answer["changes"] if c["type"] == "risk_marker"}
    assert pulled == {marker_id}  # Dan's consent shares with the partner; Kerry's does not
    assert "Large dog" in partner.get(f"/people/{dan}").data.decode()
    _, result = add_marker(partner, partner_device, dan)
    assert result["status"] == "rejected"


def test_markers_past_review_are_flagged_to_the_coordinator(app, db, demo_data):
    client, device = phone(app, "outreach")
    dan = demo_data["Dan"]
    marker_id, _ = add_marker(client, device, dan)
    db.execute("UPDATE risk_marker SET review_on = ? WHERE id = ?",
               [(date.today() - timedelta(days=3)).isoformat(), marker_id])
    db.conn.commit()
    coordinator, _ = phone(app, "coordinator")
    page = coordinator.get("/risk-markers/due").data.decode()
    assert "Dan" in page and "Dog" in page
    assert "review overdue" in coordinator.get("/caseload").data.decode()
    assert client.get("/risk-markers/due").status_code == 403
