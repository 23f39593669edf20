"""A small hand-built programme for the measures tests: people, contacts, peer sessions and their
details' history written through the sync engine on chosen server days (the engine's clock), and
assessments written straight into their table (an edition the catalog no longer ships cannot go
through the engine). tests/test_measures.py works out every answer by hand from what is here.

Area A is Fenland and East Cambridgeshire, B Peterborough. The period is July–September 2026.
- Ann (A): engaged 2025-06-01, trusted person tp1; Dee, registered twice, is merged into her.
- Ben (A): engaged 2026-03-15, tp1. Cal (A): engaged 2026-06-20, tp2. Gus (A): never engaged.
- Eve: engaged 2025-06-01 in A, then moved to Peterborough (left A's scope).
- Fay (A): engaged 2025-01-10, tp1, closed in August 2026.
"""

import json
from datetime import date, datetime, timezone

from fieldapp import users
from fieldapp.records import make_engine
from fieldapp.reads.measures import Period
from tests import helpers

A = "Fenland and East Cambridgeshire"
B = "Peterborough"
TEAM = "Fenland outreach"
PERIOD = Period(date(2026, 7, 1), date(2026, 9, 30))
STAR = ["motivation", "self_care", "money", "social_networks", "drug_alcohol", "physical_health",
        "emotional_health", "meaningful_use_of_time", "tenancy", "offending"]
NDT = ["engagement", "intentional_self_harm", "unintentional_self_harm", "risk_to_others",
       "risk_from_others", "stress_anxiety", "social_effectiveness", "alcohol_drugs",
       "impulse_control", "housing"]


class World:
    """The programme, and a way to write to it on a chosen server day."""

    def __init__(self, db, app_config):
        self.db, self.config = db, app_config
        self.users = {}
        for name, role, area, team in (
                ("coord", "coordinator", A, None), ("coordb", "coordinator", B, None),
                ("tp1", "trusted_person", A, TEAM), ("tp2", "trusted_person", A, TEAM),
                ("out", "outreach_worker", A, TEAM), ("peer", "peer_mentor", A, TEAM),
                ("boss", "manager", None, None), ("admin", "admin", None, None),
                ("partner", "partner_agency", A, None)):
            users.create_user(db, name, "demo", role, display_name=name, team=team, area=area,
                              agency="cgl" if role == "partner_agency" else None)
            self.users[name] = users.User(users.get_user_by_username(db, name))
        self.people = {}

    def push(self, day, who, *mutations):
        """Push mutations as `who`, the server's clock at noon UTC on `day` (YYYY-MM-DD)."""
        moment = datetime.fromisoformat(day).replace(hour=12, tzinfo=timezone.utc)
        engine = make_engine(self.db, self.config, clock=lambda: moment)
        results = engine.push(self.users[who], helpers.uid(), list(mutations))
        assert all(r["status"] == "applied" for r in results), results
        return results

    def person(self, day, name, district, **fields):
        record_id = helpers.uid()
        self.push(day, "out", helpers.create("person", record_id, display_name=name,
                                             district=district, **fields))
        self.people[name] = record_id
        return record_id

    def update(self, day, who, name, **fields):
        person_id = self.people[name]
        version = self.db["person"].get(person_id)["version"]
        self.push(day, who, helpers.update("person", person_id, version, **fields))

    def contact(self, name, at, district, bedded_down, spoken_to, kind="street_outreach"):
        record_id = helpers.uid()
        self.push(at[:10], "out", helpers.create(
            "contact", record_id, **helpers.contact_fields(
                self.people[name], contact_at=at, district=district, contact_type=kind,
                bedded_down=bedded_down, spoken_to=spoken_to)))
        return record_id

    def session(self, who, name, day, minutes):
        record_id = helpers.uid()
        self.push(day, who, helpers.create("peer_session", record_id, person_id=self.people[name],
                                           session_on=day, duration_minutes=minutes,
                                           mode="face_to_face", purpose="recovery"))
        return record_id

    def assessment(self, name, instrument, version, on, scores, status="final", total=None):
        """An assessment row as the engine stores one (total given, or the sum of the scores)."""
        self.db["assessment"].insert({
            "id": helpers.uid(), "version": 1, "deleted": 0, "scope": self.people[name],
            "person_id": self.people[name], "instrument": instrument,
            "instrument_version": version, "assessed_on": on, "status": status,
            "scores": json.dumps(scores), "total": total if total is not None else sum(scores.values()),
            "max_total": 48, "created_at": on + "T12:00:00Z"})

    def ndt(self, name, on, total, instrument="ndt", version="1", status="final"):
        self.assessment(name, instrument, version, on, dict.fromkeys(NDT, 0), status, total)

    def star(self, name, on, version="3.1", status="final", **scores):
        self.assessment(name, "homelessness-star", version, on, {**dict.fromkeys(STAR, 5), **scores},
                        status)


def build(db, app_config) -> World:
    """The whole hand-built programme (see the module docstring)."""
    w = World(db, app_config)
    # People, with their details' history on the server days it was stored.
    w.person("2025-05-20", "Ann", "Fenland", housing_situation="rough_sleeping", gender="woman",
             ethnicity="white_british", age_band="25-34", known_to_services="no")
    w.person("2026-03-01", "Ben", "East Cambridgeshire", gender="man", ethnicity="asian",
             date_of_birth="1990-05-01", known_to_services="yes")
    w.person("2026-06-01", "Cal", "Fenland", housing_situation="hostel", gender="man",
             known_to_services="no")
    w.person("2026-07-01", "Dee", "Fenland")
    w.person("2025-05-20", "Eve", "Fenland", gender="woman", known_to_services="no")
    w.person("2025-01-05", "Fay", "Fenland", housing_situation="sofa_surfing", gender="woman",
             ethnicity="prefer_not_to_say", age_band="45-54")
    w.person("2026-09-01", "Gus", "Fenland", ethnicity="black", age_band="18-24",
             known_to_services="unknown")
    w.update("2025-06-01", "coord", "Ann", engaged_on="2025-06-01", status="engaged",
             trusted_person_id=w.users["tp1"].id)
    w.update("2025-08-15", "out", "Ann", housing_situation="hostel")
    w.update("2025-11-30", "out", "Ann", housing_situation="settled_tenancy")
    w.update("2026-05-01", "out", "Ann", agencies="Day centre")
    w.update("2026-03-15", "coord", "Ben", engaged_on="2026-03-15", status="engaged",
             trusted_person_id=w.users["tp1"].id)
    w.update("2026-06-16", "out", "Ben", housing_situation="supported_accommodation")
    w.update("2026-06-20", "coord", "Cal", engaged_on="2026-06-20", status="engaged",
             trusted_person_id=w.users["tp2"].id)
    w.update("2026-09-01", "out", "Cal", housing_situation="settled_tenancy")
    w.update("2025-06-01", "coord", "Eve", engaged_on="2025-06-01", status="engaged")
    w.update("2025-01-10", "coord", "Fay", engaged_on="2025-01-10", status="engaged",
             trusted_person_id=w.users["tp1"].id)
    w.update("2025-07-01", "out", "Fay", housing_situation="settled_tenancy")
    w.update("2026-02-01", "out", "Fay", housing_situation="prison")
    # Contacts.
    w.contact("Ann", "2025-05-20T07:00", "Fenland", True, False)
    w.contact("Ann", "2026-07-05T06:30", "Fenland", True, True)
    w.contact("Ann", "2026-08-10T06:00", "Fenland", True, False, kind="streetlink")
    w.contact("Dee", "2026-07-20T10:00", "East Cambridgeshire", False, True)
    w.contact("Ben", "2026-09-30T23:30", "East Cambridgeshire", False, True, kind="home_visit")
    w.contact("Ben", "2026-10-01T00:10", "East Cambridgeshire", False, True, kind="home_visit")
    gone = w.contact("Ben", "2026-08-03T09:00", "East Cambridgeshire", True, True)
    w.push("2026-08-04", "out", helpers.delete("contact", gone))
    w.contact("Cal", "2026-07-01T00:00", "Fenland", True, False)
    w.contact("Eve", "2026-08-01T08:00", "Fenland", True, True)
    w.contact("Gus", "2026-09-02T21:00", "Fenland", False, True)
    # Peer sessions.
    w.session("peer", "Ann", "2026-07-10", 60)
    w.session("peer", "Ann", "2026-08-15", 30)
    w.session("peer", "Ben", "2026-09-01", 45)
    w.session("peer", "Eve", "2026-08-01", 120)
    w.session("peer", "Ann", "2026-06-30", 60)
    dropped = w.session("peer", "Ben", "2026-09-02", 90)
    w.push("2026-09-03", "peer", helpers.delete("peer_session", dropped))
    w.session("coord", "Cal", "2026-07-02", 15)
    # NDT readings (totals as stored).
    w.ndt("Ann", "2025-06-01", 30)
    w.ndt("Ann", "2025-09-10", 24)
    w.ndt("Ann", "2025-12-20", 32)
    w.ndt("Ann", "2026-06-01", 10, status="draft")
    w.ndt("Ann", "2026-08-01", 12)
    w.ndt("Ben", "2026-03-20", 20)
    w.ndt("Ben", "2026-06-01", 18)
    w.ndt("Ben", "2026-06-30", 25)
    w.ndt("Ben", "2026-09-10", 10, instrument="ndt-amended-example")
    w.ndt("Fay", "2025-01-10", 40)
    w.ndt("Fay", "2025-04-12", 40)
    w.ndt("Fay", "2026-01-05", 12)
    w.ndt("Eve", "2025-06-01", 30)
    w.ndt("Eve", "2025-09-01", 10)
    # Star readings.
    w.star("Ann", "2026-01-10", motivation=3, self_care=4)
    w.star("Ann", "2026-04-10", motivation=5, self_care=4)
    w.star("Ann", "2026-07-10", motivation=6, self_care=2)
    w.star("Ben", "2026-02-01", version="3.0", motivation=2)
    w.star("Ben", "2026-05-01", motivation=9)
    w.star("Cal", "2026-07-01", motivation=4, self_care=4)
    w.star("Cal", "2026-09-01", motivation=5, self_care=4)
    w.star("Cal", "2026-10-15", motivation=1)
    w.star("Fay", "2026-03-01", status="draft", motivation=1)
    w.star("Fay", "2026-06-01", status="draft", motivation=9)
    w.star("Eve", "2026-01-01", motivation=1)
    w.star("Eve", "2026-06-01", motivation=9)
    # Fay's support closes; Eve moves to Peterborough; Dee was Ann all along.
    w.update("2026-08-20", "coord", "Fay", status="closed", exit_destination="custody")
    w.update("2026-09-05", "out", "Eve", district="Peterborough")
    make_engine(db, app_config).merge(w.users["coord"], "person", w.people["Dee"], w.people["Ann"])
    return w
