"""Reading the audit trail: who viewed or changed a person's record, and when (README: Audit trail).

Three sources, read together and never copied into one another:
- `audit_event`: views made online (fieldapp/audit.py writes them);
- `view`: views made offline, uploaded as `view` records (fieldapp/records/view.py);
- the sync engine's history: every change, with who made it, from which device, when it was stored.
A change lists the names of the fields it changed, never their values: an admin sees no casework.
"""

import json

PER_PAGE = 50
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


def person_name(db, person_id):
    """The name of the person whose trail an admin asked for (any person, deleted too: the trail
    outlives the record), or None if there never was one."""
    row = db.execute("SELECT display_name FROM person WHERE id = ?", [person_id]).fetchone()
    return row[0] if row else None


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
