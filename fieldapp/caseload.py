"""Reading casework for the pages: plain functions over the database, no Flask.

Every function that finds people takes the user and applies `access.person_filter`, so no page can
show a person the user may not see; functions given a person id expect the caller to have checked.
"""

import json
from datetime import date, datetime, timedelta, timezone

from . import access, instruments, licence, person_rules, scoring

# The order the caseload lists people in: what needs the worker first.
NEEDS = (
    ("conflict", "Conflicts to resolve"),
    ("overdue", "Review overdue"),
    ("no_contact", "No recent contact"),
    ("new", "Newly assigned to you"),
    ("rest", "Everyone else"),
)


def caseload(db, user, search=None):
    """The people `user` may see, most recent contact first (never-contacted people last).

    Each row has the person's fields plus `last_contact_at` and `last_contact_by` (a display name).
    `search` matches name, other names, description or district, ignoring case.
    """
    condition, params = access.person_filter(user, alias="p")
    sql = f"""
        SELECT p.*, last.contact_at AS last_contact_at,
               COALESCE(u.display_name, u.username) AS last_contact_by
        FROM person p
        LEFT JOIN contact last ON last.id = (
            SELECT c.id FROM contact c WHERE c.person_id = p.id AND c.deleted = 0
            ORDER BY c.contact_at DESC, c.recorded_at DESC LIMIT 1)
        LEFT JOIN user u ON u.id = last.worker_id
        WHERE {condition}
    """
    if search and search.strip():
        like = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql += (
            " AND (p.display_name LIKE ? ESCAPE '\\' OR p.description LIKE ? ESCAPE '\\'"
            " OR p.district LIKE ? ESCAPE '\\' OR p.aliases LIKE ? ESCAPE '\\')"
        )
        params = [*params, like, like, like, like]
    sql += " ORDER BY last.contact_at IS NULL, last.contact_at DESC, p.created_at DESC, p.display_name"
    return list(db.query(sql, params))


def prioritised(db, app_config, user, search=None, today=None):
    """The caseload sorted by what needs the worker: open conflicts, overdue reviews, no contact
    for NO_CONTACT_DAYS, newly assigned to them (as trusted person, in the last
    NEWLY_ASSIGNED_DAYS), then the rest; most recent contact first within each. Closed people come
    last. Each row gains `need` (a NEEDS key), `conflict_count`, `overdue` (instrument names),
    `newly_assigned` and `summary` (latest NDT total and change, latest Star stage)."""
    today = today or date.today()
    rows = caseload(db, user, search)
    ids = [row["id"] for row in rows]
    conflicts = conflict_counts(db, ids)
    newly = newly_assigned(db, ids, user, setting_days(app_config, "NEWLY_ASSIGNED_DAYS"))
    reads_assessments = access.can_see_record_type(user, "assessment")
    summaries = caseload_summaries(db, app_config, ids, today) if reads_assessments else {}
    quiet_since = (today - timedelta(days=setting_days(app_config, "NO_CONTACT_DAYS"))).isoformat()
    order = [key for key, _label in NEEDS]
    for row in rows:
        summary = summaries.get(row["id"], {})
        row["conflict_count"] = conflicts.get(row["id"], 0)
        row["overdue"] = summary.get("overdue", [])
        row["summary"] = summary
        row["newly_assigned"] = row["id"] in newly
        last_seen = row["last_contact_at"] or row["created_at"] or ""
        if row["conflict_count"]:
            row["need"] = "conflict"
        elif row.get("status") == "closed":
            row["need"] = "rest"
        elif row["overdue"]:
            row["need"] = "overdue"
        elif last_seen[:10] < quiet_since:
            row["need"] = "no_contact"
        elif row["newly_assigned"]:
            row["need"] = "new"
        else:
            row["need"] = "rest"
    # sorted() is stable: within a need, the most recent contact stays first.
    return sorted(rows, key=lambda r: (r.get("status") == "closed", order.index(r["need"])))


def caseload_summaries(db, app_config, person_ids, today):
    """Per person id: {"ndt": (short name, total, change or None) of the latest final NDT-type
    total, "star": (short name, stage) the stage most of the latest final Star reading's areas are
    at, "overdue": [short names of instruments overdue or due today]}."""
    catalog = instruments.catalog(app_config)
    licensed = licence.star_licensed(db)
    cadence = app_config["ASSESSMENT_CADENCE_DAYS"]
    by_person = {}
    for row in assessments_for(db, person_ids, ("final", "not_done")):
        instrument = catalog.get(row["instrument"], row["instrument_version"])
        if instrument is not None and (licensed or not instrument.requires_licence):
            by_person.setdefault(row["person_id"], []).append((instrument, row))
    summaries = {}
    for person_id in person_ids:
        rows = by_person.get(person_id, [])
        summary = {"overdue": []}
        for instrument_id, days in cadence.items():
            latest = catalog.latest(instrument_id)
            if latest is None or (latest.requires_licence and not licensed):
                continue
            done = [r["assessed_on"] for i, r in rows if i.id == instrument_id]
            if scoring.due(done[-1] if done else None, days, today)["state"] in ("overdue", "due"):
                summary["overdue"].append(latest.short_name)
        totals = [(i, r) for i, r in rows if i.kind == "ndt" and r["status"] == "final"
                  and r["total"] is not None]
        if totals:
            instrument, latest = totals[-1]
            same = [r for i, r in totals if i.key == instrument.key]
            previous = same[-2]["total"] if len(same) > 1 else None
            summary["ndt"] = (instrument.short_name, latest["total"],
                              scoring.change(latest["total"], previous))
        stars = [(i, r) for i, r in rows if i.kind == "star" and r["status"] == "final"]
        if stars:
            instrument, latest = stars[-1]
            stages = [instrument.stage(v) for v in latest["scores"].values()]
            stages = [s for s in stages if s]
            if stages:
                summary["star"] = (instrument.short_name, max(stages, key=stages.count))
        summaries[person_id] = summary
    return summaries


def setting_days(app_config, name):
    """A number-of-days setting (NO_CONTACT_DAYS, NEWLY_ASSIGNED_DAYS)."""
    return int(person_rules.setting(app_config, name))


def conflict_counts(db, person_ids):
    """Open conflicts per person id, for these people (callers check access)."""
    if not person_ids:
        return {}
    marks = ",".join("?" * len(person_ids))
    return {scope: count for scope, count in db.execute(
        f"SELECT scope, COUNT(*) FROM sync_conflict WHERE resolved_at IS NULL AND scope IN ({marks})"
        " GROUP BY scope", list(person_ids)).fetchall()}


def newly_assigned(db, person_ids, user, days, now=None):
    """The ids among `person_ids` whose trusted person became `user` within `days` days, from the
    people's version history (when trusted_person_id last changed to them and has stayed so)."""
    if not person_ids:
        return set()
    now = now or datetime.now(timezone.utc)
    since = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    marks = ",".join("?" * len(person_ids))
    assigned_at = {}
    for record_id, fields, stored_at in db.execute(
            f"SELECT record_id, fields, stored_at FROM sync_history WHERE type = 'person'"
            f" AND record_id IN ({marks}) ORDER BY record_id, version", list(person_ids)).fetchall():
        if json.loads(fields).get("trusted_person_id") == user.id:
            assigned_at.setdefault(record_id, stored_at)
        else:
            assigned_at.pop(record_id, None)
    return {pid for pid, at in assigned_at.items() if at >= since}


def get_person(db, user, person_id):
    """The person with this id if `user` may see them, else None. Adds the trusted person's name."""
    condition, params = access.person_filter(user, alias="p")
    rows = list(
        db.query(
            f"""SELECT p.*, COALESCE(t.display_name, t.username) AS trusted_person_name
                FROM person p LEFT JOIN user t ON t.id = p.trusted_person_id
                WHERE p.id = ? AND {condition}""",
            [person_id, *params],
        )
    )
    return rows[0] if rows else None


def contacts_for(db, person_id):
    """A person's contacts, newest first, with the recording worker's name as `worker_name`."""
    return list(
        db.query(
            """SELECT c.*, COALESCE(u.display_name, u.username) AS worker_name
               FROM contact c LEFT JOIN user u ON u.id = c.worker_id
               WHERE c.person_id = ? AND c.deleted = 0
               ORDER BY c.contact_at DESC, c.recorded_at DESC""",
            [person_id],
        )
    )


def trusted_person_choices(db, area):
    """Active caseworkers a coordinator may choose as a trusted person in `area`."""
    return list(
        db.query(
            """SELECT id, COALESCE(display_name, username) AS name, team FROM user
               WHERE active = 1 AND role IN ('outreach_worker', 'peer_mentor', 'trusted_person')
                 AND (area = ? OR area IS NULL) ORDER BY name""",
            [area],
        )
    )


def open_conflicts(db, person_id):
    """Unresolved conflicts on a person's records: a field two workers changed differently while
    offline. The value kept is the one already on the server; the other is shown until resolved.
    Each has `parties` (the user ids involved: see person_rules.conflict_parties).
    """
    rows = db.query(
        """SELECT k.*, COALESCE(u.display_name, u.username) AS actor_name
           FROM sync_conflict k LEFT JOIN user u ON u.id = k.actor_id
           WHERE k.scope = ? AND k.resolved_at IS NULL ORDER BY k.id""",
        [person_id],
    )
    conflicts = [{**row, "server_value": json.loads(row["server_value"]),
                  "incoming_value": json.loads(row["incoming_value"])} for row in rows]
    for conflict in conflicts:
        conflict["parties"] = person_rules.conflict_parties(db, conflict)
    return conflicts


def _assessment_row(row):
    row = dict(row)
    for name in ("scores", "notes", "disagree"):
        row[name] = json.loads(row[name]) if row.get(name) else {}
    row["from_paper"] = bool(row.get("from_paper"))
    return row


def assessments_for(db, person_ids, statuses=None):
    """The assessments and Star readings of these people (callers check access), oldest first
    by date, with scores, notes and disagreement as dicts and the assessor's name.
    `statuses` limits them, e.g. ("final",) for what counts in reports."""
    person_ids = list(person_ids)
    if not person_ids:
        return []
    sql = f"""SELECT a.*, COALESCE(u.display_name, u.username) AS assessor_name
              FROM assessment a LEFT JOIN user u ON u.id = a.assessor_id
              WHERE a.deleted = 0 AND a.person_id IN ({",".join("?" * len(person_ids))})"""
    params = list(person_ids)
    if statuses:
        sql += f" AND a.status IN ({','.join('?' * len(statuses))})"
        params += list(statuses)
    sql += " ORDER BY a.assessed_on, a.created_at"
    return [_assessment_row(row) for row in db.query(sql, params)]


def get_assessment(db, person_id, assessment_id):
    """One assessment of this person (not deleted), or None. Callers check access to the person."""
    rows = list(db.query("SELECT * FROM assessment WHERE id = ? AND person_id = ? AND deleted = 0",
                         [assessment_id, person_id]))
    return _assessment_row(rows[0]) if rows else None
