"""The `contact` record type: one contact with a person: when, where, what happened.

Append-only: a contact is recorded once; a correction (by the worker who recorded it, or a
coordinator) makes a new version and the engine keeps every earlier one. It never moves to another
person: record it again for them. The worker is the sender (`worker_id`, derived, never a field).
"""

import re
from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate, validates

import sync

from .. import config as default_config
from ..rules import access
from .fields import GRACE, OptionalRef, PersonRef, bind, message, refuse

# What the phone's <input type="datetime-local"> sends: the worker's local time, no zone.
CONTACT_AT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
_USUAL_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?")
YES_NO = "Answer yes or no"


class ContactSchema(Schema):
    """One contact with a person. `DISTRICTS` and `CONTACT_TYPES` are bound by `record_type`."""

    DISTRICTS = default_config.districts(vars(default_config))
    CONTACT_TYPES = [value for value, _label in default_config.CONTACT_TYPES]

    person_id = PersonRef("Choose who the contact was with")
    contact_at = fields.String(required=True, error_messages=message("Enter when the contact happened"))
    district = fields.String(required=True, error_messages=message("Choose the district"))
    place = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error="Enter where the contact happened (200 characters or fewer)"),
        error_messages=message("Enter where the contact happened"),
    )
    contact_type = fields.String(required=True, error_messages=message("Choose the type of contact"))
    bedded_down = fields.Boolean(required=True, error_messages={
        **message("Answer whether the person was bedded down"), "invalid": YES_NO})
    spoken_to = fields.Boolean(required=True, error_messages={
        **message("Answer whether you spoke to the person"), "invalid": YES_NO})
    duration_minutes = fields.Integer(
        allow_none=True,
        strict=False,
        validate=validate.Range(min=0, max=1440, error="Enter a duration between 0 and 1440 minutes"),
        error_messages={"invalid": "Enter the duration as a whole number of minutes"},
    )
    what_happened = fields.String(allow_none=True, validate=validate.Length(
        max=4000, error="What happened must be 4000 characters or fewer"))
    action = fields.String(allow_none=True, validate=validate.Length(
        max=1000, error="The action must be 1000 characters or fewer"))
    # A referral made at the contact, to a service in the directory (optional; older phones
    # never send it).
    referred_to = OptionalRef("Choose the service from the directory")

    @validates("contact_at")
    def _when(self, value, data_key):
        moment = None
        if _USUAL_FORM.fullmatch(value):
            # What phones send, read ten times faster than strptime reads it (same answer).
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                pass
        for fmt in CONTACT_AT_FORMATS if moment is None else ():
            try:
                moment = datetime.strptime(value, fmt)
                break
            except (ValueError, TypeError):
                continue
        if moment is None:
            raise ValidationError("Enter when the contact happened as a date and time")
        # Naive local time on both sides, with the one date rule's grace (records/fields.py).
        if moment > datetime.now() + GRACE:
            raise ValidationError("The contact time cannot be in the future")

    @validates("place")
    def _place(self, value, data_key):
        if not value.strip():
            raise ValidationError("Enter where the contact happened")

    @validates("district")
    def _known_district(self, value, data_key):
        if value not in self.DISTRICTS:
            raise ValidationError("Choose a district from the list")

    @validates("contact_type")
    def _known_type(self, value, data_key):
        if value not in self.CONTACT_TYPES:
            raise ValidationError("Choose the type of contact from the list")


def record_type(app_config) -> sync.RecordType:
    """The `contact` record type, with this deployment's districts and contact types."""
    schema_class = bind(ContactSchema, DISTRICTS=default_config.districts(app_config),
                        CONTACT_TYPES=[value for value, _label in app_config["CONTACT_TYPES"]])

    def authorize(db, actor, op, scope, fields_, current):
        if not access.writes_casework(actor):
            raise sync.Refusal("Your account cannot record casework")
        if not access.can_see_person(db, actor, scope):
            refuse("You cannot record a contact for this person", "person_id")
        if op == "create":
            return
        # A correction or removal: by whoever recorded it, or their coordinator.
        if current is not None and current.get("worker_id") != actor.id and actor.role != "coordinator":
            refuse("Only the worker who recorded this contact, or a coordinator, can change it")
        if "person_id" in fields_ and current is not None and fields_["person_id"] != current["person_id"]:
            refuse("A contact cannot be moved to another person: record it again for them", "person_id")

    def derive(db, actor, op, fields_, current):
        return {"worker_id": actor.id} if op == "create" else {}

    return sync.RecordType(name="contact", table="contact", schema=schema_class, append_only=True,
                           scope_field="person_id",
                           references={"person_id": "person", "referred_to": "directory_entry"},
                           authorize=authorize, derive=derive)
