"""What pages show of risk markers (fieldapp/records/risk_marker.py): a person's live markers,
shown first on their page, their caseload row and their contact form, and the markers of a
coordinator's area past their review date (README: Risk markers)."""

from datetime import date

from ..records.risk_marker import KINDS
from ..rules import access

LABELS = dict(KINDS)


def _shown(row, today: date) -> dict:
    return {**row, "label": LABELS.get(row["kind"], row["kind"]),
            "overdue": row["review_on"] < today.isoformat()}


def live_markers(db, user, person_id, today: date) -> list[dict]:
    """The person's markers not retired, for a user who may read them (none for anyone else),
    those past review first, each with its label, `overdue` and who added it."""
    if not access.can_see_record_type(user, "risk_marker"):
        return []
    rows = db.query(
        "SELECT r.*, COALESCE(u.display_name, u.username) AS added_by_name FROM risk_marker r"
        " LEFT JOIN user u ON u.id = r.added_by WHERE r.person_id = ? AND r.deleted = 0"
        " AND r.retired = 0 ORDER BY r.review_on, r.added_at", [person_id])
    return [_shown(row, today) for row in rows]


def live_markers_of(db, user, person_ids, today: date) -> dict[str, list[dict]]:
    """`live_markers` of each of `person_ids` (people a page already shows: the caseload's,
    found through `access`), in one query instead of one a row: {person id: markers}, with an
    entry, perhaps empty, for every id asked about."""
    found = {person_id: [] for person_id in person_ids}
    if not found or not access.can_see_record_type(user, "risk_marker"):
        return found
    ids = list(found)
    for start in range(0, len(ids), 500):  # below SQLite's older limit of 999 parameters
        batch = ids[start:start + 500]
        for row in db.query(
                "SELECT r.*, COALESCE(u.display_name, u.username) AS added_by_name"
                " FROM risk_marker r LEFT JOIN user u ON u.id = r.added_by"
                f" WHERE r.person_id IN ({','.join('?' * len(batch))}) AND r.deleted = 0"
                " AND r.retired = 0 ORDER BY r.review_on, r.added_at", batch):
            found[row["person_id"]].append(_shown(row, today))
    return found


def marker(db, user, person_id, marker_id, today: date) -> dict | None:
    """One live or retired marker of the person, or None."""
    if not access.can_see_record_type(user, "risk_marker"):
        return None
    rows = list(db.query("SELECT * FROM risk_marker WHERE id = ? AND person_id = ? AND deleted = 0",
                         [marker_id, person_id]))
    return _shown(rows[0], today) if rows else None


def due_for_review(db, coordinator, today: date) -> list[dict]:
    """Live markers of people in the coordinator's area whose review date has passed, oldest
    first, with the person's name."""
    condition, params = access.person_filter(coordinator)
    rows = db.query(
        "SELECT r.*, person.display_name AS person_name FROM risk_marker r"
        f" JOIN person ON person.id = r.person_id WHERE {condition} AND r.deleted = 0"
        " AND r.retired = 0 AND r.review_on < ? ORDER BY r.review_on",
        [*params, today.isoformat()])
    return [_shown(row, today) for row in rows]
