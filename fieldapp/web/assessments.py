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
from ..reads.assessments import get_assessment, instruments_in_use, open_draft, previous_total
from ..reads.person import ON_PHONE
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
    """A new Outcomes Star reading, live with the person or entered from paper; or, when the
    person has a draft of this instrument, that draft to resume (the same form as `edit_star`,
    so the copy the phone keeps of this page offline resumes it too)."""
    person = form_person_or_404(person_id)
    instrument = _instrument_or_404("star")
    draft = open_draft(get_db(), person_id, instrument.id) if person_id != ON_PHONE else None
    if draft is not None:
        return _resume_form(person, draft)
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
    return _resume_form(person, reading)


def _resume_form(person, reading):
    """The Star form filled in from a draft reading, sent back as an `update` of it; 404 if its
    instrument is unknown, not a Star or not licensed."""
    instrument = instruments.catalog(current_app.config).get(reading["instrument"],
                                                             reading["instrument_version"])
    if instrument is None or instrument.kind != "star":
        abort(404)
    if not licence.instrument_available(get_db(), instrument):
        abort(404)
    return render_template("assessments/star_form.html", person=person, instrument=instrument,
                           reading=reading, stages_json=json.dumps(instrument.stages))
