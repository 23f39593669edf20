"""The `check_in` record type: "I'm safe", "extend to <time>", "end" and "I need help", each one
a record of its own about a visit (fieldapp/records/visit.py; README: Lone working).

Append-only and create-only: a check-in made with no signal waits in the outbox and is sent the
moment there is signal; it counts as arriving when the server receives it (`received_at`, the
server's clock, derived), never when the phone says it was made, so a phone with a wrong clock can
neither hold off nor hurry an escalation. Only the worker whose visit it is checks in. Arriving,
it is applied like any record; then fieldapp/rules/lone_working.py (called after the sync, and
every minute by `fieldapp run-escalations`) cancels an overdue escalation it answers, or raises
one at once for "I need help".
"""

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

import sync

from .. import config as default_config
from .. import users
from ..timeutil import now_iso
from .fields import DropDerived, bind, message, refuse, is_uuid
from .visit import LocalTime, check_not_too_far

KINDS = [
    ("safe", "I'm safe"),
    ("extend", "Extend"),
    ("end", "End the visit"),
    ("help", "I need help"),
]


class CheckInSchema(DropDerived, Schema):
    """A check-in as the phone sends it. `ZONE` is bound by `record_type`."""

    DERIVED = ("user_id", "received_at")
    ZONE = default_config.PROGRAMME_TIMEZONE

    visit_id = fields.String(required=True, error_messages=message("Say which visit this is about"))
    kind = fields.String(required=True, error_messages=message("Choose how you are checking in"),
                         validate=validate.OneOf([value for value, _ in KINDS],
                                                 error="Choose how you are checking in"))
    until = fields.String(allow_none=True)
    place = fields.String(allow_none=True, validate=validate.Length(
        max=300, error="Describe the place in 300 characters or fewer"))
    note = fields.String(allow_none=True, validate=validate.Length(
        max=1000, error="The note must be 1000 characters or fewer"))

    @validates("visit_id")
    def _visit(self, value, data_key):
        if not is_uuid(value):
            raise ValidationError("Say which visit this is about")

    @validates("until")
    def _until(self, value, data_key):
        if value is not None:
            check_not_too_far(self.load_time(value))

    @validates_schema
    def _extend_needs_a_time(self, data, partial=None, **kwargs):
        if data.get("kind") == "extend" and not data.get("until"):
            raise ValidationError({"until": ["Enter the new time you expect to finish"]})

    def load_time(self, value) -> str:
        """`value` as a UTC timestamp, read in the programme's zone when it has none."""
        return LocalTime("Enter the new time as a date and time", self.ZONE).deserialize(value)


def record_type(app_config) -> sync.RecordType:
    """The `check_in` record type."""
    schema_class = bind(CheckInSchema, ZONE=app_config["PROGRAMME_TIMEZONE"])

    def authorize(db, actor, op, scope, fields_, current):
        if getattr(actor, "role", None) not in users.CASEWORK_ROLES:
            refuse("Only caseworkers check in")
        if op != "create":
            refuse("A check-in is not changed: check in again")
        row = db.execute("SELECT user_id FROM visit WHERE id = ?", [scope]).fetchone()
        if row is None or row[0] != actor.id:
            raise sync.Unknown("visit")  # someone else's visit: as if it did not exist

    def derive(db, actor, op, fields_, current):
        derived = {"user_id": actor.id, "received_at": now_iso()}
        if fields_.get("until"):
            derived["until"] = schema_class().load_time(fields_["until"])
        return derived

    return sync.RecordType(name="check_in", table="check_in", schema=schema_class,
                           append_only=True, scope_field="visit_id",
                           references={"visit_id": "visit"},
                           authorize=authorize, derive=derive)
