"""Multi-agency (MDT) meetings (README: Measures, "Multi-agency teams coordinated by a trusted
person"): the `mdt_meeting` record type's rules through the sync engine, what it travels with,
and its form. The measure that counts them is in tests/test_measures.py."""

import pytest

from fieldapp.records import make_engine
from fieldapp.reads import measures
from tests import helpers
from tests.measures_world import A, PERIOD, build


@pytest.fixture
def world(app, db):
    return build(db, app.config)


def record(world, who, name="Ann", **changes):
    fields = {"person_id": world.people[name], "held_on": "2026-08-01",
              "agencies": ["housing", "probation"], **changes}
    record_id = helpers.uid()
    [result] = make_engine(world.db, world.config).push(
        world.users[who], helpers.uid(), [helpers.create("mdt_meeting", record_id, **fields)])
    return record_id, result


def test_a_meeting_notes_who_coordinated_it_and_whether_they_were_the_trusted_person(world, db):
    mine, result = record(world, "tp1", by_trusted_person=0, recorded_by=999)  # dropped: derived
    assert result["status"] == "applied"
    other, _ = record(world, "coord")
    stored = db["mdt_meeting"].get(mine)
    assert (stored["recorded_by"], stored["by_trusted_person"]) == (world.users["tp1"].id, 1)
    assert db["mdt_meeting"].get(other)["by_trusted_person"] == 0


@pytest.mark.parametrize("agencies, message", [
    (["housing"], "at least 2 agencies"), (["housing", "housing"], "at least 2 agencies"),
    (["housing", "the moon"], "from the list"), ([], "at least 2 agencies")])
def test_a_meeting_needs_two_agencies_from_the_list(world, agencies, message):
    _id, result = record(world, "tp1", agencies=agencies)
    assert result["status"] == "rejected" and message in " ".join(result["errors"]["agencies"])


def test_only_a_caseworker_who_may_see_the_person_records_one(world):
    assert record(world, "partner")[1]["status"] == "rejected"
    assert record(world, "coordb")[1]["status"] == "rejected"  # Peterborough's: Ann is not theirs
    _id, future = record(world, "tp1", held_on="2099-01-01")
    assert future["status"] == "rejected" and "future" in future["errors"]["held_on"][0]


def test_a_meeting_reaches_the_phones_of_those_who_see_the_person_not_partners(world, db):
    meeting, _ = record(world, "tp1")
    # Ann's consent shares her record with the partner's agency (cgl): they see her, not this.
    world.push("2026-08-02", "tp1", helpers.create("consent", helpers.uid(), person_id=world.people["Ann"],
                                                   recording=True, share_with=["cgl"],
                                                   given_on="2026-08-02"))
    for who, sees in (("tp1", True), ("partner", False)):
        changes = make_engine(db, world.config).pull(world.users[who], helpers.uid(), 0)["changes"]
        assert any(c["type"] == "person" and c["record_id"] == world.people["Ann"] for c in changes)
        assert any(c["type"] == "mdt_meeting" and c["record_id"] == meeting for c in changes) is sees


def test_a_meeting_moves_with_a_merged_person_and_counts_once(world, db):
    world.person("2026-07-02", "Hal", "Fenland")
    hal = world.people["Hal"]
    world.update("2026-07-03", "coord", "Hal", trusted_person_id=world.users["tp1"].id)
    record(world, "tp1", name="Hal")
    record(world, "tp1")
    make_engine(db, world.config).merge(world.users["coord"], "person", hal, world.people["Ann"])
    assert db.execute("SELECT COUNT(*) FROM mdt_meeting WHERE person_id = ?",
                      [world.people["Ann"]]).fetchone()[0] == 2
    assert measures.mdt_teams(db, [A], PERIOD)["teams"] == 1  # one person, one team


@pytest.mark.parametrize("username, status", [("tp1", 200), ("out", 200), ("partner", 403),
                                              ("admin", 403), ("boss", 403)])
def test_the_form_is_for_caseworkers(client, world, auth, username, status):
    auth.login(username)
    response = client.get("/mdt/new")
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert 'data-mutation-type="mdt_meeting"' in page and "Ann" in page
        assert 'name="agencies"' in page and 'data-type="list"' in page


def test_the_demo_shows_teams_coordinated_by_a_trusted_person(app, db):
    from datetime import date, timedelta

    from fieldapp import demo
    from fieldapp.reads.measures import Period

    demo.load_demo(db, app.config, programme=True)
    today = date.today()
    # The demo's meetings (fieldapp/demo_programme.py): the navigator's about Aisha, Marek (two),
    # Grace and Ravi, and the outreach worker's about Aisha, in the last fortnight.
    assert measures.mdt_teams(db, [A], Period(today - timedelta(days=30), today)) == {
        "teams": 4, "meetings": 6, "meetings_by_trusted_person": 5, "trusted_persons": 1}
