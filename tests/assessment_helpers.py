"""Helpers shared by the assessment tests: push assessments through the engine as a phone would."""

from datetime import date, timedelta

from fieldapp import users
from fieldapp.records import make_engine
from tests import helpers
from tests.helpers import uid

NDT_KEYS = ["engagement", "intentional_self_harm", "unintentional_self_harm", "risk_to_others",
            "risk_from_others", "stress_anxiety", "social_effectiveness", "alcohol_drugs",
            "impulse_control", "housing"]
STAR_KEYS = ["motivation", "self_care", "money", "social_networks", "drug_alcohol",
             "physical_health", "emotional_health", "meaningful_use_of_time", "tenancy", "offending"]


def mutation(fields, op="create", record_id=None, base_version=None, type_name="assessment"):
    """A assessment mutation (tests/helpers.py makes it)."""
    return helpers.mutation(type_name, fields, op, record_id, base_version)


def days_ago(days):
    return (date.today() - timedelta(days=days)).isoformat()


def ndt_fields(person_id, levels=None, assessed_on=None, **changes):
    levels = levels if levels is not None else [2] * 10
    fields = {"person_id": person_id, "instrument": "ndt", "instrument_version": "1",
              "assessed_on": assessed_on or days_ago(0), "status": "final",
              "scores": dict(zip(NDT_KEYS, levels))}
    fields.update(changes)
    return fields


def star_fields(person_id, scores=None, assessed_on=None, **changes):
    scores = scores if scores is not None else [5] * 10
    fields = {"person_id": person_id, "instrument": "homelessness-star", "instrument_version": "3.1",
              "assessed_on": assessed_on or days_ago(0), "status": "final",
              "scores": {k: v for k, v in zip(STAR_KEYS, scores) if v is not None}}
    fields.update(changes)
    return fields


class Pusher:
    """Push mutations as a named demo user; returns the results."""

    def __init__(self, app, db):
        self.engine = make_engine(db, app.config)
        self.db = db

    def __call__(self, username, *mutations):
        actor = users.User(users.get_user_by_username(self.db, username))
        return self.engine.push(actor, uid(), list(mutations))

    def one(self, username, mutation_):
        [result] = self(username, mutation_)
        return result
