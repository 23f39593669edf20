"""The `tally` record type: a count-night tally (README: Barriers and lessons, "Count night"): how
many people a worker saw sleeping rough in one district on the night of a street count, with no
names. Any caseworker records it offline (the form at /tally/new). Append-only; its own scope,
never pulled to phones; summed per district on the measures page."""

from marshmallow import Schema, fields, validate, validates, ValidationError

import sync

from .. import config as default_config
from ..rules import access
from .fields import bind, message, past_day

MAX_SEEN = 10_000


class TallySchema(Schema):
    """One district's count. `DISTRICTS` is bound by `record_type`."""

    DISTRICTS = default_config.districts(vars(default_config))

    counted_on = fields.String(required=True, error_messages=message("Enter the night of the count"))
    district = fields.String(required=True, error_messages=message("Choose the district"))
    people_seen = fields.Integer(
        required=True, strict=False,
        validate=validate.Range(min=0, max=MAX_SEEN, error=f"Enter a number from 0 to {MAX_SEEN}"),
        error_messages={**message("Enter how many people you saw"),
                        "invalid": "Enter a whole number"})
    note = fields.String(allow_none=True, validate=validate.Length(
        max=500, error="The note must be 500 characters or fewer"))

    @validates("counted_on")
    def _day(self, value, data_key):
        past_day(value)

    @validates("district")
    def _known_district(self, value, data_key):
        if value not in self.DISTRICTS:
            raise ValidationError("Choose a district from the list")


def record_type(app_config) -> sync.RecordType:
    """The `tally` record type, with this deployment's districts."""
    schema_class = bind(TallySchema, DISTRICTS=default_config.districts(app_config))

    def authorize(db, actor, op, scope, fields_, current):
        """Any caseworker creates one; only whoever recorded it corrects it."""
        if not access.writes_casework(actor):
            raise sync.Refusal("Your account cannot record a count")
        if op != "create" and (current or {}).get("recorded_by") != actor.id:
            raise sync.Refusal("Only the worker who recorded a count can change it")

    def derive(db, actor, op, fields_, current):
        """The area (from the district) and who recorded it."""
        if "district" in fields_:
            fields_area = default_config.area_of(app_config, fields_["district"])
        else:
            fields_area = None
        derived = {"area": fields_area} if fields_area else {}
        if op == "create":
            derived["recorded_by"] = actor.id
        return derived

    return sync.RecordType(name="tally", table="tally", schema=schema_class, append_only=True,
                           scope_field=None, authorize=authorize, derive=derive)
