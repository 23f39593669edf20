"""POST /api/sync: the one door through which casework reaches the central store.

The view only guards the door (cross-site defence, size limits, who is asking, from which device)
and hands the body to the sync engine; every answer is JSON, so the phone can always tell the
sync endpoint's own answer from anything else (a captive portal, a proxy's error page).
POST /api/handover, beside it with the same guards, is a revoked phone's last call: its unsent
records handed over, kept and never applied (fieldapp/rules/handover.py). POST /api/sign-out ends
the session a shared phone was handed on from with no signal.
"""

import hashlib
import json
import zlib

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user, logout_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

import sync

from .. import devices, metrics, replication
from ..db import get_db
from ..notify import recipients
from ..records import make_engine
from ..rules import handover, sealed_sync, sealing, unsent

bp = Blueprint("api", __name__, url_prefix="/api")

SYNC_HEADER = "X-Fieldapp-Sync"


def _error(status, error, **extra):
    response = jsonify({"error": error, **extra})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _unavailable(error, retry_after: int):
    """503 with Retry-After (seconds), also in the body for a reader that cannot see headers."""
    response = _error(503, error, retry_after_seconds=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def _too_large():
    config = current_app.config
    return _error(413, "too_large", max_mutations=config["SYNC_MAX_MUTATIONS"],
                  max_bytes=config["SYNC_MAX_BYTES"])


def _read_body(max_bytes):
    """The request body, gunzipped if sent compressed; None if it is over `max_bytes` once
    decompressed (read no further than that, so a compressed bomb costs nothing)."""
    if request.content_length is not None and request.content_length > max_bytes:
        return None
    raw = request.get_data(cache=False)
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        raw = inflater.decompress(raw, max_bytes + 1)
    return None if len(raw) > max_bytes else raw


def _results_for(ids: list[str]) -> str:
    """What names the batch answered by results without their ids: SHA-256 of its mutation ids
    in the order sent, one a line, the first 16 hex digits (static/answer.js `digestOf` checks it:
    a result is never taken for another record's, whatever went wrong on the way)."""
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def _replicated_if_asked(config, results) -> bool:
    """With REPLICA_ACK_AFTER_REPLICATED (under `serve --replicate`), wait until Litestream has
    shipped this batch's commits to the replica before the phone is told they are safe: closes
    the replication window at the cost of that wait. False if the replica cannot be reached."""
    if not (config["REPLICA_ACK_AFTER_REPLICATED"] and config.get("REPLICATED")):
        return True
    if not any(result["status"] in ("applied", "conflict") for result in results):
        return True
    try:
        replication.wait_until_replicated(config, config["REPLICA_ACK_TIMEOUT_SECONDS"])
    except (OSError, ValueError, replication.ReplicationError):
        return False
    return True


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description of the sync endpoint, generated from its schemas."""
    from .openapi import build_spec  # apispec is needed only when someone asks

    return jsonify(build_spec(current_app.config))


@bp.get("/device-key")
def device_key():
    """The server's key for the signed-in phone (static/vault.js): it wraps the phone's data key
    beside the PIN, so signing in with signal opens it when the PIN is forgotten. Only for the
    device the session is bound to, within PIN_RESET_MINUTES of signing in with the password,
    never cached; a revoked device gets none."""
    if not current_user.is_authenticated:
        return _error(401, "login_required")
    key = devices.device_wrap_key(get_db(), current_user.device_id, current_user.token,
                                current_app.config["PIN_RESET_MINUTES"])
    if key is None:
        return _error(403, "sign_in_again")
    response = jsonify({"device_id": current_user.device_id, "key": key})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sealing-key")
def sealing_key():
    """The deployment's current public key that phones seal mutations to (rules/sealing.py):
    {"kid", "key"}. Public by nature; asked for by a signed-in phone."""
    if not current_user.is_authenticated:
        return _error(401, "login_required")
    response = jsonify(sealing.keyring(current_app.config["INSTANCE"]).public())
    response.headers["Cache-Control"] = "no-store"
    return response


class _SigningKey(Schema):
    """POST /api/signing-key: the phone's signing key, made when its PIN was set."""

    class Meta:
        unknown = EXCLUDE

    device_id = fields.String(required=True, validate=validate.Length(max=64))
    key = fields.String(required=True, validate=validate.Length(min=80, max=100))


@bp.post("/signing-key")
def signing_key():
    """Register the public half of this phone's signing key (static/vault.js, at PIN set-up):
    from then on the server takes only sealed, signed mutations from it and answers only signed
    pulls. Same guard as the device key: the device the session is bound to, within
    PIN_RESET_MINUTES of a password sign-in (a stolen cookie alone cannot put its own key in)."""
    if request.headers.get(SYNC_HEADER) != "1":
        return _error(400, "bad_request", messages={"_request": [f"The {SYNC_HEADER} header is required."]})
    if not current_user.is_authenticated:
        return _error(401, "login_required")
    try:
        body = _SigningKey().load(request.get_json(silent=True) or {})
        raw = sealing.unb64(body["key"])
        sealing.load_public(raw)
    except ValidationError as error:
        return _error(400, "bad_request", messages=error.messages)
    except sealing.SealError as error:
        return _error(400, "bad_request", messages={"key": [error.message]})
    if body["device_id"] != current_user.device_id:
        return _error(409, "device_mismatch")
    if not devices.register_signing_key(get_db(), current_user.device_id, current_user.token, raw,
                                      current_app.config["PIN_RESET_MINUTES"]):
        return _error(403, "sign_in_again")
    # `nonce`: what the phone's first signed pull signs (rules/sealed_sync.py), saving it a round trip.
    response = jsonify({"device_id": current_user.device_id, "registered": True,
                        "sealing": sealing.keyring(current_app.config["INSTANCE"]).public(),
                        "nonce": sealed_sync.issue_nonce(current_app.config["SECRET_KEY"],
                                                         current_user.device_id)})
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_request(config):
    """The JSON body of a request to /api/sync or /api/handover, after the same cross-site checks
    (the custom header, a same-origin `Origin`) and size limit (after gunzip): (body, None), or
    (None, the 4xx answer to give)."""
    if request.headers.get(SYNC_HEADER) != "1":
        return None, _error(400, "bad_request", messages={"_request": [f"The {SYNC_HEADER} header is required."]})
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        return None, _error(403, "forbidden_origin")
    try:
        raw = _read_body(config["SYNC_MAX_BYTES"])
    except zlib.error:
        return None, _error(400, "bad_request", messages={"_request": ["The body is not valid gzip."]})
    if raw is None:
        return None, _too_large()
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError):
        return None, _error(400, "bad_request", messages={"_request": ["The body is not valid JSON."]})
    except RecursionError:
        return None, _error(400, "bad_request", messages={"_request": ["The body is nested too deeply."]})


@bp.post("/sync")
def sync_endpoint():
    """Push the phone's mutations and pull its changes in one round trip (README: Sync protocol)."""
    config = current_app.config
    body, refusal = _json_request(config)
    if refusal is not None:
        return refusal
    if not isinstance(body, dict):
        return _error(400, "bad_request", messages={"_request": ["The body must be a JSON object."]})

    db = get_db()
    device_id = body.get("device_id")
    # A lost or revoked phone is told to wipe itself, even though its session is already dead;
    # its outbox is not accepted (whoever holds the phone now may not be the worker).
    if isinstance(device_id, str) and devices.device_revoked(db, device_id):
        return _error(403, "revoked", revoked=True)
    if not current_user.is_authenticated:
        return _error(401, "login_required")
    if device_id != current_user.device_id:
        return _error(409, "device_mismatch")
    mutations = body.get("mutations")
    if isinstance(mutations, list) and len(mutations) > config["SYNC_MAX_MUTATIONS"]:
        return _too_large()

    engine = make_engine(db, config)
    # The user itself, not flask-login's proxy: the engine reads `actor.id` many times a mutation.
    actor = current_user._get_current_object()
    started = metrics.clock()
    # A phone with a signing key sends only sealed, signed mutations and pulls only when it signs
    # (rules/sealed_sync.py): what does not open is rejected alone, before the engine sees it.
    sealed_phone = devices.device_signing_key(db, device_id) is not None
    opened, refused = sealed_sync.open_batch(db, sealing.keyring(config["INSTANCE"]), device_id,
                                             mutations, compact=body.get("echo") == "result")
    body = {**body, "mutations": opened} if isinstance(mutations, list) else body
    may_pull = not sealed_phone or sealed_sync.pull_signed(db, config["SECRET_KEY"], device_id, body)
    try:
        # waitress (with channel_request_lookahead, `fieldapp serve`) says whether the phone has
        # closed its connection: a phone that gave up is not worked for (it sends again).
        answer = engine.sync(actor, body, gone=request.environ.get("waitress.client_disconnected"),
                             pull=may_pull)
    except sync.Abandoned as abandoned:
        metrics.observe_abandoned(abandoned.results is not None)
        if abandoned.results:
            recipients.after_sync(engine, config, actor, body.get("mutations"), abandoned.results)
        return _unavailable("client_gone", 0)  # read by nobody: the connection is closed
    except sync.EnvelopeError as error:
        return _error(400, "bad_request", messages=error.messages)
    except sync.Busy as busy:
        # Overloaded: the write lock was not had within SYNC_LOCK_TIMEOUT_SECONDS. Nothing of
        # this request was stored; the phone keeps its outbox and tries later.
        return _unavailable("busy", busy.retry_after)
    except sync.StoreUnavailable:
        # Disk full, I/O trouble: nothing answered is lost (what was stored is committed); the
        # phone keeps its outbox and sends again, and what was stored answers `duplicate`.
        return _unavailable("unavailable", 30)
    # (The device's last_seen_at is touched by the session check, at most once a minute: a
    # write of its own here would cost every sync a second durable commit.)
    recipients.after_sync(engine, config, actor, body.get("mutations"), answer["results"])
    answer["results"] = sealed_sync.merge_results(answer["results"], refused, len(mutations or []))
    if sealed_phone:
        # The nonce the next signed pull signs; `"pull": "withheld"` when this one was not signed.
        answer["nonce"] = sealed_sync.issue_nonce(config["SECRET_KEY"], device_id)
        if not may_pull and body.get("pull", True) is not False:
            answer["pull"] = "withheld"
    report = unsent.read_report(body)
    if report is not None:
        # What else the phone holds unsent: anything it held before and no longer does, that never
        # arrived, was lost from the phone (rules/unsent.py); say so, to the phone and the people.
        batch_ids = [r["id"] for r in answer["results"]]
        lost = unsent.note_report(db, engine, actor, device_id, batch_ids, report)
        answer["lost"] = [{"id": r["mutation_id"], "type": r["type"], "person_id": r["person_id"],
                           "recorded_at": r["recorded_at"]} for r in lost]
        if lost:
            recipients.after_loss(db, config, actor)
    sent = answer
    if body.get("result_ids") is False:
        # Results in the order of the mutations sent, without their ids (sync/wire.py), naming
        # the batch they answer by a digest of its ids in that order.
        sent = {**answer, "results_for": _results_for([r["id"] for r in answer["results"]]),
                "results": [{k: v for k, v in r.items() if k != "id"} for r in answer["results"]]}
    response = jsonify(sent)
    response.headers["Cache-Control"] = "no-store"
    metrics.observe_sync({t.name for t in engine.registry}, body.get("mutations"), answer,
                         metrics.clock() - started, response.content_length or 0)
    if not _replicated_if_asked(config, answer["results"]):
        # Stored here, not yet off the machine: the phone keeps its outbox and sends again;
        # what was stored answers `duplicate` then (README: the replication window).
        response = _error(503, "not_replicated", retry_after_seconds=10)
        response.headers["Retry-After"] = "10"
    return response


class SignOutSchema(Schema):
    """POST /api/sign-out: the device whose session a phone handed on with no signal."""

    class Meta:
        unknown = EXCLUDE

    device_id = fields.String(required=True, validate=validate.Length(max=64))


@bp.post("/sign-out")
def sign_out():
    """End the session of the device named, if it is the one this request's cookie belongs to:
    a worker who handed a shared phone on with no signal ("Switch worker", static/shared-phone.js)
    is signed out here before anything else goes, so the next worker never uses their session.
    Answers {"signed_out": true|false}; nothing to end is not an error (the phone stops asking).
    The same cross-site defence as /api/sync; a session of another device is left alone."""
    body, refusal = _json_request(current_app.config)
    if refusal is not None:
        return refusal
    try:
        device_id = SignOutSchema().load(body if isinstance(body, dict) else {})["device_id"]
    except ValidationError as error:
        return _error(400, "bad_request", messages=error.messages)
    ended = current_user.is_authenticated and current_user.device_id == device_id
    if ended:
        devices.end_session(get_db(), current_user.token)
        # The Flask session (its CSRF token) stays: the phone posts the sign-out form next.
        logout_user()
    response = jsonify({"signed_out": ended})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/handover")
def handover_endpoint():
    """A revoked phone hands over its unsent records before it wipes itself; they are kept,
    unapplied, for a coordinator (rules/handover.py, README: Sync protocol). No session (the
    device's sessions ended with the revocation); the same cross-site defence, size limits and
    JSON answers as /api/sync."""
    config = current_app.config
    body, refusal = _json_request(config)
    if refusal is not None:
        return refusal
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
