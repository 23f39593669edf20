"""/healthz and /metrics: what they report, and who may read the metrics."""

import pytest

from fieldapp import users
from tests.helpers import uid

HEADERS = {"X-Fieldapp-Sync": "1"}
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def worker(db):
    return users.create_user(db, "ann", "demo", "outreach_worker", team="Fenland outreach",
                             area="Fenland and East Cambridgeshire")


def test_healthz_is_ok_on_a_current_database(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": "ok", "migrations": "current",
                                 "replication": None}
    assert answer.headers["Cache-Control"] == "no-store"


def test_healthz_fails_when_a_migration_is_missing(client, db):
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_login_throttle'")
    db.conn.commit()
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["migrations"]["pending"] == ["fieldapp:m009_login_throttle"]


def test_healthz_fails_when_litestream_does_not_answer(make_app, tmp_path):
    app = make_app(REPLICA_URL=f"file://{tmp_path / 'replica'}", REPLICATED=True)
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert "litestream unreachable" in answer.get_json()["replication"]["error"]


def _sync(client, device_id, mutations):
    return client.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device_id, "cursor": 0, "mutations": mutations})


def test_metrics_count_requests_by_endpoint_and_mutations_by_status(client, worker, db):
    device_id = uid()
    client.post("/login", data={"username": "ann", "password": "demo", "device_id": device_id})
    person = uid()
    good = {"id": uid(), "type": "person", "op": "create", "record_id": person,
            "fields": {"display_name": "Metrics person", "district": "Fenland"}}
    bad = {"id": uid(), "type": "person", "op": "create", "record_id": uid(),
           "fields": {"display_name": "", "district": "Fenland"}}
    assert _sync(client, device_id, [good, bad]).status_code == 200
    client.get(f"/people/{person}")
    db.execute("UPDATE device SET last_seen_at = '2026-01-01T00:00:00Z' WHERE id = ?", [device_id])
    db.conn.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'fieldapp_requests_total{endpoint="api.sync_endpoint",method="POST",status="200"}' in text
    assert 'endpoint="people.person"' in text or 'endpoint="people.' in text
    assert person not in text  # endpoint names, never paths with ids
    assert "Metrics person" not in text
    assert 'fieldapp_sync_mutations_total{status="applied",type="person"}' in text
    assert 'fieldapp_sync_rejected_total{reason="invalid_fields",type="person"}' in text
    assert 'fieldapp_devices_not_synced{days="30"} 1.0' in text
    assert "fieldapp_sync_pull_changes_count" in text and "fieldapp_request_seconds_bucket" in text


def test_metrics_are_for_this_machine_unless_a_token_is_set(make_app):
    open_app = make_app()
    assert open_app.test_client().get("/metrics").status_code == 200
    assert open_app.test_client().get("/metrics", environ_base=OUTSIDE).status_code == 404
    # A proxy on this machine connects from loopback: what it forwards is from outside.
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert open_app.test_client().get("/metrics", headers=forwarded).status_code == 404

    guarded = make_app(METRICS_TOKEN="s3cret-metrics-token").test_client()
    assert guarded.get("/metrics", environ_base=OUTSIDE).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert guarded.get("/metrics", environ_base=OUTSIDE, headers=wrong).status_code == 401
    right = {"Authorization": "Bearer s3cret-metrics-token"}
    answer = guarded.get("/metrics", environ_base=OUTSIDE, headers=right)
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
