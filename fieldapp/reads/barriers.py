"""Barriers, lessons, referrals and count-night tallies: what their pages list and the measures
counted from them (README: Measures, Barriers and lessons). Plain functions over the store; who
may see which barrier is rules/access.py's `barrier_filter`."""

import json
from collections import defaultdict
from datetime import date

from ..records.barrier import days_to_resolve
from ..rules import access

OPEN = ("open", "raised")


def barriers(db, user, app_config, status=None, today=None) -> list[dict]:
    """The live barriers `user` may see (a worker their own, a coordinator their area's), newest
    first, each with `overdue` (still open or raised more than BARRIER_TARGET_DAYS after the day
    it happened), the logger's name and the person's name while the user may see the person."""
    today = today or date.today()
    condition, params = access.barrier_filter(user)
    person_condition, person_params = access.person_filter(user, alias="p")
    sql = ("SELECT b.*, COALESCE(u.display_name, u.username) AS logged_by_name,"
           " p.display_name AS person_name FROM barrier b LEFT JOIN user u ON u.id = b.logged_by"
           f" LEFT JOIN person p ON p.id = b.person_id AND {person_condition}"
           f" WHERE {condition}")
    args = [*person_params, *params]
    if status:
        sql += " AND b.status = ?"
        args.append(status)
    rows = list(db.query(sql + " ORDER BY b.noticed_on DESC, b.logged_at DESC", args))
    target = app_config["BARRIER_TARGET_DAYS"]
    for row in rows:
        row["overdue"] = row["status"] in OPEN and \
            (today - date.fromisoformat(row["noticed_on"])).days > target
    return rows


def barriers_for_person(db, person_id) -> list[dict]:
    """A person's live barriers, for their timeline (the caller has checked the user may see the
    person and read barriers)."""
    return list(db.query(
        "SELECT b.*, COALESCE(u.display_name, u.username) AS logged_by_name FROM barrier b"
        " LEFT JOIN user u ON u.id = b.logged_by WHERE b.person_id = ? AND b.deleted = 0"
        " ORDER BY b.noticed_on DESC", [person_id]))


def barrier_measure(db, areas, period, target_days: int, today=None) -> dict:
    """Barriers: live barriers of the areas that happened in the period, by their status now
    (open, raised, resolved, closed unresolved), those overdue (open or raised more than
    BARRIER_TARGET_DAYS after the day they happened), and % resolved within the target time: of
    those resolved, closed unresolved or past the target, the share resolved no more than
    BARRIER_TARGET_DAYS after the day they happened (one still open within its target is not yet
    counted). {"by_status", "total", "overdue", "due", "resolved_in_time", "percent", "target_days",
    "by_kind"}."""
    today = today or date.today()
    areas = list(areas)
    rows = list(db.query(
        "SELECT status, kind, noticed_on, resolved_on FROM barrier WHERE deleted = 0"
        f" AND area IN ({','.join('?' * len(areas)) or 'NULL'}) AND noticed_on BETWEEN ? AND ?",
        [*areas, period.start.isoformat(), period.end.isoformat()]))
    by_status = dict.fromkeys(("open", "raised", "resolved", "closed_unresolved"), 0)
    by_kind = defaultdict(int)
    overdue = due = in_time = 0
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
        by_kind[row["kind"]] += 1
        age = (today - date.fromisoformat(row["noticed_on"])).days
        days = days_to_resolve(row)
        late = row["status"] in OPEN and age > target_days
        overdue += late
        if days is not None or row["status"] == "closed_unresolved" or late:
            due += 1
            in_time += days is not None and days <= target_days
    return {"by_status": by_status, "total": len(rows), "overdue": overdue, "due": due,
            "resolved_in_time": in_time,
            "percent": round(100 * in_time / due) if due else None,
            "target_days": target_days, "by_kind": dict(by_kind)}


def referrals_by_service(db, areas, period) -> dict:
    """Referrals by service: live contacts in the period with live people of the areas that name a
    directory service they referred the person to, by that service (its name now).
    {"services": [{"name", "referrals", "people"}] (most first), "total"}."""
    condition, params = access.area_people_filter(areas, "p")
    services = list(db.query(
        "SELECT COALESCE(d.name, 'Unknown service') AS name, COUNT(*) AS referrals,"
        " COUNT(DISTINCT c.person_id) AS people FROM contact c JOIN person p ON p.id = c.person_id"
        " LEFT JOIN directory_entry d ON d.id = c.referred_to"
        " WHERE c.deleted = 0 AND c.referred_to IS NOT NULL AND c.contact_at >= ?"
        f" AND c.contact_at < ? AND {condition} GROUP BY c.referred_to ORDER BY referrals DESC, name",
        [period.start.isoformat(), period.after_end, *params]))
    return {"services": services, "total": sum(s["referrals"] for s in services)}


def count_night(db, areas, period) -> dict:
    """Count-night tallies: people seen sleeping rough, by night and district, from live tallies
    dated in the period in districts of the areas (no names: workers record numbers only; two
    workers counting one district on one night are added together).
    {"nights": [{"counted_on", "district", "people_seen", "tallies"}], "total"}."""
    areas = list(areas)
    nights = list(db.query(
        "SELECT counted_on, district, SUM(people_seen) AS people_seen, COUNT(*) AS tallies"
        f" FROM tally WHERE deleted = 0 AND area IN ({','.join('?' * len(areas)) or 'NULL'})"
        " AND counted_on BETWEEN ? AND ? GROUP BY counted_on, district"
        " ORDER BY counted_on DESC, district",
        [*areas, period.start.isoformat(), period.end.isoformat()]))
    return {"nights": nights, "total": sum(n["people_seen"] for n in nights)}


def lessons(db, areas, level=None, partner=None) -> list[dict]:
    """Change Forum lessons of `areas` (the caller's access.measure_areas, perhaps narrowed to
    one), newest forum first, filtered by level and partner (a part of its name), each with the
    linked barriers' service, kind and status."""
    areas = list(areas)
    if not areas:
        return []
    sql = ("SELECT l.*, COALESCE(u.display_name, u.username) AS recorded_by_name FROM lesson l"
           " LEFT JOIN user u ON u.id = l.recorded_by WHERE l.deleted = 0"
           f" AND l.area IN ({','.join('?' * len(areas))})")
    params = list(areas)
    if level:
        sql += " AND l.level = ?"
        params.append(level)
    if partner:
        sql += " AND l.partner LIKE ? ESCAPE '\\'"
        params.append("%" + partner.replace("\\", "\\\\").replace("%", "\\%")
                      .replace("_", "\\_") + "%")
    rows = list(db.query(sql + " ORDER BY l.forum_on DESC", params))
    for row in rows:
        ids = json.loads(row["barrier_ids"] or "[]")
        row["barriers"] = list(db.query(
            "SELECT id, service, kind, status FROM barrier WHERE deleted = 0"
            f" AND id IN ({','.join('?' * len(ids))})", ids)) if ids else []
    return rows
