"""The `risk_marker` record type: a known risk when working with a person, shown first wherever
the person is (README: Risk markers).

Kind (risk to staff, visit in pairs, dog, weapons, risk from others, a health risk such as
needles, other), a short note, a review date. Added, reviewed (a new review date, perhaps a new
note) and retired (`retired: true`, with a note saying why) on the phone, offline, through the
outbox. Editable, merged field by field like a person's details: two workers changing the review
date to different days offline make a conflict that a coordinator sees. Never deleted: retired
markers stay in the history. The server derives who added it and when, and on each update who
last reviewed it and when (`reviewed_by`, `reviewed_at`).

Partner agency workers read a person's markers when consent shares the person with their agency
(rules/access.PARTNER_RECORD_TYPES): staff safety overrides the rule that keeps assessments from
them. They write none.
"""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

import sync

from ..rules import access
from ..timeutil import now_iso
from .fields import DropDerived, PersonRef, day, message, refuse

KINDS = [
    ("risk_to_staff", "Risk to staff"),
    ("visit_in_pairs", "Visit in pairs"),
    ("dog", "Dog"),
    ("weapons", "Weapons"),
    ("risk_from_others", "Risk from others"),
    ("health_risk", "Health risk (e.g. needles)"),
    ("other", "Other"),
]
NOTE_MAX = 300


class MarkerFields(Schema):
    """What every risk marker has, on a person or on a place (records/place_marker.py): the kind,
    a note (needed for "other"), a review date, and whether it is retired."""

    kind = fields.String(required=True, error_messages=message("Choose the kind of risk"),
                         validate=validate.OneOf([value for value, _ in KINDS],
                                                 error="Choose the kind of risk from the list"))
    note = fields.String(allow_none=True, validate=validate.Length(
        max=NOTE_MAX, error=f"Keep the note to {NOTE_MAX} characters or fewer"))
    review_on = fields.String(required=True, error_messages=message("Enter a review date"))
    retired = fields.Boolean(load_default=False, error_messages={"invalid": "Answer yes or no"})

    @validates("review_on")
    def _review(self, value, data_key):
        day(value)

    @validates_schema
    def _other_needs_a_note(self, data, partial=None, **kwargs):
        if not partial and data.get("kind") == "other" and not (data.get("note") or "").strip():
            raise ValidationError({"note": ["Say what the risk is"]})


class RiskMarkerSchema(DropDerived, MarkerFields):
    """A risk marker as the phone sends it."""

    DERIVED = ("added_by", "added_at", "reviewed_by", "reviewed_at")

    person_id = PersonRef("Say who the risk marker is about")


def record_type(app_config) -> sync.RecordType:
    """The `risk_marker` record type (the same for every deployment)."""

    def authorize(db, actor, op, scope, fields_, current):
        if not access.writes_casework(actor):
            refuse("Your account cannot add or change risk markers")
        if not access.can_see_person(db, actor, scope):
            refuse("You cannot add a risk marker for this person", "person_id")
        if op in ("delete", "restore"):
            refuse("A risk marker is retired, never deleted")
        if op == "create" and date.fromisoformat(fields_["review_on"]) < date.today():
            refuse("The review date cannot be in the past", "review_on")
        if op == "update" and "person_id" in fields_ and fields_["person_id"] != current["person_id"]:
            refuse("A risk marker cannot move to another person: add it again for them",
                   "person_id")

    def derive(db, actor, op, fields_, current):
        if op == "create":
            return {"added_by": actor.id, "added_at": now_iso()}
        return {"reviewed_by": actor.id, "reviewed_at": now_iso()}

    return sync.RecordType(name="risk_marker", table="risk_marker", schema=RiskMarkerSchema,
                           scope_field="person_id", references={"person_id": "person"},
                           authorize=authorize, derive=derive)
