"""NDT assessment and Outcomes Star reading forms, and the summaries on the person and caseload
pages.

The forms are never posted to Flask: the page script turns a submit into an `assessment` mutation
in the phone's outbox (README: page contract), checked on the server by fieldapp/assessment_rules.py.
The summaries are plain functions (`person_overview`, `caseload_lines`) that the person page and
the caseload list call through the template globals registered at the bottom.
"""

import json
from datetime import date

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from . import caseload as queries
from . import instruments, licence, scoring, starchart
from .db import get_db
from .people import _visible_person_or_404, casework_required

bp = Blueprint("assessments", __name__)

COUNTED = ("final", "not_done")  # what the due date runs from


# --------------------------------------------------------------------------- plain functions
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
        "chart": starchart.ndt_chart([(r["assessed_on"], r["total"]) for r in finals],
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
        "chart": starchart.star_chart(instrument, readings),
        "distance": starchart.distance_travelled(instrument, same[0], same[-1]),
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
    rows = queries.assessments_for(db, [person_id])
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


def caseload_lines(db, app_config, person_ids, today=None):
    """A short line per person for the caseload, e.g. "NDT 32 ↓4 · Star due"."""
    today = today or date.today()
    catalog = instruments.catalog(app_config)
    licensed = licence.star_licensed(db)
    in_use = instruments_in_use(catalog, app_config, licensed)
    rows_by_person = {}
    for row in queries.assessments_for(db, person_ids, COUNTED):
        rows_by_person.setdefault(row["person_id"], []).append(row)
    lines = {}
    for person_id in person_ids:
        rows = rows_by_person.get(person_id, [])
        parts = []
        for instrument in in_use:
            due = _due(rows, instrument, app_config, today)
            name = instrument.short_name
            totals = [r for r in rows if r["instrument"] == instrument.id and r["status"] == "final"
                      and r["total"] is not None and r["instrument_version"] == instrument.version]
            if instrument.kind == "ndt" and totals:
                change = scoring.change(totals[-1]["total"],
                                        totals[-2]["total"] if len(totals) > 1 else None)
                part = f"{name} {totals[-1]['total']}"
                if change and change["figure"]:
                    part += f" {change['arrow']}{change['figure']}"
                if due["state"] in ("overdue", "due"):
                    part += " due"
            elif due["state"] in ("never", "overdue", "due"):
                part = f"{name} due"
            else:
                continue
            parts.append(part)
        lines[person_id] = " · ".join(parts)
    return lines


def previous_total(db, person_id, instrument):
    """The latest final total of this instrument version for a person: (total, date) or None."""
    rows = [r for r in queries.assessments_for(db, [person_id], ("final",))
            if r["instrument"] == instrument.id and r["instrument_version"] == instrument.version
            and r["total"] is not None]
    return (rows[-1]["total"], rows[-1]["assessed_on"]) if rows else None


# --------------------------------------------------------------------------- views
def _instrument_or_404(kind, default_ids=()):
    """The instrument named by ?instrument=<id>-<version> (or the first in use of this kind),
    if it is of `kind` and available to this deployment; else 404."""
    catalog = instruments.catalog(current_app.config)
    key = request.args.get("instrument")
    instrument = catalog.by_key(key) if key else None
    if not key:
        licensed = licence.star_licensed(get_db())
        instrument = next((i for i in instruments_in_use(catalog, current_app.config, licensed)
                           if i.kind == kind), None)
    if instrument is None or instrument.kind != kind:
        abort(404)
    if not licence.instrument_available(get_db(), instrument):
        abort(404)
    return instrument


@bp.route("/people/<person_id>/assessments/new")
@casework_required
def new_ndt(person_id):
    """The NDT assessment form (or a variant of the same kind): one level per domain."""
    person = _visible_person_or_404(person_id)
    instrument = _instrument_or_404("ndt")
    return render_template("assessments/ndt_form.html", person=person, instrument=instrument,
                           previous=previous_total(get_db(), person_id, instrument),
                           max_total=scoring.max_total(instrument))


@bp.route("/people/<person_id>/star/new")
@casework_required
def new_star(person_id):
    """A new Outcomes Star reading, live with the person or entered from paper."""
    person = _visible_person_or_404(person_id)
    instrument = _instrument_or_404("star")
    return render_template("assessments/star_form.html", person=person, instrument=instrument,
                           reading=None, stages_json=json.dumps(instrument.stages))


@bp.route("/people/<person_id>/star/<assessment_id>/edit")
@casework_required
def edit_star(person_id, assessment_id):
    """Resume a draft Star reading that has reached the server (an `update` mutation)."""
    person = _visible_person_or_404(person_id)
    reading = queries.get_assessment(get_db(), person_id, assessment_id)
    if reading is None or reading["status"] != "draft":
        abort(404)
    instrument = instruments.catalog(current_app.config).get(reading["instrument"],
                                                             reading["instrument_version"])
    if instrument is None or instrument.kind != "star":
        abort(404)
    if not licence.instrument_available(get_db(), instrument):
        abort(404)
    return render_template("assessments/star_form.html", person=person, instrument=instrument,
                           reading=reading, stages_json=json.dumps(instrument.stages))


# --------------------------------------------------------------------------- for templates
@bp.app_template_global()
def assessment_overview(person_id):
    """The person page's assessment summary (see `person_overview`)."""
    return person_overview(get_db(), current_app.config, person_id)


@bp.app_template_global()
def assessment_lines(people):
    """The caseload's one-line assessment summaries, by person id (see `caseload_lines`)."""
    if not current_user.is_authenticated:
        return {}
    return caseload_lines(get_db(), current_app.config, [p["id"] for p in people])
