"""Peer-mentor pages: the peer session form (a casework form: never posted to Flask, the page
script turns it into a `peer_session` mutation in the outbox) and a mentor's own hours.

The rules and the sums are in fieldapp/peer_sessions.py.
"""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from .auth import role_required
from .db import get_db
from .peer_sessions import (MAX_MINUTES, MODES, PEER_ROLES, hours_text, my_hours, programme_today,
                            purposes, recent_sessions)
from .people import _visible_person_or_404

bp = Blueprint("peer", __name__)
peer_required = role_required(*PEER_ROLES)


@bp.after_request
def _casework_caching(response):
    """Like the other casework pages: cacheable for offline use by this worker only, and the same
    URL may answer a full page or an htmx partial."""
    response.vary.add("HX-Request")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/people/<person_id>/peer-sessions/new")
@peer_required
def new(person_id):
    """Log a peer session with a person (a `peer_session` create mutation via the outbox)."""
    person = _visible_person_or_404(person_id)
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


@bp.app_template_global()
def my_peer_hours():
    """For `templates/peer/_my_hours.html`: the signed-in peer mentor's hours, else None."""
    if not current_user.is_authenticated or current_user.role != "peer_mentor":
        return None
    return my_hours(get_db(), current_user.id, programme_today(current_app.config))


bp.add_app_template_filter(hours_text, "hours")
