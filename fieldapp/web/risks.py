"""Risk marker pages (README: Risk markers): add one, review or retire it (casework forms: never
posted to Flask, the page script turns them into `risk_marker` mutations in the outbox), and the
coordinator's list of markers past review. The partial templates/risks/_markers.html, shown first
on the person page, caseload row and contact form, reads through the template global
`risk_markers(person_id)`. Risk markers on places: the places page (`place_marker` mutations),
and templates/risks/_place_markers.html on the contact form."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, g, render_template
from flask_login import current_user

from .. import config as default_config
from ..db import get_db
from ..reads.place_markers import area_place_markers
from ..reads.risk_markers import due_for_review, live_markers, live_markers_of, marker
from ..records.risk_marker import KINDS, NOTE_MAX
from ..timeutil import programme_today
from .guards import casework_required, coordinator_required, form_person_or_404

bp = Blueprint("risks", __name__)

# The review date a new marker is offered: three months on (the worker may change it).
DEFAULT_REVIEW = timedelta(days=91)


@bp.app_template_global()
def risk_markers(person_id):
    """The live markers of a person the page is already about (its view is audited there)."""
    # Those read for a list first: only a signed-in user's page has them (read_markers_of), and
    # asking current_user (a proxy) once a caseload row cost more than the look-up.
    read_before = g.get("risk_markers_of")
    if read_before is not None and person_id in read_before:
        return read_before[person_id]
    if not getattr(current_user, "is_authenticated", False):
        return []
    return live_markers(get_db(), current_user, person_id, programme_today(current_app.config))


@bp.app_template_global()
def place_marker_kinds():
    """The kinds of risk by value, for the contact form's place markers (shown by the phone)."""
    return dict(KINDS)


def read_markers_of(person_ids):
    """For a page that lists many people (the caseload): read their live markers now, in one
    query, for `risk_markers` to answer from during this request."""
    if getattr(current_user, "is_authenticated", False):
        g.risk_markers_of = live_markers_of(get_db(), current_user, person_ids,
                                            programme_today(current_app.config))


@bp.route("/people/<person_id>/risk-markers/new")
@casework_required
def new(person_id):
    """Add a risk marker to a person (a `risk_marker` create mutation via the outbox)."""
    person = form_person_or_404(person_id)
    today = programme_today(current_app.config)
    return render_template("risks/new.html", person=person, kinds=KINDS, note_max=NOTE_MAX,
                           today=today.isoformat(),
                           review_on=(today + DEFAULT_REVIEW).isoformat())


@bp.route("/people/<person_id>/risk-markers/<marker_id>/review")
@casework_required
def review(person_id, marker_id):
    """Review a marker (a new review date, a new note) or retire it (update mutations)."""
    person = form_person_or_404(person_id)
    today = programme_today(current_app.config)
    found = marker(get_db(), current_user, person["id"], marker_id, today)
    if found is None:
        abort(404)
    return render_template("risks/review.html", person=person, marker=found, note_max=NOTE_MAX,
                           today=today.isoformat(),
                           review_on=(today + DEFAULT_REVIEW).isoformat())


@bp.route("/risk-markers/due")
@coordinator_required
def due():
    """The area's risk markers past their review date."""
    today = programme_today(current_app.config)
    return render_template("risks/due.html", markers=due_for_review(get_db(), current_user, today))


@bp.route("/places")
@casework_required
def places():
    """The area's risk markers on places, each with its review and retire forms, and the form to
    add one: one page the phone keeps, so all of it works offline."""
    config = current_app.config
    today = programme_today(config)
    districts = config["AREAS"].get(current_user.area, [])
    return render_template("risks/places.html", kinds=KINDS, note_max=NOTE_MAX,
                           markers=area_place_markers(get_db(), current_user, today),
                           districts=districts or default_config.districts(config),
                           today=today.isoformat(),
                           review_on=(today + DEFAULT_REVIEW).isoformat())
