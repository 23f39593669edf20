"""Removing a person's record registered in error, and restoring it: coordinators only.

A removal is a delete through the sync engine: a soft delete (the record and every version stay
in the history, and in the audit trail as a change), after which nobody sees the person and every
phone drops them at its next sync. The coordinator of the person's area can restore it: the same
record, live again at a new version, back on the phones of those who may see them.
"""

from ..records import push_update
from . import CoordinationError, access


def remove_person(db, app_config, coordinator, person_id) -> dict:
    """Remove a person in the coordinator's area (registered in error). Raises LookupError if
    the person is not the coordinator's to see, CoordinationError if the engine refuses."""
    if not access.can_see_person(db, coordinator, person_id):
        raise LookupError("Not a person in your area")
    return _pushed(push_update(db, app_config, coordinator, "person", person_id, None, op="delete"))


def restore_person(db, app_config, coordinator, person_id) -> dict:
    """Restore a removed person of the coordinator's area. Raises LookupError if there is no such
    removed person there, CoordinationError if the engine refuses."""
    row = db.execute("SELECT area, deleted FROM person WHERE id = ?", [person_id]).fetchone()
    if row is None or not row[1] or row[0] != coordinator.area:
        raise LookupError("No removed person of your area")
    return _pushed(push_update(db, app_config, coordinator, "person", person_id, None, op="restore"))


def _pushed(result) -> dict:
    if result["status"] != "applied":
        errors = result["errors"] or {"_action": ["The change was not accepted"]}
        raise CoordinationError(next(iter(errors.values()))[0], errors)
    return result


def removed_people(db, coordinator) -> list[dict]:
    """The removed people of the coordinator's area, by name, for the "Removed records" page (who
    removed them, and when, is in the audit trail)."""
    rows = list(db.query("SELECT id, display_name, district, version FROM person"
                         " WHERE deleted = 1 AND area = ? ORDER BY display_name",
                         [coordinator.area]))
    return rows
