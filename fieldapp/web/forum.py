"""The coordinator's barriers register and the Change Forum's lessons (README: Barriers and
lessons): online forms (CSRF-protected POSTs, never cached) that write through the sync engine.
A coordinator moves a barrier of their area on (open -> raised -> resolved or closed unresolved)
and records the lessons of each Change Forum, linked to barriers; lessons are listed and filtered
here and exported from the returns page."""

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..db import get_db
from ..reads.barriers import barriers, lessons
from ..records import push_create, push_update
from ..records.barrier import KINDS, STATUSES
from ..records.lesson import LEVELS
from ..rules import access
from ..timeutil import programme_today
from .guards import coordinator_required

bp = Blueprint("forum", __name__)


def _errors(result):
    return {name: messages[0] for name, messages in (result.get("errors") or {}).items()}


def _barrier_or_404(barrier_id):
    for row in barriers(get_db(), current_user, current_app.config,
                        today=programme_today(current_app.config)):
        if row["id"] == barrier_id:
            return row
    abort(404)


@bp.route("/forum/barriers/<barrier_id>", methods=["GET", "POST"])
@coordinator_required
def barrier(barrier_id):
    """One barrier of the coordinator's area, and the form that moves it on."""
    row = _barrier_or_404(barrier_id)
    if row["person_name"]:  # it shows what happened to a person: a view of their record
        audit.record_view(get_db(), current_user, row["person_id"], request.path,
                          device_id=current_user.device_id)
    errors, status = {}, 200
    today = programme_today(current_app.config).isoformat()
    if request.method == "POST":
        chosen = request.form.get("status", "")
        fields = {"status": chosen}
        on = request.form.get("on") or today
        if chosen == "raised":
            fields["raised_on"] = on
        elif chosen in ("resolved", "closed_unresolved"):
            fields["resolved_on"] = on  # the day it was resolved, or closed unresolved
            if chosen == "resolved":
                fields["what_changed"] = (request.form.get("what_changed") or "").strip() or None
        elif chosen == "open":
            fields["resolved_on"] = None
        result = push_update(get_db(), current_app.config, current_user, "barrier", barrier_id,
                             fields)
        if result["status"] in ("applied", "conflict"):
            flash("The barrier is " + dict(STATUSES).get(chosen, chosen).lower())
            return redirect(url_for("barriers.index"))
        errors, status = _errors(result), 400
    return render_template("forum/barrier.html", barrier=row, kinds=dict(KINDS), statuses=STATUSES,
                           errors=errors, today=today,
                           target=current_app.config["BARRIER_TARGET_DAYS"]), status


@bp.route("/forum/lessons")
@coordinator_required
def lesson_list():
    """The area's Change Forum lessons, filtered by level and partner."""
    level = request.args.get("level")
    level = level if level in dict(LEVELS) else None
    partner = request.args.get("partner", "")[:200]
    rows = lessons(get_db(), access.measure_areas(current_user, current_app.config), level=level,
                   partner=partner)
    return render_template("forum/lessons.html", lessons=rows, levels=LEVELS, level=level,
                           partner=partner, kinds=dict(KINDS), statuses=dict(STATUSES))


@bp.route("/forum/lessons/new", methods=["GET", "POST"])
@coordinator_required
def new_lesson():
    """Record a lesson from a Change Forum, linked to barriers of the area."""
    db, config = get_db(), current_app.config
    form = {"forum_on": programme_today(config).isoformat(), "barrier_ids": []}
    errors, status = {}, 200
    if request.method == "POST":
        form = {name: (request.form.get(name) or "").strip() for name in
                ("partner", "issue", "level", "forum_on")}
        form["area"] = current_user.area
        form["barrier_ids"] = request.form.getlist("barrier_ids")[:50]
        _id, result = push_create(db, config, current_user, "lesson", form)
        if result["status"] == "applied":
            flash("The lesson is recorded")
            return redirect(url_for("forum.lesson_list"))
        errors, status = _errors(result), 400
    area_barriers = barriers(db, current_user, config, today=programme_today(config))
    return render_template("forum/lesson_form.html", form=form, errors=errors, levels=LEVELS,
                           barriers=area_barriers, kinds=dict(KINDS),
                           chosen=set(form.get("barrier_ids") or [])), status


bp.add_app_template_filter(lambda text: json.loads(text or "[]"), "json_list")
