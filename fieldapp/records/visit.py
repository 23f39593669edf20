"""The `visit` record type: a worker going out alone starts a visit or shift, and the server keeps
the timer (README: Lone working).

Made on the phone (before going out, in signal) and sent through the outbox like any record:
where (district and a place description the worker types; never a location track), an optional
buddy (a colleague's user id) and the expected end. The server derives the worker (who sent it),
the area (from the district) and `received_at`, its own clock when the visit arrived: the timer
is the server's, and the phone's clock orders nothing.
- Create-only: what happens next is a `check_in` (fieldapp/records/check_in.py), each one a
  record of its own, so check-ins made offline never need a base version and never conflict.
- Its own sync scope (the visit's id), which no phone is ever sent (rules/access.NEVER_PULLED):
  the worker's phone shows its visit from the /safety page and its outbox.
The expected end is a time in PROGRAMME_TIMEZONE as the phone's `datetime-local` field gives it
("2026-12-01T22:30"), or a UTC time; it is stored in UTC.
`kind` "help" is "I need help" with no visit started: the district, place ("where are you?") are
optional and there is no expected end; the area is the worker's own unless a district is given.
It has no timer: the server raises a call for help at once (rules/lone_working.py).
"""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

import sync

from .. import config as default_config
from .. import users
from ..timeutil import now_iso, timestamp
from .fields import DropDerived, bind, message, refuse

# A visit or shift is at most this long from its arrival; extend it with a check-in.
MAX_HOURS = 24


class LocalTime(fields.String):
    """A moment as a worker enters it: "YYYY-MM-DDTHH:MM" in the programme's time zone (the
    phone's datetime-local input), or ISO 8601 with an offset. Loaded as a UTC server timestamp."""

    def __init__(self, text: str, zone_name: str = "Europe/London", **kwargs):
        super().__init__(error_messages={**message(text), "invalid": text}, **kwargs)
        self.text = text
        self.zone_name = zone_name

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(self.text) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(self.zone_name))
        if moment.year < 2000:
            raise ValidationError(self.text)
        return timestamp(moment)


def check_not_too_far(stamp: str) -> None:
    """A time a visit may end at: within MAX_HOURS of the server's now, and not over a day ago
    (a visit started offline may arrive after its end: its timer then starts from its arrival)."""
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)
    if moment > now + timedelta(hours=MAX_HOURS):
        raise ValidationError(f"Choose a time within {MAX_HOURS} hours: check in to extend it")
    if moment < now - timedelta(hours=MAX_HOURS):
        raise ValidationError("That time is more than a day ago")


class VisitSchema(DropDerived, Schema):
    """A visit as the phone sends it. `DISTRICTS` and `ZONE` are bound by `record_type`."""

    DERIVED = ("user_id", "area", "received_at")
    DISTRICTS = default_config.districts(vars(default_config))
    ZONE = default_config.PROGRAMME_TIMEZONE

    kind = fields.String(load_default="visit", validate=validate.OneOf(
        ["visit", "help"], error="Start a visit or ask for help"))
    district = fields.String(allow_none=True, error_messages=message("Choose the district"))
    place = fields.String(allow_none=True, validate=validate.Length(
        min=1, max=300, error="Describe the place in 300 characters or fewer"),
        error_messages=message("Say where you are going"))
    buddy_id = fields.Integer(allow_none=True, strict=False,
                              error_messages={"invalid": "Choose a buddy from the list"})
    expected_end = fields.String(allow_none=True,
                                 error_messages=message("Enter when you expect to finish"))

    @validates("district")
    def _district(self, value, data_key):
        if value is not None and value not in self.DISTRICTS:
            raise ValidationError("Choose the district from the list")

    @validates("expected_end")
    def _end(self, value, data_key):
        if value is not None:
            check_not_too_far(self.load_time(value))

    @validates_schema
    def _a_visit_needs_where_and_when(self, data, partial=None, **kwargs):
        # A call for help with no visit needs nothing more: the worker may have no time to type.
        if data.get("kind", "visit") == "help":
            return
        missing = {name: [text] for name, text in (
            ("district", "Choose the district"), ("place", "Say where you are going"),
            ("expected_end", "Enter when you expect to finish")) if data.get(name) is None}
        if missing:
            raise ValidationError(missing)

    def load_time(self, value) -> str:
        """`value` as a UTC timestamp, read in the programme's zone when it has none."""
        return LocalTime("Enter when you expect to finish as a date and time",
                         self.ZONE).deserialize(value)


def buddy_problem(db, actor, buddy_id) -> str | None:
    """Why `buddy_id` cannot be this worker's buddy, or None: an active caseworker, not themself."""
    if buddy_id is None:
        return None
    if buddy_id == actor.id:
        return "Your buddy must be someone else"
    row = db.execute("SELECT role, active FROM user WHERE id = ?", [buddy_id]).fetchone()
    if row is None or not row[1] or row[0] not in users.CASEWORK_ROLES:
        return "Choose a buddy from the list"
    return None


def record_type(app_config) -> sync.RecordType:
    """The `visit` record type, with this deployment's districts and time zone."""
    schema_class = bind(VisitSchema, DISTRICTS=default_config.districts(app_config),
                        ZONE=app_config["PROGRAMME_TIMEZONE"])

    def authorize(db, actor, op, scope, fields_, current):
        if getattr(actor, "role", None) not in users.CASEWORK_ROLES:
            refuse("Only caseworkers start visits")
        if op != "create":
            refuse("A visit is not changed: check in to extend or end it")
        problem = buddy_problem(db, actor, fields_.get("buddy_id"))
        if problem:
            refuse(problem, "buddy_id")

    def derive(db, actor, op, fields_, current):
        district, end = fields_.get("district"), fields_.get("expected_end")
        return {"user_id": actor.id, "received_at": now_iso(),
                "area": default_config.area_of(app_config, district) if district else actor.area,
                "expected_end": schema_class().load_time(end) if end else None}

    return sync.RecordType(name="visit", table="visit", schema=schema_class, append_only=True,
                           authorize=authorize, derive=derive)
