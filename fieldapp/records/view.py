"""The `view` record type: a person's page viewed on the phone with no signal, for the audit trail.

When the phone shows a cached person page offline it queues a `view` mutation, uploaded at the
next sync; the engine stores it like any record, and fieldapp/reads/audit.py lists it.
Create-only, never sent back to phones (rules/access.NEVER_PULLED). A reader uploads their own
views of a person they may see, or may have seen: one whose records reached their phone or whose
page they opened before (in the audit trail), since a view made offline while the person was in
their scope must not be refused because a share has since ended. Any other person id is answered
as if nobody had it (`sync.Unknown`), so uploads cannot probe which ids exist or write into the
trail of strangers. The viewer is the actor, never a field.
"""

from marshmallow import Schema, fields, validate

import sync

from .. import audit, users
from ..rules import access
from ..timeutil import now_iso
from .fields import PersonRef, message, refuse


class ViewSchema(Schema):
    """A view of a person's cached page made offline."""

    person_id = PersonRef("Say whose page was viewed")
    viewed_at = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              error_messages=message("Say when the page was viewed"))
    page = fields.String(allow_none=True, validate=validate.Length(max=300))


def record_type(app_config) -> sync.RecordType:
    """The `view` record type (the same for every deployment)."""

    def authorize(db, actor, op, scope, fields_, current):
        if getattr(actor, "role", None) not in users.READER_ROLES:
            refuse("Your account does not view casework")
        if op != "create":
            refuse("A record of a view cannot be changed or removed")
        if not access.can_see_person(db, actor, scope) and not audit.has_seen(db, actor, scope):
            raise sync.Unknown("person")

    def derive(db, actor, op, fields_, current):
        return {"user_id": actor.id, "received_at": now_iso()}

    return sync.RecordType(name="view", table="view", schema=ViewSchema, append_only=True,
                           scope_field="person_id", references={"person_id": "person"},
                           authorize=authorize, derive=derive)
