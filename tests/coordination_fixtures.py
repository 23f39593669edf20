"""Fixtures the coordinator tests share: the app's engine, pushing as a demo user, and a person
outside the Fenland coordinator's area. Import them by name (pytest finds them in the module)."""

import uuid

import pytest

from fieldapp import users
from fieldapp.records import make_engine
from tests.helpers import mutation


def actor(db, username):
    return users.User(users.get_user_by_username(db, username))


def user_id(db, username):
    return users.get_user_by_username(db, username)["id"]


@pytest.fixture
def engine(app, db):
    return make_engine(db, app.config)


@pytest.fixture
def push(db, engine, demo_data):
    def push(username, *mutations, device_id=None):
        return engine.push(actor(db, username), device_id or str(uuid.uuid4()), list(mutations))

    return push


@pytest.fixture
def elsewhere(db, push):
    """A person in Peterborough, outside the Fenland coordinator's area."""
    users.create_user(db, "pboro", "demo", "outreach_worker", team="Peterborough outreach",
                         area="Peterborough")
    person = mutation("person", {"display_name": "Mo", "district": "Peterborough"})
    assert push("pboro", person)[0]["status"] == "applied"
    return person["record_id"]
