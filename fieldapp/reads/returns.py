"""The returns (README: Measures and returns): tables of rows, ready for CSV (reads/csv_export.py).

- `figures`: every measure of the measures page, one row per number.
- `people`: the quarterly de-identified per-person return in the style of the Fulfilling Lives
  common data framework: one row per person of the cohort under a pseudonymous id, with banded
  details, the five areas of disadvantage, and NDT, Star and housing per wave.
- `rough_sleeping`: the monthly rough-sleeping return, one row per month of the period.
Missing-data codes in the per-person return: -9 due but not recorded, -8 not yet due (or not
applicable: no exit destination while support goes on).
"""

from datetime import date, timedelta

from ..records import make_engine
from ..records.person import AREAS_OF_DISADVANTAGE
from ..rules import access, pseudonyms
from . import barriers as barrier_reads
from . import measure_sheet, outcomes
from .measures import Period, months_of

WAVES = (0, 3, 6, 12, 18)
MISSING, NOT_YET = -9, -8


def _flatten(prefix, value, out):
    """Every number inside a measure's figures, as (dotted name, value) rows."""
    if isinstance(value, dict):
        for key, inner in value.items():
            name = "/".join(key) if isinstance(key, tuple) else str(key)
            _flatten(f"{prefix}.{name}" if prefix else name, inner, out)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            label = inner.get("name") or inner.get("label") or inner.get("months") or \
                inner.get("value") if isinstance(inner, dict) else None
            _flatten(f"{prefix}.{label if label is not None else index}", inner, out)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) or value is None:
        out.append((prefix, value))


def figures(db, areas, period, app_config) -> tuple[list, list]:
    """(header, rows) of every measure: measure, figure (a dotted name inside it), value."""
    computed = measure_sheet.compute(db, areas, period, app_config)
    rows = []
    for section in measure_sheet.sections(app_config):
        found = []
        _flatten("", computed[section["key"]], found)
        rows += [[section["title"], name, value] for name, value in found
                 if not name.endswith(".months")]
    header = ["areas", "from", "to", "measure", "figure", "value"]
    lead = [", ".join(areas), period.start.isoformat(), period.end.isoformat()]
    return header, [lead + row for row in rows]


def quarter_name(day) -> str:
    """The calendar quarter of a date as "2026-Q3"."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if day else ""


def _band(person, end, app_config):
    return outcomes.age_band(person, end, [v for v, _ in app_config["AGE_BANDS"]]) or MISSING


def _near(rows, target, window, edition=None):
    """The reading dated nearest `target` within `window` (of `edition` if given), or None."""
    near = [r for r in rows if abs(r["assessed_on"] - target) <= window
            and (edition is None or (r["instrument"], r["instrument_version"]) == edition)]
    return min(near, key=lambda r: (abs(r["assessed_on"] - target), r["assessed_on"])) if near else None


def people(db, areas, period, app_config) -> tuple[list, list]:
    """(header, rows): one row per person of the cohort at the period's end (live people of the
    areas engaged by then), under a pseudonymous id. Waves are engagement + 0, 3, 6, 12 and 18
    months; a wave's NDT total and Star total (of the edition of the person's first Star reading)
    are of the final reading nearest that day within MEASURE_WINDOW_DAYS, its housing is what the
    record held at the end of that day (-9 none, -8 the wave is after the period)."""
    secret = app_config["PSEUDONYM_SECRET"]
    window = timedelta(days=app_config["MEASURE_WINDOW_DAYS"])
    cohort = outcomes.cohort(db, areas, period.end)
    ids = [p["id"] for p in cohort]
    details = {row["id"]: row for row in _details(db, ids)}
    ndt = outcomes.final_readings(db, ids, outcomes.kind_ids(app_config, "ndt"))
    star = outcomes.final_readings(db, ids, outcomes.kind_ids(app_config, "star"))
    histories = make_engine(db, app_config).histories("person", ids)
    areas_of = [key for key, _ in AREAS_OF_DISADVANTAGE]
    header = ["pseudonym", "area", "start_quarter", "end_quarter", *areas_of, "gender", "ethnicity",
              "age_band", "star_edition"]
    for wave in WAVES:
        header += [f"ndt_total_m{wave}", f"star_total_m{wave}", f"housing_m{wave}"]
    header.append("exit_destination")
    rows = []
    for person in cohort:
        row_details = details[person["id"]]
        versions = histories.get(person["id"], [])
        star_rows = [r for r in star.get(person["id"], []) if r["assessed_on"] <= period.end]
        edition = (star_rows[0]["instrument"], star_rows[0]["instrument_version"]) if star_rows else None
        closed = _closed_on(versions) if row_details["status"] == "closed" else None
        row = [pseudonyms.pseudonym(secret, person["id"]), row_details["area"],
               quarter_name(person["engaged_on"]), quarter_name(closed) or NOT_YET]
        row += [MISSING if row_details[a] is None else int(bool(row_details[a])) for a in areas_of]
        row += [person["gender"] or MISSING, person["ethnicity"] or MISSING,
                _band(person, period.end, app_config), " ".join(edition) if edition else MISSING]
        for wave in WAVES:
            target = outcomes.add_months(person["engaged_on"], wave)
            if target > period.end:
                row += [NOT_YET, NOT_YET, NOT_YET]
                continue
            ndt_rows = [r for r in ndt.get(person["id"], []) if r["assessed_on"] <= period.end]
            reading = _near(ndt_rows, target, window)
            star_reading = _near(star_rows, target, window, edition) if edition else None
            row += [reading["total"] if reading else MISSING,
                    star_reading["total"] if star_reading else MISSING,
                    outcomes.housing_on(versions, target) or MISSING]
        row.append(row_details["exit_destination"] or (MISSING if closed else NOT_YET))
        rows.append(row)
    return header, rows


def _details(db, ids):
    found = []
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        found += list(db.query(
            "SELECT id, area, status, exit_destination, homelessness, mental_health, offending,"
            f" substance_misuse, domestic_abuse FROM person WHERE id IN ({','.join('?' * len(batch))})",
            batch))
    return found


def _closed_on(versions):
    """The day a person's support closed: the server day of the version that made it closed."""
    closed_on, before = None, None
    for version in versions:
        status = version["fields"].get("status")
        if status == "closed" and before != "closed":
            closed_on = outcomes.as_day(version["stored_at"])
        before = status
    return closed_on


def _month_period(month: str) -> Period:
    first = date.fromisoformat(month + "-01")
    return Period(first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1))


def rough_sleeping(db, areas, period, app_config) -> tuple[list, list]:
    """(header, rows): the monthly rough-sleeping return, one row per calendar month the period
    touches, counted from live contacts where the person was bedded down, with live people of the
    areas. Seen: people bedded down in the month. Of them: new, never seen bedded down before the
    month; long-term (living on the streets), also seen bedded down in each of the two months
    before; returning, seen before but not in the month before; continuing, the rest (seen in the
    month before, not long-term). Leaving an institution: seen, whose housing situation on the
    day before their first bedded-down contact of the month was one of INSTITUTIONS."""
    condition, params = access.area_people_filter(areas, "p")
    seen_on = {}
    for person_id, contact_at in db.execute(
            "SELECT c.person_id, c.contact_at FROM contact c JOIN person p ON p.id = c.person_id"
            f" WHERE c.deleted = 0 AND c.bedded_down = 1 AND c.contact_at < ? AND {condition}"
            " ORDER BY c.contact_at", [period.after_end, *params]):
        seen_on.setdefault(person_id, []).append(contact_at)
    institutions = set(app_config["INSTITUTIONS"])
    months = months_of(period)
    month_sets = {}
    for person_id, times in seen_on.items():
        for text in times:
            month_sets.setdefault(text[:7], set()).add(person_id)
    seen_in_month = [pid for month in months for pid in month_sets.get(month, ())]
    histories = make_engine(db, app_config).histories("person", set(seen_in_month))
    header = ["month", "areas", "seen_rough_sleeping", "new", "returning", "continuing",
              "long_term", "leaving_institution", "bedded_down_contacts"]
    rows = []
    for month in months:
        span = _month_period(month)
        before1 = (span.start - timedelta(days=1)).strftime("%Y-%m")
        before2 = (span.start - timedelta(days=32)).replace(day=1).strftime("%Y-%m")
        seen = month_sets.get(month, set())
        counts = dict.fromkeys(("new", "returning", "continuing", "long_term", "leaving"), 0)
        for person_id in seen:
            times = seen_on[person_id]
            first_in_month = next(t for t in times if t[:7] == month)
            if not any(t < month for t in times):
                counts["new"] += 1
            elif person_id in month_sets.get(before1, ()) and person_id in month_sets.get(before2, ()):
                counts["long_term"] += 1
            elif person_id not in month_sets.get(before1, ()):
                counts["returning"] += 1
            else:
                counts["continuing"] += 1
            day_before = date.fromisoformat(first_in_month[:10]) - timedelta(days=1)
            counts["leaving"] += outcomes.housing_on(histories.get(person_id, []), day_before) \
                in institutions
        contacts = sum(t[:7] == month for times in seen_on.values() for t in times)
        rows.append([month, ", ".join(areas), len(seen), counts["new"], counts["returning"],
                     counts["continuing"], counts["long_term"], counts["leaving"], contacts])
    return header, rows


def lessons(db, areas, period, app_config) -> tuple[list, list]:
    """(header, rows): the Change Forum lessons of the areas from forums in the period, one row
    each: area, forum day, partner, level, issue, and the linked barriers (service: status)."""
    rows = [[lesson["area"], lesson["forum_on"], lesson["partner"], lesson["level"], lesson["issue"],
             "; ".join(f"{b['service']}: {b['status']}" for b in lesson["barriers"])]
            for lesson in barrier_reads.lessons(db, areas)
            if period.start.isoformat() <= lesson["forum_on"] <= period.end.isoformat()]
    return ["area", "forum_on", "partner", "level", "issue", "barriers"], rows


RETURNS = {"figures": figures, "people": people, "rough-sleeping": rough_sleeping,
           "lessons": lessons}
