"""How long people's records are kept, on phones and on the server (README: What a phone holds,
and for how long).

- A person whose support closed more than `PHONE_CLOSED_DAYS` ago leaves every phone at its next
  sync (the engine's pull is given `access.phone_scopes` as of `access.phone_cutoff`, and the caseload page, which phones
  keep, leaves them out); the server keeps them, and coordinators still reach them online.
- One closed more than `RETENTION_YEARS` ago is erased from the server by
  `fieldapp apply-retention` (a dry run unless `--apply`): every record about them, every version
  of those records and their conflicts (`sync.Engine.erase_scope`). The audit trail keeps its rows
  (who saw which person id when: no one's details), and the erasure itself is audited.
- Lone working is not about a person, so it has its own period: a visit, its check-ins (through
  the engine: the visit's id is their sync scope), its escalations, their alerts and its
  reminders are erased once `VISIT_RETENTION_DAYS` have passed since the server last heard of it
  (the latest of its arrival, its check-ins and its escalations' raising, acknowledgement and
  closing), and never while one of its escalations is open or acknowledged.
"""

from datetime import timedelta

from .. import audit
from ..db import immediate
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


def visits_due_for_erasure(db, app_config):
    """The ids of visits the server last heard of more than VISIT_RETENTION_DAYS ago, with no
    escalation still open or acknowledged, oldest first."""
    cutoff = now_iso(-timedelta(days=app_config["VISIT_RETENTION_DAYS"]))
    return [row["id"] for row in db.query(
        "SELECT v.id, MAX(v.received_at, COALESCE((SELECT MAX(c.received_at) FROM check_in c"
        " WHERE c.visit_id = v.id), ''), COALESCE((SELECT MAX(MAX(e.raised_at,"
        " COALESCE(e.acknowledged_at, ''), COALESCE(e.ended_at, ''))) FROM escalation e"
        " WHERE e.visit_id = v.id), '')) AS last_heard FROM visit v"
        " WHERE NOT EXISTS (SELECT 1 FROM escalation e WHERE e.visit_id = v.id"
        " AND e.status IN ('open', 'acknowledged')) AND v.received_at IS NOT NULL"
        " GROUP BY v.id HAVING last_heard < ? ORDER BY last_heard", [cutoff])]


def _erase_visit(db, engine, visit_id) -> dict:
    """Erase one visit: its check-ins and itself through the engine, then the server's own
    escalation, alert and reminder rows. The counts erased by kind."""
    counts = engine.erase_scope(visit_id)
    with immediate(db):
        ids = [row[0] for row in db.execute("SELECT id FROM escalation WHERE visit_id = ?",
                                            [visit_id])]
        for escalation_id in ids:
            db.execute("DELETE FROM escalation_alert WHERE escalation_id = ?", [escalation_id])
        db.execute("DELETE FROM escalation WHERE visit_id = ?", [visit_id])
        db.execute("DELETE FROM visit_reminder WHERE visit_id = ?", [visit_id])
    if ids:
        counts["escalation"] = len(ids)
    return counts


def _visit_counts(db, engine, visit_id) -> dict:
    counts = engine.scope_counts(visit_id)
    n = db.execute("SELECT COUNT(*) FROM escalation WHERE visit_id = ?", [visit_id]).fetchone()[0]
    if n:
        counts["escalation"] = n
    return counts


def apply_retention(db, app_config, engine, *, apply=False):
    """Erase (with `apply`) or only count (the default, a dry run) the records of every person past
    retention, and every visit past VISIT_RETENTION_DAYS (`visits_due_for_erasure`). Returns
    {"people": n, "visits": n, "records": {type: n}}; a real run is in the audit trail as one
    `retention_applied` event with those counts and no one's name."""
    people = due_for_erasure(db, app_config)
    visits = visits_due_for_erasure(db, app_config)
    records = {}

    def add(counts):
        for type_name, n in counts.items():
            records[type_name] = records.get(type_name, 0) + n

    for person_id in people:
        add(engine.erase_scope(person_id) if apply else engine.scope_counts(person_id))
    for visit_id in visits:
        add(_erase_visit(db, engine, visit_id) if apply else _visit_counts(db, engine, visit_id))
    result = {"people": len(people), "visits": len(visits), "records": records}
    if apply:
        detail = ", ".join([f"{len(people)} people", f"{len(visits)} visits"]
                           + [f"{n} {t}" for t, n in sorted(records.items())])
        audit.record_account_event(db, "retention_applied", actor_id=None, subject_id=None,
                                   detail=detail, via="cli")
    return result
