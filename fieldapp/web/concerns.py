"""Raising a safeguarding concern (README: Safeguarding): a casework form, kept for use with no
signal and never posted to Flask (a `safeguarding_concern` mutation through the outbox), and the
person page's list of concerns with their outcomes (the template global
`safeguarding_concerns`)."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from ..db import get_db
from ..records.safeguarding import ABOUT
from ..rules.safeguarding import concerns_for_person
from .guards import casework_required, form_person_or_404

bp = Blueprint("concerns", __name__)


@bp.app_template_global()
def safeguarding_concerns(person_id):
    """A person's concerns and outcomes, for a page already about them (and audited there)."""
    if not getattr(current_user, "is_authenticated", False):
        return []
    return concerns_for_person(get_db(), current_user, person_id)


@bp.route("/people/<person_id>/safeguarding/new")
@casework_required
def new(person_id):
    """Raise a safeguarding concern about, or around, a person."""
    person = form_person_or_404(person_id)
    return render_template("concerns/new.html", person=person, about=ABOUT,
                           duty_line=current_app.config["SAFEGUARDING_DUTY_LINE"])
