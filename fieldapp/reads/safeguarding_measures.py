"""The safeguarding measures (README: Measures, Safeguarding): concerns raised, the time the
designated safeguarding lead took to decide them, and the outcomes. One function, its docstring
printed on /measures under the figures; it follows reads/measures.py's common rules (live people
whose area is one of `areas` now). Only counts: never who raised a concern or about whom."""

from datetime import datetime
from statistics import median

from ..records.safeguarding import ABOUT, DECISIONS
from ..rules import access
from ..rules.safeguarding import decision_due
from ..timeutil import parse_timestamp, programme_zone


def _hours(start: str, end: str) -> float:
    return (parse_timestamp(end) - parse_timestamp(start)).total_seconds() / 3600


def safeguarding_concerns(db, areas, period, app_config, now: datetime | None = None) -> dict:
    """Concerns raised: live safeguarding concerns about live people of the areas that reached the
    server on a day of the period (the server's receipt time, as a date where the programme
    works), by what they are about. Time to decision: for those of them with a lead's decision,
    hours from the concern reaching the server to the decision (median and longest), and how
    many were decided within SAFEGUARDING_DECISION_WORKING_DAYS working days (weekends and bank
    holidays skipped); those still awaiting a decision, and how many of those are overdue now.
    Outcomes: the decisions, by kind. {"raised", "by_about", "decided", "within_time",
    "median_hours", "longest_hours", "awaiting", "overdue", "outcomes"}."""
    now = now or datetime.now(programme_zone(app_config))
    zone = programme_zone(app_config)
    condition, params = access.area_people_filter(areas, "p")
    rows = db.query(
        "SELECT c.about, c.raised_at, d.decision, d.decided_at FROM safeguarding_concern c"
        " JOIN person p ON p.id = c.person_id LEFT JOIN safeguarding_decision d"
        " ON d.concern_id = c.id AND d.deleted = 0"
        f" WHERE c.deleted = 0 AND c.raised_at IS NOT NULL AND {condition}", params)
    raised = [row for row in rows if period.start
              <= parse_timestamp(row["raised_at"]).astimezone(zone).date() <= period.end]
    decided = [row for row in raised if row["decision"] and row["decided_at"]]
    waits = [_hours(row["raised_at"], row["decided_at"]) for row in decided]
    awaiting = [row for row in raised if not row["decision"]]

    def counted(key, labels):
        return [{"key": value, "label": label, "count": sum(1 for r in raised if r[key] == value)}
                for value, label in labels]

    return {
        "raised": len(raised),
        "by_about": counted("about", ABOUT),
        "decided": len(decided),
        "within_time": sum(1 for row in decided if parse_timestamp(row["decided_at"])
                           <= decision_due(app_config, row["raised_at"])),
        "median_hours": round(median(waits), 1) if waits else None,
        "longest_hours": round(max(waits), 1) if waits else None,
        "awaiting": len(awaiting),
        "overdue": sum(1 for row in awaiting if decision_due(app_config, row["raised_at"]) <= now),
        "outcomes": [o for o in counted("decision", DECISIONS) if o["count"]],
    }
