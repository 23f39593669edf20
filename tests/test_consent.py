"""Consent: what a person agreed to, and partner agencies' access following it."""

from datetime import date

import pytest

from fieldapp import users
from fieldapp.reads import consents
from fieldapp.records import make_engine
from tests import helpers
from tests.helpers import uid

HEADERS = {"X-Fieldapp-Sync": "1"}
TODAY = date.today().isoformat()


def mutation(fields, op="create", record_id=None, base_version=None, type_name="consent"):
    """A consent mutation (tests/helpers.py makes it)."""
    return helpers.mutation(type_name, fields, op, record_id, base_version)


@pytest.fixture
def push(app, db, demo_data):
    engine = make_engine(db, app.config)

    def push(username, m):
        actor = users.User(users.get_user_by_username(db, username))
        [result] = engine.push(actor, uid(), [m])
        return result

    return push


def current_id(db, app, person_id):
    return consents.current_consent(db, app.config, person_id)["id"]


def sync(client, device_id, cursor=0):
    return client.post("/api/sync", headers=HEADERS,
                       json={"protocol": 1, "device_id": device_id, "cursor": cursor}).get_json()


def test_partner_sees_people_whose_consent_shares_with_their_agency(client, auth, demo_data):
    auth.login("partner")
    page = client.get("/caseload").get_data(as_text=True)
    shown = {name for name in demo_data if f">{name}</a>" in page}
    assert shown == {"Dan", "Sam"}  # demo consents share with Change Grow Live
    assert client.get(f"/people/{demo_data['Kerry']}").status_code == 404  # probation only
    assert "Record a contact" not in page


def test_withdrawal_stops_sharing_and_the_phone_drops_the_person(app, db, client, auth, demo_data,
                                                               push):
    device_id = uid()
    auth.login("partner", device_id=device_id)
    first = sync(client, device_id)
    assert demo_data["Dan"] in {c["scope"] for c in first["changes"]}
    consent_id = current_id(db, app, demo_data["Dan"])
    result = push("outreach", mutation({"withdrawn_on": "2026-01-05"}, "update", consent_id, 1))
    assert result["status"] == "applied"
    assert db["consent"].get(consent_id)["withdrawn"] == 1
    assert client.get(f"/people/{demo_data['Dan']}").status_code == 404
    second = sync(client, device_id, first["cursor"])
    assert {"type": "scope", "record_id": demo_data["Dan"], "deleted": True}.items() <= \
        second["changes"][0].items()
    # A new consent shares again: the whole record comes back.
    push("outreach", mutation({"person_id": demo_data["Dan"], "recording": True,
                               "share_with": ["cgl"], "given_on": date.today().isoformat()}))
    third = sync(client, device_id, second["cursor"])
    assert {c["type"] for c in third["changes"] if c["scope"] == demo_data["Dan"]} == {
        "person", "contact", "consent"}


def test_a_later_withdrawal_record_is_the_current_consent(app, db, client, auth, demo_data, push):
    result = push("peer", mutation({"person_id": demo_data["Sam"], "recording": True,
                                    "withdrawn": True, "given_on": TODAY}))
    assert result["status"] == "applied"
    current = consents.current_consent(db, app.config, demo_data["Sam"])
    assert current["is_withdrawal"] and current["withdrawn_on"] == TODAY
    auth.login("partner")
    assert client.get(f"/people/{demo_data['Sam']}").status_code == 404


def test_consent_is_append_only(app, db, demo_data, push):
    consent_id = current_id(db, app, demo_data["Dan"])
    changed = push("outreach", mutation({"share_with": ["cgl", "cpft"]}, "update", consent_id, 1))
    assert changed["status"] == "rejected" and "share_with" in changed["errors"]
    deleted = push("outreach", mutation(None, "delete", consent_id, 1))
    assert deleted["status"] == "rejected"
    push("outreach", mutation({"withdrawn_on": "2026-01-05"}, "update", consent_id, 1))
    undo = push("outreach", mutation({"withdrawn_on": None}, "update", consent_id, 2))
    assert undo["status"] == "rejected"


def test_consent_is_checked(app, db, demo_data, push):
    bad = push("outreach", mutation({"person_id": demo_data["Dan"], "recording": True,
                                     "share_with": ["nobody"], "given_on": "2099-01-01"}))
    assert bad["status"] == "rejected"
    assert set(bad["errors"]) >= {"share_with", "given_on"}
    # A form with one ticked agency may send it as text.
    one = push("outreach", mutation({"person_id": demo_data["Dan"], "recording": False,
                                     "share_with": "cpft", "given_on": "2026-01-01"}))
    assert one["status"] == "applied"
    assert push("partner", mutation({"person_id": demo_data["Dan"], "recording": True,
                                     "given_on": "2026-01-01"}))["status"] == "rejected"
    assert push("navigator", mutation({"person_id": demo_data["Dan"], "recording": True,
                                       "given_on": "2026-01-01"}))["status"] == "rejected"


def test_consent_form_and_person_page(app, db, client, auth, demo_data):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Dan']}/consent/new").get_data(as_text=True)
    assert 'data-mutation-type="consent"' in page and 'data-mutation-op="create"' in page
    assert 'name="share_with"' in page and 'data-type="list"' in page
    assert f'name="person_id" value="{demo_data["Dan"]}"' in page
    consent_id = current_id(db, app, demo_data["Dan"])
    assert f'data-record-id="{consent_id}"' in page and 'name="withdrawn_on"' in page
    person = client.get(f"/people/{demo_data['Dan']}").get_data(as_text=True)
    assert "Shared with: Change Grow Live (drug and alcohol)" in person
    assert "Consent recorded" in person  # in the timeline
