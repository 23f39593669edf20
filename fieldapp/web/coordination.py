"""The coordinator's tools: assignment, the network, merging, sharing, peer hours; and the
possible-matches partial every caseworker's new-person form asks for.

Coordinator pages are online-only (never cached) and show only the coordinator's area. Their
changes to casework go through the sync engine server-side (`network.push_person_update`,
`Engine.merge`) rather than through the phone's outbox: each needs the server's current picture
(caseload counts for the cap warning, both records for a merge), so it only makes sense online,
and pushing it at once, as the coordinator's session device, keeps versions, history and
conflicts exactly as for a phone's edit. The rules live in fieldapp/rules/ (assignment, matching,
merging, sharing) and what the pages show in fieldapp/reads/ (network, peer_hours); the views here
only read the request and render.
"""

from datetime import date

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from .. import audit, users
from ..db import get_db
from ..reads import handover as handed_over, network as networks, peer_hours as mentor_hours
from ..reads.caseload import caseload
from ..rules import CoordinationError, assignment, matching, merging, removal, sharing, unsent
from ..timeutil import programme_today
from .guards import casework_required, coordinator_required, audited_person_or_404

bp = Blueprint("coordination", __name__)


@bp.route("/coordination/")
@coordinator_required
def index():
    """The coordinator's tools, with the network's headline counts."""
    db = get_db()
    summary = networks.network(db, current_user, current_app.config["CASELOAD_CAP"])
    return render_template("coordination/index.html", counts=summary["counts"],
                           handed_over=handed_over.waiting_count(db, current_user))


@bp.route("/coordination/network")
@coordinator_required
def network_page():
    """Trusted persons, coordinators and the people each supports, with counts."""
    cap = current_app.config["CASELOAD_CAP"]
    return render_template("coordination/network.html", cap=cap,
                           network=networks.network(get_db(), current_user, cap))


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
    person = audited_person_or_404(person_id)
    cap = config["CASELOAD_CAP"]
    chosen = {"trusted_person_id": person["trusted_person_id"], "team": person["team"]}
    warning, errors = None, {}
    if request.method == "POST":
        chosen = {"trusted_person_id": _int_or_none(request.form.get("trusted_person_id")),
                  "team": request.form.get("team") or None}
        if chosen["trusted_person_id"] not in (None, person["trusted_person_id"]):
            warning = assignment.cap_warning(db, chosen["trusted_person_id"], cap, person_id)
        # "Assign anyway" confirms the warning for this worker only, not one chosen after it.
        if warning is None or request.form.get("confirm") == str(chosen["trusted_person_id"]):
            try:
                done = assignment.assign(db, config, current_user, person_id, **chosen)
            except CoordinationError as error:
                errors = error.errors
            else:
                if done["changed"]:
                    flash(f"Saved the assignment of {person['display_name']}"
                          + (f". {warning}" if warning else ""))
                return redirect(url_for("people.person", person_id=person_id))
    return render_template(
        "coordination/assign.html", person=person, chosen=chosen, warning=warning, errors=errors,
        choices=assignment.worker_choices(db, current_user.area, cap), cap=cap,
        teams=users.team_choices(db, current_user.area))


@bp.route("/coordination/merge", methods=["GET"])
@coordinator_required
def merge():
    """Choose two records of one person, then see them side by side and choose per field."""
    db, config = get_db(), current_app.config
    keep_id, merge_id = request.args.get("keep"), request.args.get("merge")
    error = None
    if keep_id and merge_id:
        try:
            preview = merging.merge_preview(db, config, current_user, keep_id, merge_id)
        except LookupError:
            abort(404)
        except CoordinationError as refused:
            error = str(refused)
        else:
            for person_id in (keep_id, merge_id):  # both people's details, side by side
                audit.record_view(db, current_user, person_id, request.path,
                                  device_id=current_user.device_id)
            return render_template("coordination/merge.html", preview=preview, error=None)
    return render_template("coordination/merge_choose.html", error=error,
                           people=caseload(db, current_user),
                           pairs=matching.possible_duplicates(db, current_user))


@bp.route("/coordination/merge", methods=["POST"])
@coordinator_required
def merge_confirmed():
    """Merge: the chosen values onto the kept record, then every record of the other moves."""
    db, config = get_db(), current_app.config
    keep_id, merge_id = request.form.get("keep", ""), request.form.get("merge", "")
    choices = {key[len("choice."):]: value for key, value in request.form.items()
               if key.startswith("choice.")}
    try:
        done = merging.merge_people(db, config, current_user, keep_id, merge_id, choices)
    except LookupError:
        abort(404)
    except CoordinationError as refused:
        preview = merging.merge_preview(db, config, current_user, keep_id, merge_id)
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
    found = matching.possible_matches(get_db(), current_user, name, district)
    return render_template("coordination/_matches.html", matches=found, name=name)


@bp.route("/coordination/people/<person_id>/share", methods=["GET", "POST"])
@coordinator_required
def share(person_id):
    """Share a person with a colleague for set days; the shares in force, each with "End now"."""
    db, config = get_db(), current_app.config
    person = audited_person_or_404(person_id)
    errors, form, status = {}, {}, 200
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in ("user_id", "starts_on", "ends_on", "reason")}
        try:
            sharing.share_person(db, config, current_user, person_id, form)
        except CoordinationError as refused:
            errors, status = refused.errors, 400
        else:
            flash(f"Shared {person['display_name']} with your colleague")
            return redirect(url_for("coordination.share", person_id=person_id))
    return render_template(
        "coordination/share.html", person=person, errors=errors, form=form,
        colleagues=sharing.colleague_choices(db, current_user.area),
        shares=sharing.shares_for_person(db, person_id), shown_day=sharing.shown_day,
        zone=config["PROGRAMME_TIMEZONE"]), status


@bp.route("/coordination/people/<person_id>/remove", methods=["GET", "POST"])
@coordinator_required
def remove(person_id):
    """Remove a person's record registered in error (a soft delete, restorable here)."""
    person = audited_person_or_404(person_id)
    if request.method == "POST":
        try:
            removal.remove_person(get_db(), current_app.config, current_user, person_id)
        except CoordinationError as refused:
            flash(str(refused))
            return redirect(url_for("people.person", person_id=person_id))
        flash(f"Removed the record of {person['display_name']}: restore it from Removed records")
        return redirect(url_for("coordination.removed"))
    return render_template("coordination/remove.html", person=person)


@bp.route("/coordination/removed")
@coordinator_required
def removed():
    """The area's removed records, each with "Restore"."""
    return render_template("coordination/removed.html",
                           people=removal.removed_people(get_db(), current_user))


@bp.route("/coordination/lost-records")
@coordinator_required
def lost_records():
    """Records the area's workers' phones lost before they were sent: who must enter what again."""
    from .account import named_lost
    db = get_db()
    return render_template("coordination/lost_records.html",
                           lost=named_lost(db, unsent.lost_in_area(db, current_user.area)))


@bp.route("/coordination/people/<person_id>/restore", methods=["POST"])
@coordinator_required
def restore(person_id):
    """Restore a removed record: the person is back for everyone who may see them."""
    try:
        removal.restore_person(get_db(), current_app.config, current_user, person_id)
    except LookupError:
        abort(404)
    flash("Restored the record")
    return redirect(url_for("people.person", person_id=person_id))


@bp.route("/coordination/shares/<int:share_id>/end", methods=["POST"])
@coordinator_required
def end_share(share_id):
    """End a share now; back to the person's share page."""
    person_id = sharing.end_share(get_db(), current_user, share_id)
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
    today = programme_today(current_app.config)
    first, last = mentor_hours.month_bounds(_month(request.args.get("month"), today))
    return render_template(
        "coordination/peer_hours.html", month=first,
        months=mentor_hours.minutes_by_month(db, current_user, today),
        by_mentor=mentor_hours.minutes_by_mentor(db, current_user, first, last),
        by_person=mentor_hours.minutes_by_person(db, current_user, first, last))
