"""The `lesson` record type: a lesson gathered at a Change Forum (README: Barriers and lessons):
the area, the partner, the issue, the level of action it calls for (individual, service or
system), the day of the forum, and the barriers it links to.

Coordinators record them for their own area through an online form that writes through the sync
engine (fieldapp/web/coordination_barriers.py). Append-only, corrected by a new version. Its own
sync scope, not pulled to phones; listed, filtered and exported online.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates

import sync

from .fields import JSONList, is_uuid, message, past_day, refuse

LEVELS = [("individual", "Individual"), ("service", "Service"), ("system", "System")]


class LessonSchema(Schema):
    """One lesson. The area must be one of AREAS (checked in `authorize`: the coordinator's)."""

    area = fields.String(required=True, error_messages=message("Choose the area"))
    partner = fields.String(required=True, validate=validate.Length(
        min=1, max=200, error="Enter the partner (200 characters or fewer)"),
        error_messages=message("Enter the partner"))
    issue = fields.String(required=True, validate=validate.Length(
        min=1, max=2000, error="Enter the issue (2000 characters or fewer)"),
        error_messages=message("Enter the issue"))
    level = fields.String(required=True, error_messages=message("Choose the level of action"),
                          validate=validate.OneOf([v for v, _ in LEVELS],
                                                  error="Choose the level of action from the list"))
    forum_on = fields.String(required=True, error_messages=message("Enter the day of the forum"))
    barrier_ids = JSONList(fields.String(), load_default=list,
                           validate=validate.Length(max=50, error="Link 50 barriers or fewer"))

    @validates("forum_on")
    def _day(self, value, data_key):
        past_day(value)

    @validates("barrier_ids")
    def _ids(self, value, data_key):
        if any(not is_uuid(v) for v in value):
            raise ValidationError("Choose barriers from the list")


def record_type(app_config) -> sync.RecordType:
    """The `lesson` record type."""

    def authorize(db, actor, op, scope, fields_, current):
        """A coordinator, for their own area, linking barriers of that area only."""
        if getattr(actor, "role", None) != "coordinator":
            refuse("Only coordinators record Change Forum lessons")
        area = fields_.get("area") or (current or {}).get("area")
        if area != actor.area or (current and current["area"] != actor.area):
            refuse("Record lessons for your own area", "area")
        for barrier_id in fields_.get("barrier_ids") or []:
            row = db.execute("SELECT area FROM barrier WHERE id = ? AND deleted = 0",
                             [barrier_id]).fetchone()
            if row is None or row[0] != actor.area:
                refuse("Link barriers of your own area", "barrier_ids")

    def derive(db, actor, op, fields_, current):
        """Who recorded it."""
        return {"recorded_by": actor.id} if op == "create" else {}

    return sync.RecordType(name="lesson", table="lesson", schema=LessonSchema, append_only=True,
                           scope_field=None, authorize=authorize, derive=derive)
