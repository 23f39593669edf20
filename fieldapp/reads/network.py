"""The area's trusted person network, for the coordinator's network page and the programme's
measures (trusted persons, trusted person coordinators, people supported by a trusted person).
Plain functions over the database; every person query goes through access.person_filter.
"""

from .. import users
from ..rules import access
from ..rules.assignment import OPEN_PEOPLE

WORKER_ROLES = users.WORKER_ROLES


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
        f" WHERE {condition} AND {OPEN_PEOPLE} ORDER BY p.display_name", params))
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
