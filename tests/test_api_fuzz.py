"""Bad input: schemathesis generates requests from the OpenAPI description of /api/sync, a lost
phone's /api/handover (with a revoked device's id, mostly) and the push subscription endpoints
(itself generated from the marshmallow schemas) and checks that no input
makes the server fail (5xx) and that every answer matches the description. Valid and invalid
envelopes, with and without a real session, with the phone's own device id and with foreign ones.

Deterministic: hypothesis is derandomized, and which envelopes carry the phone's real device id is
decided by a stable checksum of the body, so every run fuzzes the same mix. The app, its user and
the logged-in session are fixtures over a temporary folder, like every other test's."""

import json
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from fieldapp import config as default_config
from fieldapp import create_app, devices, users
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from fieldapp.web.openapi import build_spec
from tests.conftest import TEST_CONFIG

DEVICE_ID = "0b6f4a8e-4f1d-4c3b-9d2a-6a1e2f3b4c5d"
# A phone of Ann's that was revoked: the hand-over endpoint's bodies get it, to reach its checks.
REVOKED_DEVICE_ID = "7d1c2b3a-5e6f-4a8b-9c0d-1e2f3a4b5c6d"


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory):
    """An app with one signed-up outreach worker, over its own temporary instance."""
    instance = tmp_path_factory.mktemp("fuzz") / "instance"
    app = create_app({**TEST_CONFIG, "INSTANCE": instance})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    ann = users.create_user(db, "ann", "pw-ann-fuzz", "outreach_worker", team="Fenland outreach",
                            area="Fenland and East Cambridgeshire")
    devices.start_session(db, ann, REVOKED_DEVICE_ID)
    devices.revoke_device(db, REVOKED_DEVICE_ID)
    db.close()
    return app


@pytest.fixture(scope="module")
def session_cookie(fuzzed_app):
    """The cookie of Ann's login session on the phone DEVICE_ID."""
    client = fuzzed_app.test_client()
    client.post("/login", data={"username": "ann", "password": "pw-ann-fuzz", "device_id": DEVICE_ID})
    return client.get_cookie(fuzzed_app.config["SESSION_COOKIE_NAME"]).value


# The description the server publishes at /api/openapi.json, built from the default settings
# (a pure function: no app or database at import time). The requests go to `fuzzed_app`.
schema = schemathesis.openapi.from_dict(build_spec(vars(default_config)))


def _gets_the_real_device(body) -> bool:
    """Three envelopes in four get the phone's real device id, so the fuzzing reaches the engine;
    chosen by a checksum of the body, the same in every run."""
    return zlib.crc32(json.dumps(body, sort_keys=True, default=str).encode()) % 4 != 0


@schema.parametrize()
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_sync_endpoint_never_fails_on_any_input(case, fuzzed_app, session_cookie):
    if isinstance(case.body, dict) and "device_id" in case.body and _gets_the_real_device(case.body):
        case.body["device_id"] = REVOKED_DEVICE_ID if case.path == "/api/handover" else DEVICE_ID
    # The WSGI transport hands over the body as the app sent it, compressed or not: ask for none
    # (compression has its own tests, tests/test_wire.py).
    case.call_and_validate(app=fuzzed_app, headers={"Accept-Encoding": "identity"},
                           cookies={fuzzed_app.config["SESSION_COOKIE_NAME"]: session_cookie},
                           checks=[not_a_server_error, response_schema_conformance])


def test_the_published_description_is_the_one_fuzzed(fuzzed_app):
    published = fuzzed_app.test_client().get("/api/openapi.json").get_json()
    assert published == json.loads(json.dumps(build_spec(vars(default_config))))
