"""Peer-mentor pages: the peer session form (a casework form: never posted to Flask, the page
script turns it into a `peer_session` mutation in the outbox, fieldapp/records/peer_session.py)
and a mentor's own hours (fieldapp/reads/peer_hours.py)."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from ..db import get_db
from ..reads.peer_hours import hours_text, my_hours, recent_sessions
from ..records.peer_session import MAX_MINUTES, MODES, purposes
from ..timeutil import programme_today
from .guards import peer_required, form_person_or_404

bp = Blueprint("peer", __name__)


@bp.route("/people/<person_id>/peer-sessions/new")
@peer_required
def new(person_id):
    """Log a peer session with a person (a `peer_session` create mutation via the outbox)."""
    person = form_person_or_404(person_id)
    return render_template("peer/new.html", person=person, modes=MODES,
                           purposes=purposes(current_app.config), max_minutes=MAX_MINUTES)


@bp.route("/peer/hours")
@peer_required
def hours():
    """This mentor's hours this week and this month, and their latest sessions."""
    db = get_db()
    today = programme_today(current_app.config)
    return render_template("peer/hours.html", hours=my_hours(db, current_user.id, today),
                           sessions=recent_sessions(db, current_user),
                           modes=dict(MODES), purposes=dict(purposes(current_app.config)))


bp.add_app_template_filter(hours_text, "hours")
