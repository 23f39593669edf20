"""The on-call rota of an area: who is told first when a lone worker's check-in is overdue
(fieldapp/rules/lone_working.py; README: Lone working).

A coordinator keeps their own area's rota on an online page: a person (a coordinator or a
caseworker of the area), from a date and time to a date and time, in PROGRAMME_TIMEZONE. Removing
a row keeps it (`removed_at`), so who was on call when stays answerable.
"""

from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validates_schema

from ..timeutil import now_iso, parse_timestamp, timestamp
from ..users import CASEWORK_ROLES
from . import CoordinationError


class RotaSchema(Schema):
    """The rota form: who, from, to (datetime-local values in the programme's zone)."""

    user_id = fields.Integer(required=True, strict=False, error_messages={
        "required": "Choose who is on call", "null": "Choose who is on call",
        "invalid": "Choose who is on call from the list"})
    starts_at = fields.NaiveDateTime(required=True, format="%Y-%m-%dT%H:%M", error_messages={
        "required": "Enter when it starts", "null": "Enter when it starts",
        "invalid": "Enter when it starts as a date and time"})
    ends_at = fields.NaiveDateTime(required=True, format="%Y-%m-%dT%H:%M", error_messages={
        "required": "Enter when it ends", "null": "Enter when it ends",
        "invalid": "Enter when it ends as a date and time"})

    @validates_schema(skip_on_field_errors=True)
    def _order(self, data, **kwargs):
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError("It must end after it starts", "ends_at")
        if (data["ends_at"] - data["starts_at"]).days > 31:
            raise ValidationError("Put someone on call for 31 days at most", "ends_at")


def rota_choices(db, area) -> list[dict]:
    """Active coordinators and caseworkers of the area, who may be put on call."""
    marks = ",".join("?" * len(CASEWORK_ROLES))
    return list(db.query(
        f"SELECT id, COALESCE(display_name, username) AS name, role FROM user"
        f" WHERE active = 1 AND area = ? AND role IN ({marks}) ORDER BY name",
        [area, *CASEWORK_ROLES]))


def add_on_call(db, app_config, coordinator, form) -> int:
    """Put someone of the coordinator's area on call for a time; the row's id. Raises
    CoordinationError with field messages when the form is not right."""
    try:
        data = RotaSchema().load({k: v for k, v in form.items() if v not in ("", None)})
    except ValidationError as error:
        messages = {k: v if isinstance(v, list) else [str(v)] for k, v in error.messages.items()}
        raise CoordinationError("Some answers need attention", messages) from error
    if data["user_id"] not in {c["id"] for c in rota_choices(db, coordinator.area)}:
        raise CoordinationError("Choose who is on call from the list",
                                {"user_id": ["Choose who is on call from the list"]})
    zone = ZoneInfo(app_config["PROGRAMME_TIMEZONE"])
    starts = timestamp(data["starts_at"].replace(tzinfo=zone))
    ends = timestamp(data["ends_at"].replace(tzinfo=zone))
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO on_call (user_id, area, starts_at, ends_at, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [data["user_id"], coordinator.area, starts, ends, coordinator.id, now_iso()])
    return cursor.lastrowid


def remove_on_call(db, coordinator, row_id) -> bool:
    """Take a rota row of the coordinator's area off (kept, marked removed)."""
    with db.atomic():
        cursor = db.execute("UPDATE on_call SET removed_at = ? WHERE id = ? AND area = ?"
                            " AND removed_at IS NULL", [now_iso(), row_id, coordinator.area])
    return cursor.rowcount == 1


def rota(db, area, now=None) -> list[dict]:
    """The area's rota rows not ended and not removed, soonest first, with each person's name and
    whether it is in force now."""
    now = now or now_iso()
    rows = db.query(
        "SELECT o.*, COALESCE(u.display_name, u.username) AS name FROM on_call o"
        " JOIN user u ON u.id = o.user_id WHERE o.area = ? AND o.removed_at IS NULL"
        " AND o.ends_at > ? ORDER BY o.starts_at, o.id", [area, now])
    return [{**row, "in_force": row["starts_at"] <= now} for row in rows]


def shown_time(stored, zone_name) -> str:
    """A stored time as the programme's local time: "Tue 1 Dec 22:30"."""
    return parse_timestamp(stored).astimezone(ZoneInfo(zone_name)).strftime("%a %-d %b %H:%M")

