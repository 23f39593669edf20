"""The programme's outcome measures (README: Measures): NDT falling, stable housing, Outcomes Star
movement and equality monitoring. One plain function per measure, with the same rules for people
and periods as reads/measures.py, and these for the cohort:

- The cohort: live people of the areas with an engagement date (`engaged_on`) on or before the
  period's end. "At N months" is engagement + N calendar months; a person is due a figure at N
  months when that day is on or before the period's end (so each quarter's figure is cumulative:
  everyone due by then), and is "missing" when the figure cannot be worked out for them.
"""

import json
from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache

from .. import instruments
from ..records import make_engine
from ..rules import access

NDT_POINTS = (3, 6, 12)
HOUSING_POINTS = (3, 6, 12, 18)


@lru_cache(maxsize=65536)
def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, on the same day of the month or the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    following = date(year + (month == 12), 1 if month == 12 else month + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + timedelta(days=day.day - 1),
               following - timedelta(days=1))


def percent(part, whole):
    """part / whole as a whole percentage, or None when there is nothing to divide by."""
    return round(100 * part / whole) if whole else None


def as_day(text):
    """The date a stored text starts with (YYYY-MM-DD...), or None."""
    try:
        return date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def cohort(db, areas, end: date) -> list[dict]:
    """The live people of the areas engaged on or before `end` (id, engaged_on as a date, and the
    details equality monitoring reads), oldest engagement first."""
    condition, params = access.area_people_filter(areas, "p")
    people = []
    for row in db.query(
            "SELECT p.id, p.engaged_on, p.gender, p.ethnicity, p.age_band, p.date_of_birth,"
            f" p.exit_destination FROM person p WHERE p.engaged_on IS NOT NULL AND {condition}"
            " ORDER BY p.engaged_on", params):
        engaged = as_day(row["engaged_on"])
        if engaged is not None and engaged <= end:
            people.append({**row, "engaged_on": engaged})
    return people


def kind_ids(app_config, kind):
    """The ids of the catalog's instruments of one kind ("ndt" or "star")."""
    return {instrument.id for instrument in instruments.catalog(app_config) if instrument.kind == kind}


def final_readings(db, person_ids, instrument_ids):
    """{person id: [final readings of these instruments, oldest first]}."""
    found = defaultdict(list)
    ids, kinds = list(person_ids), list(instrument_ids)
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        for row in db.query(
                "SELECT person_id, instrument, instrument_version, assessed_on, total, scores"
                " FROM assessment WHERE deleted = 0 AND status = 'final'"
                f" AND instrument IN ({','.join('?' * len(kinds))})"
                f" AND person_id IN ({','.join('?' * len(batch))})"
                " ORDER BY assessed_on, created_at", [*kinds, *batch]):
            row["assessed_on"] = as_day(row["assessed_on"])
            if row["assessed_on"] is not None:
                found[row["person_id"]].append(row)
    return found


def ndt_fall(db, areas, end: date, app_config) -> dict:
    """% of the cohort whose NDT total fell at 3, 6 and 12 months after engagement. Baseline: a
    person's first final NDT reading, if dated no later than MEASURE_WINDOW_DAYS after engagement.
    The reading at N months: the final reading of the same instrument and version as the baseline
    dated nearest engagement + N months, within MEASURE_WINDOW_DAYS either side and after the
    baseline. Due: the cohort members whose N-month day is on or before the period's end. Missing:
    due with no baseline or no reading at N months. Fell: the total at N months is below the
    baseline's. % = fell / (due - missing). {"points": [{"months", "due", "missing", "with_reading",
    "fell", "percent"}]}."""
    window = timedelta(days=app_config["MEASURE_WINDOW_DAYS"])
    people = cohort(db, areas, end)
    readings = final_readings(db, [p["id"] for p in people], kind_ids(app_config, "ndt"))
    points = []
    for months in NDT_POINTS:
        due = missing = fell = 0
        for person in people:
            target = add_months(person["engaged_on"], months)
            if target > end:
                continue
            due += 1
            rows = readings.get(person["id"], [])
            baseline = rows[0] if rows and rows[0]["assessed_on"] <= person["engaged_on"] + window \
                else None
            near = [r for r in rows[1:] if baseline
                    and (r["instrument"], r["instrument_version"])
                    == (baseline["instrument"], baseline["instrument_version"])
                    and r["assessed_on"] > baseline["assessed_on"]
                    and abs(r["assessed_on"] - target) <= window]
            if not near:
                missing += 1
                continue
            reading = min(near, key=lambda r: (abs(r["assessed_on"] - target), r["assessed_on"]))
            fell += reading["total"] < baseline["total"]
        points.append({"months": months, "due": due, "missing": missing,
                       "with_reading": due - missing, "fell": fell,
                       "percent": percent(fell, due - missing)})
    return {"points": points}


def stable_housing(db, areas, end: date, app_config) -> dict:
    """% of the cohort in stable housing at 3, 6, 12 and 18 months after engagement, from the
    housing history: a person's housing situation at N months is the one their record held at the
    end of that day (the latest version of their details the server had stored by then). Stable:
    one of STABLE_HOUSING. Due: the cohort members whose N-month day is on or before the period's
    end. Missing: due with no housing situation recorded by then. % = stable / (due - missing).
    {"points": [{"months", "due", "missing", "known", "stable", "percent"}], "stable_labels"}."""
    stable = set(app_config["STABLE_HOUSING"])
    people = cohort(db, areas, end)
    histories = make_engine(db, app_config).histories("person", [p["id"] for p in people])
    points = []
    for months in HOUSING_POINTS:
        due = missing = housed = 0
        for person in people:
            target = add_months(person["engaged_on"], months)
            if target > end:
                continue
            due += 1
            situation = housing_on(histories.get(person["id"], []), target)
            if not situation:
                missing += 1
            else:
                housed += situation in stable
        points.append({"months": months, "due": due, "missing": missing,
                       "known": due - missing, "stable": housed,
                       "percent": percent(housed, due - missing)})
    labels = dict(tuple(pair) for pair in app_config["HOUSING_SITUATIONS"])
    return {"points": points, "stable_labels": [labels.get(v, v) for v in app_config["STABLE_HOUSING"]]}


def housing_on(versions, day: date):
    """The housing situation a person's record held at the end of `day`, from their versions
    (oldest first, as the engine's `histories` gives them): the latest stored by then, or None."""
    by_then = f"{day.isoformat()}T23:59:59Z"
    situation = None
    for version in versions:
        if version["stored_at"] <= by_then:
            situation = version["fields"].get("housing_situation")
    return situation


def star_movement(db, areas, end: date, app_config) -> dict:
    """Outcomes Star movement per area of the Star, between each person's first and latest final
    readings of one edition: for live people of the areas, the edition (Star and version) of their
    latest final reading dated on or before the period's end; people with at least two final
    readings of that edition count; per Star area, the mean of (latest score - first score) and how
    many moved up or down. Readings of other editions are never compared with it.
    {"editions": [{"name", "people", "areas": [{"label", "mean_change", "up", "down"}]}],
    "single_reading": people with a latest edition read only once}."""
    condition, params = access.area_people_filter(areas, "p")
    ids = [row[0] for row in db.execute(f"SELECT p.id FROM person p WHERE {condition}", params)]
    readings = final_readings(db, ids, kind_ids(app_config, "star"))
    catalog = instruments.catalog(app_config)
    by_edition, single = defaultdict(list), 0
    for rows in readings.values():
        rows = [r for r in rows if r["assessed_on"] <= end]
        if not rows:
            continue
        edition = (rows[-1]["instrument"], rows[-1]["instrument_version"])
        same = [r for r in rows if (r["instrument"], r["instrument_version"]) == edition]
        if len(same) < 2:
            single += 1
            continue
        first, latest = json.loads(same[0]["scores"] or "{}"), json.loads(same[-1]["scores"] or "{}")
        by_edition[edition].append({k: latest[k] - first[k] for k in first
                                    if isinstance(first.get(k), int) and isinstance(latest.get(k), int)})
    editions = []
    for (instrument_id, version), changes in sorted(by_edition.items()):
        instrument = catalog.get(instrument_id, version) or catalog.latest(instrument_id)
        domains = instrument.domains if instrument else [
            {"key": k, "label": k} for k in sorted({k for c in changes for k in c})]
        listed = []
        for domain in domains:
            moved = [c[domain["key"]] for c in changes if domain["key"] in c]
            listed.append({"label": domain["label"],
                           "mean_change": round(sum(moved) / len(moved), 1) if moved else None,
                           "up": sum(m > 0 for m in moved), "down": sum(m < 0 for m in moved)})
        name = (instrument.name.split(" (")[0] if instrument else instrument_id) + f" {version}"
        editions.append({"name": name, "people": len(changes), "areas": listed})
    return {"editions": editions, "single_reading": single}


def priority_progress(db, areas, end: date, app_config) -> dict:
    """% making progress on a self-identified priority within 3 months: for live people of the
    areas, their first final Star reading (on or before the period's end) that names the area the
    person chose as their priority. Due: that reading is at least 3 months before the period's
    end. Missing: due, with no later final reading of the same edition within 3 months of it.
    Progress: the latest such reading scores the priority area higher than the first did.
    % = progress / (due - missing). {"due", "missing", "with_reading", "progress", "percent"}."""
    condition, params = access.area_people_filter(areas, "p")
    rows = db.execute(
        "SELECT a.person_id, a.instrument, a.instrument_version, a.assessed_on, a.scores, a.priority"
        " FROM assessment a JOIN person p ON p.id = a.person_id WHERE a.deleted = 0"
        f" AND a.status = 'final' AND a.assessed_on <= ? AND {condition}"
        " ORDER BY a.person_id, a.assessed_on, a.created_at", [end.isoformat(), *params]).fetchall()
    by_person = defaultdict(list)
    for person_id, *rest in rows:
        by_person[person_id].append(rest)
    due = missing = progress = 0
    for readings in by_person.values():
        chosen = next((r for r in readings if r[4]), None)
        if chosen is None:
            continue
        start = as_day(chosen[2])
        if start is None or add_months(start, 3) > end:
            continue
        due += 1
        later = [r for r in readings if (r[0], r[1]) == (chosen[0], chosen[1])
                 and start < as_day(r[2]) <= add_months(start, 3)]
        if not later:
            missing += 1
            continue
        first = json.loads(chosen[3] or "{}").get(chosen[4])
        last = json.loads(later[-1][3] or "{}").get(chosen[4])
        progress += isinstance(first, int) and isinstance(last, int) and last > first
    return {"due": due, "missing": missing, "with_reading": due - missing, "progress": progress,
            "percent": percent(progress, due - missing)}


def age_band(person, on: date, bands) -> str | None:
    """A person's age band: the one recorded, else the band their date of birth puts them in on
    `on` (AGE_BANDS values like "25-34" and "65+"); None if neither is known."""
    if person.get("age_band") and person["age_band"] != "unknown":
        return person["age_band"]
    born = as_day(person.get("date_of_birth"))
    if born is None:
        return None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for value in bands:
        low, _, high = value.partition("-")
        low = low.rstrip("+")
        if low.isdigit() and int(low) <= age and (not high or (high.isdigit() and age <= int(high))):
            return value
    return None


def _reached(db, areas, period):
    condition, params = access.area_people_filter(areas, "p")
    return list(db.query(
        "SELECT p.id, p.gender, p.ethnicity, p.age_band, p.date_of_birth FROM person p"
        f" WHERE {condition} AND EXISTS (SELECT 1 FROM contact c WHERE c.person_id = p.id"
        " AND c.deleted = 0 AND c.contact_at >= ? AND c.contact_at < ?)",
        [*params, period.start.isoformat(), period.after_end]))


def equality(db, areas, period, app_config) -> dict:
    """Equality monitoring: the cohort (live people of the areas engaged on or before the period's
    end) and the people reached (live people of the areas with a live contact in the period), by
    gender, ethnicity and age band (recorded, or from the date of birth at the period's end),
    each value as a share of those with it recorded ("Prefer not to say" and blanks are counted
    apart, as not recorded), against the areas' population (POPULATION, weighted by adults when
    there are several areas). {"dimensions": [{"name", "label", "rows": [{"value", "label",
    "cohort", "cohort_percent", "reached", "reached_percent", "population_percent"}],
    "cohort_not_recorded", "reached_not_recorded"}], "cohort", "reached"}."""
    people = {"cohort": cohort(db, areas, period.end), "reached": _reached(db, areas, period)}
    population = _population(app_config, areas)
    bands = [value for value, _ in app_config["AGE_BANDS"]]
    dimensions = []
    for name, label, setting in (("gender", "Gender", "GENDERS"),
                                 ("ethnicity", "Ethnicity", "ETHNICITIES"),
                                 ("age_band", "Age band", "AGE_BANDS")):
        choices = [(v, l) for v, l in app_config[setting] if v not in ("prefer_not_to_say", "unknown")]
        counts = {}
        for group, members in people.items():
            values = [age_band(p, period.end, bands) if name == "age_band" else p.get(name)
                      for p in members]
            counts[group] = {v: values.count(v) for v, _ in choices}
            counts[group + "_recorded"] = sum(counts[group].values())
            counts[group + "_not_recorded"] = len(values) - counts[group + "_recorded"]
        rows = [{"value": v, "label": l,
                 "cohort": counts["cohort"][v],
                 "cohort_percent": percent(counts["cohort"][v], counts["cohort_recorded"]),
                 "reached": counts["reached"][v],
                 "reached_percent": percent(counts["reached"][v], counts["reached_recorded"]),
                 "population_percent": (round(100 * population[name][v])
                                        if v in population.get(name, {}) else None)}
                for v, l in choices]
        dimensions.append({"name": name, "label": label, "rows": rows,
                           "cohort_not_recorded": counts["cohort_not_recorded"],
                           "reached_not_recorded": counts["reached_not_recorded"]})
    return {"dimensions": dimensions, "cohort": len(people["cohort"]),
            "reached": len(people["reached"])}


def _population(app_config, areas) -> dict:
    """The areas' population shares, weighted by adults: {dimension: {value: share}}."""
    tables = [app_config["POPULATION"][a] for a in areas if a in app_config["POPULATION"]]
    total = sum(t.get("adults", 0) for t in tables) or 1
    merged = defaultdict(lambda: defaultdict(float))
    for table in tables:
        weight = (table.get("adults", 0) or 0) / total if len(tables) > 1 else 1
        for dimension, shares in table.items():
            if isinstance(shares, dict):
                for value, share in shares.items():
                    merged[dimension][value] += share * weight
    return merged
