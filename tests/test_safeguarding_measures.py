"""The safeguarding measures (concerns raised, time to decision, outcomes), each figure worked
out by hand from the concerns below; then the measures page shows them."""

from datetime import date, datetime, timezone

import pytest

from fieldapp import users
from fieldapp.reads.measures import Period
from fieldapp.reads.safeguarding_measures import safeguarding_concerns
from fieldapp.records import make_engine
from fieldapp.rules import safeguarding
from tests.helpers import mutation, uid

A = "Fenland and East Cambridgeshire"
Q4 = Period(date(2026, 10, 1), date(2026, 12, 31))
NOW = datetime(2026, 12, 14, 12, 0, tzinfo=timezone.utc)  # a Monday


@pytest.fixture
def app(make_app):
    return make_app(PUSH_IN_BACKGROUND=False)


def actor(db, username):
    return users.User(users.get_user_by_username(db, username))


def concern(app, db, person_id, about, raised_at, decision=None, decided_at=None):
    """A concern raised through the engine, reaching the server at `raised_at`; with `decision`,
    the lead's decision made at `decided_at`."""
    concern_id = uid()
    [result] = make_engine(db, app.config).push(actor(db, "coordinator"), uid(), [mutation(
        "safeguarding_concern", {"person_id": person_id, "about": about, "what": "Seen",
                                 "immediate_risk": False}, record_id=concern_id)])
    assert result["status"] == "applied", result
    db.execute("UPDATE safeguarding_concern SET raised_at = ? WHERE id = ?", [raised_at, concern_id])
    if decision:
        safeguarding.decide(db, app.config, actor(db, "navigator"), concern_id,
                            {"decision": decision, "reasons": "Because"})
        db.execute("UPDATE safeguarding_decision SET decided_at = ? WHERE concern_id = ?",
                   [decided_at, concern_id])
    db.conn.commit()


@pytest.fixture
def world(app, db, demo_data):
    safeguarding.set_lead(db, users.get_user_by_username(db, "navigator")["id"])
    dan, kerry, sam, lee = (demo_data[n] for n in ("Dan", "Kerry", "Sam", "Lee"))
    # Wednesday, decided 6 hours later: in time.
    concern(app, db, dan, "adult_at_risk", "2026-12-02T09:00:00Z", "referred_la", "2026-12-02T15:00:00Z")
    # Friday 15:00, due Monday 15:00 (the weekend skipped), decided Monday 17:00: 74 hours, late.
    concern(app, db, kerry, "domestic_abuse", "2026-12-04T15:00:00Z", "marac", "2026-12-07T17:00:00Z")
    # Thursday, undecided: due Friday 10:00, overdue by NOW.
    concern(app, db, dan, "child", "2026-12-10T10:00:00Z")
    # Monday 11:00, undecided, due Tuesday: not overdue yet.
    concern(app, db, sam, "adult_at_risk", "2026-12-14T11:00:00Z")
    # 30 September 23:30 UTC is 1 October 00:30 in London: in the quarter. Decided 9 hours later.
    concern(app, db, lee, "adult_at_risk", "2026-09-30T23:30:00Z", "nfa", "2026-10-01T08:30:00Z")
    # 1 January 2027: after the quarter.
    concern(app, db, lee, "child", "2027-01-01T00:30:00Z", "advice", "2027-01-01T02:00:00Z")


def test_concerns_raised_time_to_decision_and_outcomes(app, db, world):
    got = safeguarding_concerns(db, [A], Q4, app.config, now=NOW)
    assert got["raised"] == 5
    assert {a["key"]: a["count"] for a in got["by_about"]} == {
        "adult_at_risk": 3, "child": 1, "domestic_abuse": 1}
    # Decided: 6, 74 and 9 hours; in time: the first and the last.
    assert (got["decided"], got["within_time"]) == (3, 2)
    assert (got["median_hours"], got["longest_hours"]) == (9.0, 74.0)
    assert (got["awaiting"], got["overdue"]) == (2, 1)
    assert [(o["key"], o["count"]) for o in got["outcomes"]] == [
        ("referred_la", 1), ("marac", 1), ("nfa", 1)]


def test_another_area_counts_none_of_them(app, db, world):
    got = safeguarding_concerns(db, ["Peterborough"], Q4, app.config, now=NOW)
    assert (got["raised"], got["decided"], got["outcomes"]) == (0, 0, [])


def test_the_measures_page_shows_them_and_how_they_are_counted(app, client, auth, db, world):
    auth.login("coordinator")
    page = client.get("/measures?from=2026-10-01&to=2026-12-31").get_data(as_text=True)
    assert "Safeguarding concerns, time to decision and outcomes" in page
    assert "5</span> safeguarding concerns raised" in page
    assert "MARAC referral" in page and "within 1 working days" in page
