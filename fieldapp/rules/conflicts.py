"""Conflicts on a person's details: who is involved, who may resolve them, and how.

Two offline edits of one field to different values keep the server's value and record a conflict
(the sync engine does that: sync/engine.py). Here: reading the open ones for a page, who the
parties are (who entered the value not kept, and who set the value kept), "Keep this" (an online
action), and the counts the caseload shows. "Use the other value" is an ordinary person update;
the engine resolves the conflict in the same transaction that applies that value.
"""

import json

from ..timeutil import now_iso
from . import access


def conflict_parties(db, conflict):
    """The user ids involved in a conflict: who entered the value not kept, and who set the value
    the server kept (from the record's version history)."""
    involved = {conflict["actor_id"]}
    rows = db.execute(
        "SELECT version, fields, actor_id FROM sync_history WHERE type = ? AND record_id = ?"
        " AND stored_at <= ? ORDER BY version", [conflict["type"], conflict["record_id"],
                                                 conflict["created_at"]]).fetchall()
    kept = conflict["server_value"]
    setter, previous = None, object()
    for _version, fields_json, actor_id in rows:
        value = json.loads(fields_json).get(conflict["field"])
        if value != previous and value == kept:
            setter = actor_id
        previous = value
    if setter is not None:
        involved.add(setter)
    return involved


def open_conflicts(db, user, person_id):
    """Unresolved conflicts on a person's records, each with `actor_name`, `parties` and
    `can_resolve` (for `user`). The caller has checked that `user` may see the person."""
    rows = db.query(
        """SELECT k.*, COALESCE(u.display_name, u.username) AS actor_name
           FROM sync_conflict k LEFT JOIN user u ON u.id = k.actor_id
           WHERE k.scope = ? AND k.resolved_at IS NULL ORDER BY k.id""",
        [person_id],
    )
    conflicts = [{**row, "server_value": json.loads(row["server_value"]),
                  "incoming_value": json.loads(row["incoming_value"])} for row in rows]
    for conflict in conflicts:
        conflict["parties"] = conflict_parties(db, conflict)
        conflict["can_resolve"] = access.can_resolve_conflict(user, conflict["parties"])
    return conflicts


def conflict_counts(db, person_ids):
    """Open conflicts per person id, for these people (callers check access)."""
    if not person_ids:
        return {}
    marks = ",".join("?" * len(person_ids))
    return {scope: count for scope, count in db.execute(
        f"SELECT scope, COUNT(*) FROM sync_conflict WHERE resolved_at IS NULL AND scope IN ({marks})"
        " GROUP BY scope", list(person_ids)).fetchall()}


def keep_server_value(db, user, person_id, conflict_id):
    """Resolve a conflict by keeping the value on the server ("Keep this"). Returns False if there
    is no such open conflict or `user` may not resolve it. An online action: it needs the
    server's current view of the conflict."""
    with db.conn:
        rows = list(db.query("SELECT * FROM sync_conflict WHERE id = ? AND scope = ?"
                             " AND resolved_at IS NULL", [conflict_id, person_id]))
        if not rows:
            return False
        conflict = {**rows[0], "server_value": json.loads(rows[0]["server_value"])}
        if not access.can_resolve_conflict(user, conflict_parties(db, conflict)):
            return False
        db.execute("UPDATE sync_conflict SET resolved_at = ?, resolved_by = ? WHERE id = ?",
                   [now_iso(), user.id, conflict_id])
    return True
