"""Lone working: the server's timer, driven by an injectable clock (no sleeping), over real
SQLite files and the real sync endpoint, with pushes caught by a push-service stand-in that
decrypts every message (tests/test_push.py)."""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from fieldapp import users
from fieldapp.db import open_db
from fieldapp.notify import push
from fieldapp.rules import lone_working
from tests.test_push import PushService, phone, subscribe, sync
from tests.helpers import mutation, uid

GRACE = timedelta(minutes=15)
LEVEL2 = timedelta(minutes=15)


@pytest.fixture
def service():
    stand_in = PushService()
    yield stand_in
    stand_in.server.shutdown()


@pytest.fixture
def app(make_app, service):
    return make_app(PUSH_IN_BACKGROUND=False,
                    PUSH_TEST_SERVICE=f"http://127.0.0.1:{service.server.server_port}/push/")


def user_id(db, username):
    return users.get_user_by_username(db, username)["id"]


def now():
    return datetime.now(timezone.utc).replace(microsecond=0)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def team(app, db, demo_data, service):
    """outreach goes out with peer as buddy; outreach2 is on call; coordinator is the area's;
    each phone subscribed to the stand-in."""
    for name in ("outreach", "peer", "outreach2", "coordinator"):
        subscribe(app, db, name, service.subscription(name))
    start = now() - timedelta(hours=1)
    db["on_call"].insert({"user_id": user_id(db, "outreach2"), "area": "Fenland and East Cambridgeshire",
                          "starts_at": stamp(start), "ends_at": stamp(start + timedelta(days=1))})
    client, device = phone(app, "outreach")
    return {"client": client, "device": device}


def start_visit(team, db, end, **fields):
    visit_id = uid()
    body = {"district": "Fenland", "place": "Riverside path, Wisbech",
            "buddy_id": user_id(db, "peer"), "expected_end": stamp(end), **fields}
    [result] = sync(team["client"], team["device"], [mutation("visit", body, record_id=visit_id)])
    assert result["status"] == "applied", result
    return visit_id


def check_in(team, visit_id, kind, recorded_at="2026-01-01T00:00:00Z", **fields):
    m = mutation("check_in", {"visit_id": visit_id, "kind": kind, **fields},
                 recorded_at=recorded_at)
    return sync(team["client"], team["device"], [m])[0]


def escalations(db):
    return list(db.query("SELECT * FROM escalation ORDER BY id"))


def told(service, name):
    return [p["kind"] for p in service.to(name)]


def test_the_timeline_grace_then_level_1_then_level_2(app, db, team, service):
    end = now() + timedelta(hours=1)
    start_visit(team, db, end)
    config = app.config
    assert lone_working.run_escalations(db, config, now=end + GRACE - timedelta(seconds=1))[
        "level1"] == 0
    assert escalations(db) == []
    counts = lone_working.run_escalations(db, config, now=end + GRACE)
    assert counts["level1"] == 1 and counts["sent"] == 1
    assert told(service, "peer") == ["checkin_overdue"]  # the buddy
    assert told(service, "outreach2") == ["checkin_overdue"]  # on call
    assert told(service, "coordinator") == []  # not yet
    assert told(service, "outreach") == []  # never the worker
    # Runs within the second period change nothing and send nothing again.
    lone_working.run_escalations(db, config, now=end + GRACE + timedelta(minutes=5))
    assert len(service.received) == 2
    counts = lone_working.run_escalations(db, config, now=end + GRACE + LEVEL2)
    assert counts["level2"] == 1
    assert told(service, "coordinator") == ["checkin_overdue"]
    [escalation] = escalations(db)
    assert escalation["level"] == 2 and escalation["status"] == "open"
    lone_working.run_escalations(db, config, now=end + timedelta(hours=3))
    assert len(escalations(db)) == 1 and len(service.to("coordinator")) == 1


def test_acknowledged_goes_no_further(app, db, team, service):
    end = now() + timedelta(minutes=30)
    start_visit(team, db, end)
    lone_working.run_escalations(db, app.config, now=end + GRACE)
    [escalation] = escalations(db)
    coordinator = users.User(users.get_user_by_username(db, "coordinator"))
    assert lone_working.acknowledge(db, coordinator, escalation["id"], "Calling her now")
    lone_working.run_escalations(db, app.config, now=end + GRACE + LEVEL2 + GRACE)
    assert escalations(db)[0]["level"] == 1 and told(service, "coordinator") == []
    assert not lone_working.close(db, coordinator, escalation["id"], "  ")  # a note is needed
    assert lone_working.close(db, coordinator, escalation["id"], "Spoke to her, all well")
    assert escalations(db)[0]["status"] == "closed"
    assert "all well" in escalations(db)[0]["note"]


def test_an_offline_check_in_arriving_after_the_deadline_cancels_with_a_note(
        app, db, team, service):
    end = now() + timedelta(minutes=1)
    visit_id = start_visit(team, db, end)
    lone_working.run_escalations(db, app.config, now=end + GRACE)
    assert escalations(db)[0]["status"] == "open"
    # Made on the phone before the deadline, with no signal; it arrives now, after escalation.
    assert check_in(team, visit_id, "safe", recorded_at=stamp(end - timedelta(minutes=5)))[
        "status"] == "applied"
    [escalation] = escalations(db)
    assert escalation["status"] == "cancelled"
    assert escalation["note"].startswith("Cancelled: I'm safe check-in reached the server at")
    assert told(service, "peer") == ["checkin_overdue", "checkin_arrived"]
    assert told(service, "outreach2") == ["checkin_overdue", "checkin_arrived"]
    # No level 2 for a cancelled escalation; the cover the check-in gave runs from its arrival.
    counts = lone_working.run_escalations(db, app.config, now=end + GRACE + LEVEL2)
    assert counts["level2"] == 0 and counts["level1"] == 0
    assert told(service, "coordinator") == []


def test_a_check_in_in_time_never_escalates_whatever_the_phone_clock_says(app, db, team, service):
    end = now() + timedelta(minutes=20)
    visit_id = start_visit(team, db, end)
    # The phone's clock is days out both ways; the server's receipt is what counts.
    assert check_in(team, visit_id, "extend", until=stamp(end + timedelta(hours=2)),
                    recorded_at="2031-06-01T00:00:00Z")["status"] == "applied"
    assert check_in(team, visit_id, "safe", recorded_at="2019-01-01T00:00:00Z")[
        "status"] == "applied"
    for minutes in (0, 30, 60, 120, 134):
        lone_working.run_escalations(db, app.config, now=end + timedelta(minutes=minutes))
    assert escalations(db) == [] and service.received == []
    # ... and once it ends, never.
    assert check_in(team, visit_id, "end")["status"] == "applied"
    lone_working.run_escalations(db, app.config, now=end + timedelta(days=1))
    assert escalations(db) == []


def test_i_need_help_raises_at_once_to_everyone(app, db, team, service):
    visit_id = start_visit(team, db, now() + timedelta(hours=2))
    assert check_in(team, visit_id, "help", place="Behind the pub")["status"] == "applied"
    [escalation] = escalations(db)
    assert escalation["reason"] == "help" and escalation["level"] == 2
    for name in ("peer", "outreach2", "coordinator"):
        assert told(service, name) == ["checkin_help"]
    # An "I'm safe" afterwards is noted, not taken as the end of it: a coordinator closes it.
    check_in(team, visit_id, "safe")
    assert escalations(db)[0]["status"] == "open" and "I'm safe" in escalations(db)[0]["note"]


def test_no_push_names_anyone(app, db, team, service):
    visit_id = start_visit(team, db, now() + timedelta(minutes=1), place="Flat 3, Kerry's block")
    check_in(team, visit_id, "help", place="Dan Smith's tent", note="Dan is shouting")
    lone_working.run_escalations(db, app.config, now=now() + timedelta(hours=1))
    assert service.received
    words = {"Kerry", "Dan", "Riverside", "Wisbech", "tent", "Fenland", "outreach"}
    for _path, _ttl, payload, _key in service.received:
        assert payload["body"] in push.MESSAGES.values()
        assert not any(word in json.dumps(payload) for word in words)
        assert payload["url"] in ("/on-call/escalations", "/safety")


def test_nobody_on_call_reaches_the_coordinators_at_level_1(app, db, team, service):
    db.execute("DELETE FROM on_call")
    db.conn.commit()
    end = now() + timedelta(minutes=5)
    start_visit(team, db, end, buddy_id=None)
    lone_working.run_escalations(db, app.config, now=end + GRACE)
    assert told(service, "coordinator") == ["checkin_overdue"]


def test_two_runners_at_once_raise_one_escalation_and_one_push_each(app, db, team, service):
    end = now() + timedelta(minutes=5)
    start_visit(team, db, end)
    moment = end + GRACE + timedelta(seconds=30)
    barrier, errors = threading.Barrier(4), []

    def runner():
        own = open_db(app.config["DATABASE"])
        try:
            barrier.wait()
            lone_working.run_escalations(own, app.config, now=moment)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(escalations(db)) == 1
    assert db.execute("SELECT COUNT(*) FROM escalation_alert").fetchone()[0] == 1
    assert told(service, "peer") == ["checkin_overdue"]
    assert told(service, "outreach2") == ["checkin_overdue"]


def test_a_server_stopped_between_deciding_and_sending_sends_at_the_next_run(
        app, db, team, service):
    end = now() + timedelta(minutes=5)
    start_visit(team, db, end)
    lone_working.decide(db, app.config, end + GRACE)  # stored, then the server stopped
    assert service.received == []
    db.close()
    restarted = open_db(app.config["DATABASE"])
    try:
        counts = lone_working.run_escalations(restarted, app.config, now=end + GRACE + timedelta(minutes=1))
    finally:
        restarted.close()
    assert counts["level1"] == 0 and counts["sent"] == 1
    assert told(service, "peer") == ["checkin_overdue"]


def test_check_ins_are_only_the_workers_own_and_never_reach_phones(app, db, team, service):
    visit_id = start_visit(team, db, now() + timedelta(hours=1))
    colleague, device = phone(app, "outreach2")
    other = mutation("check_in", {"visit_id": visit_id, "kind": "end"})
    assert sync(colleague, device, [other])[0]["status"] == "deferred"
    response = team["client"].post("/api/sync", headers={"X-Fieldapp-Sync": "1"}, json={
        "protocol": 1, "device_id": team["device"], "cursor": 0, "mutations": []})
    assert not [c for c in response.get_json()["changes"] if c["type"] in ("visit", "check_in")]


@pytest.mark.parametrize("fields, field", [
    ({"district": "Atlantis"}, "district"),
    ({"expected_end": "soon"}, "expected_end"),
    ({"expected_end": "2099-01-01T10:00"}, "expected_end"),
    ({"place": ""}, "place"),
    ({"buddy_id": "x"}, "buddy_id"),
    ({"buddy_id": 99999}, "buddy_id"),
])
def test_a_bad_visit_is_refused_with_a_message(app, db, team, fields, field):
    body = {"district": "Fenland", "place": "Somewhere", "expected_end": stamp(now() + timedelta(hours=1)),
            **fields}
    [result] = sync(team["client"], team["device"], [mutation("visit", body)])
    assert result["status"] == "rejected" and field in result["errors"], result


def test_a_local_time_is_read_in_the_programme_zone(app, db, team):
    local = (now() + timedelta(hours=2)).astimezone(
        lone_working.programme_zone(app.config)).strftime("%Y-%m-%dT%H:%M")
    visit_id = start_visit(team, db, now(), expected_end=local)
    stored = db["visit"].get(visit_id)["expected_end"]
    assert stored.endswith("Z") and abs(
        (datetime.strptime(stored, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
         - now() - timedelta(hours=2)).total_seconds()) < 120


# ---------------------------------------------------------------- pages


def test_the_worker_page_offers_a_visit_then_its_check_ins(app, db, team):
    page = team["client"].get("/safety").data.decode()
    assert 'data-mutation-type="visit"' in page and "Call 999" in page
    start_visit(team, db, now() + timedelta(hours=1))
    page = team["client"].get("/safety").data.decode()
    assert "Riverside path, Wisbech" in page
    live, queued = page.split('<template id="tpl-queued-visit">')
    assert live.count('data-mutation-type="check_in"') == 4  # the visit's own four check-ins
    assert queued.count('data-mutation-type="check_in"') == 4  # the same, for a queued visit
    assert 'data-redirect-sent="/safety/help/received"' in page
    assert "NOT reached the server" in team["client"].get("/safety/help/not-sent").data.decode()
    assert "The server has your call" in team["client"].get("/safety/help/received").data.decode()


def test_partners_and_admins_have_no_safety_pages(app, db, demo_data):
    for username in ("partner", "admin"):
        client, _ = phone(app, username)
        assert client.get("/safety").status_code == 403
        assert client.get("/on-call/escalations").status_code == 403  # no casework role


def test_the_coordinator_sees_acknowledges_and_closes(app, db, team, service):
    visit_id = start_visit(team, db, now() + timedelta(minutes=1))
    check_in(team, visit_id, "safe", place="By the lock gates")
    lone_working.run_escalations(db, app.config, now=now() + timedelta(hours=2))
    coordinator, _ = phone(app, "coordinator")
    page = coordinator.get("/on-call/escalations").data.decode()
    assert "By the lock gates" in page and "level 1" in page
    partial = coordinator.get("/on-call/escalations", headers={"HX-Request": "true"}).data.decode()
    assert "<html" not in partial and "By the lock gates" in partial
    [escalation] = escalations(db)
    assert coordinator.post(f"/on-call/escalations/{escalation['id']}/acknowledge",
                            data={"note": "Ringing"}).status_code == 302
    assert escalations(db)[0]["status"] == "acknowledged"
    assert coordinator.post(f"/on-call/escalations/{escalation['id']}/close",
                            data={"note": ""}).status_code == 302
    assert escalations(db)[0]["status"] == "acknowledged"
    coordinator.post(f"/on-call/escalations/{escalation['id']}/close", data={"note": "Found safe"})
    assert escalations(db)[0]["status"] == "closed"
    assert "No open escalations" in coordinator.get("/on-call/escalations").data.decode()
    assert coordinator.post(f"/on-call/escalations/{escalation['id']}/nonsense").status_code == 404
    assert coordinator.post(f"/on-call/escalations/{10**30}/close", data={"note": "x"}).status_code == 404
    assert coordinator.post(f"/on-call/rota/{10**30}/remove").status_code in (302, 404)


def test_the_rota_page_adds_refuses_and_removes(app, db, demo_data):
    coordinator, _ = phone(app, "coordinator")
    peer = user_id(db, "peer")
    assert coordinator.get("/on-call/rota").status_code == 200
    for bad in ({"user_id": peer, "starts_at": "2026-12-02T09:00", "ends_at": "2026-12-01T09:00"},
                {"user_id": "x", "starts_at": "soon", "ends_at": ""},
                {"user_id": 99999, "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-02T09:00"}):
        assert coordinator.post("/on-call/rota", data=bad).status_code == 400
    response = coordinator.post("/on-call/rota", data={
        "user_id": peer, "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-31T09:00"})
    assert response.status_code == 302
    [row] = db.query("SELECT * FROM on_call")
    assert row["starts_at"] == "2026-12-01T09:00:00Z"  # GMT in December
    assert coordinator.post(f"/on-call/rota/{row['id']}/remove").status_code == 302
    assert db["on_call"].get(row["id"])["removed_at"]


def test_the_command_runs_once_and_says_what_it_did(app, db, team, service, tmp_path):
    from click.testing import CliRunner

    from fieldapp.cli import main

    visit_id = start_visit(team, db, now() + timedelta(minutes=1))
    db.execute("UPDATE visit SET expected_end = ?, received_at = ? WHERE id = ?",
               [stamp(now() - timedelta(hours=2)), stamp(now() - timedelta(hours=3)), visit_id])
    db.conn.commit()
    env = {"FIELDAPP_INSTANCE": str(app.config["INSTANCE"])}
    result = CliRunner().invoke(main, ["run-escalations"], env=env)
    assert result.exit_code == 0, result.output
    assert "level1=1" in result.output
    again = CliRunner().invoke(main, ["run-escalations"], env=env)
    assert "level1=0" in again.output and len(escalations(db)) == 1


def test_a_buddy_sees_and_acknowledges_what_they_were_alerted_about_and_no_more(
        app, db, team, service):
    end = now() + timedelta(minutes=1)
    start_visit(team, db, end)
    lone_working.run_escalations(db, app.config, now=end + GRACE)
    [escalation] = escalations(db)
    stranger, _ = phone(app, "navigator")  # alerted about nothing
    assert "No open escalations" in stranger.get("/on-call/escalations").data.decode()
    stranger.post(f"/on-call/escalations/{escalation['id']}/acknowledge", data={"note": "x"})
    assert escalations(db)[0]["status"] == "open"
    buddy, _ = phone(app, "peer")
    page = buddy.get("/on-call/escalations").data.decode()
    assert "Riverside path, Wisbech" in page and "Close with this note" not in page
    buddy.post(f"/on-call/escalations/{escalation['id']}/close", data={"note": "Found her"})
    assert escalations(db)[0]["status"] == "open"  # coordinators close
    buddy.post(f"/on-call/escalations/{escalation['id']}/acknowledge", data={"note": "Calling"})
    assert escalations(db)[0]["status"] == "acknowledged"
    assert buddy.get("/on-call/rota").status_code == 403


def test_the_worker_is_reminded_once_before_the_deadline(app, db, team, service):
    end = now() + timedelta(hours=1)
    start_visit(team, db, end)
    lone_working.run_escalations(db, app.config, now=end - timedelta(minutes=11))
    assert told(service, "outreach") == []
    for minutes in (9, 5, 1):
        lone_working.run_escalations(db, app.config, now=end - timedelta(minutes=minutes))
    assert told(service, "outreach") == ["checkin_reminder"]
    assert told(service, "peer") == []  # the buddy only hears if it is overdue


def test_the_readme_shows_the_systemd_units_as_they_are():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    for name in ("fieldapp-escalations.service", "fieldapp-escalations.timer"):
        assert (root / "ops" / name).read_text() in readme, name


def days_ago(db, visit_id, days):
    """Move everything the server holds of a visit `days` into the past (its receipt times)."""
    moment = stamp(now() - timedelta(days=days))
    db.execute("UPDATE visit SET received_at = ?, expected_end = ? WHERE id = ?",
               [moment, moment, visit_id])
    db.execute("UPDATE check_in SET received_at = ? WHERE visit_id = ?", [moment, visit_id])
    db.execute("UPDATE escalation SET raised_at = ?, acknowledged_at = CASE WHEN acknowledged_at"
               " IS NULL THEN NULL ELSE ? END, ended_at = CASE WHEN ended_at IS NULL THEN NULL"
               " ELSE ? END WHERE visit_id = ?", [moment, moment, moment, visit_id])
    db.conn.commit()


def test_retention_erases_old_visits_their_check_ins_and_escalations_only(app, db, team):
    from fieldapp.records import make_engine
    from fieldapp.rules import retention

    end = now() + timedelta(minutes=30)
    old, open_one, recent = (start_visit(team, db, end) for _ in range(3))
    assert check_in(team, old, "help")["status"] == "applied"
    coordinator = users.User(users.get_user_by_username(db, "coordinator"))
    [escalation] = escalations(db)
    assert lone_working.close(db, coordinator, escalation["id"], "Found safe")
    check_in(team, old, "end")
    check_in(team, open_one, "help")  # raised, never closed
    days_ago(db, old, 91)
    days_ago(db, open_one, 91)
    days_ago(db, recent, 91)
    check_in(team, recent, "end")  # heard of today
    engine = make_engine(db, app.config)

    dry = retention.apply_retention(db, app.config, engine)
    assert dry["visits"] == 1
    assert dry["records"] == {"visit": 1, "check_in": 2, "escalation": 1}
    assert db.execute("SELECT COUNT(*) FROM visit").fetchone()[0] == 3

    done = retention.apply_retention(db, app.config, engine, apply=True)
    assert done["records"] == {"visit": 1, "check_in": 2, "escalation": 1}
    assert [r["id"] for r in db.query("SELECT id FROM visit ORDER BY id")] == sorted([open_one, recent])
    assert db.execute("SELECT COUNT(*) FROM check_in WHERE visit_id = ?", [old]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM escalation WHERE visit_id = ?", [old]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM escalation_alert WHERE escalation_id = ?",
                      [escalation["id"]]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM sync_history WHERE record_id = ?", [old]).fetchone()[0] == 0
    [event] = db.query("SELECT detail FROM audit_event WHERE action = 'retention_applied'")
    assert "1 visits" in event["detail"]


def test_i_need_help_with_no_visit_started_reaches_on_call_and_coordinators_at_once(
        app, db, team, service):
    help_id = uid()
    [result] = sync(team["client"], team["device"], [
        mutation("visit", {"kind": "help", "place": "Car park behind Tesco"}, record_id=help_id)])
    assert result["status"] == "applied", result
    # Raised by the sync itself, not waiting for the minute's run.
    [escalation] = escalations(db)
    assert (escalation["visit_id"], escalation["reason"], escalation["level"]) == (help_id, "help", 2)
    assert told(service, "outreach2") == ["checkin_help"]  # on call
    assert told(service, "coordinator") == ["checkin_help"]
    assert told(service, "outreach") == [] and told(service, "peer") == []
    # The runner raises nothing more, and never an overdue: there is no timer.
    counts = lone_working.run_escalations(db, app.config, now=now() + timedelta(days=1))
    assert (counts["help"], counts["level1"]) == (0, 0) and len(escalations(db)) == 1
    assert db["visit"].get(help_id)["area"] == "Fenland and East Cambridgeshire"  # the worker's


def test_the_safety_page_offers_i_need_help_before_any_visit(app, db, team):
    page = team["client"].get("/safety").get_data(as_text=True)
    assert 'data-help-now' in page and 'name="kind" value="help"' in page
    start_visit(team, db, now() + timedelta(hours=1))
    assert 'data-help-now' not in team["client"].get("/safety").get_data(as_text=True)


def test_a_check_in_before_its_visit_is_deferred_and_one_after_it_in_a_batch_is_applied(
        app, db, team):
    end = stamp(now() + timedelta(hours=1))
    visit_id = uid()
    visit = mutation("visit", {"district": "Fenland", "place": "Drove road", "expected_end": end},
                     record_id=visit_id)
    early = mutation("check_in", {"visit_id": visit_id, "kind": "safe"})
    [first] = sync(team["client"], team["device"], [early])
    assert first["status"] == "deferred"
    # The phone's order: the visit queued offline, then its check-ins; one batch, both applied.
    later = mutation("check_in", {"visit_id": visit_id, "kind": "extend", "until": stamp(
        now() + timedelta(hours=2))})
    results = sync(team["client"], team["device"], [visit, early, later])
    assert [r["status"] for r in results] == ["applied", "applied", "applied"]
    assert [c["kind"] for c in lone_working.check_ins(db, visit_id)] == ["safe", "extend"]
