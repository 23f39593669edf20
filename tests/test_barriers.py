"""Barriers, lessons, the directory of services and count-night tallies (README: Barriers, lessons,
the directory of services and count nights): the record types' rules through the sync engine,
the barrier workflow and its timing measure (answers worked out by hand), the directory reaching
every caseworker's phone, referrals by service, and the pages' access."""

from datetime import date

import pytest

from fieldapp.reads import barriers as reads
from fieldapp.reads.person import timeline
from fieldapp.records import make_engine, push_create, push_update
from tests import helpers
from tests.measures_world import A, B, PERIOD, build


@pytest.fixture
def world(app, db):
    return build(db, app.config)


def barrier_fields(**changes):
    fields = {"service": "Housing Options", "kind": "threshold", "district": "Fenland",
              "what_happened": "Not priority need, so no offer", "noticed_on": "2026-07-01"}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def log(world, who, **changes):
    record_id = helpers.uid()
    [result] = make_engine(world.db, world.config).push(
        world.users[who], helpers.uid(), [helpers.create("barrier", record_id, **barrier_fields(**changes))])
    return record_id, result


def move(world, who, barrier_id, **fields):
    return push_update(world.db, world.config, world.users[who], "barrier", barrier_id, fields)


# ----------------------------------------------------------------- the barrier workflow
def test_a_worker_logs_a_barrier_and_a_coordinator_moves_it_on(app, world, db):
    barrier_id, result = log(world, "out", person_id=world.people["Ben"])
    assert result["status"] == "applied", result
    row = db["barrier"].get(barrier_id)
    assert (row["status"], row["area"], row["logged_by"]) == ("open", A, world.users["out"].id)
    # It is on Ben's timeline, for those who may see him; not for a partner agency worker.
    entries = timeline(db, make_engine(db, app.config), app.config, world.users["tp1"], world.people["Ben"])
    assert any(e["kind"] == "barrier" and "Housing Options" in e["title"] for e in entries)
    entries = timeline(db, make_engine(db, app.config), app.config, world.users["partner"], world.people["Ben"])
    assert not any(e["kind"] == "barrier" for e in entries)

    assert move(world, "out", barrier_id, status="raised")["status"] == "rejected"  # not a coordinator
    assert move(world, "coordb", barrier_id, status="raised")["status"] == "rejected"  # not their area
    assert move(world, "coord", barrier_id, status="raised", raised_on="2026-07-10")["status"] == "applied"
    refused = move(world, "coord", barrier_id, status="resolved", resolved_on="2026-08-01")
    assert refused["status"] == "rejected" and "what_changed" in refused["errors"]
    early = move(world, "coord", barrier_id, status="resolved", resolved_on="2026-06-01",
                 what_changed="Accepted")
    assert early["status"] == "rejected" and "resolved_on" in early["errors"]
    done = move(world, "coord", barrier_id, status="resolved", resolved_on="2026-08-01",
                what_changed="Housing Options now accept the partnership's assessment")
    assert done["status"] == "applied"
    assert move(world, "coord", barrier_id, status="raised")["status"] == "rejected"  # resolved -> raised
    assert move(world, "coord", barrier_id, status="open", resolved_on=None)["status"] == "applied"
    history = make_engine(db, app.config).history("barrier", barrier_id)
    assert [v["fields"]["status"] for v in history] == ["open", "raised", "resolved", "open"]


def test_a_barrier_follows_its_person_when_two_records_are_merged(app, world, db):
    from fieldapp.rules.merging import merge_people

    keep = world.person("2026-09-01", "Kim", "Fenland")
    twice = world.person("2026-09-02", "Kim again", "Fenland")
    barrier_id, _ = log(world, "out", person_id=twice)
    merge_people(db, app.config, world.users["coord"], keep, twice, {})
    assert db["barrier"].get(barrier_id)["person_id"] == keep
    entries = timeline(db, make_engine(db, app.config), app.config, world.users["coord"], keep)
    assert any(e["kind"] == "barrier" for e in entries)


@pytest.mark.parametrize("changes, field", [
    ({"status": "raised"}, "status"), ({"kind": "bad luck"}, "kind"), ({"service": "  "}, "service"),
    ({"district": "Narnia"}, "district"), ({"noticed_on": "2099-01-01"}, "noticed_on"),
    ({"person_id": "not-an-id"}, "person_id"), ({"what_happened": None}, "what_happened")])
def test_a_barrier_that_is_not_right_is_rejected_with_a_message(world, changes, field):
    _id, result = log(world, "out", **changes)
    assert result["status"] == "rejected" and field in result["errors"], result


def test_who_sees_which_barrier_and_overdue_ones_are_flagged(app, world, db):
    log(world, "out", noticed_on="2026-01-05")
    log(world, "tp1", noticed_on="2026-11-20")
    log(world, "coordb", district="Peterborough", noticed_on="2026-11-20")
    today = date(2026, 12, 1)
    mine = reads.barriers(db, world.users["out"], app.config, today=today)
    assert [(b["noticed_on"], b["overdue"]) for b in mine] == [("2026-01-05", True)]
    area = reads.barriers(db, world.users["coord"], app.config, today=today)
    assert [(b["noticed_on"], b["overdue"]) for b in area] == [("2026-11-20", False), ("2026-01-05", True)]
    assert reads.barriers(db, world.users["boss"], app.config, today=today) == []
    # Never pulled to a phone, even the logger's.
    page = make_engine(db, app.config).pull(world.users["out"], helpers.uid(), 0)
    assert not [c for c in page["changes"] if c["type"] == "barrier"]


def test_the_barrier_timing_measure(app, world, db):
    target = 30
    rows = [  # noticed, then what happened to it
        ("2026-07-01", "resolved", "2026-07-21"),  # 20 days: in time
        ("2026-07-02", "resolved", "2026-08-11"),  # 40 days: late
        ("2026-07-03", "closed_unresolved", "2026-07-10"),  # closed: due, not in time
        ("2026-08-01", "raised", None),  # 122 days old on 1 Dec: overdue, due, not in time
        ("2026-09-25", "open", None),  # 67 days old: overdue too
        ("2026-06-30", "resolved", "2026-07-01"),  # before the period
    ]
    for noticed, status, closed in rows:
        barrier_id, _ = log(world, "out", noticed_on=noticed)
        if status == "raised":
            move(world, "coord", barrier_id, status="raised", raised_on=noticed)
        elif status != "open":
            move(world, "coord", barrier_id, status=status, resolved_on=closed, what_changed="Fixed")
    got = reads.barrier_measure(db, [A], PERIOD, target, today=date(2026, 12, 1))
    assert got["by_status"] == {"open": 1, "raised": 1, "resolved": 2, "closed_unresolved": 1}
    assert (got["total"], got["overdue"], got["due"], got["resolved_in_time"], got["percent"]) == \
        (5, 2, 5, 1, 20)
    # On 1 October the open one (6 days old) is not yet due, nor overdue; the raised one (61 days)
    # is overdue.
    got = reads.barrier_measure(db, [A], PERIOD, target, today=date(2026, 10, 1))
    assert (got["overdue"], got["due"], got["resolved_in_time"], got["percent"]) == (1, 4, 1, 25)
    assert reads.barrier_measure(db, [B], PERIOD, target, today=date(2026, 12, 1))["total"] == 0


# ----------------------------------------------------------------- lessons
def test_lessons_link_the_areas_barriers_and_are_filtered(app, world, db):
    ours, _ = log(world, "out")
    theirs, _ = log(world, "coordb", district="Peterborough")
    lesson = {"area": A, "partner": "DWP Jobcentre", "issue": "ID before an appointment",
              "level": "system", "forum_on": "2026-09-15", "barrier_ids": [ours]}
    _id, result = push_create(db, app.config, world.users["coord"], "lesson", lesson)
    assert result["status"] == "applied", result
    for who, changes in (("coord", {"barrier_ids": [theirs]}), ("coord", {"area": B}),
                         ("out", {}), ("coord", {"level": "cosmic"})):
        _id, result = push_create(db, app.config, world.users[who], "lesson", {**lesson, **changes})
        assert result["status"] == "rejected", (who, changes)
    [row] = reads.lessons(db, [A], level="system", partner="jobcentre")
    assert [b["id"] for b in row["barriers"]] == [ours]
    assert reads.lessons(db, [A], level="individual") == []
    assert reads.lessons(db, [A], partner="100%_") == []


# ----------------------------------------------------------------- the directory
def entry_fields(**changes):
    return {"name": "Ely Foodbank", "offers": "Food parcels on referral",
            "districts": ["East Cambridgeshire"], "last_checked_on": "2026-11-01", **changes}


def test_the_directory_reaches_every_caseworker_phone_and_only_maintainers_change_it(app, world, db):
    entry_id, result = push_create(db, app.config, world.users["coord"], "directory_entry", entry_fields())
    assert result["status"] == "applied"
    _id, result = push_create(db, app.config, world.users["admin"], "directory_entry",
                              entry_fields(name="Wisbech day centre"))
    assert result["status"] == "applied"
    for who in ("out", "tp1"):
        _id, result = push_create(db, app.config, world.users[who], "directory_entry", entry_fields())
        assert result["status"] == "rejected"
    _id, result = push_create(db, app.config, world.users["coord"], "directory_entry",
                              entry_fields(districts=["Atlantis"]))
    assert result["status"] == "rejected" and "districts" in result["errors"]
    engine = make_engine(db, app.config)
    device = helpers.uid()
    page = engine.pull(world.users["out"], device, 0)
    got = {c["fields"]["name"] for c in page["changes"] if c["type"] == "directory_entry"}
    assert got == {"Ely Foodbank", "Wisbech day centre"}
    assert not [c for c in engine.pull(world.users["partner"], helpers.uid(), 0)["changes"]
                if c["type"] == "directory_entry"]
    # No person is noted as sent for a directory entry.
    assert not list(db.query("SELECT 1 FROM audit_event WHERE person_id = ?", [entry_id]))
    # A change reaches the phone; a removed entry is dropped from it.
    assert push_update(db, app.config, world.users["coord"], "directory_entry", entry_id,
                       {"phone": "01353 000000"})["status"] == "applied"
    page = engine.pull(world.users["out"], device, page["cursor"])
    assert [c["fields"]["phone"] for c in page["changes"] if c["type"] == "directory_entry"] == ["01353 000000"]
    assert push_update(db, app.config, world.users["coord"], "directory_entry", entry_id, {},
                       op="delete")["status"] == "applied"
    page = engine.pull(world.users["out"], device, page["cursor"])
    assert any(c["record_id"] == entry_id and c["deleted"] for c in page["changes"])


def test_a_contact_names_a_directory_service_and_referrals_are_counted(app, world, db):
    entry_id, _ = push_create(db, app.config, world.users["coord"], "directory_entry", entry_fields())
    engine = make_engine(db, app.config)
    made = [helpers.create("contact", helpers.uid(), **helpers.contact_fields(
        world.people[name], contact_at=at, referred_to=entry_id))
        for name, at in (("Ben", "2026-08-01T10:00"), ("Ben", "2026-08-02T10:00"),
                         ("Cal", "2026-09-01T10:00"), ("Cal", "2026-10-02T10:00"))]
    assert helpers.statuses(engine.push(world.users["out"], helpers.uid(), made)) == ["applied"] * 4
    bad = helpers.create("contact", helpers.uid(), **helpers.contact_fields(world.people["Ben"],
                                                                            referred_to="nope"))
    unknown = helpers.create("contact", helpers.uid(), **helpers.contact_fields(
        world.people["Ben"], referred_to=helpers.uid()))
    assert helpers.statuses(engine.push(world.users["out"], helpers.uid(), [bad, unknown])) == [
        "rejected", "deferred"]
    got = reads.referrals_by_service(db, [A], PERIOD)
    assert got == {"services": [{"name": "Ely Foodbank", "referrals": 3, "people": 2}], "total": 3}


# ----------------------------------------------------------------- count night
def test_count_night_tallies_are_summed_by_night_and_district(app, world, db):
    engine = make_engine(db, app.config)
    tallies = [("out", "2026-09-24", "Fenland", 4), ("tp1", "2026-09-24", "Fenland", 2),
               ("out", "2026-09-24", "East Cambridgeshire", 1), ("out", "2026-10-01", "Fenland", 9),
               ("coordb", "2026-09-24", "Peterborough", 6)]
    for who, night, district, seen in tallies:
        [result] = engine.push(world.users[who], helpers.uid(), [helpers.create(
            "tally", helpers.uid(), counted_on=night, district=district, people_seen=seen)])
        assert result["status"] == "applied", result
    [result] = engine.push(world.users["partner"], helpers.uid(), [helpers.create(
        "tally", helpers.uid(), counted_on="2026-09-24", district="Fenland", people_seen=1)])
    assert result["status"] == "rejected"
    got = reads.count_night(db, [A], PERIOD)
    assert [(n["district"], n["people_seen"], n["tallies"]) for n in got["nights"]] == [
        ("East Cambridgeshire", 1, 1), ("Fenland", 6, 2)]
    assert got["total"] == 7


# ----------------------------------------------------------------- pages
@pytest.mark.parametrize("path, allowed", [
    ("/barriers/new", {"out", "tp1", "coord"}), ("/barriers", {"out", "tp1", "coord"}),
    ("/tally/new", {"out", "tp1", "coord"}), ("/directory", {"out", "tp1", "coord"}),
    ("/services/", {"coord", "admin"}), ("/services/new", {"coord", "admin"}),
    ("/forum/lessons", {"coord"}), ("/forum/lessons/new", {"coord"})])
def test_who_may_open_the_new_pages(client, world, auth, path, allowed):
    for username in ("out", "tp1", "coord", "boss", "admin", "partner"):
        auth.login(username)
        status = client.get(path).status_code
        assert status == (200 if username in allowed else 403), (path, username, status)
        auth.logout()


def test_the_directory_forms_and_search(client, world, db, auth):
    auth.login("coord")
    bad = client.post("/services/new", data={"name": "", "offers": "x", "last_checked_on": "2026-11-01"})
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)
    ok = client.post("/services/new", data={"name": "Ely Foodbank", "offers": "Food parcels",
                                             "districts": ["East Cambridgeshire"],
                                             "last_checked_on": "2026-11-01"})
    assert ok.status_code == 302
    [entry_id] = [row["id"] for row in db.query("SELECT id FROM directory_entry")]
    edited = client.post(f"/services/{entry_id}/edit", data={
        "name": "Ely Foodbank", "offers": "Food parcels and toiletries",
        "districts": ["East Cambridgeshire", "Fenland"], "last_checked_on": "2026-11-02"})
    assert edited.status_code == 302
    assert db["directory_entry"].get(entry_id)["offers"] == "Food parcels and toiletries"
    assert client.get("/services/not-there/edit").status_code == 404
    auth.logout()
    auth.login("out")
    assert "Ely Foodbank" in client.get("/directory?q=toiletries fenland").get_data(as_text=True)
    assert "Ely Foodbank" not in client.get("/directory?q=dentist").get_data(as_text=True)
    assert "Ely Foodbank" in client.get("/contacts/new").get_data(as_text=True)


def test_the_coordinators_barrier_page_moves_it_on(client, world, db, auth):
    barrier_id, _ = log(world, "out", person_id=world.people["Cal"])
    auth.login("coord")
    page = client.get(f"/forum/barriers/{barrier_id}")
    assert page.status_code == 200 and "Housing Options" in page.get_data(as_text=True)
    [view] = list(db.query("SELECT * FROM audit_event WHERE person_id = ? AND action = 'view'",
                           [world.people["Cal"]]))
    assert view["user_id"] == world.users["coord"].id and view["detail"].startswith("/forum/")
    refused = client.post(f"/forum/barriers/{barrier_id}", data={"status": "resolved", "on": "2026-08-01"})
    assert refused.status_code == 400 and "Say what changed" in refused.get_data(as_text=True)
    done = client.post(f"/forum/barriers/{barrier_id}", data={
        "status": "resolved", "on": "2026-08-01", "what_changed": "A named contact at the council"})
    assert done.status_code == 302 and db["barrier"].get(barrier_id)["status"] == "resolved"
    assert client.get(f"/forum/barriers/{helpers.uid()}").status_code == 404
    auth.logout()
    auth.login("coordb")
    assert client.get(f"/forum/barriers/{barrier_id}").status_code == 404


NASTY = ["", "x" * 5000, "\x00", "\U0001F600", "%ED%A0%80", "2026-02-30", "-1", "../../etc", "' OR 1=1 --", "%ff"]


@pytest.mark.parametrize("value", NASTY)
def test_no_input_to_the_new_forms_and_pages_makes_a_500(client, world, db, auth, value):
    barrier_id, _ = log(world, "out")
    auth.login("coord")
    for path, data in (
            (f"/forum/barriers/{barrier_id}", {"status": value, "on": value, "what_changed": value}),
            ("/forum/lessons/new", {"partner": value, "issue": value, "level": value,
                                    "forum_on": value, "barrier_ids": [value, barrier_id]}),
            ("/services/new", {"name": value, "offers": value, "districts": [value],
                               "last_checked_on": value, "phone": value}),
            ("/measures/returns/figures", {"password": value})):
        assert client.post(path, data=data).status_code < 500, (path, value)
    for path in (f"/measures?from={value}&to={value}&area={value}", f"/directory?q={value}",
                 f"/barriers?status={value}", f"/forum/lessons?level={value}&partner={value}",
                 f"/forum/barriers/{value}", f"/services/{value}/edit",
                 f"/measures/returns?from={value}"):
        assert client.get(path).status_code < 500, (path, value)
