"""Every measure in one list, for the measures page, the figures export and bench/measures.py:
each with its title, how it is counted (its function's docstring, up to the shape of what it
returns, with settings named by their values) and how to compute it. Plain functions, no Flask."""

import inspect
import re

from ..timeutil import programme_today
from . import barriers, measures, outcomes, safeguarding_measures


def _sheet():
    """(key, title, function, how it is called) for every measure, in page order."""
    m, o, b = measures, outcomes, barriers
    return [
        ("trusted_persons", "Trusted persons and their coordinators", m.trusted_persons, "areas"),
        ("people_supported", "People supported by a trusted person", m.people_supported, "areas"),
        ("caseloads", "Caseload per worker against the cap", m.caseload_per_worker, "cap"),
        ("mdt_teams", "Multi-agency teams coordinated by a trusted person", m.mdt_teams, "period"),
        ("contacts", "Contacts by district and month", m.contacts_by_district_month, "period"),
        ("first_reached", "People first reached, and unknown to services", m.first_reached, "period"),
        ("bedded_down", "People bedded down and spoken to", m.bedded_down_spoken_to, "period"),
        ("streetlink", "StreetLink follow-ups", m.streetlink_follow_ups, "period"),
        ("peer_hours", "Peer-mentor hours by mentor and month", m.peer_mentor_hours, "period"),
        ("referrals", "Referrals by service", b.referrals_by_service, "period"),
        ("count_night", "Count-night tallies", b.count_night, "period"),
        ("ndt_fall", "NDT total fallen at 3, 6 and 12 months", o.ndt_fall, "end"),
        ("stable_housing", "In stable housing at 3, 6, 12 and 18 months", o.stable_housing, "end"),
        ("star_movement", "Outcomes Star movement per area", o.star_movement, "end"),
        ("priority", "Progress on a self-identified priority within 3 months", o.priority_progress,
         "end"),
        ("equality", "Equality monitoring", o.equality, "period_config"),
        ("barriers", "Barriers open, raised and resolved", b.barrier_measure, "target"),
        ("safeguarding", "Safeguarding concerns, time to decision and outcomes",
         safeguarding_measures.safeguarding_concerns, "period_config"),
    ]


def how_counted(function, app_config) -> str:
    """The sentence(s) saying how a measure is counted: its docstring up to the shape of what it
    returns (the " {" that starts it), on one line, with settings given by their values."""
    text = " ".join((inspect.getdoc(function) or "").split())
    text = re.split(r" \{\"", text)[0].rstrip(" .") + "."
    labels = dict(tuple(pair) for pair in app_config["HOUSING_SITUATIONS"])
    swaps = {
        "MEASURE_WINDOW_DAYS": f"{app_config['MEASURE_WINDOW_DAYS']} days",
        "CASELOAD_CAP": f"the cap of {app_config['CASELOAD_CAP']} people",
        "STABLE_HOUSING": " or ".join(labels.get(v, v) for v in app_config["STABLE_HOUSING"]),
        "POPULATION": "the population setting",
        "BARRIER_TARGET_DAYS": f"the target of {app_config['BARRIER_TARGET_DAYS']} days",
        "SAFEGUARDING_DECISION_WORKING_DAYS":
            str(app_config["SAFEGUARDING_DECISION_WORKING_DAYS"]),
    }
    for name, value in swaps.items():
        text = text.replace(f"({name})", "").replace(name, value)
    return text.replace("  ", " ").replace(" ,", ",").replace(" :", ":")


def compute(db, areas, period, app_config, only=None) -> dict:
    """{key: the measure's figures} for every measure (or those keys in `only`)."""
    figures = {}
    for key, _title, function, call in _sheet():
        if only and key not in only:
            continue
        if call == "areas":
            figures[key] = function(db, areas)
        elif call == "cap":
            figures[key] = function(db, areas, app_config["CASELOAD_CAP"])
        elif call == "period":
            figures[key] = function(db, areas, period)
        elif call == "target":
            figures[key] = function(db, areas, period, app_config["BARRIER_TARGET_DAYS"],
                                    today=programme_today(app_config))
        elif call == "end":
            figures[key] = function(db, areas, period.end, app_config)
        else:
            figures[key] = function(db, areas, period, app_config)
    return figures


def sections(app_config) -> list[dict]:
    """Every measure's key, title and how it is counted, in page order."""
    return [{"key": key, "title": title, "how": how_counted(function, app_config)}
            for key, title, function, _call in _sheet()]


def keys() -> list[str]:
    """Every measure's key, in page order."""
    return [key for key, *_rest in _sheet()]
