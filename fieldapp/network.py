"""The trusted person network and assignments: plain functions behind the coordinator's tools.

Every change to a person goes through the sync engine, as a phone's would: `push_person_update`
makes a fresh `person` update mutation and pushes it server-side for the coordinator, from the
device their login session is bound to. So versions, history, conflicts and the change log stay
as for any other edit, and the coordinator's own phone receives the change on its next pull.
The caseload cap (`CASELOAD_CAP`) is a warning, never a refusal.
"""

import uuid

from . import access, accounts, caseload
from .casework import make_engine, new_id, record_types
from .timeutil import now_iso

WORKER_ROLES = tuple(r for r in accounts.CASEWORK_ROLES if r != "coordinator")


class CoordinationError(ValueError):
    """A coordinator's action the rules refuse; `errors` maps field names to messages."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = dict(errors or {"_action": [message]})


def _device_id(actor):
    """The device the actor's login session is bound to; for an actor with no session (a script,
    a test) a stable id of their own, so their server-side changes are still attributable."""
    return actor.device_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"fieldapp-server/{actor.id}"))


def person_accepts(app_config, field_name) -> bool:
    """True if the `person` record type's schema has this field (e.g. `team`)."""
    return field_name in record_types(app_config).get("person").schema().fields


def push_person_update(db, app_config, actor, person_id, fields) -> dict:
    """Change a person's fields through the sync engine, as of their current version.

    Returns the engine's result (`applied` or `conflict`); raises CoordinationError with the
    engine's field messages if it is rejected.
    """
    current = db["person"].get(person_id)
    mutation = {"id": new_id(), "type": "person", "op": "update", "record_id": person_id,
                "base_version": current["version"], "recorded_at": now_iso(), "fields": fields}
    [result] = make_engine(db, app_config).push(actor, _device_id(actor), [mutation])
    if result["status"] not in ("applied", "conflict"):
        errors = result["errors"] or {"_action": ["The change was not accepted"]}
        raise CoordinationError(next(iter(errors.values()))[0], errors)
    return result


# --------------------------------------------------------------------------- caseloads
def _open_people(db, alias="p"):
    """SQL (starting with AND) leaving out closed people, if the person table has a status."""
    if "status" in db["person"].columns_dict:
        return f" AND COALESCE({alias}.status, '') != 'closed'"
    return ""


def caseload_count(db, worker_id, excluding=None) -> int:
    """People (not deleted, not closed) whose trusted person is this worker, leaving out
    `excluding` (the person about to be assigned)."""
    sql = (f"SELECT COUNT(*) FROM person p WHERE p.deleted = 0 AND p.trusted_person_id = ?"
           f"{_open_people(db)} AND p.id != ?")
    return db.execute(sql, [worker_id, excluding or ""]).fetchone()[0]


def cap_warning(db, worker_id, cap, person_id=None) -> str | None:
    """The warning to show before making this worker someone's trusted person, or None:
    "Sam already has 15 people; the programme's cap is 15"."""
    worker = accounts.get_user(db, worker_id)
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
    for row in caseload.trusted_person_choices(db, area):
        count = caseload_count(db, row["id"])
        choices.append({**row, "count": count, "at_cap": count >= cap})
    return choices


def team_choices(db, area) -> list[str]:
    """The teams of the active workers in `area`."""
    rows = db.execute("SELECT DISTINCT team FROM user WHERE active = 1 AND area = ? AND team IS NOT"
                      " NULL AND team != '' ORDER BY team", [area]).fetchall()
    return [row[0] for row in rows]


def assign(db, app_config, coordinator, person_id, *, trusted_person_id=None, team=None) -> dict:
    """Make `trusted_person_id` (None: nobody) the person's trusted person and, if given and the
    person record accepts it, `team` their team. Only what differs is sent.

    Returns {"changed": [field names], "result": engine result or None}. The caller has checked
    that the coordinator may see the person; the choices are checked here against the area's.
    """
    current = db["person"].get(person_id)
    area = coordinator.area
    fields = {}
    if trusted_person_id is not None and trusted_person_id not in {
            c["id"] for c in caseload.trusted_person_choices(db, area)}:
        raise CoordinationError("Choose a trusted person from the list",
                                {"trusted_person_id": ["Choose a trusted person from the list"]})
    if trusted_person_id != current["trusted_person_id"]:
        fields["trusted_person_id"] = trusted_person_id
    if team is not None and team != current["team"]:
        if team not in team_choices(db, area):
            raise CoordinationError("Choose a team from the list", {"team": ["Choose a team from the list"]})
        if not person_accepts(app_config, "team"):
            raise CoordinationError("This server cannot change a person's team yet",
                                    {"team": ["This server cannot change a person's team yet"]})
        fields["team"] = team
    if not fields:
        return {"changed": [], "result": None}
    return {"changed": sorted(fields),
            "result": push_person_update(db, app_config, coordinator, person_id, fields)}


# --------------------------------------------------------------------------- the network
def network(db, coordinator, cap) -> dict:
    """The area's trusted person network, for the programme's measures.

    Returns {"trusted_persons": [worker with "people", "count", "over_cap", "active"],
    "coordinators": [...], "unassigned": [people with no active trusted person],
    "counts": {"trusted_persons", "coordinators", "people_supported", "unassigned"}}.
    A trusted person is an active worker with the trusted person role or at least one person
    assigned; people whose trusted person's account is closed are listed as unassigned (and under
    that worker, flagged), so that nobody drops out of sight.
    """
    condition, params = access.person_filter(coordinator, alias="p")
    people = list(db.query(
        f"SELECT p.id, p.display_name, p.district, p.team, p.trusted_person_id FROM person p"
        f" WHERE {condition}{_open_people(db)} ORDER BY p.display_name", params))
    by_worker = {}
    for person in people:
        if person["trusted_person_id"] is not None:
            by_worker.setdefault(person["trusted_person_id"], []).append(person)
    marks = ",".join("?" * len(WORKER_ROLES))
    workers = {row["id"]: row for row in db.query(
        f"SELECT id, COALESCE(display_name, username) AS name, role, team, active FROM user"
        f" WHERE (area = ? AND active = 1 AND role IN ({marks})) OR id IN"
        f" ({','.join('?' * len(by_worker)) or 'NULL'}) ORDER BY name",
        [coordinator.area, *WORKER_ROLES, *by_worker])}
    trusted = []
    for worker in workers.values():
        assigned = by_worker.get(worker["id"], [])
        if worker["role"] != "trusted_person" and not assigned:
            continue
        trusted.append({**worker, "active": bool(worker["active"]), "people": assigned,
                        "count": len(assigned), "over_cap": len(assigned) > cap})
    active_ids = {w["id"] for w in trusted if w["active"]}
    unassigned = [p for p in people if p["trusted_person_id"] not in active_ids]
    coordinators = list(db.query(
        "SELECT id, COALESCE(display_name, username) AS name, team FROM user WHERE active = 1"
        " AND role = 'coordinator' AND area = ? ORDER BY name", [coordinator.area]))
    return {
        "trusted_persons": trusted,
        "coordinators": coordinators,
        "unassigned": unassigned,
        "counts": {"trusted_persons": len(active_ids), "coordinators": len(coordinators),
                   "people_supported": len(people) - len(unassigned),
                   "unassigned": len(unassigned)},
    }
