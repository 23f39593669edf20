"""Assigning a person's trusted person (and team): the rules behind the coordinator's "Assign".

Every change goes through the sync engine, as a phone's would (`records.push_update`, as the
coordinator's session device), so versions, history, conflicts and the change log stay as for any
other edit, and the coordinator's own phone receives the change on its next pull. The caseload cap
(`CASELOAD_CAP`) is a warning, never a refusal.
"""

from .. import users
from ..records import push_update
from . import CoordinationError

# People still supported: not deleted and not closed.
OPEN_PEOPLE = "p.deleted = 0 AND COALESCE(p.status, '') != 'closed'"


def caseload_count(db, worker_id, excluding=None) -> int:
    """People (not deleted, not closed) whose trusted person is this worker, leaving out
    `excluding` (the person about to be assigned)."""
    sql = f"SELECT COUNT(*) FROM person p WHERE {OPEN_PEOPLE} AND p.trusted_person_id = ? AND p.id != ?"
    return db.execute(sql, [worker_id, excluding or ""]).fetchone()[0]


def cap_warning(db, worker_id, cap, person_id=None) -> str | None:
    """The warning to show before making this worker someone's trusted person, or None:
    "Sam already has 15 people; the programme's cap is 15"."""
    worker = users.get_user(db, worker_id)
    if worker is None:
        return None
    count = caseload_count(db, worker_id, excluding=person_id)
    if count < cap:
        return None
    name = worker["display_name"] or worker["username"]
    noun = "person" if count == 1 else "people"
    return f"{name} already has {count} {noun}; the programme's cap is {cap}"


def worker_choices(db, area, cap) -> list[dict]:
    """Who a coordinator may choose as trusted person in `area`, each with their caseload count."""
    choices = []
    for row in users.trusted_person_choices(db, area):
        count = caseload_count(db, row["id"])
        choices.append({**row, "count": count, "at_cap": count >= cap})
    return choices


def push_person_update(db, app_config, actor, person_id, fields) -> dict:
    """Change a person's fields through the sync engine; the engine's result (`applied` or
    `conflict`). Raises CoordinationError with the engine's field messages if it is rejected."""
    result = push_update(db, app_config, actor, "person", person_id, fields)
    if result["status"] not in ("applied", "conflict"):
        errors = result["errors"] or {"_action": ["The change was not accepted"]}
        raise CoordinationError(next(iter(errors.values()))[0], errors)
    return result


def assign(db, app_config, coordinator, person_id, *, trusted_person_id=None, team=None) -> dict:
    """Make `trusted_person_id` (None: nobody) the person's trusted person and, if given, `team`
    their team. Only what differs is sent.

    Returns {"changed": [field names], "result": engine result or None}. The caller has checked
    that the coordinator may see the person; the choices are checked here against the area's.
    """
    current = db["person"].get(person_id)
    area = coordinator.area
    fields = {}
    if trusted_person_id is not None and trusted_person_id not in {
            c["id"] for c in users.trusted_person_choices(db, area)}:
        raise CoordinationError("Choose a trusted person from the list",
                                {"trusted_person_id": ["Choose a trusted person from the list"]})
    if trusted_person_id != current["trusted_person_id"]:
        fields["trusted_person_id"] = trusted_person_id
    if team is not None and team != current["team"]:
        if team not in users.team_choices(db, area):
            raise CoordinationError("Choose a team from the list", {"team": ["Choose a team from the list"]})
        fields["team"] = team
    if not fields:
        return {"changed": [], "result": None}
    return {"changed": sorted(fields),
            "result": push_person_update(db, app_config, coordinator, person_id, fields)}
