"""The `place_marker` record type: a known risk at a place, not about anyone (README: Risk
markers): a district, a place description as workers know it ("the underpass by the Tesco car
park"), optionally a location (latitude and longitude, as the worker chose to give them), and the
same kind, note, review date and retirement as a person's risk marker (records/risk_marker.py).

Added, reviewed and retired on the phone, offline, through the outbox. Editable, merged field by
field; never deleted. Each marker is its own sync scope, and every caseworker of the marker's
area receives the live ones (access.visible_scopes), so the contact form can show them offline
when that place is chosen. The server derives the area (from the district), who added it and
when, and on each update who reviewed it and when. Partner agency workers get none: a place
marker names nobody, but it is the programme's own knowledge of its patch.
"""

from datetime import date

from marshmallow import ValidationError, fields, validate, validates, validates_schema

import sync

from .. import config as default_config
from ..rules import access
from ..timeutil import now_iso
from .fields import DropDerived, bind, message, refuse
from .risk_marker import MarkerFields

PLACE_MAX = 300


class PlaceMarkerSchema(DropDerived, MarkerFields):
    """A place marker as the phone sends it: where, and what every marker has (MarkerFields).
    `DISTRICTS` is bound by `record_type`."""

    DERIVED = ("area", "added_by", "added_at", "reviewed_by", "reviewed_at")
    DISTRICTS = default_config.districts(vars(default_config))

    district = fields.String(required=True, error_messages=message("Choose the district"))
    place = fields.String(required=True, validate=validate.Length(
        min=1, max=PLACE_MAX, error=f"Describe the place in {PLACE_MAX} characters or fewer"),
        error_messages=message("Describe the place"))
    latitude = fields.Float(allow_none=True, validate=validate.Range(
        min=-90, max=90, error="Enter a latitude between -90 and 90"),
        error_messages={"invalid": "Enter the latitude as a number"})
    longitude = fields.Float(allow_none=True, validate=validate.Range(
        min=-180, max=180, error="Enter a longitude between -180 and 180"),
        error_messages={"invalid": "Enter the longitude as a number"})

    @validates("district")
    def _district(self, value, data_key):
        if value not in self.DISTRICTS:
            raise ValidationError("Choose the district from the list")

    @validates("place")
    def _place(self, value, data_key):
        if not value.strip():
            raise ValidationError("Describe the place")

    @validates_schema
    def _both_or_neither(self, data, partial=None, **kwargs):
        if not partial and (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError({"longitude": ["Enter both the latitude and the longitude, or neither"]})


def record_type(app_config) -> sync.RecordType:
    """The `place_marker` record type, with this deployment's districts."""
    schema_class = bind(PlaceMarkerSchema, DISTRICTS=default_config.districts(app_config))

    def authorize(db, actor, op, scope, fields_, current):
        if not access.writes_casework(actor):
            refuse("Your account cannot add or change risk markers")
        if op in ("delete", "restore"):
            refuse("A risk marker is retired, never deleted")
        district = fields_.get("district") or (current or {}).get("district")
        if default_config.area_of(app_config, district) != getattr(actor, "area", None):
            refuse("Choose a district of your own area", "district")
        if op == "create" and date.fromisoformat(fields_["review_on"]) < date.today():
            refuse("The review date cannot be in the past", "review_on")

    def derive(db, actor, op, fields_, current):
        derived = {"reviewed_by": actor.id, "reviewed_at": now_iso()} if op != "create" else \
            {"added_by": actor.id, "added_at": now_iso()}
        if fields_.get("district"):
            derived["area"] = default_config.area_of(app_config, fields_["district"])
        return derived

    return sync.RecordType(name="place_marker", table="place_marker", schema=schema_class,
                           append_only=False, scope_field=None, authorize=authorize, derive=derive)
