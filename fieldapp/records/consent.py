"""The `consent` record type: what a person agreed to.

A consent record says whether the person agreed to their information being recorded
(`recording`), which partner agencies (ids from the PARTNER_AGENCIES setting) it may be shared
with (`share_with`), and when it was given (`given_on`); the worker who recorded it is derived.
Consent is append-only: a new agreement is a new record, and withdrawal is either a new record
with `withdrawn: true` or an update that sets `withdrawn_on` (the only change allowed to a saved
consent). The **current consent** (fieldapp/reads/consents.py) is the latest live record by
`given_on`, then by when it was recorded; sharing with partner agencies follows it
(fieldapp/rules/access.py).
"""

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates, validates_schema

import sync

from .. import config as default_config
from ..rules import access
from ..timeutil import now_iso
from .fields import DropDerived, JSONList, PersonRef, bind, message, past_day, refuse, stored_fields

# What may change on a saved consent: its withdrawal, nothing else.
WITHDRAWAL_FIELDS = {"withdrawn", "withdrawn_on"}


class ConsentSchema(DropDerived, Schema):
    """One consent record as the phone sends it. `AGENCIES` is bound by `record_type`."""

    DERIVED = ("recorded_by", "created_at")  # never the phone's values
    AGENCIES = default_config.PARTNER_AGENCIES

    person_id = PersonRef("Choose whose consent this is")
    recording = fields.Boolean(required=True, error_messages={
        **message("Answer whether the person agrees to their information being recorded"),
        "invalid": "Answer yes or no"})
    share_with = JSONList(fields.String(), load_default=list,
                          error_messages={"invalid": "Choose agencies from the list"})
    given_on = fields.String(required=True, error_messages=message("Enter the date consent was given"))
    withdrawn = fields.Boolean(load_default=False, error_messages={"invalid": "Answer yes or no"})
    withdrawn_on = fields.String(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(
        max=500, error="The note must be 500 characters or fewer"))

    @pre_load
    def _one_agency_or_many(self, data, **kwargs):
        """A form with a single ticked agency may send it as text, and none as null."""
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("share_with"), str):
                data["share_with"] = [data["share_with"]]
            elif data.get("share_with") is None and "share_with" in data:
                data["share_with"] = []
        return data

    @validates("share_with")
    def _known_agencies(self, value, data_key):
        unknown = [v for v in value if v not in self.AGENCIES]
        if unknown:
            raise ValidationError("Choose agencies from the list")
        if len(set(value)) != len(value):
            raise ValidationError("Each agency once")

    @validates("given_on", "withdrawn_on")
    def _dates(self, value, data_key):
        if value is not None:
            past_day(value)

    @validates_schema
    def _withdrawn_after_given(self, data, **kwargs):
        given, withdrawn = data.get("given_on"), data.get("withdrawn_on")
        if given and withdrawn and withdrawn < given:
            raise ValidationError("Consent cannot be withdrawn before it was given", "withdrawn_on")


def record_type(app_config) -> sync.RecordType:
    """The `consent` record type over this deployment's partner agencies."""
    schema_class = bind(ConsentSchema, AGENCIES=dict(app_config["PARTNER_AGENCIES"]))

    def authorize(db, actor, op, scope, fields_, current):
        if not access.writes_casework(actor):
            raise sync.Refusal("Your account cannot record casework")
        if not access.can_see_person(db, actor, scope):
            refuse("You cannot record consent for this person", "person_id")
        if op == "delete":
            refuse("Consent is never deleted: record that it was withdrawn instead")
        if op == "update":
            stored = stored_fields(schema_class, current)
            for name in fields_:
                if name not in WITHDRAWAL_FIELDS and fields_[name] != stored.get(name):
                    refuse("A saved consent cannot change: record a new consent instead", name)
            if current.get("withdrawn_on") and fields_.get("withdrawn_on", 1) is None:
                refuse("A withdrawal cannot be undone: record a new consent instead", "withdrawn_on")
            if fields_.get("withdrawn") is False and (current.get("withdrawn")
                                                      or current.get("withdrawn_on")):
                refuse("A withdrawal cannot be undone: record a new consent instead", "withdrawn")

    def derive(db, actor, op, fields_, current):
        derived = {}
        if op == "create":
            derived.update(recorded_by=actor.id, created_at=now_iso())
            if fields_.get("withdrawn") and not fields_.get("withdrawn_on"):
                derived["withdrawn_on"] = fields_["given_on"]
        if fields_.get("withdrawn_on"):
            derived["withdrawn"] = True
        return derived

    return sync.RecordType(name="consent", table="consent", schema=schema_class,
                           append_only=True, scope_field="person_id",
                           references={"person_id": "person"},
                           authorize=authorize, derive=derive)
