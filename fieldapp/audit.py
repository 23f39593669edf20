"""The audit trail: who viewed or changed a person's record, and when (README: Audit trail).

Three sources, read together and never copied into one another:
- `audit_event`: views made online: a person-scoped page shown (`via` "html") and a person's
  records sent to a phone by the sync pull (`via` "sync"). A page fetched by the service worker's
  background refresh (header `X-Fieldapp-Refresh: 1`) is not a view and is not recorded.
- `view`: views made offline. The phone queues a `view` mutation (create-only) when it shows a
  cached person page, and uploads it at the next sync; the engine stores it like any record.
- `sync_history`: every change, with who made it, from which device, and when it was stored.
"""

import json

from marshmallow import Schema, ValidationError, fields, validate, validates

import sync

from . import accounts
from .timeutil import now_iso

REFRESH_HEADER = "X-Fieldapp-Refresh"
PER_PAGE = 50


def is_background_refresh(headers) -> bool:
    """True for the service worker's background refresh of a cached page (not a view)."""
    return headers.get(REFRESH_HEADER) == "1"


def record_view(db, user, person_id, page, *, via="html", device_id=None, action="view"):
    """Record that `user` viewed a person's record (committed at once)."""
    with db.conn:
        db.execute(
            "INSERT INTO audit_event (at, user_id, person_id, action, detail, device_id, via)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [now_iso(), user.id, person_id, action, page, device_id, via])


def record_sent(db, user, device_id, person_ids):
    """Record that a person's records were sent to a phone by the sync pull."""
    if not person_ids:
        return
    now = now_iso()
    with db.conn:
        db.conn.executemany(
            "INSERT INTO audit_event (at, user_id, person_id, action, detail, device_id, via)"
            " VALUES (?, ?, ?, 'sent_to_phone', NULL, ?, 'sync')",
            [(now, user.id, person_id, device_id) for person_id in sorted(person_ids)])


# ----------------------------------------------------------------------------- record type
class ViewSchema(Schema):
    """A view of a person's cached page made offline, uploaded at the next sync."""

    person_id = fields.String(required=True, error_messages={"required": "Say whose page was viewed"})
    viewed_at = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              error_messages={"required": "Say when the page was viewed"})
    page = fields.String(allow_none=True, validate=validate.Length(max=300))

    @validates("person_id")
    def _uuid(self, value, data_key):
        if not accounts.is_device_id(value):
            raise ValidationError("Say whose page was viewed")


def view_type() -> sync.RecordType:
    """The `view` record type: create-only, never sent back to phones (access.NEVER_PULLED).

    Any signed-in reader may upload their own views of any existing person: a view made offline
    while the person was in their scope must not be refused because a share has since ended, and
    recording one's own view discloses nothing. The viewer is the actor, never a field."""

    def authorize(db, actor, op, scope, fields_, current):
        if getattr(actor, "role", None) not in accounts.READER_ROLES:
            raise sync.Refusal("Your account does not view casework")
        if op != "create":
            raise sync.Refusal("A record of a view cannot be changed or removed")

    def derive(db, actor, op, fields_, current):
        return {"user_id": actor.id, "received_at": now_iso()}

    return sync.RecordType(name="view", table="view", schema=ViewSchema, append_only=True,
                           scope_field="person_id", references={"person_id": "person"},
                           authorize=authorize, derive=derive)


# ----------------------------------------------------------------------------- reading
_EVENTS = """
    SELECT a.at AS at, a.user_id AS user_id, a.person_id AS person_id, a.action AS action,
           a.detail AS detail, a.device_id AS device_id, a.via AS via, NULL AS phone_time,
           NULL AS type, NULL AS record_id, NULL AS version
    FROM audit_event a WHERE {event_where}
    UNION ALL
    SELECT v.received_at, v.user_id, v.person_id, 'view', v.page,
           (SELECT h.device_id FROM sync_history h WHERE h.type = 'view' AND h.record_id = v.id
            AND h.version = 1), 'offline', v.viewed_at, NULL, NULL, NULL
    FROM view v WHERE v.deleted = 0 AND {view_where}
    UNION ALL
    SELECT h.stored_at, h.actor_id,
           (SELECT c.scope FROM sync_change c WHERE c.type = h.type AND c.record_id = h.record_id
            AND c.version = h.version ORDER BY c.seq DESC LIMIT 1),
           'change', h.op, h.device_id, 'sync', h.recorded_at, h.type, h.record_id, h.version
    FROM sync_history h WHERE h.type != 'view' AND {change_where}
"""


def _query(person_id=None, user_id=None):
    if person_id is not None:
        sql = _EVENTS.format(
            event_where="a.person_id = ?", view_where="v.person_id = ?",
            change_where="EXISTS (SELECT 1 FROM sync_change c WHERE c.type = h.type AND"
                         " c.record_id = h.record_id AND c.version = h.version AND c.scope = ?)")
        return sql, [person_id, person_id, person_id]
    sql = _EVENTS.format(event_where="a.user_id = ?", view_where="v.user_id = ?",
                         change_where="h.actor_id = ?")
    return sql, [user_id, user_id, user_id]


def trail(db, *, person_id=None, user_id=None, page=1, per_page=PER_PAGE):
    """One page of the audit trail of a person or of a user, newest first:
    {"events", "page", "pages", "total"}. Each event names who, whose record, what and when;
    a change lists the names of the fields it changed (never their values)."""
    sql, params = _query(person_id, user_id)
    total = db.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()[0]
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    cursor = db.execute(f"SELECT * FROM ({sql}) ORDER BY at DESC LIMIT ? OFFSET ?",
                        [*params, per_page, (page - 1) * per_page])
    names = [d[0] for d in cursor.description]
    events = [dict(zip(names, row)) for row in cursor.fetchall()]
    _add_names(db, events)
    for event in events:
        if event["action"] == "change":
            event["fields_changed"] = _fields_changed(db, event)
    return {"events": events, "page": page, "pages": pages, "total": total}


def _add_names(db, events):
    users = {row["id"]: row["display_name"] or row["username"] for row in
             db.query("SELECT id, display_name, username FROM user")}
    person_ids = sorted({e["person_id"] for e in events if e["person_id"]})
    people = {}
    if person_ids:
        marks = ",".join("?" * len(person_ids))
        people = {row["id"]: row["display_name"] for row in
                  db.query(f"SELECT id, display_name FROM person WHERE id IN ({marks})", person_ids)}
    for event in events:
        event["user_name"] = users.get(event["user_id"], "unknown")
        event["person_name"] = people.get(event["person_id"], "unknown")


def _fields_changed(db, event):
    """The names of the fields a stored version changed from the one before it."""
    rows = db.execute(
        "SELECT version, fields FROM sync_history WHERE type = ? AND record_id = ?"
        " AND version IN (?, ?)", [event["type"], event["record_id"], event["version"] - 1,
                                   event["version"]]).fetchall()
    by_version = {version: json.loads(text) for version, text in rows}
    now, before = by_version.get(event["version"], {}), by_version.get(event["version"] - 1, {})
    return sorted(k for k in set(now) | set(before) if now.get(k) != before.get(k))
