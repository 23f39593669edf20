"""The programme's measures of reach and work (README: Measures): one plain function per measure,
each counting over the live people of some areas (access.area_people_filter) in a period.

Every function's docstring says exactly how it is counted; the measures page shows that sentence
under the figure. Outcome measures (NDT, housing, Star, equality) are in reads/outcomes.py.
Common rules:
- People: live (not deleted) people whose area is one of `areas` now. Someone merged into another
  record counts once, as the record kept (the engine moved their records there); someone who moved
  to another area counts in that area, with their whole history.
- The period is a `Period` of dates, both ends included; a contact counts in it by its
  `contact_at` (the worker's local date and time), a peer session by its `session_on`.
- Deleted contacts and sessions never count.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from ..rules import access


@dataclass(frozen=True)
class Period:
    """A run of days, `start` to `end`, both included."""

    start: date
    end: date

    @property
    def after_end(self) -> str:
        """The day after the end, as text: contact times are below it when they are in the period."""
        return (self.end + timedelta(days=1)).isoformat()

    @property
    def label(self) -> str:
        """The period in words: "1 October 2026 to 31 December 2026"."""
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def quarter_of(day: date) -> Period:
    """The calendar quarter (January–March, ...) containing `day`: the measures' default period."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    following = date(day.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return Period(start, following - timedelta(days=1))


def months_of(period: Period) -> list[str]:
    """Every calendar month ("YYYY-MM") the period touches, in order."""
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _people(areas, alias="p"):
    return access.area_people_filter(areas, alias)


def _contacts(areas, period, alias="c"):
    """FROM/WHERE over live contacts in the period with live people of `areas`, and parameters."""
    condition, params = _people(areas)
    return (f" FROM contact {alias} JOIN person p ON p.id = {alias}.person_id"
            f" WHERE {alias}.deleted = 0 AND {alias}.contact_at >= ? AND {alias}.contact_at < ?"
            f" AND {condition}", [period.start.isoformat(), period.after_end, *params])


# ----------------------------------------------------------------- trusted persons and caseloads
def trusted_persons(db, areas) -> dict:
    """Trusted persons: active accounts that are the trusted person of at least one live person of
    the areas who is not closed (any role may be someone's trusted person), counted now, not over
    the period. Trusted person coordinators: active coordinator accounts of the areas.
    {"trusted_persons", "coordinators"}."""
    condition, params = _people(areas)
    trusted = db.execute(
        "SELECT COUNT(DISTINCT u.id) FROM person p JOIN user u ON u.id = p.trusted_person_id"
        f" WHERE u.active = 1 AND COALESCE(p.status, '') != 'closed' AND {condition}",
        params).fetchone()[0]
    areas = list(areas)
    coordinators = db.execute(
        "SELECT COUNT(*) FROM user WHERE active = 1 AND role = 'coordinator'"
        f" AND area IN ({','.join('?' * len(areas)) or 'NULL'})", areas).fetchone()[0]
    return {"trusted_persons": trusted, "coordinators": coordinators}


def people_supported(db, areas) -> dict:
    """People supported by a trusted person: live people of the areas, not closed, whose record
    names a trusted person, counted now; beside every live person of the areas not closed.
    {"supported", "people"}."""
    condition, params = _people(areas)
    row = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(p.trusted_person_id IS NOT NULL), 0) FROM person p"
        f" WHERE COALESCE(p.status, '') != 'closed' AND {condition}", params).fetchone()
    return {"people": row[0], "supported": row[1]}


def caseload_per_worker(db, areas, cap: int) -> dict:
    """Caseload per worker against the cap (CASELOAD_CAP): for each account that is the trusted
    person of live people of the areas who are not closed, how many, now; over the cap flagged.
    {"cap", "workers": [{"name", "people", "over"}] (largest first), "over"}."""
    condition, params = _people(areas)
    workers = [dict(row, over=row["people"] > cap) for row in db.query(
        "SELECT COALESCE(u.display_name, u.username) AS name, COUNT(*) AS people FROM person p"
        " JOIN user u ON u.id = p.trusted_person_id"
        f" WHERE COALESCE(p.status, '') != 'closed' AND {condition}"
        " GROUP BY u.id ORDER BY people DESC, name", params)]
    return {"cap": cap, "workers": workers, "over": sum(w["over"] for w in workers)}


def mdt_teams(db, areas, period: Period) -> dict:
    """Multi-agency teams coordinated by a trusted person: live people of the areas with at least
    one live multi-agency meeting about them held in the period (two or more agencies present)
    that their trusted person coordinated (recorded it, and was their trusted person when it was
    recorded), each person counted once: the team round them. Beside: every live meeting held in
    the period about live people of the areas, those coordinated by the person's trusted person,
    and how many trusted persons coordinated them. {"teams", "meetings",
    "meetings_by_trusted_person", "trusted_persons"}."""
    condition, params = _people(areas)
    row = db.execute(
        "SELECT COUNT(DISTINCT CASE WHEN m.by_trusted_person = 1 THEN m.person_id END), COUNT(*),"
        " COALESCE(SUM(m.by_trusted_person = 1), 0),"
        " COUNT(DISTINCT CASE WHEN m.by_trusted_person = 1 THEN m.recorded_by END)"
        " FROM mdt_meeting m JOIN person p ON p.id = m.person_id"
        f" WHERE m.deleted = 0 AND m.held_on BETWEEN ? AND ? AND {condition}",
        [period.start.isoformat(), period.end.isoformat(), *params]).fetchone()
    return dict(zip(("teams", "meetings", "meetings_by_trusted_person", "trusted_persons"), row))


# ----------------------------------------------------------------- reach
def contacts_by_district_month(db, areas, period: Period) -> dict:
    """Contacts by district and month: live contacts in the period with live people of the areas,
    by the district the contact happened in and the calendar month of its date.
    {"months", "districts", "counts": {(district, month): n}, "by_month": {month: n}, "total"}."""
    sql, params = _contacts(areas, period)
    counts = {(row[0], row[1]): row[2] for row in db.execute(
        "SELECT c.district, substr(c.contact_at, 1, 7) AS month, COUNT(*)" + sql
        + " GROUP BY c.district, month", params)}
    months = months_of(period)
    districts = sorted({district for district, _ in counts})
    by_month = {month: sum(n for (_, m), n in counts.items() if m == month) for month in months}
    return {"months": months, "districts": districts, "counts": counts, "by_month": by_month,
            "total": sum(counts.values())}


def first_reached(db, areas, period: Period) -> dict:
    """People first reached: live people of the areas whose earliest live contact is dated in the
    period; of them, those recorded as not known to services when first met (known_to_services
    "no"), and those with it not recorded or "not known".
    {"reached", "unknown_to_services", "not_recorded"}."""
    condition, params = _people(areas)
    row = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(p.known_to_services = 'no'), 0),"
        " COALESCE(SUM(p.known_to_services IS NULL OR p.known_to_services = 'unknown'), 0)"
        f" FROM person p WHERE {condition} AND EXISTS (SELECT 1 FROM contact c"
        " WHERE c.person_id = p.id AND c.deleted = 0 AND c.contact_at >= ? AND c.contact_at < ?)"
        " AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.person_id = p.id AND c.deleted = 0"
        " AND c.contact_at < ?)",
        [*params, period.start.isoformat(), period.after_end, period.start.isoformat()]).fetchone()
    return {"reached": row[0], "unknown_to_services": row[1], "not_recorded": row[2]}


def bedded_down_spoken_to(db, areas, period: Period) -> dict:
    """People bedded down and spoken to: of live people of the areas with a live contact in the
    period, how many had at least one contact where they were bedded down (seen sleeping rough),
    at least one where they were spoken to, and both in one contact; with the contacts of each kind.
    {"people", "bedded_down", "spoken_to", "bedded_down_and_spoken_to", "contacts",
    "bedded_down_contacts", "spoken_to_contacts"}."""
    sql, params = _contacts(areas, period)
    row = db.execute(
        "SELECT COUNT(DISTINCT c.person_id),"
        " COUNT(DISTINCT CASE WHEN c.bedded_down = 1 THEN c.person_id END),"
        " COUNT(DISTINCT CASE WHEN c.spoken_to = 1 THEN c.person_id END),"
        " COUNT(DISTINCT CASE WHEN c.bedded_down = 1 AND c.spoken_to = 1 THEN c.person_id END),"
        " COUNT(*), COALESCE(SUM(c.bedded_down = 1), 0), COALESCE(SUM(c.spoken_to = 1), 0)" + sql,
        params).fetchone()
    keys = ("people", "bedded_down", "spoken_to", "bedded_down_and_spoken_to", "contacts",
            "bedded_down_contacts", "spoken_to_contacts")
    return dict(zip(keys, row))


def streetlink_follow_ups(db, areas, period: Period) -> dict:
    """StreetLink follow-ups: live contacts in the period of type "streetlink" (a StreetLink alert
    followed up) with live people of the areas; the people they were with, and the follow-ups where
    the person was found bedded down and where they were spoken to. {"follow_ups", "people",
    "found_bedded_down", "spoken_to"}."""
    sql, params = _contacts(areas, period)
    row = db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT c.person_id), COALESCE(SUM(c.bedded_down = 1), 0),"
        " COALESCE(SUM(c.spoken_to = 1), 0)" + sql + " AND c.contact_type = 'streetlink'",
        params).fetchone()
    return dict(zip(("follow_ups", "people", "found_bedded_down", "spoken_to"), row))


def peer_mentor_hours(db, areas, period: Period) -> dict:
    """Peer-mentor hours by mentor and month: the minutes of live peer sessions dated in the period
    with live people of the areas, by the mentor who logged them and the calendar month.
    {"months", "mentors": [{"name", "by_month": {month: minutes}, "minutes", "sessions"}],
    "by_month": {month: minutes}, "minutes", "sessions"}."""
    condition, params = _people(areas)
    rows = list(db.query(
        "SELECT COALESCE(u.display_name, u.username, 'Unknown') AS name, s.mentor_id,"
        " substr(s.session_on, 1, 7) AS month, COUNT(*) AS sessions,"
        " SUM(s.duration_minutes) AS minutes FROM peer_session s"
        " JOIN person p ON p.id = s.person_id LEFT JOIN user u ON u.id = s.mentor_id"
        f" WHERE s.deleted = 0 AND s.session_on BETWEEN ? AND ? AND {condition}"
        " GROUP BY s.mentor_id, month", [period.start.isoformat(), period.end.isoformat(), *params]))
    months = months_of(period)
    mentors = {}
    for row in rows:
        mentor = mentors.setdefault(row["mentor_id"], {"name": row["name"], "by_month": {},
                                                       "minutes": 0, "sessions": 0})
        mentor["by_month"][row["month"]] = row["minutes"]
        mentor["minutes"] += row["minutes"]
        mentor["sessions"] += row["sessions"]
    listed = sorted(mentors.values(), key=lambda m: (-m["minutes"], m["name"]))
    return {"months": months, "mentors": listed,
            "by_month": {m: sum(x["by_month"].get(m, 0) for x in listed) for m in months},
            "minutes": sum(m["minutes"] for m in listed),
            "sessions": sum(m["sessions"] for m in listed)}
