"""The caseload and person pages, and the person detail and consent forms.

Reading only, apart from one online action: changes to casework travel through the outbox and
/api/sync (the forms carry `data-mutation-type`), except "Keep this" on a conflict, which is an
online POST because resolving needs the server's current view of the conflict.
"""

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required

# `casework` by module, not name: it imports record types whose modules import this one.
from . import access, accounts, audit, casework, caseload as queries, consent, person_page
from . import person_rules
from .auth import role_required
from .config import districts
from .db import get_db

bp = Blueprint("people", __name__)

# Forms that write casework: caseworkers only.
casework_required = role_required(*accounts.CASEWORK_ROLES)
# Pages that read people's records: caseworkers and partner agency workers (within consent).
reader_required = role_required(*accounts.READER_ROLES)


@bp.route("/")
@login_required
def index():
    """Home: the caseload, or user management for an admin (who does no casework)."""
    if current_user.role == "admin":
        return redirect(url_for("admin.users"))
    return redirect(url_for("people.caseload"))


@bp.route("/caseload")
@reader_required
def caseload():
    """The people this user may see, what needs them first; an htmx search gets only the list."""
    search = request.args.get("q", "")
    people = queries.prioritised(get_db(), current_app.config, current_user, search)
    template = "people/_caseload_list.html" if request.headers.get("HX-Request") else "people/caseload.html"
    return render_template(template, people=people, search=search, needs=dict(queries.NEEDS),
                           reads_assessments=access.can_see_record_type(current_user, "assessment"))


def _visible_person_or_404(person_id):
    """The person if the current user may see them, else 404. Every person-scoped page calls this,
    so it is where a view is recorded in the audit trail (not the service worker's refresh)."""
    person = queries.get_person(get_db(), current_user, person_id)
    if person is None:
        abort(404)
    if not audit.is_background_refresh(request.headers):
        audit.record_view(get_db(), current_user, person_id, request.path,
                          device_id=current_user.device_id)
    return person


@bp.route("/people/<person_id>")
@reader_required
def person(person_id):
    """A person: details, consent, who works with them, conflicts, and one timeline."""
    person = _visible_person_or_404(person_id)
    db, config = get_db(), current_app.config
    engine = casework.make_engine(db, config)
    conflicts = queries.open_conflicts(db, person_id)
    for conflict in conflicts:
        conflict["can_resolve"] = access.can_resolve_conflict(current_user, conflict,
                                                              conflict["parties"])
    names = person_page.user_names(db)
    changes = person_page.detail_changes(db, engine, config, person_id, names)
    return render_template(
        "people/person.html", person=person, conflicts=conflicts,
        timeline=person_page.timeline(db, engine, config, current_user, person_id,
                                      config["CONTACT_TYPES"]),
        housing=person_page.housing_history(changes),
        working_with=person_page.people_working_with(db, person),
        consent=consent.current_consent(db, config, person_id),
        labels=person_rules.FIELD_LABELS, areas=person_rules.AREAS_OF_DISADVANTAGE,
        show=lambda field: person_page.label_for(config, field, person.get(field)),
        conflict_value=lambda field, value: person_page.label_for(config, field, value, names),
        writes=access.writes_casework(current_user),
        reads_assessments=access.can_see_record_type(current_user, "assessment"))


@bp.route("/people/<person_id>/edit")
@casework_required
def edit(person_id):
    """The form to change a person's details (sent as an `update` mutation of changed fields)."""
    person = _visible_person_or_404(person_id)
    choices = []
    if current_user.role == "coordinator":
        choices = queries.trusted_person_choices(get_db(), current_user.area)
    return render_template(
        "people/edit.html", person=person, districts=districts(current_app.config),
        trusted_person_choices=choices, choices=person_rules.choices(current_app.config),
        areas=person_rules.AREAS_OF_DISADVANTAGE)


@bp.route("/people/<person_id>/consent/new")
@casework_required
def new_consent(person_id):
    """Record what the person agrees to (a `consent` create mutation; withdrawal is a new one)."""
    person = _visible_person_or_404(person_id)
    return render_template(
        "consent/new.html", person=person,
        agencies=person_rules.setting(current_app.config, "PARTNER_AGENCIES"),
        current=consent.current_consent(get_db(), current_app.config, person_id))


@bp.route("/people/<person_id>/conflicts/<int:conflict_id>/keep", methods=["POST"])
@casework_required
def keep_conflict(person_id, conflict_id):
    """Resolve a conflict by keeping the value on the server (either worker involved or a
    coordinator). "Use the other value" is a person update through the outbox instead."""
    _visible_person_or_404(person_id)
    if not person_rules.keep_server_value(get_db(), current_user, person_id, conflict_id):
        abort(403)
    flash("Kept the value on the system: the conflict is resolved")
    return redirect(url_for("people.person", person_id=person_id))
