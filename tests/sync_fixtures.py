"""The sync engine on its own, for the tests/test_sync_*.py files: a tiny registry of two record
types (people, and append-only notes about them), two users, a visibility table the tests change,
a clock they move, and a real SQLite file per test. No Flask, no fieldapp.

A test file imports the fixtures it uses by name (pytest finds fixtures in a module's namespace):
    from tests.sync_fixtures import ANN, BEN, clock, engine, new_person, visibility  # noqa: F401
"""

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, validate
from sqlite_utils import Database

import sync
from tests.helpers import create, uid

ANN = SimpleNamespace(id=1)
BEN = SimpleNamespace(id=2)


class PersonSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    district = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)


class NoteSchema(Schema):
    person_id = fields.String(required=True)
    text = fields.String(required=True, validate=validate.Length(min=1))
    urgent = fields.Boolean(load_default=False)


def refuse_locked(db, actor, op, scope, values, current):
    """The person type's `authorize`: the name "locked" is refused."""
    if values.get("name") == "locked":
        raise sync.Refusal("Locked names may not be used.", {"name": ["Locked."]})


def note_author(db, actor, op, values, current):
    """The note type's `derive`: a new note records who wrote it."""
    return {"author": actor.id} if op == "create" else {}


class Visibility:
    """Who sees which scopes; tests move people in and out of view."""

    def __init__(self):
        self.scopes = {ANN.id: set(), BEN.id: set()}

    def __call__(self, db, actor):
        return set(self.scopes[actor.id])


class Clock:
    """The server's clock, which a test moves by hand."""

    def __init__(self):
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


def create_record_tables(db):
    """The two record types' tables, with the columns the engine needs."""
    db["person"].create({"id": str, "version": int, "deleted": int, "scope": str, "name": str,
                         "district": str, "phone": str}, pk="id")
    db["note"].create({"id": str, "version": int, "deleted": int, "scope": str, "person_id": str,
                       "text": str, "urgent": int, "author": int}, pk="id")


def registry():
    """People (their own scope) and notes (append-only, in their person's scope)."""
    return sync.Registry(
        sync.RecordType("person", "person", PersonSchema, authorize=refuse_locked),
        sync.RecordType("note", "note", NoteSchema, append_only=True, scope_field="person_id",
                        references={"person_id": "person"}, derive=note_author),
    )


def open_engine(path, visibility, clock, engine_class=sync.Engine):
    """An engine over a fresh, migrated SQLite file at `path`."""
    db = Database(str(path))
    db.execute("PRAGMA journal_mode=WAL")
    sync.migrate(db)
    create_record_tables(db)
    return engine_class(db, registry(), visibility, page_size=50, defer_days=14, clock=clock)


@pytest.fixture
def visibility():
    return Visibility()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def engine(tmp_path, visibility, clock):
    return open_engine(tmp_path / "sync.db", visibility, clock)


def new_person(engine, visibility, name="Dan", actor=ANN, device="d-ann"):
    """A person both users see, created by `actor`; returns their id."""
    person_id = uid()
    visibility.scopes[ANN.id].add(person_id)
    visibility.scopes[BEN.id].add(person_id)
    [result] = engine.push(actor, device, [create("person", person_id, name=name)])
    assert result["status"] == "applied"
    return person_id
