"""Sharing a person with a colleague for set days: the person reaches the colleague's phone while
the share is in force and leaves it when it ends; whole days in the programme's time zone."""

import uuid
from datetime import date, timedelta

import pytest

from fieldapp.rules import CoordinationError, access, sharing
from fieldapp.timeutil import now_iso
from tests.coordination_fixtures import actor, elsewhere, engine, push, user_id  # noqa: F401


def _scopes(engine, db, username, device, cursor):
    page = engine.pull(actor(db, username), device, cursor)
    while page["more"]:
        more = engine.pull(actor(db, username), device, page["cursor"])
        more["changes"] = page["changes"] + more["changes"]
        page = more
    return page


def _share(app, db, person_id, username="outreach", days=3, **changes):
    form = {"user_id": user_id(db, username), "starts_on": date.today().isoformat(),
            "ends_on": (date.today() + timedelta(days=days)).isoformat(), "reason": "Nina on leave"}
    form.update(changes)
    return sharing.share_person(db, app.config, actor(db, "coordinator"), person_id, form)


def test_a_share_brings_the_person_to_the_colleagues_phone_until_it_ends(app, db, engine, demo_data):
    kerry = demo_data["Kerry"]
    device = str(uuid.uuid4())
    first = _scopes(engine, db, "outreach", device, 0)
    assert kerry not in {c["scope"] for c in first["changes"]}
    share_id = _share(app, db, kerry)
    granted = _scopes(engine, db, "outreach", device, first["cursor"])
    got = {(c["type"], c["record_id"]) for c in granted["changes"] if c["scope"] == kerry}
    assert ("person", kerry) in got
    assert {rid for t, rid in got if t == "contact"} == {
        r["id"] for r in db["contact"].rows_where("person_id = ?", [kerry])}
    # The share's time runs out.
    db.execute("UPDATE person_share SET ends_at = ? WHERE id = ?", [now_iso(timedelta(seconds=-1)), share_id])
    db.conn.commit()
    ended = _scopes(engine, db, "outreach", device, granted["cursor"])
    assert {"type": "scope", "record_id": kerry, "version": 0, "deleted": True, "scope": kerry,
            "fields": None} in ended["changes"]
    assert kerry not in access.visible_person_ids(db, actor(db, "outreach"))


def test_a_share_ended_early(app, db, engine, client, auth, demo_data):
    kerry = demo_data["Kerry"]
    auth.login("coordinator")
    response = client.post(f"/coordination/people/{kerry}/share", data={
        "user_id": str(user_id(db, "peer")), "starts_on": date.today().isoformat(),
        "ends_on": (date.today() + timedelta(days=7)).isoformat(), "reason": "Covering leave"})
    assert response.status_code == 302
    [share] = sharing.shares_for_person(db, kerry)
    assert share["in_force"] and share["colleague_name"] == "Pete Walsh" and share["reason"] == "Covering leave"
    device = str(uuid.uuid4())
    held = _scopes(engine, db, "peer", device, 0)
    assert kerry in {c["scope"] for c in held["changes"]}
    page = client.get(f"/coordination/people/{kerry}/share").data.decode()
    assert "Pete Walsh" in page and "End now" in page
    response = client.post(f"/coordination/shares/{share['id']}/end")
    assert response.status_code == 302
    assert sharing.shares_for_person(db, kerry) == []
    assert db["person_share"].get(share["id"])["revoked_at"] is not None
    dropped = _scopes(engine, db, "peer", device, held["cursor"])
    assert any(c["type"] == "scope" and c["record_id"] == kerry and c["deleted"] for c in dropped["changes"])
    assert client.post("/coordination/shares/99999/end").status_code == 404


def test_a_share_starting_later_is_listed_but_not_yet_in_force(app, db, demo_data):
    kerry = demo_data["Kerry"]
    _share(app, db, kerry, starts_on=(date.today() + timedelta(days=2)).isoformat())
    [share] = sharing.shares_for_person(db, kerry)
    assert not share["in_force"]
    assert kerry not in access.visible_person_ids(db, actor(db, "outreach"))


def test_whole_days_in_the_programmes_time_zone():
    # British Summer Time: local midnight is 23:00 UTC the day before.
    assert sharing.share_window(date(2026, 7, 1), date(2026, 7, 3)) == (
        "2026-06-30T23:00:00Z", "2026-07-03T23:00:00Z")
    assert sharing.share_window(date(2026, 12, 1), date(2026, 12, 1)) == (
        "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z")
    assert sharing.shown_day("2026-07-03T23:00:00Z", end=True) == "Fri 3 July 2026"


@pytest.mark.parametrize("changes, field", [
    ({"ends_on": (date.today() - timedelta(days=1)).isoformat(),
      "starts_on": (date.today() - timedelta(days=5)).isoformat()}, "ends_on"),
    ({"starts_on": (date.today() + timedelta(days=5)).isoformat()}, "ends_on"),  # before it starts
    ({"ends_on": (date.today() + timedelta(days=200)).isoformat()}, "ends_on"),
    ({"starts_on": "tomorrow"}, "starts_on"),
    ({"user_id": ""}, "user_id"),
])
def test_share_form_checks(app, db, demo_data, changes, field):
    with pytest.raises(CoordinationError) as refused:
        _share(app, db, demo_data["Kerry"], **changes)
    assert field in refused.value.errors


@pytest.mark.parametrize("username", ["admin", "coordinator", "pboro"])
def test_share_only_with_caseworkers_of_the_area(app, db, demo_data, elsewhere, username):
    with pytest.raises(CoordinationError) as refused:
        _share(app, db, demo_data["Kerry"], username=username)
    assert "user_id" in refused.value.errors


def test_share_form_shows_errors(db, client, auth, demo_data):
    auth.login("coordinator")
    response = client.post(f"/coordination/people/{demo_data['Kerry']}/share", data={
        "user_id": "", "starts_on": "", "ends_on": ""})
    page = response.data.decode()
    assert response.status_code == 400 and "There is a problem" in page
    assert "Choose the colleague" in page and "Enter the first day" in page
