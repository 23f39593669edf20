"""/healthz and /metrics, for whoever runs the service (README: Running it for real).

/healthz answers a load balancer or a monitor: the database answers, its migrations are this
version's, and (under `serve --replicate`) the replica is not lagging; 200 or 503, in JSON, no
login. /metrics is Prometheus' text format (fieldapp/metrics.py), open to the machine itself and
otherwise only with METRICS_TOKEN as a bearer token. The request hooks here time every request
for the metrics, labelled by endpoint name.
"""

import hmac
import sqlite3

from flask import Blueprint, Response, abort, current_app, g, jsonify, request

from .. import metrics, replication
from ..db import get_db
from ..migrations import migration_state

bp = Blueprint("health", __name__)

LOOPBACK = {"127.0.0.1", "::1"}


@bp.get("/healthz")
def healthz():
    """Is this instance fit to serve? {"status": "ok"|"fail", "database", "migrations",
    "replication"}; 503 when it is not, so a monitor needs to read no further."""
    config = current_app.config
    body = {"status": "ok", "database": "ok", "migrations": None, "replication": None}
    try:
        db = get_db()
        db.execute("SELECT 1").fetchone()
        state = migration_state(db)
        body["migrations"] = "current" if not (state["pending"] or state["unknown"]) else state
        if body["migrations"] != "current":
            body["status"] = "fail"
    except sqlite3.Error as error:
        body.update(status="fail", database=f"unavailable: {error.__class__.__name__}")
    status = replication.replication_status(config)
    if status is not None:
        body["replication"] = status
        if "error" in status or status["lag_seconds"] > config["REPLICA_MAX_LAG_SECONDS"]:
            body["status"] = "fail"
    response = jsonify(body)
    response.status_code = 200 if body["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _from_this_machine() -> bool:
    """A request from loopback that no proxy forwarded (a proxy on this machine also connects
    from loopback: what it forwards comes from outside)."""
    return request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers


@bp.get("/metrics")
def metrics_view():
    """Prometheus metrics: loopback, or `Authorization: Bearer <METRICS_TOKEN>`; otherwise 404
    (no token set: there is nothing to find here) or 401 (a token is set: give it)."""
    token = current_app.config["METRICS_TOKEN"]
    if not _from_this_machine():
        if not token:
            abort(404)
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            response = Response("A bearer token is required.\n", status=401, mimetype="text/plain")
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    response = Response(metrics.render(get_db(), current_app.config),
                        mimetype=metrics.CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def start_timer():
    """Before each request: note when it started (for fieldapp_request_seconds)."""
    g.request_started = metrics.clock()


def count_request(response):
    """After each request: count it under its endpoint name, with its time."""
    started = g.get("request_started")
    if started is not None:
        metrics.observe_request(request.endpoint, request.method, response.status_code,
                                metrics.clock() - started)
    return response


def init_app(app):
    """Time and count every request (registered first, so the time covers the other hooks)."""
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request(count_request)
