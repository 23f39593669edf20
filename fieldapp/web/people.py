"""The caseload and person pages, and the person detail and consent forms.

Reading only, apart from one online action: changes to casework travel through the outbox and
/api/sync (the forms carry `data-mutation-type`), except "Keep this" on a conflict, which is an
online POST because resolving needs the server's current view of the conflict.
"""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import users
from ..config import districts
from ..db import get_db
from ..reads import assessments, caseload as caseloads, consents, person as persons
from ..reads.peer_hours import my_hours
from ..records import make_engine
from ..records.peer_session import PEER_ROLES
from ..records.person import AREAS_OF_DISADVANTAGE, FIELD_LABELS, KEEPABLE_OFF_PHONES, choices
from ..rules import access, conflicts
from ..timeutil import programme_today
from .guards import casework_required, audited_person_or_404, reader_required, form_person_or_404
from .risks import read_markers_of

bp = Blueprint("people", __name__)


def _can():
    """What the signed-in user may do on people's pages (the templates ask these, not roles)."""
    return {"writes": access.writes_casework(current_user),
            "logs_peer_sessions": current_user.role in PEER_ROLES,
            "coordinates": current_user.role == "coordinator"}


@bp.route("/")
@login_required
def index():
    """Home: the caseload; user management for an admin (who does no casework); the measures for
    a manager (who reads measures and returns, no casework)."""
    if current_user.role == "admin":
        return redirect(url_for("admin.users"))
    if current_user.role == "manager":
        return redirect(url_for("measures.index"))
    return redirect(url_for("people.caseload"))


@bp.route("/caseload")
@reader_required
def caseload():
    """The people this user may see, what needs them first; an htmx search gets only the list."""
    search = request.args.get("q", "")
    db, config = get_db(), current_app.config
    # The user itself, not the proxy: the caseload's rules read its fields dozens of times.
    user = current_user._get_current_object()
    # A page phones keep: no detail kept off phones, not even in its search words.
    people = [persons.for_phones(config, row)
              for row in caseloads.prioritised(db, config, user, search)]
    read_markers_of([person["id"] for person in people])  # one query, not one a row
    if request.headers.get("HX-Request"):
        return render_template("people/_caseload_list.html", people=people, search=search)
    peer_hours = (my_hours(db, user.id, programme_today(config))
                  if user.role == "peer_mentor" else None)
    return render_template("people/caseload.html", people=people, search=search,
                           needs=dict(caseloads.NEEDS), peer_hours=peer_hours, **_can())


@bp.route("/people/<person_id>")
@reader_required
def person(person_id):
    """A person: first what the field asks (risks, last contact, what is due, what waits on this
    phone), then one timeline, then assessments, details, consent and who works with them."""
    db, config = get_db(), current_app.config
    # A page phones keep: the details kept off phones say so, with an online-only "Show".
    person = persons.for_phones(config, audited_person_or_404(person_id))
    kept_off = persons.kept_off_phones(config)
    engine = make_engine(db, config)
    names = persons.user_names(db)
    changes = persons.detail_changes(db, engine, config, person_id, names)
    overview = (assessments.person_overview(db, config, person_id, date.today())
                if access.can_see_record_type(current_user, "assessment") else None)
    timeline = persons.timeline(db, engine, config, current_user, person_id)
    return render_template(
        "people/person.html", person=person,
        conflicts=conflicts.open_conflicts(engine, current_user, person_id),
        timeline=timeline, last_contact=persons.last_contact(timeline),
        housing=persons.housing_history(changes),
        working_with=persons.people_working_with(db, person),
        consent=consents.current_consent(db, config, person_id),
        overview=overview, labels=FIELD_LABELS, areas=AREAS_OF_DISADVANTAGE,
        choice_labels={field: dict(pairs) for field, pairs in choices(config).items()},
        show=lambda field: persons.label_for(config, field, person.get(field)),
        conflict_value=lambda field, value: (persons.NOT_ON_PHONES if field in kept_off
                                             else persons.label_for(config, field, value, names)),
        kept_off=kept_off, kept_off_labels=[FIELD_LABELS[name] for name in KEEPABLE_OFF_PHONES
                                            if name in kept_off],
        not_on_phones=persons.NOT_ON_PHONES,
        can_see_kept_off=access.can_see_kept_off_phones(db, current_user, person_id), **_can())


@bp.route("/people/<person_id>/edit")
@casework_required
def edit(person_id):
    """The form to change a person's details (sent as an `update` mutation of changed fields)."""
    person = form_person_or_404(person_id)
    choices_ = []
    if current_user.role == "coordinator":
        choices_ = users.trusted_person_choices(get_db(), current_user.area)
    return render_template(
        "people/edit.html", person=person, districts=districts(current_app.config),
        trusted_person_choices=choices_, choices=choices(current_app.config),
        areas=AREAS_OF_DISADVANTAGE, kept_off=persons.kept_off_phones(current_app.config))


@bp.route("/people/<person_id>/consent/new")
@casework_required
def new_consent(person_id):
    """Record what the person agrees to (a `consent` create mutation; withdrawal is a new one)."""
    person = form_person_or_404(person_id)
    return render_template(
        "people/consent_new.html", person=person, agencies=current_app.config["PARTNER_AGENCIES"],
        current=consents.current_consent(get_db(), current_app.config, person_id))


@bp.route("/people/<person_id>/conflicts/<int:conflict_id>/keep", methods=["POST"])
@casework_required
def keep_conflict(person_id, conflict_id):
    """Resolve a conflict by keeping the value on the server (either worker involved or a
    coordinator). "Use the other value" is a person update through the outbox instead."""
    audited_person_or_404(person_id)
    engine = make_engine(get_db(), current_app.config)
    if not conflicts.keep_server_value(engine, current_user, person_id, conflict_id):
        abort(403)
    flash("Kept the value on the system: the conflict is resolved")
    return redirect(url_for("people.person", person_id=person_id))
