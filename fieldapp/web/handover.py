"""A lost phone's last page and what a coordinator does with what it handed over
(fieldapp/rules/handover.py; the hand-over itself, POST /api/handover, is in web/api.py).

- GET /wiped: the neutral page a wiped phone ends on, naming nobody, with `Clear-Site-Data`.
- /coordination/handed-over: the coordinator's list, Accept and Discard.
"""

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template,
                   request, url_for)
from flask_login import current_user

import sync

from ..db import get_db
from ..reads import handover as handed_over
from ..rules import CoordinationError, handover
from .guards import coordinator_required

bp = Blueprint("handover", __name__)

# What the wiped phone's last page asks the browser to delete: the HTTP cache and every kind of
# site storage (IndexedDB, Cache Storage, service workers, local storage). Cookies stay: the
# session is dead on the server already, and the worker's other tabs of other sites are theirs.
CLEAR_SITE_DATA = '"cache", "storage"'


@bp.get("/wiped")
def wiped():
    """Where a wiped phone ends: signed out, nothing of fieldapp's kept, nobody named."""
    response = make_response(render_template("handover/wiped.html"))
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@bp.get("/coordination/handed-over")
@coordinator_required
def waiting():
    """Records handed over by the area's workers' lost phones, each to accept or discard."""
    return render_template("handover/waiting.html", items=handed_over.handed_over_page(get_db(), current_user))


@bp.post("/coordination/handed-over/<mutation_id>/accept")
@coordinator_required
def accept(mutation_id):
    """Apply one through the sync engine as the worker's; say what the engine answered."""
    try:
        result = handover.accept(get_db(), current_app.config, current_user, mutation_id)
    except sync.StoreUnavailable:  # busy (the write lock not had in time) or the disk: nothing stored
        flash("Not accepted yet: the server is busy. Try again in a minute.")
        return redirect(url_for("handover.waiting"))
    if result is None:
        abort(404)
    status = result.get("first_status") or result["status"]
    if status == "applied":
        flash("Accepted: the record is saved as the worker's")
    elif status == "conflict":
        flash("Accepted: saved, with a conflict recorded (a colleague changed the same details)")
    else:
        errors = "; ".join(" ".join(v) if isinstance(v, list) else str(v)
                           for v in (result.get("errors") or {}).values())
        flash(f"Not accepted: {errors or 'the server could not apply it'}. It is still on the list.")
    return redirect(url_for("handover.waiting"))


@bp.post("/coordination/handed-over/<mutation_id>/discard")
@coordinator_required
def discard(mutation_id):
    """Keep one out for good, with a reason."""
    db = get_db()
    try:
        done = handover.discard(db, current_user, mutation_id, request.form)
    except CoordinationError as error:
        items = handed_over.handed_over_page(db, current_user)
        return render_template("handover/waiting.html", items=items, errors=error.errors,
                               failed=mutation_id), 400
    if not done:
        abort(404)
    flash("Discarded: the record is kept out")
    return redirect(url_for("handover.waiting"))
