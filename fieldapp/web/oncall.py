"""Lone-working escalation pages (README: Lone working): the live list of open escalations (a
coordinator sees the area's; a buddy or on-call caseworker those they were alerted about, which is
where their push leads), acknowledged by any of them and closed with a note by a coordinator; and
the area's on-call rota (coordinators). Online only, never cached: they must show the server's
picture now."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..db import get_db
from ..reads.lone_working import escalations as area_escalations
from ..rules import CoordinationError, lone_working, on_call
from .guards import casework_required, coordinator_required

bp = Blueprint("oncall", __name__)

# SQLite's integers end here: a larger id in a URL is nobody's (and must not reach the driver).
MAX_ID = 2**63 - 1


@bp.route("/on-call/escalations")
@casework_required
def escalations():
    """Open escalations: the area's for a coordinator, else those this user was alerted about; an
    htmx request (the page polls every 30 s) gets the list alone."""
    alerted = None if current_user.role == "coordinator" else current_user.id
    rows = area_escalations(get_db(), current_app.config, current_user.area, alerted=alerted)
    template = "oncall/_escalations.html" if request.headers.get("HX-Request") else \
        "oncall/escalations.html"
    return render_template(template, escalations=rows)


@bp.route("/on-call/escalations/<int:escalation_id>/<action>", methods=["POST"])
@casework_required
def act(escalation_id, action):
    """Acknowledge ("I am dealing with it": a coordinator or anyone it alerted) or close (with a
    note: a coordinator) an escalation."""
    if escalation_id > MAX_ID:
        return ("Not found", 404)
    db = get_db()
    note = (request.form.get("note") or "")[:1000]
    if action == "acknowledge":
        done = lone_working.acknowledge(db, current_user, escalation_id, note)
        flash("Acknowledged: it goes no further up" if done else "That escalation is not open")
    elif action == "close":
        done = lone_working.close(db, current_user, escalation_id, note)
        flash("Closed" if done else "Write what happened to close it (coordinators close)")
    else:
        return ("Not found", 404)
    return redirect(url_for("oncall.escalations"))


@bp.route("/on-call/rota", methods=["GET", "POST"])
@coordinator_required
def rota():
    """The area's on-call rota: who is told first when a check-in is overdue."""
    db = get_db()
    config = current_app.config
    errors, form = {}, {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            on_call.add_on_call(db, config, current_user, form)
        except CoordinationError as error:
            errors = error.errors
        else:
            flash("Added to the rota")
            return redirect(url_for("oncall.rota"))
    zone = config["PROGRAMME_TIMEZONE"]
    rows = [{**row, "from": on_call.shown_time(row["starts_at"], zone),
             "to": on_call.shown_time(row["ends_at"], zone)}
            for row in on_call.rota(db, current_user.area)]
    return render_template("oncall/rota.html", rows=rows, errors=errors, form=form,
                           choices=on_call.rota_choices(db, current_user.area)), \
        (400 if errors else 200)


@bp.route("/on-call/rota/<int:row_id>/remove", methods=["POST"])
@coordinator_required
def remove(row_id):
    """Take someone off the rota (the row is kept, marked removed)."""
    removed = row_id <= MAX_ID and on_call.remove_on_call(get_db(), current_user, row_id)
    flash("Taken off the rota" if removed else "That rota entry was already gone")
    return redirect(url_for("oncall.rota"))
