"""The caseload: the people a user may see, what needs them first.

Every function that finds people takes the user and applies `access.person_filter`, so no page can
show a person the user may not see.
"""

from datetime import date, datetime, timedelta, timezone

from ..records import make_engine
from ..rules import access
from ..rules.conflicts import conflict_counts
from ..timeutil import timestamp
from .assessments import caseload_summaries

# A search longer than this is cut: no name is, and SQLite refuses a LIKE pattern too complex.
SEARCH_MAX = 100

# The order the caseload lists people in: what needs the worker first.
NEEDS = (
    ("conflict", "Conflicts to resolve"),
    ("due", "Assessments due"),
    ("no_contact", "No recent contact"),
    ("new", "Newly assigned to you"),
    ("rest", "Everyone else"),
)


def caseload(db, user, search=None, closed_before=None):
    """The people `user` may see, most recent contact first (never-contacted people last).

    Each row has the person's fields plus `last_contact_at` and `last_contact_by` (a display name).
    `search` matches name, other names, description or district, ignoring case. People whose
    support closed before `closed_before` (a timestamp) are left out: the caseload page is kept on
    phones, and they are not (README: What a phone holds).
    """
    condition, params = access.person_filter(user, alias="p")
    if closed_before:
        condition += " AND NOT (p.status = 'closed' AND p.closed_at < ?)"
        params = [*params, closed_before]
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
    search = (search or "").strip()[:SEARCH_MAX]
    if search:
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql += (
            " AND (p.display_name LIKE ? ESCAPE '\\' OR p.description LIKE ? ESCAPE '\\'"
            " OR p.district LIKE ? ESCAPE '\\' OR p.aliases LIKE ? ESCAPE '\\')"
        )
        params = [*params, like, like, like, like]
    sql += " ORDER BY last.contact_at IS NULL, last.contact_at DESC, p.created_at DESC, p.display_name"
    return list(db.query(sql, params))


def prioritised(db, app_config, user, search=None, today=None):
    """The caseload sorted by what needs the worker: open conflicts, assessments due, no contact
    for NO_CONTACT_DAYS, newly assigned to them (as trusted person, in the last
    NEWLY_ASSIGNED_DAYS), then the rest; most recent contact first within each. Closed people come
    last. Each row gains `need` (a NEEDS key), `conflict_count`, `newly_assigned`, `search_text`
    (name, other names, district and description in lower case: what the phone's offline filter
    matches) and, for a user who reads assessments, `assessments`
    (reads/assessments.caseload_summaries: the line, the instruments due, the Star stage)."""
    today = today or date.today()
    rows = caseload(db, user, search, closed_before=access.phone_cutoff(app_config))
    ids = [row["id"] for row in rows]
    engine = make_engine(db, app_config)
    conflicts = conflict_counts(engine, user, ids)
    # Only someone whose trusted person is this user now can be newly assigned to them: read the
    # version history of those people alone.
    theirs = [row["id"] for row in rows if row.get("trusted_person_id") == user.id]
    newly = newly_assigned(engine, theirs, user, app_config["NEWLY_ASSIGNED_DAYS"]) if theirs else set()
    reads_assessments = access.can_see_record_type(user, "assessment")
    summaries = caseload_summaries(db, app_config, ids, today) if reads_assessments else {}
    quiet_since = (today - timedelta(days=app_config["NO_CONTACT_DAYS"])).isoformat()
    order = [key for key, _label in NEEDS]
    for row in rows:
        row["assessments"] = summaries.get(row["id"])
        row["conflict_count"] = conflicts.get(row["id"], 0)
        row["newly_assigned"] = row["id"] in newly
        row["search_text"] = " ".join(
            filter(None, (row["display_name"], row["aliases"], row["district"],
                          row["description"]))).lower()
        last_seen = row["last_contact_at"] or row["created_at"] or ""
        if row["conflict_count"]:
            row["need"] = "conflict"
        elif row.get("status") == "closed":
            row["need"] = "rest"
        elif row["assessments"] and row["assessments"]["due"]:
            row["need"] = "due"
        elif last_seen[:10] < quiet_since:
            row["need"] = "no_contact"
        elif row["newly_assigned"]:
            row["need"] = "new"
        else:
            row["need"] = "rest"
    # sorted() is stable: within a need, the most recent contact stays first.
    return sorted(rows, key=lambda r: (r.get("status") == "closed", order.index(r["need"])))


def newly_assigned(engine, person_ids, user, days, now=None):
    """The ids among `person_ids` whose trusted person became `user` within `days` days, from the
    people's version history (when trusted_person_id last changed to them and has stayed so)."""
    since = timestamp((now or datetime.now(timezone.utc)) - timedelta(days=days))
    found = set()
    for person_id, versions in engine.histories("person", person_ids).items():
        assigned_at = None
        for version in versions:
            if version["fields"].get("trusted_person_id") == user.id:
                assigned_at = assigned_at or version["stored_at"]
            else:
                assigned_at = None
        if assigned_at is not None and assigned_at >= since:
            found.add(person_id)
    return found
