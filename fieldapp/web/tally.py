"""The count-night tally form (README: Barriers and lessons, "Count night"): numbers seen per
district, no names. A casework form: never posted to Flask; the page script turns it into a
`tally` mutation (fieldapp/records/tally.py), so it works with no signal on the night."""

from flask import Blueprint, current_app, render_template

from ..config import districts
from ..records.tally import MAX_SEEN
from .guards import casework_required

bp = Blueprint("tally", __name__)


@bp.route("/tally/new")
@casework_required
def new():
    """Record how many people were seen sleeping rough in a district on a count night."""
    return render_template("tally/new.html", districts=districts(current_app.config),
                           max_seen=MAX_SEEN)
