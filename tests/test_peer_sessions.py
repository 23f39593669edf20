"""Peer sessions: the record type's rules, who may log one, the form and the hours sums."""

import uuid
from datetime import date, timedelta

import pytest

from fieldapp import demo, timeutil, users
from fieldapp.reads import peer_hours
from fieldapp.records import make_engine
from tests import helpers


def mutation(fields, op="create", record_id=None, base_version=None, type_name="peer_session"):
    """A peer_session mutation (tests/helpers.py makes it)."""
    return helpers.mutation(type_name, fields, op, record_id, base_version)


def session_fields(person, **changes):
    fields = {"person_id": person, "session_on": (date.today() - timedelta(days=1)).isoformat(),
              "duration_minutes": 60, "mode": "face_to_face", "purpose": "recovery",
              "note": "Went to the group together"}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def actor(db, username):
    return users.User(users.get_user_by_username(db, username))


@pytest.fixture
def push(app, db, demo_data):
    engine = make_engine(db, app.config)

    def push(username, *mutations):
        return engine.push(actor(db, username), str(uuid.uuid4()), list(mutations))

    return push


def log(push, username, person_id, day, minutes, **changes):
    m = mutation(session_fields(person_id, session_on=day.isoformat(), duration_minutes=minutes,
                                **changes))
    [result] = push(username, m)
    assert result["status"] == "applied", result
    return m["record_id"]


# --------------------------------------------------------------------------- the record type
def test_a_peer_mentor_logs_a_session_and_the_server_derives_the_mentor(push, db, demo_data):
    m = mutation(session_fields(demo_data["Sam"], mentor_id=1, created_at="1999-01-01"))
    [result] = push("peer", m)
    assert result["status"] == "applied", result
    row = db["peer_session"].get(m["record_id"])
    assert row["mentor_id"] == users.get_user_by_username(db, "peer")["id"]  # not the phone's 1
    assert row["created_at"] > "2000" and row["scope"] == demo_data["Sam"]
    assert (row["duration_minutes"], row["mode"], row["purpose"]) == (60, "face_to_face", "recovery")


@pytest.mark.parametrize("changes, field", [
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": 721}, "duration_minutes"),
    ({"duration_minutes": "an hour"}, "duration_minutes"),
    ({"duration_minutes": None}, "duration_minutes"),
    ({"mode": "carrier_pigeon"}, "mode"),
    ({"purpose": "gossip"}, "purpose"),
    ({"purpose": "other", "note": None}, "note"),
    ({"purpose": "other", "note": "   "}, "note"),
    ({"session_on": "22/11/2026"}, "session_on"),
    ({"session_on": (date.today() + timedelta(days=3)).isoformat()}, "session_on"),
    ({"person_id": "not-a-uuid"}, "person_id"),
])
def test_invalid_sessions_are_rejected_with_a_message_for_the_field(push, demo_data, changes, field):
    [result] = push("peer", mutation(session_fields(demo_data["Sam"], **changes)))
    assert result["status"] == "rejected" and field in result["errors"], result


def test_twelve_hours_and_something_else_with_a_note_are_accepted(push, demo_data):
    [result] = push("peer", mutation(session_fields(demo_data["Sam"], duration_minutes=720,
                                                    purpose="other", note="Court hearing", mode="accompanying")))
    assert result["status"] == "applied", result


@pytest.mark.parametrize("username, person, status", [
    ("peer", "Sam", "applied"),
    ("coordinator", "Kerry", "applied"),
    ("peer", "Kerry", "rejected"),  # not on the peer mentor's caseload
    ("outreach", "Sam", "rejected"),  # not a peer mentor
    ("navigator", "Kerry", "rejected"),
    ("admin", "Sam", "rejected"),
])
def test_who_may_log_a_peer_session(push, demo_data, username, person, status):
    [result] = push(username, mutation(session_fields(demo_data[person])))
    assert result["status"] == status, result


def test_a_correction_keeps_every_version_and_only_the_mentor_or_a_coordinator_may_make_it(
        app, db, push, demo_data):
    m = mutation(session_fields(demo_data["Sam"]))
    push("peer", m)
    other_peer = users.create_user(db, "peer2", "demo", "peer_mentor", team="Fenland outreach",
                                      area="Fenland and East Cambridgeshire")
    assert other_peer
    fix = mutation({"duration_minutes": 45}, op="update", record_id=m["record_id"], base_version=1)
    [result] = push("peer2", fix)
    assert result["status"] == "rejected"
    [result] = push("peer", mutation({"person_id": demo_data["Dan"]}, op="update",
                                     record_id=m["record_id"], base_version=1))
    assert result["status"] == "rejected" and "person_id" in result["errors"]
    [result] = push("peer", mutation({"purpose": "other"}, op="update", record_id=m["record_id"],
                                     base_version=1))
    assert result["status"] == "applied"  # the stored note says what it was
    [result] = push("coordinator", mutation({"duration_minutes": 45}, op="update",
                                            record_id=m["record_id"], base_version=2))
    assert result["status"] == "applied" and result["version"] == 3
    history = make_engine(db, app.config).history("peer_session", m["record_id"])
    assert [v["fields"]["duration_minutes"] for v in history] == [60, 60, 45]


def test_sessions_reach_the_phones_of_those_who_see_the_person(app, db, push, demo_data):
    m = mutation(session_fields(demo_data["Sam"]))
    push("peer", m)
    page = make_engine(db, app.config).pull(actor(db, "outreach"), str(uuid.uuid4()), 0)
    [sent] = [c for c in page["changes"] if c["record_id"] == m["record_id"]]
    assert sent["type"] == "peer_session"
    assert sent["fields"]["mentor_id"] == users.get_user_by_username(db, "peer")["id"]


# --------------------------------------------------------------------------- hours
def test_week_and_month_bounds():
    assert peer_hours.week_bounds(date(2026, 11, 4)) == (date(2026, 11, 2), date(2026, 11, 8))
    assert peer_hours.week_bounds(date(2026, 11, 2)) == (date(2026, 11, 2), date(2026, 11, 8))
    assert peer_hours.week_bounds(date(2026, 11, 8)) == (date(2026, 11, 2), date(2026, 11, 8))
    assert peer_hours.month_bounds(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert peer_hours.month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))


def _a_wednesday_in_the_middle_of_a_month():
    """A Wednesday at least two months ago whose week lies inside its month with a day to spare
    on each side, so that sessions around it are in the past and fall where the test says."""
    day = date.today() - timedelta(days=70)
    while not (day.weekday() == 2 and 9 <= day.day <= 20):
        day -= timedelta(days=1)
    return day


def test_a_mentors_hours_this_week_and_this_month(app, db, push, demo_data):
    today = _a_wednesday_in_the_middle_of_a_month()
    monday, sunday = peer_hours.week_bounds(today)
    sam, dan = demo_data["Sam"], demo_data["Dan"]
    log(push, "peer", sam, monday, 30)
    log(push, "peer", dan, sunday, 45)
    log(push, "peer", sam, monday - timedelta(days=1), 60)  # last Sunday: this month, last week
    log(push, "peer", sam, sunday + timedelta(days=1), 20)  # next Monday: this month, next week
    log(push, "peer", sam, today.replace(day=1) - timedelta(days=1), 240)  # last month
    log(push, "coordinator", sam, today, 90)  # another mentor's
    gone = log(push, "peer", sam, today, 500)
    [result] = push("peer", mutation(None, op="delete", record_id=gone))
    assert result["status"] == "applied"
    peer_id = users.get_user_by_username(db, "peer")["id"]
    hours = peer_hours.my_hours(db, peer_id, today)
    assert (hours["week"], hours["month"]) == (75, 155)
    assert hours["week_start"] == monday and hours["month_start"] == today.replace(day=1)


def test_coordinator_hours_per_mentor_person_and_month_in_their_area_only(app, db, push, demo_data):
    today = _a_wednesday_in_the_middle_of_a_month()
    first, last = peer_hours.month_bounds(today)
    log(push, "peer", demo_data["Sam"], today, 60)
    log(push, "peer", demo_data["Dan"], today, 30)
    log(push, "peer", demo_data["Sam"], first - timedelta(days=3), 15)  # the month before
    log(push, "coordinator", demo_data["Kerry"], today, 45)
    # Peterborough: a mentor and a person outside the Fenland coordinator's area.
    pboro_id = users.create_user(db, "pboro-peer", "demo", "peer_mentor", team="Peterborough peers",
                                    area="Peterborough")
    mo = mutation({"display_name": "Mo", "district": "Peterborough"}, type_name="person")
    assert push("pboro-peer", mo)[0]["status"] == "applied"
    log(push, "pboro-peer", mo["record_id"], today, 120)
    coordinator = actor(db, "coordinator")

    by_mentor = peer_hours.minutes_by_mentor(db, coordinator, first, last)
    assert [(r["name"], r["sessions"], r["minutes"]) for r in by_mentor] == [
        ("Pete Walsh", 2, 90), ("Chris Morgan", 1, 45)]
    by_person = peer_hours.minutes_by_person(db, coordinator, first, last)
    assert [(r["name"], r["minutes"]) for r in by_person] == [("Sam", 60), ("Kerry", 45), ("Dan", 30)]
    months = peer_hours.minutes_by_month(db, coordinator, today, months=3)
    assert [m["month"] for m in months] == [
        first.strftime("%Y-%m"), (first - timedelta(days=1)).strftime("%Y-%m"),
        (first - timedelta(days=32)).replace(day=1).strftime("%Y-%m")]
    assert [m["minutes"] for m in months] == [135, 15, 0]
    assert all(r["mentor_id"] != pboro_id for r in by_mentor)


def test_hours_text():
    assert peer_hours.hours_text(0) == "0 hours"
    assert peer_hours.hours_text(45) == "45 minutes"
    assert peer_hours.hours_text(60) == "1 hour"
    assert peer_hours.hours_text(150) == "2 hours 30 minutes"
    assert peer_hours.hours_text(61) == "1 hour 1 minute"


# --------------------------------------------------------------------------- pages
def test_the_form_follows_the_page_contract(client, auth, demo_data):
    auth.login("peer")
    response = client.get(f"/people/{demo_data['Dan']}/peer-sessions/new")
    assert response.status_code == 200
    page = response.data.decode()
    assert 'data-mutation-type="peer_session"' in page and 'data-mutation-op="create"' in page
    assert 'data-redirect="/people/{person_id}"' in page
    assert 'data-mutation-label="Peer session with Dan"' in page
    assert f'type="hidden" name="person_id" value="{demo_data["Dan"]}"' in page
    assert 'name="duration_minutes" type="number"' in page and 'max="720"' in page
    assert 'name="session_on" type="date"' in page
    assert 'value="accompanying"' in page and "Accompanying to an appointment" in page
    assert 'value="other"' in page
    assert "data-record-id" not in page and "data-mutation-id" not in page
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_form_for_others(client, auth, demo_data):
    auth.login("outreach")
    assert client.get(f"/people/{demo_data['Dan']}/peer-sessions/new").status_code == 403
    auth.logout()
    auth.login("peer")
    assert client.get(f"/people/{demo_data['Kerry']}/peer-sessions/new").status_code == 404
    auth.logout()
    auth.login("coordinator")
    assert client.get(f"/people/{demo_data['Kerry']}/peer-sessions/new").status_code == 200


def test_the_mentors_hours_page_and_caseload_summary(app, db, client, auth, push, demo_data):
    # A new mentor, so that the demo's sessions do not count.
    users.create_user(db, "pat", "demo", "peer_mentor", team="Fenland outreach",
                         area="Fenland and East Cambridgeshire")
    today = timeutil.programme_today(app.config)
    log(push, "pat", demo_data["Sam"], today, 90, note="Walked to the GP together")
    auth.login("pat")
    page = client.get("/peer/hours").data.decode()
    assert "This week" in page and "1 hour 30 minutes" in page
    assert "Walked to the GP together" in page and ">Sam</a>" in page
    caseload = client.get("/caseload").data.decode()
    assert "Your peer mentoring hours" in caseload and "1 hour 30 minutes" in caseload
    auth.logout()
    auth.login("outreach")
    assert "Your peer mentoring hours" not in client.get("/caseload").data.decode()
    assert client.get("/peer/hours").status_code == 403


def test_the_migration_creates_the_table_the_timeline_reads(db):
    columns = db["peer_session"].columns_dict
    assert list(columns) == ["id", "version", "deleted", "scope", "person_id", "mentor_id",
                             "session_on", "duration_minutes", "mode", "purpose", "note",
                             "created_at"]
    assert "fieldapp.peer" in {row["migration_set"] for row in db["_sqlite_migrations"].rows}


def test_demo_sessions_are_accepted(push, demo_data):
    for username, fields in demo.demo_sessions(demo_data, date.today()):
        [result] = push(username, mutation(fields))
        assert result["status"] == "applied", result
