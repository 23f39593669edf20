"""Maintaining the directory of services (README: Directory of services): online forms for
coordinators and admins (CSRF-protected POSTs, never cached). Each save goes through the sync
engine as a `directory_entry` create or update (fieldapp/records/directory_entry.py), so every
phone receives the change on its next sync."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..config import districts
from ..db import get_db
from ..reads import directory
from ..records import push_create, push_update
from ..records.directory_entry import MAINTAINERS
from ..timeutil import programme_today
from .guards import role_required

bp = Blueprint("services", __name__)
maintainer_required = role_required(*MAINTAINERS)
FIELDS = ("name", "offers", "address", "phone", "opening_times", "how_to_refer", "last_checked_on")


def _form():
    """The fields as the form sent them (blank optional ones as None; districts as a list)."""
    sent = {name: (request.form.get(name) or "").strip() or None for name in FIELDS}
    sent["districts"] = [d for d in request.form.getlist("districts")][:50]
    for name in ("name", "offers", "last_checked_on"):
        sent[name] = sent[name] or ""
    return sent


def _errors(result):
    return {name: messages[0] for name, messages in (result.get("errors") or {}).items()}


@bp.route("/services/")
@maintainer_required
def index():
    """Every entry of the directory, to add to or change."""
    return render_template("services/index.html", entries=directory.entries(get_db()))


@bp.route("/services/new", methods=["GET", "POST"])
@maintainer_required
def new():
    """Add a service to the directory."""
    config = current_app.config
    form, errors, status = {"districts": [], "last_checked_on": programme_today(config).isoformat()}, {}, 200
    if request.method == "POST":
        form = _form()
        _id, result = push_create(get_db(), config, current_user, "directory_entry", form)
        if result["status"] == "applied":
            flash(f"{form['name']} is in the directory")
            return redirect(url_for("services.index"))
        errors, status = _errors(result), 400
    return render_template("services/form.html", form=form, errors=errors, entry=None,
                           districts=districts(config)), status


@bp.route("/services/<entry_id>/edit", methods=["GET", "POST"])
@maintainer_required
def edit(entry_id):
    """Change a service's entry (only the fields changed are sent, merged field by field)."""
    db, config = get_db(), current_app.config
    entry = directory.entry(db, entry_id)
    if entry is None:
        abort(404)
    form, errors, status = entry, {}, 200
    if request.method == "POST":
        form = _form()
        changed = {k: v for k, v in form.items() if v != entry.get(k)}
        result = push_update(db, config, current_user, "directory_entry", entry_id, changed) \
            if changed else {"status": "applied"}
        if result["status"] in ("applied", "conflict"):
            flash(f"{form['name'] or entry['name']} is updated")
            return redirect(url_for("services.index"))
        errors, status = _errors(result), 400
    return render_template("services/form.html", form=form, errors=errors, entry=entry,
                           districts=districts(config)), status
