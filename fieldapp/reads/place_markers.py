"""What pages show of risk markers on places (fieldapp/records/place_marker.py; README: Risk
markers): the live markers of a caseworker's area, by district and place, for the places page
(which phones keep, so markers are added, reviewed and retired there offline). The contact form
shows them from the phone's pulled copy (static/page/place-markers.js)."""

from datetime import date

from ..rules import access
from .risk_markers import LABELS


def area_place_markers(db, user, today: date) -> list[dict]:
    """The live (not retired) place markers of the user's area, for a caseworker (none for anyone
    else), by district and place, each with its label, `overdue` and who added it."""
    if not access.writes_casework(user):
        return []
    rows = db.query(
        "SELECT m.*, COALESCE(u.display_name, u.username) AS added_by_name FROM place_marker m"
        " LEFT JOIN user u ON u.id = m.added_by WHERE m.area = ? AND m.deleted = 0"
        " AND m.retired = 0 ORDER BY m.district, m.place COLLATE NOCASE, m.added_at",
        [user.area])
    return [{**row, "label": LABELS.get(row["kind"], row["kind"]),
             "overdue": row["review_on"] < today.isoformat()} for row in rows]
