"""The barrier form and the list of barriers (README: Barriers and lessons). The form is a
casework form: never posted to Flask; the page script turns it into a `barrier` mutation in the
outbox (fieldapp/records/barrier.py), so a worker logs a barrier with no signal. The list shows a
worker their own barriers and a coordinator their area's, with overdue ones flagged; a
coordinator moves a barrier on from /forum/barriers/<id> (online)."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from ..config import districts
from ..db import get_db
from ..reads import directory
from ..reads.barriers import barriers
from ..reads.caseload import caseload
from ..records.barrier import KINDS, STATUSES
from ..timeutil import programme_today
from .guards import casework_required

bp = Blueprint("barriers", __name__)


@bp.route("/barriers/new")
@casework_required
def new():
    """Log a barrier (a `barrier` create mutation via the outbox); works offline."""
    db = get_db()
    return render_template("barriers/new.html", kinds=KINDS, districts=districts(current_app.config),
                           people=caseload(db, current_user), services=directory.choices(db),
                           default_district=None)


@bp.route("/barriers")
@casework_required
def index():
    """The barriers this user may see (a worker their own, a coordinator their area's)."""
    status = request.args.get("status")
    status = status if status in dict(STATUSES) else None
    rows = barriers(get_db(), current_user, current_app.config, status=status,
                    today=programme_today(current_app.config))
    return render_template("barriers/index.html", barriers=rows, kinds=dict(KINDS),
                           statuses=STATUSES, status=status,
                           target=current_app.config["BARRIER_TARGET_DAYS"])
