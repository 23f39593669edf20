"""The `consent` record type: what a person agreed to, and the reading of their current consent.

A consent record says whether the person agreed to their information being recorded
(`recording`), which partner agencies (ids from the PARTNER_AGENCIES setting) it may be shared
with (`share_with`), and when it was given (`given_on`); the worker who recorded it is derived.
Consent is append-only: a new agreement is a new record, and withdrawal is either a new record
with `withdrawn: true` or an update that sets `withdrawn_on` (the only change allowed to a saved
consent). The **current consent** is the latest live record by `given_on` (then by when it was
recorded); sharing with partner agencies follows it (fieldapp/access.py).
"""

import json

from marshmallow import (Schema, ValidationError, fields, pre_load, validate, validates,
                         validates_schema)

import sync

from . import access, accounts, person_rules
from .timeutil import now_iso

# What may change on a saved consent: its withdrawal, nothing else.
WITHDRAWAL_FIELDS = {"withdrawn", "withdrawn_on"}


class JSONList(fields.List):
    """A list stored as JSON text (sqlite-utils writes lists so); dumping a stored row parses the
    text again, so the phone and the engine's merge always see a list."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = json.loads(value)
        return super()._serialize(value, attr, obj, **kwargs)


class ConsentSchema(Schema):
    """One consent record as the phone sends it. `AGENCIES` is bound by `consent_type`."""

    AGENCIES = person_rules.DEFAULTS["PARTNER_AGENCIES"]

    person_id = fields.String(required=True, error_messages={
        "required": "Choose whose consent this is", "null": "Choose whose consent this is"})
    recording = fields.Boolean(required=True, error_messages={
        "required": "Answer whether the person agrees to their information being recorded",
        "null": "Answer whether the person agrees to their information being recorded",
        "invalid": "Answer yes or no"})
    share_with = JSONList(fields.String(), load_default=list,
                          error_messages={"invalid": "Choose agencies from the list"})
    given_on = fields.String(required=True, error_messages={
        "required": "Enter the date consent was given", "null": "Enter the date consent was given"})
    withdrawn = fields.Boolean(load_default=False, error_messages={"invalid": "Answer yes or no"})
    withdrawn_on = fields.String(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(
        max=500, error="The note must be 500 characters or fewer"))

    @pre_load
    def _one_agency_or_many(self, data, **kwargs):
        """A form with a single ticked agency may send it as text; never drop the server's fields."""
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("recorded_by", "created_at")}
            if isinstance(data.get("share_with"), str):
                data["share_with"] = [data["share_with"]]
            elif data.get("share_with") is None and "share_with" in data:
                data["share_with"] = []
        return data

    @validates("person_id")
    def _uuid(self, value, data_key):
        if not accounts.is_device_id(value):
            raise ValidationError("Choose whose consent this is")

    @validates("share_with")
    def _known_agencies(self, value, data_key):
        unknown = [v for v in value if v not in self.AGENCIES]
        if unknown:
            raise ValidationError("Choose agencies from the list")
        if len(set(value)) != len(value):
            raise ValidationError("Each agency once")

    @validates("given_on", "withdrawn_on")
    def _dates(self, value, data_key):
        if value is not None and (error := person_rules.date_error(value)):
            raise ValidationError(error)

    @validates_schema
    def _withdrawn_after_given(self, data, **kwargs):
        given, withdrawn = data.get("given_on"), data.get("withdrawn_on")
        if given and withdrawn and withdrawn < given:
            raise ValidationError("Consent cannot be withdrawn before it was given", "withdrawn_on")


def consent_type(app_config) -> sync.RecordType:
    """The `consent` record type over this deployment's partner agencies."""
    agencies = person_rules.setting(app_config, "PARTNER_AGENCIES")
    schema_class = type("ConsentSchema", (ConsentSchema,), {"AGENCIES": agencies})

    def refuse(message, field="_mutation"):
        raise sync.Refusal(message, {field: [message]})

    def authorize(db, actor, op, scope, fields_, current):
        if not access.writes_casework(actor):
            raise sync.Refusal("Your account cannot record casework")
        if not access.can_see_person(db, actor, scope):
            refuse("You cannot record consent for this person", "person_id")
        if op == "delete":
            refuse("Consent is never deleted: record that it was withdrawn instead")
        if op == "update":
            stored = schema_class().dump(
                {k: v for k, v in current.items() if k in schema_class._declared_fields})
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


# ----------------------------------------------------------------------------- reading
def _row(row, agencies):
    row = dict(row)
    row["share_with"] = json.loads(row["share_with"]) if row.get("share_with") else []
    row["agency_names"] = [agencies.get(a, a) for a in row["share_with"]]
    row["recording"] = bool(row.get("recording"))
    row["is_withdrawal"] = bool(row.get("withdrawn") or row.get("withdrawn_on"))
    return row


def consents_for(db, app_config, person_id):
    """A person's consent records, current first (callers check access), with the recorder's name."""
    agencies = person_rules.setting(app_config, "PARTNER_AGENCIES")
    rows = db.query(
        """SELECT k.*, COALESCE(u.display_name, u.username) AS recorded_by_name
           FROM consent k LEFT JOIN user u ON u.id = k.recorded_by
           WHERE k.person_id = ? AND k.deleted = 0
           ORDER BY k.given_on DESC, k.created_at DESC, k.rowid DESC""", [person_id])
    return [_row(row, agencies) for row in rows]


def current_consent(db, app_config, person_id):
    """The person's current consent (the latest live record), or None if none was recorded."""
    rows = consents_for(db, app_config, person_id)
    return rows[0] if rows else None


def shared_agencies(consent):
    """The agencies the current consent shares with now (none once withdrawn)."""
    if consent is None or consent["is_withdrawal"]:
        return []
    return consent["share_with"]
