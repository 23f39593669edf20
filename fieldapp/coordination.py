"""The coordinator's tools: assignment, the network, merging, sharing, peer hours; and the
possible-matches partial every caseworker's new-person form asks for.

Coordinator pages are online-only (never cached) and show only the coordinator's area. Their
changes to casework go through the sync engine server-side (`network.push_person_update`,
`Engine.merge`) rather than through the phone's outbox: each needs the server's current picture
(caseload counts for the cap warning, both records for a merge), so it only makes sense online,
and pushing it at once, as the coordinator's session device, keeps versions, history and
conflicts exactly as for a phone's edit. The rules live in network.py, duplicates.py, shares.py
and peer_sessions.py; the views here only read the request and render.
"""

from datetime import date

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from . import accounts, caseload as queries, duplicates, network, peer_sessions, shares
from .auth import role_required
from .db import get_db

bp = Blueprint("coordination", __name__)
coordinator_required = role_required("coordinator")
casework_required = role_required(*accounts.CASEWORK_ROLES)


@bp.after_request
def _never_cached(response):
    """Online-only pages: built from the server's current picture, never stored by any cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _person_in_area_or_404(person_id):
    person = queries.get_person(get_db(), current_user, person_id)
    if person is None:
        abort(404)
    return person


@bp.route("/coordination/")
@coordinator_required
def index():
    """The coordinator's tools, with the network's headline counts."""
    summary = network.network(get_db(), current_user, current_app.config["CASELOAD_CAP"])
    return render_template("coordination/index.html", counts=summary["counts"])


@bp.route("/coordination/network")
@coordinator_required
def network_page():
    """Trusted persons, coordinators and the people each supports, with counts."""
    cap = current_app.config["CASELOAD_CAP"]
    return render_template("coordination/network.html", cap=cap,
                           network=network.network(get_db(), current_user, cap))


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return -1  # never a valid choice: refused with "Choose ... from the list"


@bp.route("/coordination/people/<person_id>/assign", methods=["GET", "POST"])
@coordinator_required
def assign(person_id):
    """Choose a person's trusted person (and team): a warning above the caseload cap, then
    "Assign anyway"; the change goes through the sync engine."""
    db, config = get_db(), current_app.config
    person = _person_in_area_or_404(person_id)
    cap = config["CASELOAD_CAP"]
    chosen = {"trusted_person_id": person["trusted_person_id"], "team": person["team"]}
    warning, errors = None, {}
    if request.method == "POST":
        chosen = {"trusted_person_id": _int_or_none(request.form.get("trusted_person_id")),
                  "team": request.form.get("team") or None}
        if chosen["trusted_person_id"] not in (None, person["trusted_person_id"]):
            warning = network.cap_warning(db, chosen["trusted_person_id"], cap, person_id)
        # "Assign anyway" confirms the warning for this worker only, not one chosen after it.
        if warning is None or request.form.get("confirm") == str(chosen["trusted_person_id"]):
            try:
                done = network.assign(db, config, current_user, person_id, **chosen)
            except network.CoordinationError as error:
                errors = error.errors
            else:
                if done["changed"]:
                    flash(f"Saved the assignment of {person['display_name']}"
                          + (f". {warning}" if warning else ""))
                return redirect(url_for("people.person", person_id=person_id))
    return render_template(
        "coordination/assign.html", person=person, chosen=chosen, warning=warning, errors=errors,
        choices=network.worker_choices(db, current_user.area, cap), cap=cap,
        teams=network.team_choices(db, current_user.area)
        if network.person_accepts(config, "team") else None)


@bp.route("/coordination/merge", methods=["GET"])
@coordinator_required
def merge():
    """Choose two records of one person, then see them side by side and choose per field."""
    db, config = get_db(), current_app.config
    keep_id, merge_id = request.args.get("keep"), request.args.get("merge")
    error = None
    if keep_id and merge_id:
        try:
            preview = duplicates.merge_preview(db, config, current_user, keep_id, merge_id)
        except LookupError:
            abort(404)
        except network.CoordinationError as refused:
            error = str(refused)
        else:
            return render_template("coordination/merge.html", preview=preview, error=None)
    return render_template("coordination/merge_choose.html", error=error,
                           people=queries.caseload(db, current_user),
                           pairs=duplicates.possible_duplicates(db, current_user))


@bp.route("/coordination/merge", methods=["POST"])
@coordinator_required
def merge_confirmed():
    """Merge: the chosen values onto the kept record, then every record of the other moves."""
    db, config = get_db(), current_app.config
    keep_id, merge_id = request.form.get("keep", ""), request.form.get("merge", "")
    choices = {key[len("choice."):]: value for key, value in request.form.items()
               if key.startswith("choice.")}
    try:
        done = duplicates.merge_people(db, config, current_user, keep_id, merge_id, choices)
    except LookupError:
        abort(404)
    except network.CoordinationError as refused:
        preview = duplicates.merge_preview(db, config, current_user, keep_id, merge_id)
        return render_template("coordination/merge.html", preview=preview, error=str(refused)), 400
    noun = "record" if done["moved"] == 1 else "records"
    flash(f"Merged the two records: {done['moved']} {noun} moved to this person")
    return redirect(url_for("people.person", person_id=keep_id))


@bp.route("/people/matches")
@casework_required
def matches():
    """Possible matches for a new person's name (an htmx partial for the new-person form)."""
    name = request.args.get("name") or request.args.get("new_person.display_name") or ""
    district = request.args.get("district") or request.args.get("new_person.district")
    found = duplicates.possible_matches(get_db(), current_user, name, district)
    return render_template("coordination/_matches.html", matches=found, name=name)


@bp.route("/coordination/people/<person_id>/share", methods=["GET", "POST"])
@coordinator_required
def share(person_id):
    """Share a person with a colleague for set days; the shares in force, each with "End now"."""
    db, config = get_db(), current_app.config
    person = _person_in_area_or_404(person_id)
    errors, form, status = {}, {}, 200
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in ("user_id", "starts_on", "ends_on", "reason")}
        try:
            shares.share_person(db, config, current_user, person_id, form)
        except network.CoordinationError as refused:
            errors, status = refused.errors, 400
        else:
            flash(f"Shared {person['display_name']} with your colleague")
            return redirect(url_for("coordination.share", person_id=person_id))
    return render_template(
        "coordination/share.html", person=person, errors=errors, form=form,
        colleagues=shares.colleague_choices(db, current_user.area),
        shares=shares.shares_for_person(db, person_id), shown_day=shares.shown_day,
        zone=config.get("PROGRAMME_TIMEZONE", peer_sessions.DEFAULT_TIMEZONE)), status


@bp.route("/coordination/shares/<int:share_id>/end", methods=["POST"])
@coordinator_required
def end_share(share_id):
    """End a share now; back to the person's share page."""
    person_id = shares.end_share(get_db(), current_user, share_id)
    if person_id is None:
        abort(404)
    flash("The share has ended")
    return redirect(url_for("coordination.share", person_id=person_id))


def _month(value, today):
    try:
        return date.fromisoformat(f"{value}-01") if value else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


@bp.route("/coordination/peer-hours")
@coordinator_required
def peer_hours():
    """Peer-mentor hours in the area: per month (the last 12), and per mentor and per person for
    a chosen month (?month=YYYY-MM, default this month)."""
    db = get_db()
    today = peer_sessions.programme_today(current_app.config)
    first, last = peer_sessions.month_bounds(_month(request.args.get("month"), today))
    return render_template(
        "coordination/peer_hours.html", month=first,
        months=peer_sessions.minutes_by_month(db, current_user, today),
        by_mentor=peer_sessions.minutes_by_mentor(db, current_user, first, last),
        by_person=peer_sessions.minutes_by_person(db, current_user, first, last))
