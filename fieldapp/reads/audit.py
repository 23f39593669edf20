"""Reading the audit trail: who viewed or changed a person's record, and when (README: Audit trail).

Three sources, read together and never copied into one another:
- `audit_event`: views made online (fieldapp/audit.py writes them);
- `view`: views made offline, uploaded as `view` records (fieldapp/records/view.py);
- the sync engine's change log (`Engine.change_log_sql`, its public read surface): every change,
  with who made it, from which device, and when it was stored.
A change lists the names of the fields it changed, never their values: an admin sees no casework.
All three keep server times in one format, so one ORDER BY over their union is time order.

Account events (`password_reset`, `password_changed`, `login_locked`) are `audit_event` rows with no
person and a `subject_user_id`, the user whose account it was. A user's trail lists them both for
the user who acted and for the user they were about: an administrator's reset of a worker's
password is in the administrator's trail and in the worker's.
"""

PER_PAGE = 50

_EVENTS = """
    SELECT a.at AS at, a.user_id AS user_id, a.person_id AS person_id, a.action AS action,
           a.detail AS detail, a.device_id AS device_id, a.via AS via, NULL AS phone_time,
           NULL AS type, NULL AS record_id, NULL AS version, a.subject_user_id AS subject_user_id
    FROM audit_event a WHERE {event_where}
    UNION ALL
    SELECT v.received_at, v.user_id, v.person_id, 'view', v.page, NULL, 'offline', v.viewed_at,
           'view', v.id, 1, NULL
    FROM view v WHERE v.deleted = 0 AND {view_where}
    UNION ALL
    SELECT log.stored_at, log.actor_id, log.scope, 'change', log.op, log.device_id, 'sync',
           log.recorded_at, log.type, log.record_id, log.version, NULL
    FROM ({change_log}) log
"""


def _query(engine, person_id=None, user_id=None):
    if person_id is not None:
        log, log_params = engine.change_log_sql(scope=person_id, exclude_types=["view"])
        sql = _EVENTS.format(event_where="a.person_id = ?", view_where="v.person_id = ?",
                             change_log=log)
        return sql, [person_id, person_id, *log_params]
    log, log_params = engine.change_log_sql(actor_id=user_id, exclude_types=["view"])
    sql = _EVENTS.format(event_where="(a.user_id = ? OR a.subject_user_id = ?)",
                         view_where="v.user_id = ?", change_log=log)
    return sql, [user_id, user_id, user_id, *log_params]


def person_name(db, person_id):
    """The name of the person whose trail an admin asked for (any person, deleted too: the trail
    outlives the record), or None if there never was one."""
    row = db.execute("SELECT display_name FROM person WHERE id = ?", [person_id]).fetchone()
    return row[0] if row else None


def trail(engine, *, person_id=None, user_id=None, page=1, per_page=PER_PAGE):
    """One page of the audit trail of a person or of a user, newest first:
    {"events", "page", "pages", "total"}. Each event names who, whose record, what and when;
    a change lists the names of the fields it changed (never their values)."""
    db = engine.db
    sql, params = _query(engine, person_id, user_id)
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
            event["fields_changed"] = engine.fields_changed(event["type"], event["record_id"],
                                                            event["version"])
        elif event["via"] == "offline":
            event["device_id"] = engine.device_of("view", event["record_id"])
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
        event["subject_name"] = users.get(event["subject_user_id"], "unknown")
