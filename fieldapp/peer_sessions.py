"""Peer-mentor sessions: the `peer_session` record type, its table and the hours sums (plain
Python, no Flask; the pages are in fieldapp/peer.py).

A peer mentor (or a coordinator) logs a session on the phone, offline, through the one write path:
the form (fieldapp/peer.py) is never posted to Flask; the page script turns it into a `peer_session` mutation
in the outbox, which the sync engine checks with the schema and hooks here. Rules:
- Append-only: a session is logged once; a correction (by the mentor who logged it or a
  coordinator) makes a new version and the engine keeps every earlier one. It never moves to
  another person: log it again for them.
- The person must be one the mentor may see (`access.can_see_person`); `mentor_id` is always the
  worker who sent it (the server derives it; a value sent by a phone is dropped).
- Hours are sums of `duration_minutes` over sessions not deleted: a week runs Monday to Sunday and
  a month is a calendar month, both in the programme's time zone (Europe/London by default;
  `session_on` is the date the mentor entered, so it is already a local date).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema
from sqlite_utils.migrations import Migrations

import sync

from . import access, accounts
from .timeutil import now_iso
from .validators import DropDerived, recorded_day

PEER_ROLES = ("peer_mentor", "coordinator")
MAX_MINUTES = 12 * 60
MODES = [
    ("face_to_face", "Face to face"),
    ("phone", "Phone or video call"),
    ("group", "Group session"),
    ("accompanying", "Accompanying to an appointment"),
]
# A deployment may set PEER_SESSION_PURPOSES in instance/config.py; "other" is always offered.
DEFAULT_PURPOSES = [
    ("emotional_support", "Emotional support"),
    ("recovery", "Recovery from drug or alcohol use"),
    ("housing", "Housing"),
    ("services", "Getting to services and appointments"),
    ("money", "Benefits and money"),
    ("activities", "Activities and meaningful use of time"),
    ("relationships", "Family, friends and relationships"),
]
OTHER = ("other", "Something else")
DEFAULT_TIMEZONE = "Europe/London"
DERIVED = ("mentor_id", "created_at")

# --------------------------------------------------------------------------- the table
migrations = Migrations("fieldapp.peer")


@migrations()
def m001_peer_session(db):
    """The synced table of peer sessions (the person page's timeline reads these columns)."""
    db.execute("""
        CREATE TABLE peer_session (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL,
            person_id TEXT,
            mentor_id INTEGER,
            session_on TEXT,           -- YYYY-MM-DD, the mentor's local date
            duration_minutes INTEGER,
            mode TEXT,
            purpose TEXT,
            note TEXT,
            created_at TEXT
        )""")
    db.execute("CREATE INDEX peer_session_person ON peer_session (person_id)")
    db.execute("CREATE INDEX peer_session_mentor ON peer_session (mentor_id, session_on)")


# --------------------------------------------------------------------------- settings
def purposes(app_config):
    """(value, label) pairs offered as a session's purpose: the setting, then "Something else"."""
    chosen = [tuple(pair) for pair in app_config.get("PEER_SESSION_PURPOSES", DEFAULT_PURPOSES)]
    return [pair for pair in chosen if pair[0] != OTHER[0]] + [OTHER]


def programme_today(app_config) -> date:
    """Today's date where the programme works (PROGRAMME_TIMEZONE, default Europe/London)."""
    zone = ZoneInfo(app_config.get("PROGRAMME_TIMEZONE", DEFAULT_TIMEZONE))
    return datetime.now(zone).date()


# --------------------------------------------------------------------------- the record type
def _message(text):
    return {"required": text, "null": text}


class PeerSessionSchema(DropDerived, Schema):
    """One peer session as the phone sends it. `PURPOSES` is bound by `record_type`."""

    DERIVED = DERIVED  # dropped from what the phone sends (server-derived)

    PURPOSES = [value for value, _label in DEFAULT_PURPOSES] + [OTHER[0]]

    person_id = fields.String(required=True, error_messages=_message("Choose who the session was with"))
    session_on = fields.String(required=True, error_messages=_message("Enter the date of the session"))
    duration_minutes = fields.Integer(
        required=True, strict=False,
        validate=validate.Range(min=1, max=MAX_MINUTES,
                                error="Enter a duration between 1 minute and 12 hours (720 minutes)"),
        error_messages={**_message("Enter how long the session lasted, in minutes"),
                        "invalid": "Enter the duration as a whole number of minutes"})
    mode = fields.String(required=True, error_messages=_message("Choose how the session happened"),
                         validate=validate.OneOf([value for value, _ in MODES],
                                                 error="Choose how the session happened from the list"))
    purpose = fields.String(required=True, error_messages=_message("Choose what the session was for"))
    note = fields.String(allow_none=True, validate=validate.Length(
        max=4000, error="The note must be 4000 characters or fewer"))

    @validates("person_id")
    def _uuid(self, value, data_key):
        if not accounts.is_device_id(value):  # a UUID in its usual text form
            raise ValidationError("Choose who the session was with")

    @validates("session_on")
    def _date(self, value, data_key):
        recorded_day(value)

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
    schema_class = type("PeerSessionSchema", (PeerSessionSchema,),
                        {"PURPOSES": [value for value, _ in purposes(app_config)]})

    def refuse(message, field="_mutation"):
        raise sync.Refusal(message, {field: [message]})

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

    return sync.RecordType(
        name="peer_session",
        table="peer_session",
        schema=schema_class,
        append_only=True,
        scope_field="person_id",
        references={"person_id": "person"},
        authorize=authorize,
        derive=derive,
    )


# --------------------------------------------------------------------------- hours
def week_bounds(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_bounds(day: date) -> tuple[date, date]:
    """The first and last day of the calendar month containing `day`."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def mentor_minutes(db, mentor_id, start: date, end: date) -> int:
    """Minutes of the mentor's sessions (not deleted) dated from `start` to `end` inclusive."""
    row = db.execute(
        "SELECT COALESCE(SUM(duration_minutes), 0) FROM peer_session WHERE deleted = 0"
        " AND mentor_id = ? AND session_on BETWEEN ? AND ?",
        [mentor_id, start.isoformat(), end.isoformat()]).fetchone()
    return row[0]


def my_hours(db, mentor_id, today: date) -> dict:
    """A mentor's minutes this week (Monday–Sunday) and this calendar month, with the bounds."""
    week, month = week_bounds(today), month_bounds(today)
    return {"week": mentor_minutes(db, mentor_id, *week), "week_start": week[0],
            "month": mentor_minutes(db, mentor_id, *month), "month_start": month[0]}


def _area_sessions(user, start: date, end: date):
    """SQL over sessions (not deleted) with people `user` may see (a coordinator: their area)."""
    condition, params = access.person_filter(user, alias="p")
    sql = (" FROM peer_session s JOIN person p ON p.id = s.person_id"
           " LEFT JOIN user u ON u.id = s.mentor_id"
           f" WHERE s.deleted = 0 AND s.session_on BETWEEN ? AND ? AND {condition}")
    return sql, [start.isoformat(), end.isoformat(), *params]


def minutes_by_mentor(db, user, start: date, end: date) -> list[dict]:
    """Per mentor: name, sessions and minutes, for people `user` may see, most minutes first."""
    sql, params = _area_sessions(user, start, end)
    return list(db.query(
        "SELECT s.mentor_id, COALESCE(u.display_name, u.username) AS name, COUNT(*) AS sessions,"
        " SUM(s.duration_minutes) AS minutes" + sql
        + " GROUP BY s.mentor_id ORDER BY minutes DESC, name", params))


def minutes_by_person(db, user, start: date, end: date) -> list[dict]:
    """Per person: id, name, sessions and minutes, for people `user` may see, most minutes first."""
    sql, params = _area_sessions(user, start, end)
    return list(db.query(
        "SELECT p.id AS person_id, p.display_name AS name, COUNT(*) AS sessions,"
        " SUM(s.duration_minutes) AS minutes" + sql
        + " GROUP BY p.id ORDER BY minutes DESC, name", params))


def minutes_by_month(db, user, today: date, months: int = 12) -> list[dict]:
    """Per calendar month, the last `months` up to today's, newest first: month ("YYYY-MM"),
    sessions and minutes (0 for a month with none), for people `user` may see."""
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    sql, params = _area_sessions(user, first, month_bounds(today)[1])
    found = {row["month"]: row for row in db.query(
        "SELECT substr(s.session_on, 1, 7) AS month, COUNT(*) AS sessions,"
        " SUM(s.duration_minutes) AS minutes" + sql + " GROUP BY month", params)}
    result, month = [], today.replace(day=1)
    for _ in range(months):
        key = month.strftime("%Y-%m")
        result.append({"month": key, "label": month.strftime("%B %Y"),
                       "sessions": found.get(key, {}).get("sessions", 0),
                       "minutes": found.get(key, {}).get("minutes", 0)})
        month = (month - timedelta(days=1)).replace(day=1)
    return result


def hours_text(minutes) -> str:
    """Minutes as words: "2 hours 30 minutes", "45 minutes", "0 hours"."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours or not rest:
        parts.append(f"{hours} hour" + ("" if hours == 1 else "s"))
    if rest:
        parts.append(f"{rest} minute" + ("" if rest == 1 else "s"))
    return " ".join(parts)


def recent_sessions(db, user, limit=20) -> list[dict]:
    """The latest sessions `user` logged (not deleted), newest first, with the person's name only
    while the person is one `user` may still see."""
    condition, params = access.person_filter(user, alias="p")
    return list(db.query(
        "SELECT s.*, p.display_name AS person_name FROM peer_session s"
        f" LEFT JOIN person p ON p.id = s.person_id AND {condition}"
        " WHERE s.deleted = 0 AND s.mentor_id = ? ORDER BY s.session_on DESC, s.created_at DESC"
        " LIMIT ?", [*params, user.id, limit]))


# --------------------------------------------------------------------------- demo data
# mentor username, person, days ago, minutes, mode, purpose, note
DEMO_SESSIONS = [
    ("peer", "Sam", 8, 60, "face_to_face", "recovery", "Talked about the recovery group"),
    ("peer", "Sam", 2, 90, "group", "recovery", "Went to the group together; Sam spoke"),
    ("peer", "Dan", 1, 45, "accompanying", "services", "Went with Dan to the GP about his ID"),
    ("peer", "Dan", 5, 20, "phone", "emotional_support", None),
    ("peer", "Lee", 12, 30, "face_to_face", "other", "Helped Lee move his tent before the flood"),
]


def demo_sessions(person_ids, today: date) -> list[tuple[str, dict]]:
    """(mentor username, fields) for demo peer sessions; `person_ids` maps demo names to ids.
    fieldapp/demo.py pushes each as a `peer_session` create mutation by that mentor."""
    sessions = []
    for username, person, days_ago, minutes, mode, purpose, note in DEMO_SESSIONS:
        fields_ = {"person_id": person_ids[person], "duration_minutes": minutes, "mode": mode,
                   "session_on": (today - timedelta(days=days_ago)).isoformat(), "purpose": purpose}
        if note:
            fields_["note"] = note
        sessions.append((username, fields_))
    return sessions
