"""Safeguarding concerns and the lead's decision (README: Safeguarding): who is told, the lead's
list, the decision made through the sync engine, the outcome back to the raiser, and concerns
whose decision is overdue escalated to the area's coordinators (by `fieldapp run-escalations`).
"""

from datetime import datetime, timezone

from ..db import immediate, open_db
from ..notify import push
from ..records import make_engine, new_id, server_device_id
from ..records.safeguarding import ABOUT, DECISIONS, is_lead
from ..rules import access
from ..timeutil import now_iso, parse_timestamp, timestamp
from . import CoordinationError
from .working_days import add_working_days

ABOUT_LABELS, DECISION_LABELS = dict(ABOUT), dict(DECISIONS)


def leads(db, area) -> set[int]:
    """Active designated safeguarding leads of the area."""
    return {row[0] for row in db.execute(
        "SELECT id FROM user WHERE safeguarding_lead = 1 AND active = 1 AND area = ?", [area])}


def set_lead(db, user_id, on=True) -> None:
    """Make a user a designated safeguarding lead (or not)."""
    with db.atomic():
        db.execute("UPDATE user SET safeguarding_lead = ? WHERE id = ?", [1 if on else 0, user_id])


def _with_decision(db, rows):
    found = []
    for row in rows:
        decision = db.execute(
            "SELECT d.decision, d.reasons, d.decided_at, COALESCE(u.display_name, u.username)"
            " FROM safeguarding_decision d LEFT JOIN user u ON u.id = d.decided_by"
            " WHERE d.concern_id = ? AND d.deleted = 0", [row["id"]]).fetchone()
        found.append({**row, "about_label": ABOUT_LABELS.get(row["about"], row["about"]),
                      "decision": DECISION_LABELS.get(decision[0]) if decision else None,
                      "reasons": decision[1] if decision else None,
                      "decided_at": decision[2] if decision else None,
                      "decided_by_name": decision[3] if decision else None})
    return found


def concerns_for_person(db, user, person_id) -> list[dict]:
    """A person's concerns with their outcomes, newest first, for a user who may read them."""
    if not access.can_see_record_type(user, "safeguarding_concern"):
        return []
    return _with_decision(db, db.query(
        "SELECT c.*, COALESCE(u.display_name, u.username) AS raised_by_name"
        " FROM safeguarding_concern c LEFT JOIN user u ON u.id = c.raised_by"
        " WHERE c.person_id = ? AND c.deleted = 0 ORDER BY c.raised_at DESC", [person_id]))


def for_lead(db, lead) -> list[dict]:
    """The concerns of the lead's area, those awaiting a decision first, with the person's name."""
    if not is_lead(db, lead.id):
        return []
    return area_concerns(db, lead.area)


def area_concerns(db, area) -> list[dict]:
    """The area's latest 200 concerns, those awaiting a decision first (a lead decides them; the
    area's coordinators see them, to chase the overdue)."""
    rows = _with_decision(db, db.query(
        "SELECT c.*, p.display_name AS person_name, COALESCE(u.display_name, u.username)"
        " AS raised_by_name FROM safeguarding_concern c JOIN person p ON p.id = c.person_id"
        " LEFT JOIN user u ON u.id = c.raised_by WHERE c.area = ? AND c.deleted = 0"
        " ORDER BY c.raised_at DESC LIMIT 200", [area]))
    return sorted(rows, key=lambda r: r["decision"] is not None)


def decide(db, app_config, lead, concern_id, form) -> None:
    """Record the lead's decision through the sync engine (so the raiser's phone receives it) and
    tell the raiser. Raises CoordinationError with field messages when refused."""
    concern = db.execute("SELECT person_id, raised_by FROM safeguarding_concern WHERE id = ?",
                         [concern_id]).fetchone()
    if concern is None:
        raise CoordinationError("No such concern")
    fields = {"person_id": concern[0], "concern_id": concern_id,
              "decision": form.get("decision") or None, "reasons": (form.get("reasons") or "").strip()
              or None}
    mutation = {"id": new_id(), "type": "safeguarding_decision", "op": "create",
                "record_id": new_id(), "base_version": None, "recorded_at": now_iso(),
                "fields": {k: v for k, v in fields.items() if v is not None}}
    engine = make_engine(db, app_config)
    engine.lock_timeout = None
    [result] = engine.push(lead, server_device_id(lead), [mutation])
    if result["status"] != "applied":
        errors = result.get("errors") or {"_mutation": ["The decision could not be stored"]}
        raise CoordinationError("Some answers need attention", errors)
    if concern[1] and concern[1] != lead.id:
        # The caseload, not the person's page: not even an id of anyone goes in a push.
        push.notify_later(open_db, app_config, {concern[1]}, "safeguarding_outcome")


def after_concerns(db, app_config, person_ids) -> set[int]:
    """New concerns reached the server: tell the leads of each person's area at once."""
    told = set()
    for person_id in person_ids:
        row = db.execute("SELECT area FROM person WHERE id = ?", [person_id]).fetchone()
        if row:
            told |= leads(db, row[0])
    return told


def decision_due(app_config, raised_at: str) -> datetime:
    """When a concern that reached the server at `raised_at` must have its lead's decision:
    SAFEGUARDING_DECISION_WORKING_DAYS working days later (rules/working_days.py: weekends and
    bank holidays skipped)."""
    return add_working_days(app_config, parse_timestamp(raised_at),
                            app_config["SAFEGUARDING_DECISION_WORKING_DAYS"])


def _undecided_past_due(db, app_config, now, where="", params=()) -> list[dict]:
    """Concerns with no decision whose decision time has come by `now` (oldest first)."""
    rows = db.query(
        "SELECT c.id, c.area, c.raised_at FROM safeguarding_concern c WHERE c.deleted = 0"
        " AND c.raised_at <= ? AND NOT EXISTS (SELECT 1 FROM safeguarding_decision d WHERE"
        f" d.concern_id = c.id AND d.deleted = 0){where} ORDER BY c.raised_at",
        [timestamp(now), *params])
    return [row for row in rows if decision_due(app_config, row["raised_at"]) <= now]


def escalate_overdue(db, app_config, now=None) -> int:
    """Concerns with no decision by their decision time (`decision_due`): each told once to the
    area's coordinators (one row per concern, taken in BEGIN IMMEDIATE, so two runners tell
    once). Returns how many were escalated."""
    now = now or datetime.now(timezone.utc)
    with immediate(db):
        rows = _undecided_past_due(db, app_config, now, " AND NOT EXISTS (SELECT 1 FROM"
                                   " safeguarding_escalation e WHERE e.concern_id = c.id)")
        for row in rows:
            db.execute("INSERT INTO safeguarding_escalation (concern_id, escalated_at) VALUES (?, ?)",
                       [row["id"], timestamp(now)])
    for row in rows:
        coordinators = {r[0] for r in db.execute(
            "SELECT id FROM user WHERE role = 'coordinator' AND active = 1 AND area = ?", [row["area"]])}
        push.notify(db, app_config, coordinators, "safeguarding_overdue", url="/safeguarding")
        with immediate(db):
            db.execute("UPDATE safeguarding_escalation SET sent_at = ? WHERE concern_id = ?",
                       [timestamp(now), row["id"]])
    return len(rows)


def overdue(db, app_config, area, now=None) -> list[str]:
    """Ids of the area's concerns past their decision time with no decision."""
    now = now or datetime.now(timezone.utc)
    return [row["id"] for row in _undecided_past_due(db, app_config, now, " AND c.area = ?", [area])]
