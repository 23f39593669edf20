"""NDT assessment and Outcomes Star reading forms.

The forms are never posted to Flask: the page script turns a submit into an `assessment` mutation
in the phone's outbox (README: page contract), checked on the server by
fieldapp/records/assessment.py. What the person page and caseload show about assessments is
fieldapp/reads/assessments.py.
"""

import json

from flask import Blueprint, abort, current_app, render_template, request

from .. import instruments
from ..db import get_db
from ..reads.assessments import get_assessment, instruments_in_use, previous_total
from ..rules import licence, scoring
from .guards import audited_person_or_404, casework_required, form_person_or_404

bp = Blueprint("assessments", __name__)


def _instrument_or_404(kind):
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
    person = form_person_or_404(person_id)
    instrument = _instrument_or_404("ndt")
    return render_template("assessments/ndt_form.html", person=person, instrument=instrument,
                           previous=previous_total(get_db(), person_id, instrument),
                           max_total=scoring.max_total(instrument))


@bp.route("/people/<person_id>/star/new")
@casework_required
def new_star(person_id):
    """A new Outcomes Star reading, live with the person or entered from paper."""
    person = form_person_or_404(person_id)
    instrument = _instrument_or_404("star")
    return render_template("assessments/star_form.html", person=person, instrument=instrument,
                           reading=None, stages_json=json.dumps(instrument.stages))


@bp.route("/people/<person_id>/star/<assessment_id>/edit")
@casework_required
def edit_star(person_id, assessment_id):
    """Resume a draft Star reading that has reached the server (an `update` mutation)."""
    person = audited_person_or_404(person_id)
    reading = get_assessment(get_db(), person_id, assessment_id)
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
