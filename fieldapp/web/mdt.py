"""The multi-agency meeting form (README: Measures, "Multi-agency teams coordinated by a trusted
person"). A casework form: never posted to Flask; the page script turns it into an `mdt_meeting`
mutation in the outbox (fieldapp/records/mdt_meeting.py), so a trusted person records the meeting
they coordinated with no signal. Kept on the phone like /barriers/new."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from ..db import get_db
from ..reads.caseload import caseload
from ..records.mdt_meeting import MIN_AGENCIES
from .guards import casework_required

bp = Blueprint("mdt", __name__)


@bp.route("/mdt/new")
@casework_required
def new():
    """Record a multi-agency meeting about someone on the worker's caseload."""
    return render_template("mdt/new.html", people=caseload(get_db(), current_user),
                           agencies=current_app.config["MDT_AGENCIES"], min_agencies=MIN_AGENCIES)
