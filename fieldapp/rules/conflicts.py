"""Conflicts on a person's records, as pages show and resolve them.

Two offline edits of one field to different values keep the server's value and record a conflict
(the sync engine does that: sync/engine.py and sync/conflicts.py). Here: the open ones for a page,
"Keep this" (an online action) and the counts the caseload shows, all through the engine's
methods, since its tables are its own. Who may resolve one is rules/access.can_resolve_conflict.
"Use the other value" is an ordinary update; the engine resolves the conflict in the same
transaction that applies that value, if the sender may resolve it.
"""

from .. import users
from . import access


def open_conflicts(engine, user, person_id) -> list[dict]:
    """Unresolved conflicts on a person's records that `user` may read (the same per-type rule as
    the pull: a partner agency worker never sees an assessment's values through a conflict),
    oldest first, each with `actor_name` (who entered the value not kept) and `can_resolve` (for
    `user`). The caller has checked that `user` may see the person."""
    conflicts = [conflict for conflict in engine.conflicts([person_id])
                 if access.can_see_record_type(user, conflict["type"])]
    for conflict in conflicts:
        actor = users.get_user(engine.db, conflict["actor_id"])
        conflict["actor_name"] = (actor["display_name"] or actor["username"]) if actor else None
        conflict["can_resolve"] = access.can_resolve_conflict(engine, user, conflict)
    return conflicts


def conflict_counts(engine, user, person_ids) -> dict:
    """Open conflicts per person id that `user` may read, for these people (callers check that
    `user` may see them)."""
    # Only editable types merge field by field, and so conflict.
    editable = [record_type.name for record_type in engine.registry if not record_type.append_only]
    if all(access.can_see_record_type(user, name) for name in editable):
        return engine.open_conflict_counts(person_ids)
    counts = {}
    for conflict in engine.conflicts(list(person_ids)):
        if access.can_see_record_type(user, conflict["type"]):
            counts[conflict["scope"]] = counts.get(conflict["scope"], 0) + 1
    return counts


def keep_server_value(engine, user, person_id, conflict_id) -> bool:
    """Resolve a conflict by keeping the value on the server ("Keep this"). Returns False if there
    is no such open conflict of this person or `user` may not resolve it. An online action: it
    needs the server's current view of the conflict."""
    conflict = engine.conflict(conflict_id)
    if conflict is None or conflict["scope"] != person_id or conflict["resolved_at"] is not None:
        return False
    if not access.can_resolve_conflict(engine, user, conflict):
        return False
    return engine.resolve_conflict(conflict_id, user.id)
