"""The contact forms. They are never posted to Flask: the page script turns a submit into a
mutation in the phone's outbox, which reaches the server through /api/sync (the `contact` record
type: fieldapp/records/contact.py)."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from ..config import districts
from ..db import get_db
from ..reads import directory
from ..reads.caseload import caseload
from ..reads.person import for_phones
from .guards import casework_required, form_person_or_404

bp = Blueprint("contacts", __name__)


def _form_context():
    """What both contact forms need beside the person: the districts, the directory's services,
    and the time zone the phone starts "when" in (the programme's: PROGRAMME_TIMEZONE)."""
    return {"districts": districts(current_app.config), "services": directory.choices(get_db()),
            "zone": current_app.config["PROGRAMME_TIMEZONE"]}


@bp.route("/people/<person_id>/contacts/new")
@casework_required
def new_for_person(person_id):
    """Record a contact with a person already on the caseload."""
    person = form_person_or_404(person_id)
    return render_template(
        "contacts/new.html", person=person, people=None, **_form_context())


@bp.route("/contacts/new")
@casework_required
def new():
    """Record a contact with anyone on the caseload, or someone not on the system yet."""
    people = [for_phones(current_app.config, row) for row in caseload(get_db(), current_user)]
    return render_template(
        "contacts/new.html", person=None, people=people, **_form_context())
