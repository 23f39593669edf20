"""Lone working: the server's timer on every open visit, and the escalations it raises
(README: Lone working).

The deadline is the server's. Check-ins count in the order the server received them (their
`received_at` and row order), never by the phone's clock:
- a visit's deadline starts as its expected end (or, if that had passed when the visit arrived,
  CHECKIN_SAFE_MINUTES after its arrival);
- "extend" sets it to the new time (or, if that time had passed on arrival, CHECKIN_SAFE_MINUTES
  after the check-in arrived: a late check-in still shows the phone is working now);
- "I'm safe" never shortens it and gives at least CHECKIN_SAFE_MINUTES from its arrival;
- "end" closes the visit; "I need help" raises an escalation at once, at level 2;
- a visit of kind "help" ("I need help" with no visit started) has no deadline: it raises a call
  for help at once, at level 2, and stays watched until a coordinator closes it.
A visit with no check-in by deadline + CHECKIN_GRACE_MINUTES escalates at level 1 (a push to the
buddy and the area's on-call coordinators, or every coordinator of the area when nobody is on
call); unanswered (not acknowledged, not cancelled) ESCALATION_LEVEL2_MINUTES later, level 2 (every
coordinator of the area, and the level-1 people again). A check-in arriving after an overdue
escalation cancels it, with a note; after "I need help" it is noted and a coordinator closes it.

`run_escalations` is idempotent and safe to run twice at once: its decisions are taken inside one
BEGIN IMMEDIATE transaction, an escalation is unique per visit, reason and deadline, and an alert
per escalation and level. Alerts are stored first and sent after the commit; one stored but never
sent (the server stopped between the two) is sent by the next run.
"""

import json
from datetime import datetime, timedelta, timezone

from ..db import immediate
from ..notify import push
from ..timeutil import parse_timestamp, programme_zone, timestamp

# A claimed alert not marked sent this long after is claimed again (its runner died sending).
RECLAIM = timedelta(minutes=2)
KIND_LABELS = {"safe": "I'm safe", "extend": "Extend", "end": "End", "help": "I need help"}
ALERT_KINDS = {0: "checkin_arrived", 1: "checkin_overdue", 2: "checkin_overdue"}


def _minutes(config, name) -> timedelta:
    return timedelta(minutes=config[name])


def check_ins(db, visit_id) -> list[dict]:
    """A visit's check-ins in the order the server received them."""
    return list(db.query("SELECT * FROM check_in WHERE visit_id = ? AND deleted = 0"
                         " ORDER BY received_at, rowid", [visit_id]))


def deadline(config, visit, checkins) -> datetime | None:
    """The time by which the server must hear from the worker, or None once the visit has ended.
    Only server receipt times and the times the worker chose are used (see the module's doc)."""
    if visit.get("kind") == "help":
        return None  # no timer: the call for help was raised on arrival
    safe = _minutes(config, "CHECKIN_SAFE_MINUTES")
    arrived = parse_timestamp(visit["received_at"])
    due = parse_timestamp(visit["expected_end"])
    if due <= arrived:
        due = arrived + safe
    for check_in in checkins:
        received = parse_timestamp(check_in["received_at"])
        if check_in["kind"] == "end":
            return None
        if check_in["kind"] == "extend" and check_in["until"]:
            until = parse_timestamp(check_in["until"])
            due = until if until > received else received + safe
        elif check_in["kind"] == "safe":
            due = max(due, received + safe)
    return due


def last_known(visit, checkins) -> dict:
    """The last place and time the worker entered: the visit's place, or a later check-in's place
    if they gave one, and when the server last heard from them. Never a location track."""
    place, heard = visit["place"], visit["received_at"]
    for check_in in checkins:
        heard = check_in["received_at"]
        if check_in.get("place"):
            place = check_in["place"]
    return {"district": visit["district"], "place": place, "heard_at": heard}


def on_call(db, area, now) -> set[int]:
    """Active users on the area's on-call rota at `now`."""
    stamp = timestamp(now)
    return {row[0] for row in db.execute(
        "SELECT o.user_id FROM on_call o JOIN user u ON u.id = o.user_id WHERE o.area = ?"
        " AND o.removed_at IS NULL AND o.starts_at <= ? AND o.ends_at > ? AND u.active = 1",
        [area, stamp, stamp])}


def coordinators(db, area) -> set[int]:
    """Active coordinators of the area."""
    return {row[0] for row in db.execute(
        "SELECT id FROM user WHERE role = 'coordinator' AND active = 1 AND area = ?", [area])}


def _buddy(db, visit) -> set[int]:
    if not visit["buddy_id"]:
        return set()
    row = db.execute("SELECT active FROM user WHERE id = ?", [visit["buddy_id"]]).fetchone()
    return {visit["buddy_id"]} if row and row[0] else set()


def level_recipients(db, visit, level, now) -> set[int]:
    """Who an escalation's level reaches: level 1 the buddy and whoever is on call (every
    coordinator of the area if nobody is: never nobody); level 2 every coordinator of the area
    and the level-1 people. Never the worker themself."""
    first = _buddy(db, visit) | (on_call(db, visit["area"], now) or coordinators(db, visit["area"]))
    chosen = first if level == 1 else first | coordinators(db, visit["area"])
    chosen.discard(visit["user_id"])
    return chosen


def _alert(db, escalation_id, level, recipients, now) -> None:
    db.execute("INSERT OR IGNORE INTO escalation_alert (escalation_id, level, recipients,"
               " created_at) VALUES (?, ?, ?, ?)",
               [escalation_id, level, json.dumps(sorted(recipients)), timestamp(now)])


def _raise(db, visit, reason, due_at, level, seen, now) -> int | None:
    """Insert an escalation unless this one exists; its id, or None if it did."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO escalation (visit_id, reason, due_at, checkins_seen, level, status,"
        " raised_at, level2_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
        [visit["id"], reason, due_at, seen, level, timestamp(now),
         timestamp(now) if level == 2 else None])
    if cursor.rowcount == 0:
        return None
    escalation_id = cursor.lastrowid
    _alert(db, escalation_id, level, level_recipients(db, visit, level, now), now)
    return escalation_id


def _local(config, stamp) -> str:
    return parse_timestamp(stamp).astimezone(programme_zone(config)).strftime("%H:%M on %d %b")


def _answer(db, config, escalation, checkins, now) -> str | None:
    """A check-in that arrived after the escalation was raised: cancel an overdue one, note it
    on a call for help. Returns what happened, or None."""
    later = checkins[escalation["checkins_seen"]:]
    later = [c for c in later if c["kind"] != "help"]
    if not later:
        return None
    latest = later[-1]
    note = (f"{KIND_LABELS[latest['kind']]} check-in reached the server at "
            f"{_local(config, latest['received_at'])}.")
    if escalation["reason"] == "help":
        db.execute("UPDATE escalation SET note = TRIM(COALESCE(note, '') || ' ' || ?),"
                   " checkins_seen = ? WHERE id = ?", [note, len(checkins), escalation["id"]])
        return "noted"
    db.execute("UPDATE escalation SET status = 'cancelled', ended_at = ?, note = ?,"
               " checkins_seen = ? WHERE id = ?",
               [timestamp(now), "Cancelled: " + note, len(checkins), escalation["id"]])
    told = set()
    for row in db.execute("SELECT recipients FROM escalation_alert WHERE escalation_id = ?"
                          " AND level > 0", [escalation["id"]]):
        told |= set(json.loads(row[0]))
    _alert(db, escalation["id"], 0, told, now)
    return "cancelled"


def _remind(db, config, visit, due, now) -> bool:
    """Within CHECKIN_REMINDER_MINUTES before the deadline (and not past it), one reminder per
    visit and deadline to the worker's phones. True if one was stored now."""
    before = _minutes(config, "CHECKIN_REMINDER_MINUTES")
    if not before or not due - before <= now < due:
        return False
    cursor = db.execute("INSERT OR IGNORE INTO visit_reminder (visit_id, due_at, created_at)"
                        " VALUES (?, ?, ?)", [visit["id"], timestamp(due), timestamp(now)])
    return cursor.rowcount == 1


def send_reminders(db, config, now) -> int:
    """Push the stored reminders not sent yet (claimed in BEGIN IMMEDIATE, so two runners send
    each once); returns how many went."""
    with immediate(db):
        rows = list(db.query(
            "SELECT r.visit_id, r.due_at, v.user_id FROM visit_reminder r JOIN visit v"
            " ON v.id = r.visit_id WHERE r.sent_at IS NULL"))
        for row in rows:
            db.execute("UPDATE visit_reminder SET sent_at = ? WHERE visit_id = ? AND due_at = ?",
                       [timestamp(now), row["visit_id"], row["due_at"]])
    for row in rows:
        push.notify(db, config, {row["user_id"]}, "checkin_reminder", url="/safety")
    return len(rows)


def _visits_to_watch(db, visit_ids):
    """Visits not ended, and visits with an escalation still open (their check-in may answer it).
    A call for help with no visit, once raised, is watched only while its escalation is open."""
    rows = list(db.query(
        "SELECT * FROM visit v WHERE v.deleted = 0 AND ((NOT EXISTS (SELECT 1 FROM check_in c"
        " WHERE c.visit_id = v.id AND c.kind = 'end' AND c.deleted = 0) AND (v.kind != 'help'"
        " OR NOT EXISTS (SELECT 1 FROM escalation e WHERE e.visit_id = v.id))) OR EXISTS"
        " (SELECT 1 FROM escalation e WHERE e.visit_id = v.id AND e.status IN ('open',"
        " 'acknowledged')))"))
    if visit_ids is not None:
        rows = [row for row in rows if row["id"] in set(visit_ids)]
    return rows


def decide(db, config, now, visit_ids=None) -> dict:
    """Phase one of a run, in one BEGIN IMMEDIATE transaction: cancel what check-ins answered,
    raise calls for help, raise overdue visits, and take unanswered ones to level 2."""
    counts = {"reminded": 0, "cancelled": 0, "noted": 0, "help": 0, "level1": 0, "level2": 0}
    grace = _minutes(config, "CHECKIN_GRACE_MINUTES")
    second = _minutes(config, "ESCALATION_LEVEL2_MINUTES")
    with immediate(db):
        for visit in _visits_to_watch(db, visit_ids):
            checkins = check_ins(db, visit["id"])
            for escalation in db.query("SELECT * FROM escalation WHERE visit_id = ? AND status IN"
                                       " ('open', 'acknowledged')", [visit["id"]]):
                outcome = _answer(db, config, escalation, checkins, now)
                if outcome:
                    counts[outcome] += 1
            if visit.get("kind") == "help" and _raise(db, visit, "help", visit["id"], 2, 0, now):
                counts["help"] += 1
            for index, check_in in enumerate(checkins):
                if check_in["kind"] == "help" and _raise(db, visit, "help", check_in["id"], 2,
                                                         index + 1, now):
                    counts["help"] += 1
            due = deadline(config, visit, checkins)
            if due is not None and _remind(db, config, visit, due, now):
                counts["reminded"] += 1
            if due is not None and now >= due + grace and _raise(
                    db, visit, "overdue", timestamp(due), 1, len(checkins), now):
                counts["level1"] += 1
            for escalation in db.query(
                    "SELECT * FROM escalation WHERE visit_id = ? AND status = 'open' AND level = 1",
                    [visit["id"]]):
                if now >= parse_timestamp(escalation["raised_at"]) + second:
                    db.execute("UPDATE escalation SET level = 2, level2_at = ? WHERE id = ?",
                               [timestamp(now), escalation["id"]])
                    _alert(db, escalation["id"], 2, level_recipients(db, visit, 2, now), now)
                    counts["level2"] += 1
    return counts


def send_alerts(db, config, now) -> int:
    """Phase two: claim the alerts not sent yet (in a BEGIN IMMEDIATE transaction, so two runners
    never both claim one), push each, and mark it sent. Returns how many alerts went."""
    stamp, stale = timestamp(now), timestamp(now - RECLAIM)
    with immediate(db):
        claimed = list(db.query(
            "SELECT a.*, e.reason FROM escalation_alert a JOIN escalation e ON e.id = a.escalation_id"
            " WHERE a.sent_at IS NULL AND (a.claimed_at IS NULL OR a.claimed_at < ?) ORDER BY a.id",
            [stale]))
        for alert in claimed:
            db.execute("UPDATE escalation_alert SET claimed_at = ? WHERE id = ?",
                       [stamp, alert["id"]])
    for alert in claimed:
        kind = "checkin_help" if alert["reason"] == "help" and alert["level"] else \
            ALERT_KINDS[alert["level"]]
        push.notify(db, config, json.loads(alert["recipients"]), kind,
                    url="/on-call/escalations")
        with immediate(db):
            db.execute("UPDATE escalation_alert SET sent_at = ? WHERE id = ?",
                       [timestamp(now), alert["id"]])
    return len(claimed)


def run_escalations(db, config, now=None, visit_ids=None) -> dict:
    """One run of the escalation timer (`fieldapp run-escalations`, every minute; and after a sync
    that brought check-ins, for their visits only). `now` is the server's clock, injectable for
    tests. Returns the counts of what it did, with `sent` alerts."""
    now = now or datetime.now(timezone.utc)
    counts = decide(db, config, now, visit_ids)
    counts["sent"] = send_alerts(db, config, now) + send_reminders(db, config, now)
    return counts


def was_alerted(db, user_id, escalation_id) -> bool:
    """True if this user was sent an alert of this escalation (as buddy or on call)."""
    return db.execute(
        "SELECT 1 FROM escalation_alert a, json_each(a.recipients) j WHERE a.escalation_id = ?"
        " AND a.level > 0 AND j.value = ?", [escalation_id, user_id]).fetchone() is not None


def acknowledge(db, user, escalation_id, note, now=None) -> bool:
    """Someone has seen an open escalation and is acting: it goes no further up. A coordinator of
    the area, or anyone it alerted (the buddy, whoever is on call). False otherwise, or if it is
    not open."""
    now = now or datetime.now(timezone.utc)
    if user.role != "coordinator" and not was_alerted(db, user.id, escalation_id):
        return False
    with immediate(db):
        cursor = db.execute(
            "UPDATE escalation SET status = 'acknowledged', acknowledged_by = ?,"
            " acknowledged_at = ?, note = TRIM(COALESCE(note, '') || ' ' || ?) WHERE id = ? AND"
            " status = 'open' AND visit_id IN (SELECT id FROM visit WHERE area = ?)",
            [user.id, timestamp(now), (note or "").strip(), escalation_id, user.area])
    return cursor.rowcount == 1


def close(db, user, escalation_id, note, now=None) -> bool:
    """Close an open or acknowledged escalation of the coordinator's area with a note (what
    happened). False if there is none such, no note, or the user is not a coordinator."""
    note = (note or "").strip()
    if not note or user.role != "coordinator":
        return False
    now = now or datetime.now(timezone.utc)
    with immediate(db):
        cursor = db.execute(
            "UPDATE escalation SET status = 'closed', ended_by = ?, ended_at = ?,"
            " note = TRIM(COALESCE(note, '') || ' Closed: ' || ?) WHERE id = ? AND status IN"
            " ('open', 'acknowledged') AND visit_id IN (SELECT id FROM visit WHERE area = ?)",
            [user.id, timestamp(now), note[:1000], escalation_id, user.area])
    return cursor.rowcount == 1
