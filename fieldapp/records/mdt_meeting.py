"""The `mdt_meeting` record type: a multi-agency (MDT) meeting about one person (README: Measures,
"Multi-agency teams coordinated by a trusted person").

The programmes count "multi-agency teams coordinated by a trusted person": the professionals of
several agencies brought round one person by their trusted person. The smallest record that
answers it: the person, the day the meeting was held, the agencies present (two or more, from the
MDT_AGENCIES setting) and an optional note of what was agreed. Whoever records the meeting is the
one who coordinated it; the server notes who that was (`recorded_by`) and whether they were the
person's trusted person at the time (`by_trusted_person`), so a later change of trusted person
never rewrites what was counted.

Any caseworker who may see the person records one, offline, through the outbox (the form at
/mdt/new, fieldapp/web/mdt.py). Append-only (a correction makes a new version), the person's
scope, so it travels with the person's other records, moves with them when two records are
merged, and is read by whoever may read their casework (not partner agencies).
"""

from marshmallow import Schema, ValidationError, fields, validate, validates

import sync

from .. import config as default_config
from ..rules import access
from ..timeutil import now_iso
from .fields import DropDerived, JSONList, PersonRef, bind, message, past_day, refuse

MIN_AGENCIES = 2


class MdtMeetingSchema(DropDerived, Schema):
    """One meeting as the phone sends it. `AGENCIES` (the setting's values) is bound."""

    DERIVED = ("recorded_by", "by_trusted_person", "created_at")
    AGENCIES = [value for value, _ in default_config.MDT_AGENCIES]

    person_id = PersonRef("Choose who the meeting was about")
    held_on = fields.String(required=True, error_messages=message("Enter the day of the meeting"))
    agencies = JSONList(fields.String(), required=True,
                        error_messages=message("Choose the agencies that were there"))
    note = fields.String(allow_none=True, validate=validate.Length(
        max=2000, error="The note must be 2000 characters or fewer"))

    @validates("held_on")
    def _day(self, value, data_key):
        past_day(value)

    @validates("agencies")
    def _agencies(self, value, data_key):
        if any(v not in self.AGENCIES for v in value):
            raise ValidationError("Choose the agencies from the list")
        if len(set(value)) < MIN_AGENCIES:
            raise ValidationError(f"Choose at least {MIN_AGENCIES} agencies: a multi-agency meeting"
                                  " has more than one")


def record_type(app_config) -> sync.RecordType:
    """The `mdt_meeting` record type, with this deployment's list of agencies."""
    schema_class = bind(MdtMeetingSchema,
                        AGENCIES=[value for value, _ in app_config["MDT_AGENCIES"]])

    def authorize(db, actor, op, scope, fields_, current):
        """A caseworker who may see the person; a correction by whoever recorded it or a
        coordinator, never moved to another person."""
        if not access.writes_casework(actor):
            refuse("Your account cannot record meetings")
        if not access.can_see_person(db, actor, scope):
            refuse("You cannot record a meeting about this person", "person_id")
        if op == "create":
            return
        if current["recorded_by"] != actor.id and actor.role != "coordinator":
            refuse("Only whoever recorded this meeting, or a coordinator, can change it")
        if "person_id" in fields_ and fields_["person_id"] != current["person_id"]:
            refuse("A meeting cannot be moved to another person: record it again", "person_id")

    def derive(db, actor, op, fields_, current):
        """On create: who recorded (coordinated) it, whether they were the person's trusted
        person then, and when the server stored it."""
        if op != "create":
            return {}
        row = db.execute("SELECT trusted_person_id FROM person WHERE id = ?",
                         [fields_["person_id"]]).fetchone()
        return {"recorded_by": actor.id, "created_at": now_iso(),
                "by_trusted_person": int(row is not None and row[0] == actor.id)}

    return sync.RecordType(name="mdt_meeting", table="mdt_meeting", schema=schema_class,
                           append_only=True, scope_field="person_id",
                           references={"person_id": "person"},
                           authorize=authorize, derive=derive)
