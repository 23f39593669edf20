"""The caseload and person pages (read-only: changes travel through the outbox and /api/sync)."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import accounts, caseload as queries
from .auth import role_required
from .config import districts
from .db import get_db

bp = Blueprint("people", __name__)

casework_required = role_required(*accounts.CASEWORK_ROLES)


@bp.route("/")
@login_required
def index():
    """Home: the caseload, or user management for an admin (who does no casework)."""
    if current_user.role == "admin":
        return redirect(url_for("admin.users"))
    return redirect(url_for("people.caseload"))


@bp.route("/caseload")
@casework_required
def caseload():
    """The people this worker may see; an htmx search request gets only the list."""
    search = request.args.get("q", "")
    people = queries.caseload(get_db(), current_user, search)
    template = "people/_caseload_list.html" if request.headers.get("HX-Request") else "people/caseload.html"
    return render_template(template, people=people, search=search)


def _visible_person_or_404(person_id):
    person = queries.get_person(get_db(), current_user, person_id)
    if person is None:
        abort(404)
    return person


@bp.route("/people/<person_id>")
@casework_required
def person(person_id):
    """A person's details and contact timeline, newest first."""
    person = _visible_person_or_404(person_id)
    contacts = queries.contacts_for(get_db(), person_id)
    conflicts = queries.open_conflicts(get_db(), person_id)
    return render_template("people/person.html", person=person, contacts=contacts,
                           conflicts=conflicts)


@bp.route("/people/<person_id>/edit")
@casework_required
def edit(person_id):
    """The form to change a person's details (sent as an `update` mutation)."""
    person = _visible_person_or_404(person_id)
    choices = []
    if current_user.role == "coordinator":
        choices = queries.trusted_person_choices(get_db(), current_user.area)
    return render_template(
        "people/edit.html",
        person=person,
        districts=districts(current_app.config),
        trusted_person_choices=choices,
    )
