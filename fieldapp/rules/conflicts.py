"""Conflicts on a person's details: who is involved, who may resolve them, and how.

Two offline edits of one field to different values keep the server's value and record a conflict
(the sync engine does that: sync/engine.py and sync/conflicts.py). Here: the open ones for a page,
who the parties are (who entered the value not kept, and who set the value kept), "Keep this" (an
online action), and the counts the caseload shows, all through the engine's methods: its tables
are its own. "Use the other value" is an ordinary person update; the engine resolves the conflict
in the same transaction that applies that value.
"""

from .. import users
from . import access


def conflict_parties(engine, conflict) -> set:
    """The user ids involved in a conflict: who entered the value not kept, and who set the value
    the server kept (from the record's version history up to the conflict)."""
    involved = {conflict["actor_id"]}
    kept = conflict["server_value"]
    setter, previous = None, object()
    for version in engine.history(conflict["type"], conflict["record_id"]):
        if version["stored_at"] > conflict["created_at"]:
            break
        value = version["fields"].get(conflict["field"])
        if value != previous and value == kept:
            setter = version["actor_id"]
        previous = value
    if setter is not None:
        involved.add(setter)
    return involved


def open_conflicts(engine, user, person_id) -> list[dict]:
    """Unresolved conflicts on a person's records, oldest first, each with `actor_name` (who
    entered the value not kept), `parties` and `can_resolve` (for `user`). The caller has checked
    that `user` may see the person."""
    conflicts = engine.conflicts([person_id])
    for conflict in conflicts:
        actor = users.get_user(engine.db, conflict["actor_id"])
        conflict["actor_name"] = (actor["display_name"] or actor["username"]) if actor else None
        conflict["parties"] = conflict_parties(engine, conflict)
        conflict["can_resolve"] = access.can_resolve_conflict(user, conflict["parties"])
    return conflicts


def conflict_counts(engine, person_ids) -> dict:
    """Open conflicts per person id, for these people (callers check access)."""
    return engine.open_conflict_counts(person_ids)


def keep_server_value(engine, user, person_id, conflict_id) -> bool:
    """Resolve a conflict by keeping the value on the server ("Keep this"). Returns False if there
    is no such open conflict of this person or `user` may not resolve it. An online action: it
    needs the server's current view of the conflict."""
    conflict = engine.conflict(conflict_id)
    if conflict is None or conflict["scope"] != person_id or conflict["resolved_at"] is not None:
        return False
    if not access.can_resolve_conflict(user, conflict_parties(engine, conflict)):
        return False
    return engine.resolve_conflict(conflict_id, user.id)
