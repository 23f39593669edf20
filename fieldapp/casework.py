"""The casework record types and the rules for writing them: contacts here; people in
fieldapp/person_rules.py, consent in fieldapp/consent.py, offline views in fieldapp/audit.py,
assessments in fieldapp/assessment_rules.py.

Marshmallow schemas are the one validation layer, for the sync endpoint and anything else; the
sync engine calls `authorize` and `derive` for every mutation. Messages are written for workers.
"""

import uuid
from datetime import datetime, timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates

import sync

from . import access, accounts, audit, config as default_config, instruments
from .assessment_rules import assessment_type
from .consent import consent_type
from . import peer_sessions
from .person_rules import PersonSchema, person_schema_for, person_type  # noqa: F401 (re-exported)

CONTACT_AT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def _message(text):
    return {"required": text, "null": text}


class ContactSchema(Schema):
    """One contact with a person: when, where, what happened."""

    DISTRICTS = default_config.districts({"AREAS": default_config.AREAS})
    CONTACT_TYPES = [value for value, _label in default_config.CONTACT_TYPES]

    person_id = fields.String(required=True, error_messages=_message("Choose who the contact was with"))
    contact_at = fields.String(
        required=True, error_messages=_message("Enter when the contact happened")
    )
    district = fields.String(required=True, error_messages=_message("Choose the district"))
    place = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error="Enter where the contact happened (200 characters or fewer)"),
        error_messages=_message("Enter where the contact happened"),
    )
    contact_type = fields.String(required=True, error_messages=_message("Choose the type of contact"))
    bedded_down = fields.Boolean(
        required=True, error_messages={**_message("Answer whether the person was bedded down"),
                                       "invalid": "Answer yes or no"}
    )
    spoken_to = fields.Boolean(
        required=True, error_messages={**_message("Answer whether you spoke to the person"),
                                       "invalid": "Answer yes or no"}
    )
    duration_minutes = fields.Integer(
        allow_none=True,
        strict=False,
        validate=validate.Range(min=0, max=1440, error="Enter a duration between 0 and 1440 minutes"),
        error_messages={"invalid": "Enter the duration as a whole number of minutes"},
    )
    what_happened = fields.String(
        allow_none=True,
        validate=validate.Length(max=4000, error="What happened must be 4000 characters or fewer"),
    )
    action = fields.String(
        allow_none=True,
        validate=validate.Length(max=1000, error="The action must be 1000 characters or fewer"),
    )

    @validates("person_id")
    def _uuid(self, value, data_key):
        if not accounts.is_device_id(value):  # the same check: a UUID in its usual text form
            raise ValidationError("Choose who the contact was with")

    @validates("contact_at")
    def _when(self, value, data_key):
        moment = None
        for fmt in CONTACT_AT_FORMATS:
            try:
                moment = datetime.strptime(value, fmt)
                break
            except (ValueError, TypeError):
                continue
        if moment is None:
            raise ValidationError("Enter when the contact happened as a date and time")
        # Naive local time on both sides; a day's grace covers wrong phone clocks and time zones.
        if moment > datetime.now() + timedelta(days=1):
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


def schemas_for(app_config):
    """PersonSchema and ContactSchema bound to this deployment's districts and contact types."""
    districts = default_config.districts(app_config)
    types = [value for value, _label in app_config["CONTACT_TYPES"]]
    person = person_schema_for(app_config)
    contact = type("ContactSchema", (ContactSchema,), {"DISTRICTS": districts, "CONTACT_TYPES": types})
    return person, contact


def record_types(app_config):
    """The registry of casework record types the sync engine accepts."""
    person_schema, contact_schema = schemas_for(app_config)

    def authorize_contact(db, actor, op, scope, fields, current):
        if not access.writes_casework(actor):
            raise sync.Refusal("Your account cannot record casework")
        if not access.can_see_person(db, actor, scope):
            message = "You cannot record a contact for this person"
            raise sync.Refusal(message, {"person_id": [message]})
        if op == "create":
            return
        # A correction or removal: by whoever recorded it, or their coordinator.
        if current is not None and current.get("worker_id") != actor.id and actor.role != "coordinator":
            raise sync.Refusal("Only the worker who recorded this contact, or a coordinator, can change it")
        if "person_id" in fields and current is not None and fields["person_id"] != current["person_id"]:
            message = "A contact cannot be moved to another person: record it again for them"
            raise sync.Refusal(message, {"person_id": [message]})

    def derive_contact(db, actor, op, fields, current):
        return {"worker_id": actor.id} if op == "create" else {}

    return sync.Registry(
        person_type(app_config),
        sync.RecordType(
            name="contact",
            table="contact",
            schema=contact_schema,
            append_only=True,
            scope_field="person_id",
            references={"person_id": "person"},
            authorize=authorize_contact,
            derive=derive_contact,
        ),
        # NDT assessments and Star readings: fieldapp/assessment_rules.py.
        assessment_type(instruments.catalog(app_config)),
        consent_type(app_config),
        audit.view_type(),
        # Other record types register below, one line each (e.g. peer sessions).
        peer_sessions.record_type(app_config),
    )


class CaseworkEngine(sync.Engine):
    """The sync engine with the audit trail around its pull: every person whose records reach a
    phone is noted (README: Audit trail). Which record types each reader gets (a partner agency
    worker's phone only what they may read; offline views never travel back) is the engine's
    `can_read`, given access.can_see_record_type."""

    def pull(self, actor, device_id, cursor):
        page = super().pull(actor, device_id, cursor)
        audit.record_sent(self.db, actor, device_id, {
            change["scope"] for change in page["changes"]
            if change["type"] != "scope" and not change.get("deleted") and change.get("scope")})
        return page


def make_engine(db, app_config):
    """A sync engine over `db` for the casework record types, with this deployment's limits."""
    return CaseworkEngine(
        db,
        record_types(app_config),
        visible_scopes=access.visible_scopes,
        max_mutations=app_config["SYNC_MAX_MUTATIONS"],
        max_bytes=app_config["SYNC_MAX_BYTES"],
        page_size=app_config["SYNC_PAGE_SIZE"],
        defer_days=app_config["SYNC_DEFER_DAYS"],
        can_read=access.can_see_record_type,
    )


def new_id():
    """A fresh record or mutation id (what phones make)."""
    return str(uuid.uuid4())
