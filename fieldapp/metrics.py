"""Prometheus metrics: what an operator watches (README: Running it for real).

The counters live in one registry of this process (waitress serves from one process). Requests
are labelled by endpoint name (`people.person`), never by the raw path, which holds record ids;
no label ever carries a name, a field value or anything a client chose freely. The gauges that
describe the store (devices not synced for N days, replication lag) are read when scraped.
Plain Python over prometheus-client: the web layer calls these functions around its views and
the sync engine (which knows nothing of metrics).
"""

import time
from datetime import datetime, timedelta, timezone

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from . import replication
from .timeutil import timestamp

REGISTRY = CollectorRegistry()
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = Counter("fieldapp_requests_total", "HTTP requests answered, by endpoint and status",
                   ["endpoint", "method", "status"], registry=REGISTRY)
LATENCY = Histogram("fieldapp_request_seconds", "Time to answer a request, by endpoint",
                    ["endpoint"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SYNC_BATCHES = Counter("fieldapp_sync_batches_total", "Sync requests answered by the engine",
                       registry=REGISTRY)
SYNC_SECONDS = Histogram("fieldapp_sync_seconds", "Time the engine took for one sync request",
                         registry=REGISTRY,
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5))
MUTATIONS = Counter("fieldapp_sync_mutations_total", "Mutations answered, by record type and status",
                    ["type", "status"], registry=REGISTRY)
REJECTED = Counter("fieldapp_sync_rejected_total",
                   "Rejected mutations by reason: invalid_fields (the schema refused a field) or "
                   "refused (not allowed, unknown, waited too long for a record)",
                   ["type", "reason"], registry=REGISTRY)
PULL_CHANGES = Histogram("fieldapp_sync_pull_changes", "Changes sent in one sync answer",
                         registry=REGISTRY, buckets=(0, 1, 5, 10, 50, 100, 250, 500, 1000))
PULL_BYTES = Histogram("fieldapp_sync_answer_bytes", "Size of one sync answer (before compression)",
                       registry=REGISTRY,
                       buckets=(1e3, 1e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 2.5e6))
SYNC_ABANDONED = Counter("fieldapp_sync_abandoned_total",
                         "Sync requests whose phone closed its connection before the answer was "
                         "ready, so work stopped: before_push (nothing stored) or before_pull "
                         "(the push stored, a retry answers it duplicate)", ["stage"],
                         registry=REGISTRY)
STALE_DEVICES = Gauge("fieldapp_devices_not_synced", "Unrevoked devices not seen for at least N days",
                      ["days"], registry=REGISTRY)
REPLICATION_LAG = Gauge("fieldapp_replication_lag_seconds",
                        "Seconds since Litestream last reached the replica (-1: not answering)",
                        registry=REGISTRY)


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    """Count one answered request under its endpoint name ("unmatched" for a 404 with no route)."""
    name = endpoint or "unmatched"
    REQUESTS.labels(name, method, str(status)).inc()
    LATENCY.labels(name).observe(seconds)


def observe_sync(known_types, mutations, answer: dict, seconds: float, answer_bytes: int) -> None:
    """Count one sync exchange: its mutations by type and status, rejections by reason, the size
    of the pull. `known_types` bounds the type label (a client may send any string as a type)."""
    SYNC_BATCHES.inc()
    SYNC_SECONDS.observe(seconds)
    types = {}
    for mutation in mutations if isinstance(mutations, list) else []:
        if isinstance(mutation, dict):
            types[str(mutation.get("id"))] = mutation.get("type")
    for result in answer["results"]:
        type_name = types.get(result["id"])
        # Any JSON at all may stand for a type: only a known name (a string) becomes a label.
        type_name = type_name if isinstance(type_name, str) and type_name in known_types else "other"
        MUTATIONS.labels(type_name, result["status"]).inc()
        if result["status"] == "rejected":
            errors = result.get("errors") or {}
            reason = "refused" if set(errors) <= {"_mutation", "_schema"} else "invalid_fields"
            REJECTED.labels(type_name, reason).inc()
    PULL_CHANGES.observe(len(answer["changes"]))
    PULL_BYTES.observe(answer_bytes)


def observe_abandoned(stored: bool) -> None:
    """Count one sync abandoned because its phone had gone: after its push was stored, or not."""
    SYNC_ABANDONED.labels("before_pull" if stored else "before_push").inc()


def _stale_devices(db, days_list) -> dict:
    now = datetime.now(timezone.utc)
    counts = {}
    for days in days_list:
        before = timestamp(now - timedelta(days=days))
        counts[days] = db.execute(
            "SELECT COUNT(*) FROM device WHERE revoked_at IS NULL"
            " AND COALESCE(last_seen_at, created_at) < ?", [before]).fetchone()[0]
    return counts


def render(db, config) -> bytes:
    """The metrics in Prometheus' text format, with the store's gauges read now."""
    for days, count in _stale_devices(db, config["METRICS_STALE_DEVICE_DAYS"]).items():
        STALE_DEVICES.labels(str(days)).set(count)
    status = replication.replication_status(config)
    if status is not None:
        REPLICATION_LAG.set(status.get("lag_seconds", -1))
    return generate_latest(REGISTRY)


def clock() -> float:
    """A monotonic clock for timing requests."""
    return time.perf_counter()
