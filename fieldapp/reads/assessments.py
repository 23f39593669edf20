"""What pages show about NDT assessments and Outcomes Star readings: the person page's overview,
the one summary per caseload row, and the rows themselves. Plain functions; callers have checked
that the user may see the people and read assessments (access.can_see_record_type).

One rule for "due" everywhere (rules/scoring.is_due): never done, overdue, or due today.
"""

import json
from datetime import date

from .. import instruments
from ..rules import licence, scoring
from . import charts

COUNTED = ("final", "not_done")  # what the due date runs from


def _assessment_row(row):
    row = dict(row)
    for name in ("scores", "notes", "disagree"):
        row[name] = json.loads(row[name]) if row.get(name) else {}
    row["from_paper"] = bool(row.get("from_paper"))
    return row


def assessments_for(db, person_ids, statuses=None):
    """The assessments and Star readings of these people, oldest first by date, with scores,
    notes and disagreement as dicts and the assessor's name. `statuses` limits them, e.g.
    ("final",) for what counts in reports."""
    person_ids = list(person_ids)
    if not person_ids:
        return []
    sql = f"""SELECT a.*, COALESCE(u.display_name, u.username) AS assessor_name,
                     COALESCE(f.display_name, f.username) AS finalised_by_name,
                     COALESCE(c.display_name, c.username) AS changed_by_name
              FROM assessment a LEFT JOIN user u ON u.id = a.assessor_id
              LEFT JOIN user f ON f.id = a.finalised_by LEFT JOIN user c ON c.id = a.changed_by
              WHERE a.deleted = 0 AND a.person_id IN ({",".join("?" * len(person_ids))})"""
    params = list(person_ids)
    if statuses:
        sql += f" AND a.status IN ({','.join('?' * len(statuses))})"
        params += list(statuses)
    sql += " ORDER BY a.assessed_on, a.created_at"
    return [_assessment_row(row) for row in db.query(sql, params)]


def get_assessment(db, person_id, assessment_id):
    """One assessment of this person (not deleted), or None."""
    rows = list(db.query("SELECT * FROM assessment WHERE id = ? AND person_id = ? AND deleted = 0",
                         [assessment_id, person_id]))
    return _assessment_row(rows[0]) if rows else None


def open_draft(db, person_id, instrument_id):
    """The latest draft reading of this instrument for this person (the caller may see them), or
    None: starting a reading while one is in draft resumes it, so no second reading is begun
    beside the one a colleague (or the worker last week) left half done."""
    rows = list(db.query("""SELECT * FROM assessment WHERE person_id = ? AND instrument = ?
                            AND status = 'draft' AND deleted = 0
                            ORDER BY assessed_on DESC, created_at DESC LIMIT 1""",
                         [person_id, instrument_id]))
    return _assessment_row(rows[0]) if rows else None


def instruments_in_use(catalog, app_config, licensed: bool):
    """The latest version of each instrument the programme uses (the keys of
    ASSESSMENT_CADENCE_DAYS), leaving out licensed ones until the licence is switched on."""
    chosen = []
    for instrument_id in app_config["ASSESSMENT_CADENCE_DAYS"]:
        instrument = catalog.latest(instrument_id)
        if instrument is not None and (licensed or not instrument.requires_licence):
            chosen.append(instrument)
    return chosen


def threshold_for(app_config, instrument_id):
    """The NDT eligibility threshold for this instrument id, or None (README: Instruments)."""
    setting = app_config.get("NDT_ELIGIBILITY_THRESHOLD")
    if isinstance(setting, dict):
        return setting.get(instrument_id)
    return setting


def _due(rows, instrument, app_config, today):
    """scoring.due for one instrument from a person's rows (oldest first)."""
    done = [r for r in rows if r["instrument"] == instrument.id and r["status"] in COUNTED]
    last_on = done[-1]["assessed_on"] if done else None
    return scoring.due(last_on, app_config["ASSESSMENT_CADENCE_DAYS"].get(instrument.id), today)


def ndt_summary(catalog, rows, instrument_key):
    """Latest and previous final totals of one NDT-type instrument version, the change and the
    chart's geometry; None if there is no final total."""
    instrument = catalog.by_key(instrument_key)
    finals = [r for r in rows if f"{r['instrument']}-{r['instrument_version']}" == instrument_key
              and r["status"] == "final" and r["total"] is not None]
    if not finals or instrument is None:
        return None
    latest = finals[-1]
    previous = finals[-2] if len(finals) > 1 else None
    return {
        "instrument": instrument,
        "latest": latest,
        "previous": previous,
        "change": scoring.change(latest["total"], previous["total"] if previous else None),
        "chart": charts.ndt_chart([(r["assessed_on"], r["total"]) for r in finals],
                                     latest["max_total"] or scoring.max_total(instrument)),
        "finals": finals,
    }


def star_summary(catalog, rows):
    """The star chart (last three final readings of the Star and edition last used) and the
    distance travelled (first vs latest final reading of that Star and edition); None if none."""
    finals = [r for r in rows if r["status"] == "final"
              and (catalog.get(r["instrument"], r["instrument_version"]) or _NONE).kind == "star"]
    if not finals:
        return None
    latest = finals[-1]
    instrument = catalog.get(latest["instrument"], latest["instrument_version"])
    same = [r for r in finals if (r["instrument"], r["instrument_version"]) ==
            (latest["instrument"], latest["instrument_version"])
            and scoring.is_complete(instrument, r["scores"])]
    if not same:
        return None
    readings = same[-3:]
    return {
        "instrument": instrument,
        "readings": readings,
        "chart": charts.star_chart(instrument, readings),
        "distance": charts.distance_travelled(instrument, same[0], same[-1]),
        "first": same[0],
        "latest": same[-1],
    }


class _NoInstrument:
    kind = None


_NONE = _NoInstrument()


def person_overview(db, app_config, person_id, today=None):
    """Everything the person page shows about assessments, for one person the caller may see."""
    today = today or date.today()
    catalog = instruments.catalog(app_config)
    licensed = licence.star_licensed(db)
    rows = assessments_for(db, [person_id])
    visible = [r for r in rows if licensed or not _requires_licence(catalog, r)]
    in_use = instruments_in_use(catalog, app_config, licensed)
    keys = []
    for r in visible:
        instrument = catalog.get(r["instrument"], r["instrument_version"])
        key = f"{r['instrument']}-{r['instrument_version']}"
        if instrument is not None and instrument.kind == "ndt" and key not in keys:
            keys.append(key)
    ndt = [s for s in (ndt_summary(catalog, visible, key) for key in keys) if s]
    history = [r for r in reversed(visible) if r["status"] in COUNTED]
    for r in history:
        r["instrument_def"] = catalog.get(r["instrument"], r["instrument_version"])
    return {
        "licensed": licensed,
        "due": [{"instrument": i, **_due(visible, i, app_config, today)} for i in in_use],
        "start": in_use,
        "ndt": ndt,
        "thresholds": {s["instrument"].key: threshold_for(app_config, s["instrument"].id)
                       for s in ndt},
        "star": star_summary(catalog, visible) if licensed else None,
        "star_notice": _star_notice(catalog) if licensed else None,
        "drafts": [r for r in reversed(visible) if r["status"] == "draft"
                   and (catalog.get(r["instrument"], r["instrument_version"]) or _NONE).kind == "star"],
        "history": history[:10],
    }


def _requires_licence(catalog, row):
    instrument = catalog.get(row["instrument"], row["instrument_version"])
    return instrument is not None and instrument.requires_licence


def _star_notice(catalog):
    notices = {i.licence_notice for i in catalog if i.requires_licence and i.licence_notice}
    return " ".join(sorted(notices)) or None


def caseload_summaries(db, app_config, person_ids, today=None) -> dict:
    """The one assessment summary per caseload row, by person id:
    {"line": "NDT 32 ↓4 · Star due", "due": [short names of instruments due], "star": (short
    name, the stage most of the latest final reading's areas are at) or None}.
    Only the instruments the programme uses (ASSESSMENT_CADENCE_DAYS), latest versions."""
    today = today or date.today()
    catalog = instruments.catalog(app_config)
    in_use = instruments_in_use(catalog, app_config, licence.star_licensed(db))
    rows_by_person = {}
    for row in _summary_rows(db, person_ids):
        rows_by_person.setdefault(row["person_id"], []).append(row)
    # Everyone with no reading yet has the same summary (every instrument due): worked out once,
    # a copy each, not once a row.
    nothing_yet = _summary([], in_use, app_config, today)
    return {person_id: (_summary(rows_by_person[person_id], in_use, app_config, today)
                        if person_id in rows_by_person
                        else {**nothing_yet, "due": list(nothing_yet["due"])})
            for person_id in person_ids}


def _summary_rows(db, person_ids):
    """The columns a caseload summary reads of every counted assessment of these people, oldest
    first, in one query (no assessor names, notes or disagreement: the caseload shows none)."""
    person_ids = list(person_ids)
    if not person_ids:
        return []
    cursor = db.execute(
        f"""SELECT person_id, instrument, instrument_version, status, total, assessed_on, scores
            FROM assessment WHERE deleted = 0 AND person_id IN ({",".join("?" * len(person_ids))})
            AND status IN ({",".join("?" * len(COUNTED))}) ORDER BY assessed_on, created_at""",
        [*person_ids, *COUNTED])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def _summary(rows, in_use, app_config, today):
    parts, due, star = [], [], None
    for instrument in in_use:
        is_due = scoring.is_due(_due(rows, instrument, app_config, today)["state"])
        if is_due:
            due.append(instrument.short_name)
        same = [r for r in rows if (r["instrument"], r["instrument_version"])
                == (instrument.id, instrument.version) and r["status"] == "final"]
        if instrument.kind == "ndt" and any(r["total"] is not None for r in same):
            totals = [r["total"] for r in same if r["total"] is not None]
            part = f"{instrument.short_name} {totals[-1]}"
            moved = scoring.change(totals[-1], totals[-2] if len(totals) > 1 else None)
            if moved and moved["figure"]:
                part += f" {moved['arrow']}{moved['figure']}"
            parts.append(part + (" due" if is_due else ""))
            continue
        if instrument.kind == "star" and same:
            scores = json.loads(same[-1]["scores"] or "{}")
            stages = [s for s in (instrument.stage(v) for v in scores.values()) if s]
            if stages:
                star = (instrument.short_name, max(stages, key=stages.count))
        if is_due:
            parts.append(f"{instrument.short_name} due")
    return {"line": " · ".join(parts), "due": due, "star": star}


def previous_total(db, person_id, instrument):
    """The latest final total of this instrument version for a person: (total, date) or None."""
    rows = [r for r in assessments_for(db, [person_id], ("final",))
            if r["instrument"] == instrument.id and r["instrument_version"] == instrument.version
            and r["total"] is not None]
    return (rows[-1]["total"], rows[-1]["assessed_on"]) if rows else None
