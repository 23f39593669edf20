"""The `barrier` record type: a system obstacle a worker met (README: Barriers and lessons).

Any caseworker logs one from the field, offline, as a mutation (the form at /barriers/new): the
service or agency (free text, or also a directory entry), the kind, what happened, the district,
the day it happened, and optionally the person it affected (then it is on their timeline too).
A new barrier is always `open`. Coordinators of its area move it on through the sync engine
(the online form in fieldapp/web/coordination_barriers.py): open -> raised (with the operational
partnership) -> resolved (with what changed) or closed unresolved; a resolved or closed barrier
may be reopened. Editable, merged field by field. Each barrier is its own sync scope and is not
pulled to phones: workers see their own online, coordinators their area's (rules/access.py).
"""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

import sync

from .. import config as default_config
from ..rules import access
from ..timeutil import now_iso
from .fields import DropDerived, OptionalRef, bind, day, message, past_day, refuse

KINDS = [("threshold", "Threshold or eligibility rule"), ("waiting_list", "Waiting list"),
         ("information_sharing", "Information sharing"), ("distance", "Distance or access"),
         ("discrimination", "Discrimination"), ("other", "Something else")]
STATUSES = [("open", "Open"), ("raised", "Raised with the partnership"), ("resolved", "Resolved"),
            ("closed_unresolved", "Closed unresolved")]
# Which status may follow which (a coordinator's move).
MOVES = {"open": {"raised", "resolved", "closed_unresolved"},
         "raised": {"resolved", "closed_unresolved", "open"},
         "resolved": {"open"}, "closed_unresolved": {"open"}}
COORDINATOR_FIELDS = ("status", "raised_on", "resolved_on", "what_changed")


class BarrierSchema(DropDerived, Schema):
    """One barrier as the phone (or a coordinator's form) sends it. `DISTRICTS` is bound."""

    DERIVED = ("area", "logged_by", "logged_at")
    DISTRICTS = default_config.districts(vars(default_config))

    service = fields.String(required=True, validate=validate.Length(
        min=1, max=200, error="Enter the service or agency (200 characters or fewer)"),
        error_messages=message("Enter the service or agency"))
    directory_entry_id = OptionalRef("Choose a service from the directory")
    kind = fields.String(required=True, error_messages=message("Choose the kind of barrier"),
                         validate=validate.OneOf([v for v, _ in KINDS],
                                                 error="Choose the kind of barrier from the list"))
    what_happened = fields.String(required=True, validate=validate.Length(
        min=1, max=4000, error="Say what happened (4000 characters or fewer)"),
        error_messages=message("Say what happened"))
    district = fields.String(required=True, error_messages=message("Choose the district"))
    noticed_on = fields.String(required=True, error_messages=message("Enter the day it happened"))
    person_id = OptionalRef("Choose the person from the list")
    status = fields.String(validate=validate.OneOf([v for v, _ in STATUSES],
                                                   error="Choose a status from the list"))
    raised_on = fields.String(allow_none=True)
    resolved_on = fields.String(allow_none=True)
    what_changed = fields.String(allow_none=True, validate=validate.Length(
        max=2000, error="What changed must be 2000 characters or fewer"))

    @validates("service", "what_happened")
    def _not_blank(self, value, data_key):
        if not value.strip():
            raise ValidationError("This cannot be blank")

    @validates("district")
    def _known_district(self, value, data_key):
        if value not in self.DISTRICTS:
            raise ValidationError("Choose a district from the list")

    @validates("noticed_on", "raised_on", "resolved_on")
    def _dates(self, value, data_key):
        if value is not None:
            past_day(value)

    @validates_schema
    def _whole(self, data, partial=None, **kwargs):
        if not partial:
            errors = record_errors(data)
            if errors:
                raise ValidationError(errors)


def record_errors(record) -> dict:
    """Errors of a whole barrier across fields: a resolved one says what changed, and no day comes
    before the day it happened."""
    errors = {}
    if record.get("status") == "resolved" and not (record.get("what_changed") or "").strip():
        errors["what_changed"] = ["Say what changed to resolve it"]
    try:
        noticed = day(record["noticed_on"]) if record.get("noticed_on") else None
        for name in ("raised_on", "resolved_on"):
            if noticed and record.get(name) and day(record[name]) < noticed:
                errors[name] = ["This cannot be before the day it happened"]
    except ValidationError:
        pass  # the field's own validator says so
    return errors


def days_to_resolve(row) -> int | None:
    """Days from the day a barrier happened to the day it was resolved, or None."""
    if row.get("status") != "resolved" or not row.get("resolved_on"):
        return None
    return (date.fromisoformat(row["resolved_on"]) - date.fromisoformat(row["noticed_on"])).days


def record_type(app_config) -> sync.RecordType:
    """The `barrier` record type, with this deployment's districts."""
    schema_class = bind(BarrierSchema, DISTRICTS=default_config.districts(app_config))

    def authorize(db, actor, op, scope, fields_, current):
        """A caseworker creates an open barrier; only the coordinator of its area changes it."""
        if not access.writes_casework(actor):
            raise sync.Refusal("Your account cannot log barriers")
        if op == "create":
            if fields_.get("status", "open") != "open" or any(
                    fields_.get(name) for name in COORDINATOR_FIELDS[1:]):
                refuse("A new barrier is open: a coordinator moves it on", "status")
            if fields_.get("person_id") and not access.can_see_person(db, actor, fields_["person_id"]):
                refuse("You cannot log a barrier for this person", "person_id")
            return
        area = default_config.area_of(app_config, fields_.get("district") or current["district"])
        if actor.role != "coordinator" or area != actor.area or current["area"] != actor.area:
            refuse("Only the coordinator of the barrier's area can change it")
        if fields_.get("person_id") and not access.can_see_person(db, actor, fields_["person_id"]):
            refuse("You cannot name this person", "person_id")
        if "status" in fields_ and fields_["status"] != current["status"] \
                and fields_["status"] not in MOVES.get(current["status"], ()):
            refuse("A barrier cannot move from this status to that one", "status")
        if op == "update":
            errors = record_errors({**current, **fields_})
            if errors:
                raise sync.Refusal("Some fields need attention.", errors)

    def derive(db, actor, op, fields_, current):
        """The area (from the district), and on create the logger, the time and `open`."""
        derived = {}
        if "district" in fields_:
            derived["area"] = default_config.area_of(app_config, fields_["district"])
        if op == "create":
            derived.update(status="open", logged_by=actor.id, logged_at=now_iso())
        return derived

    return sync.RecordType(name="barrier", table="barrier", schema=schema_class, append_only=False,
                           scope_field=None,
                           references={"person_id": "person", "directory_entry_id": "directory_entry"},
                           authorize=authorize, derive=derive)
