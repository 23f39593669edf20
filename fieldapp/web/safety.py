"""A worker's own safety in the field (README: Lone working): start a visit, check in, ask for
help. Casework pages, kept by the phone for use with no signal; their forms are never posted to
Flask: the page script turns them into `visit` and `check_in` mutations in the outbox
(fieldapp/records/visit.py, check_in.py), and the server's timer (rules/lone_working.py) does
the rest."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from .. import config as default_config
from ..db import get_db
from ..timeutil import now_iso
from ..reads.lone_working import buddy_choices, my_open_visits
from .guards import casework_required

bp = Blueprint("safety", __name__)


@bp.route("/safety")
@casework_required
def index():
    """The worker's open visit with its check-ins and "I need help", or the form to start one."""
    db = get_db()
    config = current_app.config
    return render_template("safety/index.html", visits=my_open_visits(db, config, current_user),
                           buddies=buddy_choices(db, current_user),
                           districts=default_config.districts(config), rendered_at=now_iso())


@bp.route("/safety/help/received")
@casework_required
def help_received():
    """Shown only once the server has answered that it has the call for help."""
    return render_template("safety/help.html", received=True)


@bp.route("/safety/help/not-sent")
@casework_required
def help_not_sent():
    """Shown when the call for help has not reached the server: call 999."""
    return render_template("safety/help.html", received=False)
