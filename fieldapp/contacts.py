"""The contact forms. They are never posted to Flask: the page script turns a submit into a
mutation in the phone's outbox, which reaches the server through /api/sync."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from . import caseload as queries
from .config import districts
from .db import get_db
from .people import _visible_person_or_404, casework_required

bp = Blueprint("contacts", __name__)


@bp.route("/people/<person_id>/contacts/new")
@casework_required
def new_for_person(person_id):
    """Record a contact with a person already on the caseload."""
    person = _visible_person_or_404(person_id)
    return render_template(
        "contacts/new.html", person=person, people=None, districts=districts(current_app.config)
    )


@bp.route("/contacts/new")
@casework_required
def new():
    """Record a contact with anyone on the caseload, or someone not on the system yet."""
    people = queries.caseload(get_db(), current_user)
    return render_template(
        "contacts/new.html", person=None, people=people, districts=districts(current_app.config)
    )
