"""A lost phone's last words and what a coordinator does with them (fieldapp/rules/handover.py).

- POST /api/handover: a revoked phone hands over its unsent records before it wipes itself. No
  session (the device is revoked: its sessions are over); the same cross-site defence as
  /api/sync (the custom header, the Origin check) and its size limits; JSON answers only.
- GET /wiped: the neutral page a wiped phone ends on, naming nobody, with `Clear-Site-Data`.
- /coordination/handed-over: the coordinator's list, Accept and Discard.
"""

import json
import zlib

from flask import (Blueprint, abort, current_app, flash, jsonify, make_response, redirect,
                   render_template, request, url_for)
from flask_login import current_user
from marshmallow import ValidationError

from ..db import get_db
from ..extensions import csrf
from ..reads import handover as handed_over
from ..rules import CoordinationError, handover
from .api import SYNC_HEADER, _error, _read_body, _too_large
from .guards import coordinator_required

bp = Blueprint("handover", __name__)

# What the wiped phone's last page asks the browser to delete: the HTTP cache and every kind of
# site storage (IndexedDB, Cache Storage, service workers, local storage). Cookies stay: the
# session is dead on the server already, and the worker's other tabs of other sites are theirs.
CLEAR_SITE_DATA = '"cache", "storage"'


@bp.post("/api/handover")
@csrf.exempt
def receive():
    """Keep a revoked phone's unsent records, unapplied, for a coordinator (README: Sync protocol)."""
    config = current_app.config
    if request.headers.get(SYNC_HEADER) != "1":
        return _error(400, "bad_request", messages={"_request": [f"The {SYNC_HEADER} header is required."]})
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        return _error(403, "forbidden_origin")
    try:
        raw = _read_body(config["SYNC_MAX_BYTES"])
    except zlib.error:
        return _error(400, "bad_request", messages={"_request": ["The body is not valid gzip."]})
    if raw is None:
        return _too_large()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error(400, "bad_request", messages={"_request": ["The body is not valid JSON."]})
    try:
        device_id, items, lost = handover.read_body(body, config["SYNC_MAX_MUTATIONS"])
    except ValidationError as error:
        if "items" in error.messages and isinstance(body, dict) and isinstance(body.get("items"), list) \
                and len(body["items"]) > config["SYNC_MAX_MUTATIONS"]:
            return _too_large()
        return _error(400, "bad_request", messages=error.messages)
    try:
        results = handover.receive(get_db(), config, current_app.instance_path, device_id, items, lost)
    except handover.NotRevoked:
        # A phone in good standing sends through /api/sync; an unknown id learns nothing more.
        return _error(409, "not_revoked")
    response = jsonify({"protocol": 1, "results": results})
    response.headers["Cache-Control"] = "no-store"
    return response


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
    result = handover.accept(get_db(), current_app.config, current_user, mutation_id)
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
