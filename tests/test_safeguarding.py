"""Safeguarding concerns: raised through the sync endpoint as a phone does, pushed to the area's
designated safeguarding leads, decided with reasons, the outcome back to the raiser (push, person
page, their phone's pull), overdue decisions escalated to coordinators once; pushes name nobody."""

from datetime import datetime, timedelta, timezone

import pytest

from fieldapp import users
from fieldapp.notify import push
from fieldapp.rules import safeguarding
from tests.helpers import mutation, uid
from tests.test_push import PushService, phone, subscribe, sync

HEADERS = {"X-Fieldapp-Sync": "1"}


@pytest.fixture
def service():
    stand_in = PushService()
    yield stand_in
    stand_in.server.shutdown()


@pytest.fixture
def app(make_app, service):
    return make_app(PUSH_IN_BACKGROUND=False,
                    PUSH_TEST_SERVICE=f"http://127.0.0.1:{service.server.server_port}/push/")


@pytest.fixture
def lead(app, db, demo_data, service):
    """navigator is the area's designated safeguarding lead; every phone subscribed."""
    navigator = users.get_user_by_username(db, "navigator")
    safeguarding.set_lead(db, navigator["id"])
    for name in ("outreach", "navigator", "coordinator"):
        subscribe(app, db, name, service.subscription(name))
    return navigator


def raise_concern(app, person_id, **fields):
    client, device = phone(app, "outreach")
    concern_id = uid()
    body = {"person_id": person_id, "about": "adult_at_risk",
            "what": "Dan said his brother takes his benefits", "immediate_risk": False, **fields}
    [result] = sync(client, device, [mutation("safeguarding_concern", body, record_id=concern_id)])
    return concern_id, result, client, device


def kinds(service, name):
    return [p["kind"] for p in service.to(name)]


def test_a_concern_reaches_the_lead_who_decides_and_the_raiser_hears(app, db, demo_data, lead,
                                                                       service):
    dan = demo_data["Dan"]
    concern_id, result, worker, device = raise_concern(app, dan)
    assert result["status"] == "applied"
    assert kinds(service, "navigator") == ["safeguarding_concern"]
    assert kinds(service, "outreach") == []
    navigator, _ = phone(app, "navigator")
    page = navigator.get("/safeguarding").data.decode()
    assert "takes his benefits" in page and "Record the decision" in page
    assert navigator.post(f"/safeguarding/{concern_id}/decide",
                          data={"decision": "referred_la", "reasons": ""}).status_code == 400
    assert navigator.post(f"/safeguarding/{concern_id}/decide",
                          data={"decision": "bogus", "reasons": "x"}).status_code == 400
    assert navigator.post(f"/safeguarding/{concern_id}/decide", data={
        "decision": "referred_la", "reasons": "Financial abuse by a family member"}).status_code == 302
    assert kinds(service, "outreach") == ["safeguarding_outcome"]
    page = worker.get(f"/people/{dan}").data.decode()
    assert "Referred to the local authority" in page and "Financial abuse" in page
    pulled = worker.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device, "cursor": 0, "mutations": []}).get_json()["changes"]
    assert any(c["type"] == "safeguarding_decision" for c in pulled)
    # One decision per concern.
    assert navigator.post(f"/safeguarding/{concern_id}/decide", data={
        "decision": "nfa", "reasons": "Again"}).status_code == 400


def test_only_a_lead_of_the_area_decides(app, db, demo_data, lead):
    dan = demo_data["Dan"]
    concern_id, _, worker, device = raise_concern(app, dan)
    decision = mutation("safeguarding_decision", {"person_id": dan, "concern_id": concern_id,
                                                  "decision": "nfa", "reasons": "No"})
    [result] = sync(worker, device, [decision])
    assert result["status"] == "rejected"
    assert worker.get("/safeguarding").status_code == 403
    coordinator, _ = phone(app, "coordinator")
    page = coordinator.get("/safeguarding").data.decode()
    assert "takes his benefits" in page and "Record the decision" not in page
    assert coordinator.post(f"/safeguarding/{concern_id}/decide",
                            data={"decision": "nfa", "reasons": "x"}).status_code == 403


def test_partners_never_see_concerns(app, db, demo_data, lead):
    dan = demo_data["Dan"]
    raise_concern(app, dan)
    partner, device = phone(app, "partner")
    assert "takes his benefits" not in partner.get(f"/people/{dan}").data.decode()
    changes = partner.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device, "cursor": 0, "mutations": []}).get_json()["changes"]
    assert not [c for c in changes if c["type"].startswith("safeguarding")]


@pytest.mark.parametrize("fields, field", [
    ({"about": "cat"}, "about"), ({"what": ""}, "what"), ({"immediate_risk": "maybe"}, "immediate_risk")])
def test_a_bad_concern_is_refused_with_a_message(app, db, demo_data, lead, fields, field):
    _, result, _, _ = raise_concern(app, demo_data["Dan"], **fields)
    assert result["status"] == "rejected" and field in result["errors"], result


def arrived_at(db, concern_id, moment):
    """The server's receipt time of a concern, set as if it had arrived at `moment` (UTC)."""
    db.execute("UPDATE safeguarding_concern SET raised_at = ? WHERE id = ?",
               [moment.strftime("%Y-%m-%dT%H:%M:%SZ"), concern_id])
    db.conn.commit()


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_an_overdue_decision_reaches_the_coordinators_once(app, db, demo_data, lead, service):
    concern_id, *_ = raise_concern(app, demo_data["Dan"])
    arrived_at(db, concern_id, utc(2026, 12, 2, 15, 0))  # a Wednesday
    assert safeguarding.escalate_overdue(db, app.config, now=utc(2026, 12, 3, 14, 59)) == 0
    assert safeguarding.escalate_overdue(db, app.config, now=utc(2026, 12, 3, 15, 0)) == 1
    assert safeguarding.escalate_overdue(db, app.config, now=utc(2026, 12, 3, 15, 1)) == 0
    assert kinds(service, "coordinator") == ["safeguarding_overdue"]
    for _path, _ttl, payload, _key in service.received:
        assert payload["body"] in push.MESSAGES.values() and "Dan" not in str(payload)


def test_a_concern_raised_on_friday_is_overdue_on_monday_not_saturday(app, db, demo_data, lead):
    concern_id, *_ = raise_concern(app, demo_data["Dan"])
    arrived_at(db, concern_id, utc(2026, 12, 4, 15, 0))  # a Friday
    for moment in (utc(2026, 12, 5, 15, 0), utc(2026, 12, 6, 23, 0), utc(2026, 12, 7, 14, 59)):
        assert safeguarding.overdue(db, app.config, "Fenland and East Cambridgeshire", now=moment) == []
    assert safeguarding.overdue(db, app.config, "Fenland and East Cambridgeshire",
                                now=utc(2026, 12, 7, 15, 0)) == [concern_id]


def test_christmas_bank_holidays_are_not_working_days(app, db, demo_data, lead):
    # Christmas Eve 2026 is a Thursday; the 25th, the weekend and Boxing Day (observed, Monday
    # the 28th) are not working days: the lead has until Tuesday the 29th.
    concern_id, *_ = raise_concern(app, demo_data["Dan"])
    arrived_at(db, concern_id, utc(2026, 12, 24, 10, 0))
    assert safeguarding.escalate_overdue(db, app.config, now=utc(2026, 12, 29, 9, 59)) == 0
    assert safeguarding.escalate_overdue(db, app.config, now=utc(2026, 12, 29, 10, 0)) == 1


def test_a_concern_raised_at_the_weekend_has_the_whole_next_working_day(app):
    due = safeguarding.decision_due(app.config, "2026-12-05T10:00:00Z")  # Saturday
    assert due.isoformat() == "2026-12-08T00:00:00+00:00"  # the end of Monday


def test_a_deployment_lists_its_own_non_working_days(make_app):
    app = make_app(EXTRA_NON_WORKING_DAYS=["2026-12-03"], SAFEGUARDING_DECISION_WORKING_DAYS=2)
    due = safeguarding.decision_due(app.config, "2026-12-02T09:30:00Z")  # Wednesday
    assert due.isoformat() == "2026-12-07T09:30:00+00:00"  # Thursday off, Friday, then Monday


def test_the_form_says_to_call_999_for_immediate_risk(app, db, demo_data):
    client, _ = phone(app, "outreach")
    page = client.get(f"/people/{demo_data['Dan']}/safeguarding/new").data.decode()
    assert 'data-mutation-type="safeguarding_concern"' in page and "Call 999 now" in page


def test_the_command_sets_and_clears_the_lead_flag(app, db, demo_data):
    from click.testing import CliRunner

    from fieldapp.cli import main

    env = {"FIELDAPP_INSTANCE": str(app.config["INSTANCE"])}
    result = CliRunner().invoke(main, ["set-safeguarding-lead", "peer"], env=env)
    assert result.exit_code == 0 and "now a designated safeguarding lead" in result.output
    assert safeguarding.leads(db, "Fenland and East Cambridgeshire") == {
        users.get_user_by_username(db, "peer")["id"]}
    CliRunner().invoke(main, ["set-safeguarding-lead", "peer", "--off"], env=env)
    assert safeguarding.leads(db, "Fenland and East Cambridgeshire") == set()
    assert CliRunner().invoke(main, ["set-safeguarding-lead", "nobody"], env=env).exit_code != 0
