"""The designated safeguarding lead's pages (README: Safeguarding): the area's concerns, those
awaiting a decision first, and the decision with reasons. Online only, never cached. Coordinators
see the same list, read-only, with the overdue ones marked."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..db import get_db
from ..records.safeguarding import DECISIONS, is_lead
from ..rules import CoordinationError, safeguarding
from .guards import casework_required

bp = Blueprint("safeguarding", __name__)


def _lead_or_coordinator():
    db = get_db()
    lead = is_lead(db, current_user.id)
    if not lead and current_user.role != "coordinator":
        abort(403)
    return db, lead


@bp.route("/safeguarding")
@casework_required
def index():
    """The area's concerns: a lead decides; a coordinator sees which are overdue."""
    db, lead = _lead_or_coordinator()
    concerns = safeguarding.for_lead(db, current_user) if lead else \
        safeguarding.area_concerns(db, current_user.area)
    overdue = set(safeguarding.overdue(db, current_app.config, current_user.area))
    return render_template("safeguarding/index.html", concerns=concerns, lead=lead,
                           overdue=overdue, decisions=DECISIONS, errors={})


@bp.route("/safeguarding/<concern_id>/decide", methods=["POST"])
@casework_required
def decide(concern_id):
    """The lead's decision with reasons; the raiser hears of it."""
    db, lead = _lead_or_coordinator()
    if not lead:
        abort(403)
    try:
        safeguarding.decide(db, current_app.config, current_user._get_current_object(),
                            concern_id, request.form.to_dict())
    except CoordinationError as error:
        concerns = safeguarding.for_lead(db, current_user)
        overdue = set(safeguarding.overdue(db, current_app.config, current_user.area))
        return render_template("safeguarding/index.html", concerns=concerns, lead=lead,
                               overdue=overdue, decisions=DECISIONS,
                               errors={concern_id: error.errors}), 400
    flash("Decision recorded; the worker who raised it is told")
    return redirect(url_for("safeguarding.index"))
