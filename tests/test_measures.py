"""Every measure against the hand-built programme of tests/measures_world.py, each answer worked
out by hand below (README: Measures); then the page itself, who may open it, and its periods."""

from datetime import date

import pytest

from fieldapp.reads import measures, outcomes
from fieldapp.reads.measures import Period, quarter_of
from fieldapp.rules import licence
from tests import helpers
from tests.measures_world import A, B, PERIOD, build


@pytest.fixture
def world(app, db):
    return build(db, app.config)


def test_trusted_persons_supported_and_caseloads(world, db):
    # tp1 is Ann's, Ben's and Fay's (closed) trusted person, tp2 Cal's: two trusted persons.
    assert measures.trusted_persons(db, [A]) == {"trusted_persons": 2, "coordinators": 1}
    # Live, not closed, in A: Ann, Ben, Cal, Gus (Dee merged away, Eve moved, Fay closed); three
    # have a trusted person.
    assert measures.people_supported(db, [A]) == {"people": 4, "supported": 3}
    caseloads = measures.caseload_per_worker(db, [A], cap=1)
    assert [(w["name"], w["people"], w["over"]) for w in caseloads["workers"]] == [
        ("tp1", 2, True), ("tp2", 1, False)]
    assert caseloads["over"] == 1
    assert measures.people_supported(db, [B]) == {"people": 1, "supported": 0}  # Eve


def test_multi_agency_teams_coordinated_by_a_trusted_person(world, db):
    def meeting(who, name, day, agencies=("housing", "mental_health")):
        record_id = helpers.uid()
        world.push(day, who, helpers.create("mdt_meeting", record_id, person_id=world.people[name],
                                            held_on=day, agencies=list(agencies)))
        return record_id

    meeting("tp1", "Ann", "2026-07-15")
    meeting("tp1", "Ann", "2026-08-15", ("probation", "police", "drug_alcohol"))
    meeting("tp2", "Cal", "2026-09-01")
    meeting("out", "Ben", "2026-08-01")  # out is not Ben's trusted person
    meeting("tp1", "Fay", "2026-07-20")  # closed later, in August: held while supported
    meeting("tp1", "Ben", "2026-06-30")  # before the period
    dropped = meeting("tp1", "Ben", "2026-09-10")
    world.push("2026-09-11", "tp1", helpers.delete("mdt_meeting", dropped))
    # Cal's trusted person changes after tp2's meeting: it stays coordinated by his trusted person.
    world.update("2026-09-20", "coord", "Cal", trusted_person_id=world.users["tp1"].id)
    # Teams: Ann (two meetings, one team), Cal, Fay. Meetings in the period, live: Ann 2, Cal, Ben
    # (by out), Fay = 5, of which 4 by the person's trusted person, tp1 and tp2.
    assert measures.mdt_teams(db, [A], PERIOD) == {
        "teams": 3, "meetings": 5, "meetings_by_trusted_person": 4, "trusted_persons": 2}
    assert measures.mdt_teams(db, [B], PERIOD) == {
        "teams": 0, "meetings": 0, "meetings_by_trusted_person": 0, "trusted_persons": 0}
    june = Period(date(2026, 6, 1), date(2026, 6, 30))
    assert measures.mdt_teams(db, [A], june)["teams"] == 1  # Ben's of 30 June


def test_contacts_by_district_and_month(world, db):
    got = measures.contacts_by_district_month(db, [A], PERIOD)
    # In the period, live, with people now in A: Ann 5 Jul and 10 Aug (Fenland), Dee's 20 Jul
    # (East Cambridgeshire, now Ann's), Ben 30 Sep 23:30 (not 1 Oct, not the deleted one), Cal
    # 1 Jul 00:00, Gus 2 Sep. Eve's is Peterborough's now.
    assert got["counts"] == {("Fenland", "2026-07"): 2, ("Fenland", "2026-08"): 1,
                             ("Fenland", "2026-09"): 1, ("East Cambridgeshire", "2026-07"): 1,
                             ("East Cambridgeshire", "2026-09"): 1}
    assert got["by_month"] == {"2026-07": 3, "2026-08": 1, "2026-09": 2}
    assert got["total"] == 6 and got["months"] == ["2026-07", "2026-08", "2026-09"]
    assert measures.contacts_by_district_month(db, [B], PERIOD)["counts"] == {
        ("Fenland", "2026-08"): 1}  # Eve's, counted where she is now


def test_people_first_reached_and_unknown_to_services(world, db):
    # First live contact in the period: Ben (30 Sep; his deleted August one does not count), Cal,
    # Gus. Not Ann (first met 2025, also as Dee). Cal "no"; Gus "not known"; Ben "yes".
    assert measures.first_reached(db, [A], PERIOD) == {
        "reached": 3, "unknown_to_services": 1, "not_recorded": 1}
    assert measures.first_reached(db, [B], PERIOD) == {
        "reached": 1, "unknown_to_services": 1, "not_recorded": 0}


def test_bedded_down_spoken_to_and_streetlink(world, db):
    # Contacts: Ann (bd, spoken), Ann (bd), Ann-as-Dee (spoken), Ben (spoken), Cal (bd), Gus (spoken).
    assert measures.bedded_down_spoken_to(db, [A], PERIOD) == {
        "people": 4, "bedded_down": 2, "spoken_to": 3, "bedded_down_and_spoken_to": 1,
        "contacts": 6, "bedded_down_contacts": 3, "spoken_to_contacts": 4}
    assert measures.streetlink_follow_ups(db, [A], PERIOD) == {
        "follow_ups": 1, "people": 1, "found_bedded_down": 1, "spoken_to": 0}


def test_peer_mentor_hours(world, db):
    got = measures.peer_mentor_hours(db, [A], PERIOD)
    # peer: Ann 60 (Jul) + 30 (Aug), Ben 45 (Sep); not Ann's June one, the deleted one, or Eve's
    # (Peterborough now). coord: Cal 15 (Jul).
    assert [(m["name"], m["by_month"], m["minutes"], m["sessions"]) for m in got["mentors"]] == [
        ("peer", {"2026-07": 60, "2026-08": 30, "2026-09": 45}, 135, 3),
        ("coord", {"2026-07": 15}, 15, 1)]
    assert got["by_month"] == {"2026-07": 75, "2026-08": 30, "2026-09": 45}
    assert (got["minutes"], got["sessions"]) == (150, 4)


def test_ndt_fall_at_3_6_and_12_months(app, world, db):
    points = outcomes.ndt_fall(db, [A], PERIOD.end, app.config)["points"]
    # 3 months, due: Ann, Ben, Cal, Fay. Cal has no reading (missing). Ann 30 -> 24 fell, Ben
    # 20 -> 18 (1 Jun, nearer 15 Jun than 30 Jun's 25) fell, Fay 40 -> 40 did not: 2 of 3.
    # 6 months, due: Ann, Ben (15 Sep), Fay; Cal's is December. Ben's only later reading is another
    # instrument, Fay has none: missing 2. Ann 30 -> 32 rose: 0 of 1.
    # 12 months, due: Ann (1 Jun 2026), Fay (10 Jan 2026). Ann's nearest final is 61 days off and
    # her draft does not count: missing. Fay 40 -> 12 fell: 1 of 1.
    assert [(p["months"], p["due"], p["missing"], p["with_reading"], p["fell"], p["percent"])
            for p in points] == [(3, 4, 1, 3, 2, 67), (6, 3, 2, 1, 0, 0), (12, 2, 1, 1, 1, 100)]
    # Eve, in B now: engaged 2025-06-01, 30 -> 10 at 3 months; no 6 or 12-month reading.
    b = outcomes.ndt_fall(db, [B], PERIOD.end, app.config)["points"]
    assert [(p["due"], p["fell"], p["missing"]) for p in b] == [(1, 1, 0), (1, 0, 1), (1, 0, 1)]


def test_stable_housing_at_3_6_12_and_18_months(app, world, db):
    points = outcomes.stable_housing(db, [A], PERIOD.end, app.config)["points"]
    # 3 months: Ann hostel (1 Sep 2025), Ben nothing yet (his came 16 Jun, the day after), Cal
    # settled (1 Sep, before 20 Sep), Fay sofa surfing: 1 stable of 3 known, 1 missing.
    # 6 months: Ann settled (stored 30 Nov 2025), Ben supported, Fay settled: 3 of 3.
    # 12 months: Ann settled, Fay settled (Jan 2026; prison came in February): 2 of 2.
    # 18 months: Fay only (10 Jul 2026): prison: 0 of 1.
    assert [(p["months"], p["due"], p["missing"], p["known"], p["stable"], p["percent"])
            for p in points] == [(3, 4, 1, 3, 1, 33), (6, 3, 0, 3, 3, 100), (12, 2, 0, 2, 2, 100),
                                 (18, 1, 0, 1, 0, 0)]


def test_star_movement_compares_one_edition_only(app, world, db):
    got = outcomes.star_movement(db, [A], PERIOD.end, app.config)
    # Ann 3.1: motivation 3 -> 6 (+3), self-care 4 -> 2 (-2). Cal 3.1: motivation 4 -> 5 (+1),
    # self-care 4 -> 4 (his October reading is after the period). Ben: his latest (3.1) is his only
    # reading of that edition (the other is 3.0): not compared. Fay: drafts only. Eve: B's.
    [edition] = got["editions"]
    assert edition["name"] == "Homelessness Star 3.1" and edition["people"] == 2
    by_area = {a["label"]: (a["mean_change"], a["up"], a["down"]) for a in edition["areas"]}
    assert by_area["Motivation and taking responsibility"] == (2.0, 2, 0)
    assert by_area["Self-care and living skills"] == (-1.0, 0, 1)
    assert by_area["Offending"] == (0.0, 0, 0)
    assert got["single_reading"] == 1


def test_progress_on_a_self_identified_priority_within_3_months(app, world, db):
    def choose(name, on, area):
        db.execute("UPDATE assessment SET priority = ? WHERE person_id = ? AND assessed_on = ?",
                   [area, world.people[name], on])
    choose("Ann", "2026-01-10", "motivation")  # 3 -> 5 on 10 Apr (10 Jul is after 3 months)
    choose("Ben", "2026-05-01", "motivation")  # no later 3.1 reading: missing
    choose("Cal", "2026-07-01", "self_care")  # 4 -> 4 on 1 Sep; not due until 1 Oct
    choose("Fay", "2026-03-01", "motivation")  # a draft: never counts
    db.conn.commit()
    got = outcomes.priority_progress(db, [A], PERIOD.end, app.config)
    assert got == {"due": 2, "missing": 1, "with_reading": 1, "progress": 1, "percent": 100}
    # By the end of October Cal is due too (his 15 October reading is after his 3 months).
    got = outcomes.priority_progress(db, [A], date(2026, 10, 31), app.config)
    assert got == {"due": 3, "missing": 1, "with_reading": 2, "progress": 1, "percent": 50}


def test_a_priority_must_be_one_of_the_stars_areas(app, world, db):
    from fieldapp.records import make_engine
    from tests import helpers
    from tests.measures_world import STAR, NDT

    licence.set_star_licensed(db, True)
    engine = make_engine(db, app.config)
    star = {"person_id": world.people["Ann"], "instrument": "homelessness-star",
            "instrument_version": "3.1", "status": "final", "assessed_on": "2026-09-01",
            "scores": dict.fromkeys(STAR, 5)}
    ndt = {**star, "instrument": "ndt", "instrument_version": "1", "scores": dict.fromkeys(NDT, 1)}
    results = engine.push(world.users["coord"], helpers.uid(), [
        helpers.create("assessment", helpers.uid(), **star, priority="tenancy"),
        helpers.create("assessment", helpers.uid(), **star, priority="karaoke"),
        helpers.create("assessment", helpers.uid(), **ndt, priority="housing")])
    assert helpers.statuses(results) == ["applied", "rejected", "rejected"]
    assert "priority" in results[1]["errors"] and "priority" in results[2]["errors"]


def test_equality_monitoring_against_the_population(app, world, db):
    got = outcomes.equality(db, [A], PERIOD, app.config)
    # Cohort: Ann, Ben, Cal, Fay (engaged by 30 Sep). Reached: Ann, Ben, Cal, Gus.
    assert (got["cohort"], got["reached"]) == (4, 4)
    dims = {d["name"]: d for d in got["dimensions"]}
    rows = lambda name: {r["value"]: (r["cohort"], r["cohort_percent"], r["reached"],
                                      r["reached_percent"], r["population_percent"])
                         for r in dims[name]["rows"] if r["cohort"] or r["reached"]}
    # Gender: cohort 2 women, 2 men; reached Ann (woman), Ben, Cal (men), Gus not recorded.
    assert rows("gender") == {"woman": (2, 50, 1, 33, 51), "man": (2, 50, 2, 67, 49)}
    assert (dims["gender"]["cohort_not_recorded"], dims["gender"]["reached_not_recorded"]) == (0, 1)
    # Ethnicity: Cal not recorded, Fay prefers not to say; Gus is reached, not in the cohort.
    assert rows("ethnicity") == {"white_british": (1, 50, 1, 33, 82), "asian": (1, 50, 1, 33, 5),
                                 "black": (0, 0, 1, 33, 2)}
    assert (dims["ethnicity"]["cohort_not_recorded"], dims["ethnicity"]["reached_not_recorded"]) \
        == (2, 1)
    # Age: Ben is 36 on 30 Sep 2026 (born 1 May 1990): 35 to 44, from his date of birth.
    assert rows("age_band") == {"18-24": (0, 0, 1, 33, 10), "25-34": (1, 33, 1, 33, 16),
                                "35-44": (1, 33, 1, 33, 16), "45-54": (1, 33, 0, 0, 17)}


def test_several_areas_are_weighted_by_their_adults(app, world, db):
    app.config["POPULATION"][A]["gender"] = {"woman": 0.6, "man": 0.4}
    app.config["POPULATION"][B]["gender"] = {"woman": 0.4, "man": 0.6}
    app.config["POPULATION"][A]["adults"], app.config["POPULATION"][B]["adults"] = 300, 100
    got = outcomes.equality(db, [A, B], PERIOD, app.config)
    woman = next(r for r in got["dimensions"][0]["rows"] if r["value"] == "woman")
    assert woman["population_percent"] == 55  # (0.6 * 300 + 0.4 * 100) / 400


def test_quarters_and_months():
    assert quarter_of(date(2026, 11, 30)) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_of(date(2026, 1, 1)) == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert outcomes.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert outcomes.add_months(date(2025, 1, 31), 18) == date(2026, 7, 31)


# ----------------------------------------------------------------- the page
@pytest.mark.parametrize("username, status", [
    ("coord", 200), ("boss", 200), ("admin", 200), ("out", 403), ("tp1", 403), ("partner", 403)])
def test_who_may_open_the_measures(client, world, auth, username, status):
    auth.login(username)
    assert client.get("/measures").status_code == status


def test_the_page_shows_the_areas_figures_and_how_each_is_counted(client, world, db, auth):
    licence.set_star_licensed(db, True)
    auth.login("coord")
    page = client.get("/measures?from=2026-07-01&to=2026-09-30&area=Peterborough").get_data(
        as_text=True)
    assert "1 July 2026 to 30 September 2026" in page
    assert "Peterborough" not in page.split("<main", 1)[1].split("<form", 1)[0]  # A only
    assert page.count("How it is counted:") == 18
    assert "within 45 days either side" in page and "<svg" in page
    assert "Homelessness Star 3.1" in page


def test_a_manager_sees_every_area_or_one_and_no_casework(client, world, auth):
    auth.login("boss")
    assert client.get("/").headers["Location"].endswith("/measures")
    every = client.get("/measures?from=2026-07-01&to=2026-09-30").get_data(as_text=True)
    one = client.get("/measures?from=2026-07-01&to=2026-09-30&area=Peterborough").get_data(
        as_text=True)
    assert "Fenland and East Cambridgeshire, Cambridge" in every
    assert "StreetLink follow-up" in one
    for path in ("/caseload", "/coordination/", "/admin/"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("query", ["from=2026-13-01", "from=2026-09-01&to=2026-08-01",
                                   "from=1900-01-01&to=2026-01-01", "to=%00", "area=%ff"])
def test_a_bad_period_falls_back_to_the_quarter_with_a_message(client, world, auth, query):
    auth.login("coord")
    response = client.get("/measures?" + query)
    assert response.status_code == 200
    if "area" not in query:
        assert "There is a problem with the period" in response.get_data(as_text=True)
