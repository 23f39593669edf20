"""The `peer_session` record type: a peer mentor's session with a person.

A peer mentor (or a coordinator) logs a session on the phone, offline, through the one write path:
the form (fieldapp/web/peer.py) is never posted to Flask; the page script turns it into a
`peer_session` mutation in the outbox, which the sync engine checks with the schema and hooks here.
- Append-only: a session is logged once; a correction (by the mentor who logged it or a
  coordinator) makes a new version and the engine keeps every earlier one. It never moves to
  another person: log it again for them.
- The person must be one the mentor may see (`access.can_see_person`); `mentor_id` is always the
  worker who sent it (the server derives it; a value sent by a phone is dropped).
Hours are summed in fieldapp/reads/peer_hours.py.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

import sync

from .. import config as default_config
from ..rules import access
from ..timeutil import now_iso
from .fields import DropDerived, PersonRef, bind, message, past_day, refuse

PEER_ROLES = ("peer_mentor", "coordinator")
MAX_MINUTES = 12 * 60
MODES = [
    ("face_to_face", "Face to face"),
    ("phone", "Phone or video call"),
    ("group", "Group session"),
    ("accompanying", "Accompanying to an appointment"),
]
OTHER = ("other", "Something else")


def purposes(app_config):
    """(value, label) pairs offered as a session's purpose: the setting, then "Something else"."""
    chosen = [tuple(pair) for pair in app_config["PEER_SESSION_PURPOSES"]]
    return [pair for pair in chosen if pair[0] != OTHER[0]] + [OTHER]


class PeerSessionSchema(DropDerived, Schema):
    """One peer session as the phone sends it. `PURPOSES` is bound by `record_type`."""

    DERIVED = ("mentor_id", "created_at")  # dropped from what the phone sends (server-derived)
    PURPOSES = [value for value, _label in purposes(vars(default_config))]

    person_id = PersonRef("Choose who the session was with")
    session_on = fields.String(required=True, error_messages=message("Enter the date of the session"))
    duration_minutes = fields.Integer(
        required=True, strict=False,
        validate=validate.Range(min=1, max=MAX_MINUTES,
                                error="Enter a duration between 1 minute and 12 hours (720 minutes)"),
        error_messages={**message("Enter how long the session lasted, in minutes"),
                        "invalid": "Enter the duration as a whole number of minutes"})
    mode = fields.String(required=True, error_messages=message("Choose how the session happened"),
                         validate=validate.OneOf([value for value, _ in MODES],
                                                 error="Choose how the session happened from the list"))
    purpose = fields.String(required=True, error_messages=message("Choose what the session was for"))
    note = fields.String(allow_none=True, validate=validate.Length(
        max=4000, error="The note must be 4000 characters or fewer"))

    @validates("session_on")
    def _date(self, value, data_key):
        past_day(value)

    @validates("purpose")
    def _known_purpose(self, value, data_key):
        if value not in self.PURPOSES:
            raise ValidationError("Choose what the session was for from the list")

    @validates_schema
    def _other_needs_a_note(self, data, partial=None, **kwargs):
        """"Something else" needs a note saying what. A patch is checked merged, in authorize."""
        if not partial:
            record_errors_or_raise(data)


def record_errors_or_raise(record):
    """Raise ValidationError if a whole record chose "Something else" without saying what."""
    if record.get("purpose") == OTHER[0] and not (record.get("note") or "").strip():
        raise ValidationError({"note": ["Say what the session was for"]})


def record_type(app_config) -> sync.RecordType:
    """The `peer_session` record type, with this deployment's list of purposes."""
    schema_class = bind(PeerSessionSchema,
                        PURPOSES=[value for value, _ in purposes(app_config)])

    def authorize(db, actor, op, scope, fields_, current):
        if getattr(actor, "role", None) not in PEER_ROLES:
            refuse("Only peer mentors and coordinators can log peer sessions")
        if not access.can_see_person(db, actor, scope):
            refuse("You cannot log a peer session for this person", "person_id")
        if op == "create":
            return
        if current["mentor_id"] != actor.id and actor.role != "coordinator":
            refuse("Only the mentor who logged this session, or a coordinator, can change it")
        if "person_id" in fields_ and fields_["person_id"] != current["person_id"]:
            refuse("A session cannot be moved to another person: log it again for them", "person_id")
        if op == "update":
            merged = {**{k: current.get(k) for k in ("purpose", "note")}, **fields_}
            try:
                record_errors_or_raise(merged)
            except ValidationError as error:
                raise sync.Refusal("Some fields need attention.", error.messages) from error

    def derive(db, actor, op, fields_, current):
        return {"mentor_id": actor.id, "created_at": now_iso()} if op == "create" else {}

    return sync.RecordType(name="peer_session", table="peer_session", schema=schema_class,
                           append_only=True, scope_field="person_id",
                           references={"person_id": "person"},
                           authorize=authorize, derive=derive)
