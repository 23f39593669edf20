"""How long people's records are kept, on phones and on the server (README: What a phone holds,
and for how long).

- A person whose support closed more than `PHONE_CLOSED_DAYS` ago leaves every phone at its next
  sync (the engine's pull is given `access.phone_scopes` as of `access.phone_cutoff`, and the caseload page, which phones
  keep, leaves them out); the server keeps them, and coordinators still reach them online.
- One closed more than `RETENTION_YEARS` ago is erased from the server by
  `fieldapp apply-retention` (a dry run unless `--apply`): every record about them, every version
  of those records and their conflicts (`sync.Engine.erase_scope`). The audit trail keeps its rows
  (who saw which person id when: no one's details), and the erasure itself is audited.
"""

from datetime import timedelta

from .. import audit
from ..timeutil import now_iso


def erasure_cutoff(app_config):
    """The timestamp before which a closed person is past retention (`RETENTION_YEARS`, counted
    as 365-day years: a day early at most, never late)."""
    return now_iso(-timedelta(days=365 * app_config["RETENTION_YEARS"]))


def due_for_erasure(db, app_config):
    """The ids of people whose support closed before the retention cutoff, oldest closure first."""
    return [row["id"] for row in db.query(
        "SELECT id FROM person WHERE status = 'closed' AND closed_at < ? ORDER BY closed_at",
        [erasure_cutoff(app_config)])]


def apply_retention(db, app_config, engine, *, apply=False):
    """Erase (with `apply`) or only count (the default, a dry run) the records of every person past
    retention. Returns {"people": n, "records": {type: n}}; a real run is in the audit trail as one
    `retention_applied` event with those counts and no one's name."""
    people = due_for_erasure(db, app_config)
    records = {}
    for person_id in people:
        counts = engine.erase_scope(person_id) if apply else engine.scope_counts(person_id)
        for type_name, n in counts.items():
            records[type_name] = records.get(type_name, 0) + n
    result = {"people": len(people), "records": records}
    if apply:
        detail = ", ".join([f"{len(people)} people"] + [f"{n} {t}" for t, n in sorted(records.items())])
        audit.record_account_event(db, "retention_applied", actor_id=None, subject_id=None,
                                   detail=detail, via="cli")
    return result
