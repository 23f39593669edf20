"""Peer-mentor hours: sums of `duration_minutes` over sessions not deleted, for the mentor's own
page, the caseload and the coordinator's peer-hours page. Plain functions over the database.

A week runs Monday to Sunday and a month is a calendar month, both in the programme's time zone
(`session_on` is the date the mentor entered, so it is already a local date).
"""

from datetime import date, timedelta

from ..rules import access

def week_bounds(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_bounds(day: date) -> tuple[date, date]:
    """The first and last day of the calendar month containing `day`."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def mentor_minutes(db, mentor_id, start: date, end: date) -> int:
    """Minutes of the mentor's sessions (not deleted) dated from `start` to `end` inclusive."""
    row = db.execute(
        "SELECT COALESCE(SUM(duration_minutes), 0) FROM peer_session WHERE deleted = 0"
        " AND mentor_id = ? AND session_on BETWEEN ? AND ?",
        [mentor_id, start.isoformat(), end.isoformat()]).fetchone()
    return row[0]


def my_hours(db, mentor_id, today: date) -> dict:
    """A mentor's minutes this week (Monday–Sunday) and this calendar month, with the bounds."""
    week, month = week_bounds(today), month_bounds(today)
    return {"week": mentor_minutes(db, mentor_id, *week), "week_start": week[0],
            "month": mentor_minutes(db, mentor_id, *month), "month_start": month[0]}


def _area_sessions(user, start: date, end: date):
    """SQL over sessions (not deleted) with people `user` may see (a coordinator: their area)."""
    condition, params = access.person_filter(user, alias="p")
    sql = (" FROM peer_session s JOIN person p ON p.id = s.person_id"
           " LEFT JOIN user u ON u.id = s.mentor_id"
           f" WHERE s.deleted = 0 AND s.session_on BETWEEN ? AND ? AND {condition}")
    return sql, [start.isoformat(), end.isoformat(), *params]


def minutes_by_mentor(db, user, start: date, end: date) -> list[dict]:
    """Per mentor: name, sessions and minutes, for people `user` may see, most minutes first."""
    sql, params = _area_sessions(user, start, end)
    return list(db.query(
        "SELECT s.mentor_id, COALESCE(u.display_name, u.username) AS name, COUNT(*) AS sessions,"
        " SUM(s.duration_minutes) AS minutes" + sql
        + " GROUP BY s.mentor_id ORDER BY minutes DESC, name", params))


def minutes_by_person(db, user, start: date, end: date) -> list[dict]:
    """Per person: id, name, sessions and minutes, for people `user` may see, most minutes first."""
    sql, params = _area_sessions(user, start, end)
    return list(db.query(
        "SELECT p.id AS person_id, p.display_name AS name, COUNT(*) AS sessions,"
        " SUM(s.duration_minutes) AS minutes" + sql
        + " GROUP BY p.id ORDER BY minutes DESC, name", params))


def minutes_by_month(db, user, today: date, months: int = 12) -> list[dict]:
    """Per calendar month, the last `months` up to today's, newest first: month ("YYYY-MM"),
    sessions and minutes (0 for a month with none), for people `user` may see."""
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    sql, params = _area_sessions(user, first, month_bounds(today)[1])
    found = {row["month"]: row for row in db.query(
        "SELECT substr(s.session_on, 1, 7) AS month, COUNT(*) AS sessions,"
        " SUM(s.duration_minutes) AS minutes" + sql + " GROUP BY month", params)}
    result, month = [], today.replace(day=1)
    for _ in range(months):
        key = month.strftime("%Y-%m")
        result.append({"month": key, "label": month.strftime("%B %Y"),
                       "sessions": found.get(key, {}).get("sessions", 0),
                       "minutes": found.get(key, {}).get("minutes", 0)})
        month = (month - timedelta(days=1)).replace(day=1)
    return result


def hours_text(minutes) -> str:
    """Minutes as words: "2 hours 30 minutes", "45 minutes", "0 hours"."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours or not rest:
        parts.append(f"{hours} hour" + ("" if hours == 1 else "s"))
    if rest:
        parts.append(f"{rest} minute" + ("" if rest == 1 else "s"))
    return " ".join(parts)


def recent_sessions(db, user, limit=20) -> list[dict]:
    """The latest sessions `user` logged (not deleted), newest first, with the person's name only
    while the person is one `user` may still see."""
    condition, params = access.person_filter(user, alias="p")
    return list(db.query(
        "SELECT s.*, p.display_name AS person_name FROM peer_session s"
        f" LEFT JOIN person p ON p.id = s.person_id AND {condition}"
        " WHERE s.deleted = 0 AND s.mentor_id = ? ORDER BY s.session_on DESC, s.created_at DESC"
        " LIMIT ?", [*params, user.id, limit]))
