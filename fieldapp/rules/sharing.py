"""Sharing a person with a colleague for a set time, e.g. to cover an absence.

A coordinator grants a share (table `person_share`, created with the app's migrations); while it
is in force (`starts_at <= now < ends_at`, not revoked) `fieldapp/access.py` lets the colleague see
the person, so the person and all their records reach the colleague's phone on the next sync, and
when it ends (or is ended early with "End now") the next sync tells the phone to drop them.

Times are stored like every server timestamp (UTC, "YYYY-MM-DDTHH:MM:SSZ", so that text order is
time order); the coordinator chooses whole days in the programme's time zone: from the start of
the first day to the end of the last.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from .. import audit
from .. import config as default_config
from ..records.fields import bind, day
from ..timeutil import now_iso, parse_timestamp, programme_today, timestamp
from ..users import WORKER_ROLES
from . import CoordinationError, access

DEFAULT_TIMEZONE = default_config.PROGRAMME_TIMEZONE


class ShareSchema(Schema):
    """The share form. `TODAY` and `MAX_DAYS` are bound per request by `share_person`."""

    TODAY = None
    MAX_DAYS = default_config.SHARE_MAX_DAYS

    user_id = fields.Integer(required=True, strict=False, error_messages={
        "required": "Choose the colleague", "null": "Choose the colleague",
        "invalid": "Choose the colleague from the list"})
    starts_on = fields.String(required=True, error_messages={
        "required": "Enter the first day", "null": "Enter the first day"})
    ends_on = fields.String(required=True, error_messages={
        "required": "Enter the last day", "null": "Enter the last day"})
    reason = fields.String(allow_none=True, validate=validate.Length(
        max=500, error="The reason must be 500 characters or fewer"))

    @validates("starts_on")
    def _starts(self, value, data_key):
        day(value)

    @validates("ends_on")
    def _ends(self, value, data_key):
        if day(value).isoformat() < self.TODAY:
            raise ValidationError("The last day cannot be in the past")

    @validates_schema(skip_on_field_errors=True)
    def _period(self, data, **kwargs):
        first, last = date.fromisoformat(data["starts_on"]), date.fromisoformat(data["ends_on"])
        if last < first:
            raise ValidationError("The last day must be on or after the first day", "ends_on")
        if (last - first).days + 1 > self.MAX_DAYS:
            raise ValidationError(f"Share for {self.MAX_DAYS} days at most", "ends_on")


def _utc(on: date, zone: ZoneInfo) -> str:
    """The start of the day `on` in `zone`, as a server timestamp."""
    return timestamp(datetime.combine(on, time(0), tzinfo=zone))


def share_window(starts_on: date, ends_on: date, zone_name=DEFAULT_TIMEZONE) -> tuple[str, str]:
    """(starts_at, ends_at) for whole days from `starts_on` to `ends_on` inclusive in the zone."""
    zone = ZoneInfo(zone_name)
    return _utc(starts_on, zone), _utc(ends_on + timedelta(days=1), zone)


def colleague_choices(db, area) -> list[dict]:
    """Active caseworkers in `area` (not coordinators, who see the whole area anyway)."""
    marks = ",".join("?" * len(WORKER_ROLES))
    return list(db.query(
        f"SELECT id, COALESCE(display_name, username) AS name, team, role FROM user"
        f" WHERE active = 1 AND area = ? AND role IN ({marks}) ORDER BY name",
        [area, *WORKER_ROLES]))


def share_person(db, app_config, coordinator, person_id, form) -> int:
    """Share a person in the coordinator's area with a colleague for whole days; the share's id.

    `form` has user_id, starts_on, ends_on (YYYY-MM-DD) and an optional reason. Raises LookupError
    if the person is not the coordinator's to share, CoordinationError with field messages if the
    form is not right.
    """
    if not access.can_see_person(db, coordinator, person_id):
        raise LookupError("Not a person in your area")
    schema = bind(ShareSchema, TODAY=programme_today(app_config).isoformat(),
                  MAX_DAYS=app_config["SHARE_MAX_DAYS"])()
    try:
        data = schema.load({k: v for k, v in form.items() if v not in ("", None)})
    except ValidationError as error:
        messages = {k: v if isinstance(v, list) else [str(v)] for k, v in error.messages.items()}
        raise CoordinationError("Some answers need attention", messages) from error
    if data["user_id"] not in {c["id"] for c in colleague_choices(db, coordinator.area)}:
        raise CoordinationError("Choose the colleague from the list",
                                {"user_id": ["Choose the colleague from the list"]})
    starts_at, ends_at = share_window(date.fromisoformat(data["starts_on"]),
                                      date.fromisoformat(data["ends_on"]),
                                      app_config["PROGRAMME_TIMEZONE"])
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO person_share (person_id, user_id, shared_by, starts_at, ends_at, reason)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [person_id, data["user_id"], coordinator.id, starts_at, ends_at,
             (data.get("reason") or "").strip() or None])
    colleague = next(c for c in colleague_choices(db, coordinator.area) if c["id"] == data["user_id"])
    audit.record_access_change(db, coordinator, person_id, "share_granted",
                               f"with {colleague['name']} from {starts_at} until {ends_at}")
    return cursor.lastrowid


def end_share(db, coordinator, share_id):
    """End a share now (it stays in the table, revoked). Returns the share's person id, or None if
    there is no such share of a person in the coordinator's area. Ending an ended share changes
    nothing."""
    rows = list(db.query("SELECT * FROM person_share WHERE id = ?", [share_id]))
    if not rows or not access.can_see_person(db, coordinator, rows[0]["person_id"]):
        return None
    now = now_iso()
    if rows[0]["revoked_at"] is None and rows[0]["ends_at"] > now:
        with db.atomic():
            db.execute("UPDATE person_share SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                       [now, share_id])
        audit.record_access_change(db, coordinator, rows[0]["person_id"], "share_ended",
                                   f"share {share_id} ended early")
    return rows[0]["person_id"]


def shares_for_person(db, person_id, now=None) -> list[dict]:
    """The shares of a person in force or still to come (not revoked, not ended), soonest first,
    with `colleague_name`, `shared_by_name` and `in_force`."""
    now = now or now_iso()
    rows = db.query(
        "SELECT s.*, COALESCE(u.display_name, u.username) AS colleague_name,"
        " COALESCE(b.display_name, b.username) AS shared_by_name FROM person_share s"
        " LEFT JOIN user u ON u.id = s.user_id LEFT JOIN user b ON b.id = s.shared_by"
        " WHERE s.person_id = ? AND s.revoked_at IS NULL AND s.ends_at > ?"
        " ORDER BY s.starts_at, s.id", [person_id, now])
    return [{**row, "in_force": row["starts_at"] <= now} for row in rows]


def shown_day(stored, zone_name=DEFAULT_TIMEZONE, *, end=False) -> str:
    """A stored start (or, with `end`, an exclusive end) as the local day: "Mon 24 November 2026"."""
    local = parse_timestamp(stored).astimezone(ZoneInfo(zone_name))
    if end:
        local -= timedelta(seconds=1)
    return local.strftime("%a %-d %B %Y")
