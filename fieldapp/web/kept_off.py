"""A person's details kept off phones (PHONE_HIDDEN_FIELDS: a current address, a safe contact
number and when it is safe to call, a safety plan), seen and changed online only.

No page a phone may keep shows them (they read "Not shown on phones"); these answers do, and are
never stored anywhere: `Cache-Control: no-store` (the "online" policy in guards.CACHING), the
no-phone-copy header, and network-only in the service worker's routes (web/shell.py SW_ROUTES).
- `GET /people/<id>/kept-off-phones`: the values; an `HX-Request` (the person page's "Show",
  static/page/kept-off.js) gets only the fragment, a plain request the whole page (no script).
- `GET|POST /people/<id>/kept-off-phones/edit`: the online-only form. The change goes through the
  sync engine as a coordinator's assignment does (records.push_update): one write path for the
  engine's versions, history and conflicts; the phone's offline edit form never carries these.
Anyone signed in who may not see them (access.can_see_kept_off_phones: a partner agency worker,
an admin, a worker without the person) gets 404, as for a person they may not see. Each view is
audited as a view of which details exist, never of their values.
"""

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required

from .. import audit
from ..db import get_db
from ..reads import person as persons
from ..records import push_update
from ..rules import access

bp = Blueprint("kept_off", __name__)

# How long a text box is drawn, by detail (the schema holds the limits).
LONG_TEXT = {"current_address", "safety_plan", "description", "agencies"}


def _person_or_404(person_id):
    """The person, if the current user may see their details kept off phones; else 404."""
    db = get_db()
    if not access.can_see_kept_off_phones(db, current_user, person_id):
        abort(404)
    person = persons.get_person(db, current_user, person_id)
    if person is None:
        abort(404)
    g.no_phone_copy = True  # the service worker keeps no copy (static/sw.js cacheableResponse)
    return person


def _audit(person, details, what):
    """A view of which details kept off phones the person has (their names), not their values."""
    present = [detail["name"] for detail in details if detail["value"] not in (None, "")]
    audit.record_view(get_db(), current_user, person["id"],
                      f"{request.path} ({what}: {', '.join(present) or 'none recorded'})",
                      device_id=current_user.device_id)


@bp.route("/people/<person_id>/kept-off-phones")
@login_required
def show(person_id):
    """The person's details kept off phones, fetched into the person page by "Show"."""
    person = _person_or_404(person_id)
    details = persons.kept_off_details(current_app.config, person)
    _audit(person, details, "shown")
    template = ("people/_kept_off_phones.html" if request.headers.get("HX-Request")
                else "people/kept_off_phones.html")
    return render_template(template, person=person, details=details)


@bp.route("/people/<person_id>/kept-off-phones/edit", methods=["GET", "POST"])
@login_required
def edit(person_id):
    """Enter or change the person's details kept off phones (online only)."""
    person = _person_or_404(person_id)
    config = current_app.config
    details = persons.kept_off_details(config, person)
    errors = {}
    if request.method == "POST":
        entered = {detail["name"]: (request.form.get(detail["name"]) or "").strip() or None
                   for detail in details}
        changed = {name: value for name, value in entered.items() if value != person.get(name)}
        if changed:
            # The engine's marshmallow schema is the one validation; its refusal is shown here.
            result = push_update(get_db(), config, current_user, "person", person_id, changed)
            if result["status"] not in ("applied", "conflict"):
                errors = result["errors"] or {"_mutation": ["This could not be saved."]}
        if not errors:
            flash("Saved the details kept off phones" if changed else "Nothing was changed")
            return redirect(url_for("people.person", person_id=person_id))
        details = [{**detail, "value": entered[detail["name"]]} for detail in details]
    else:
        _audit(person, details, "form")
    return render_template("people/kept_off_phones_edit.html", person=person, details=details,
                           errors=errors, long_text=LONG_TEXT)
