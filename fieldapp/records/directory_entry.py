"""The `directory_entry` record type: one service in the directory of services (README:
Directory of services): name, what it offers, districts served, address, phone, opening times,
how to refer, and the day someone last checked it.

Coordinators and admins maintain it through online forms (fieldapp/web/services.py), which write
through the sync engine like any change. Editable, merged field by field. Each entry is its own
sync scope, and every caseworker may read every live entry (access.visible_scopes), so the
directory reaches every phone through the pull and is searchable there with no signal.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates

import sync

from .. import config as default_config
from .fields import JSONList, bind, message, past_day, refuse

MAINTAINERS = ("coordinator", "admin")


def _text(limit, what, required=False):
    options = {"required": True, "error_messages": message(f"Enter {what}")} if required \
        else {"allow_none": True}
    return fields.String(validate=validate.Length(
        min=1 if required else 0, max=limit, error=f"{what.capitalize()} must be {limit} characters or fewer"),
        **options)


class DirectoryEntrySchema(Schema):
    """One service. `DISTRICTS` is bound by `record_type`."""

    DISTRICTS = default_config.districts(vars(default_config))

    name = _text(200, "the name of the service", required=True)
    offers = _text(2000, "what the service offers", required=True)
    districts = JSONList(fields.String(), required=True,
                         validate=validate.Length(min=1, max=50, error="Choose the districts served"),
                         error_messages=message("Choose the districts served"))
    address = _text(500, "the address")
    phone = _text(100, "the phone number")
    opening_times = _text(500, "the opening times")
    how_to_refer = _text(2000, "how to refer")
    last_checked_on = fields.String(required=True,
                                    error_messages=message("Enter when the entry was last checked"))

    @validates("name")
    def _named(self, value, data_key):
        if not value.strip():
            raise ValidationError("Enter the name of the service")

    @validates("districts")
    def _known(self, value, data_key):
        if any(d not in self.DISTRICTS for d in value):
            raise ValidationError("Choose districts from the list")

    @validates("last_checked_on")
    def _checked(self, value, data_key):
        past_day(value)


def record_type(app_config) -> sync.RecordType:
    """The `directory_entry` record type, with this deployment's districts."""
    schema_class = bind(DirectoryEntrySchema, DISTRICTS=default_config.districts(app_config))

    def authorize(db, actor, op, scope, fields_, current):
        """Only coordinators and admins maintain the directory."""
        if getattr(actor, "role", None) not in MAINTAINERS:
            refuse("Only coordinators and admins maintain the directory of services")

    def derive(db, actor, op, fields_, current):
        """Who last changed the entry."""
        return {"changed_by": actor.id}

    return sync.RecordType(name="directory_entry", table="directory_entry", schema=schema_class,
                           append_only=False, scope_field=None, authorize=authorize, derive=derive)
