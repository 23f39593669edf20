"""No input to any page makes the server fail: every route of the app, with every method it takes,
as each demo role and signed out, with odd path values, query strings and bodies (junk forms, junk
JSON, bytes that are not UTF-8), never answers 5xx (tests/test_api_fuzz.py does the same for the
sync API from its OpenAPI description). Deterministic: one seeded generator, the same requests
every run. A failure names the route, the role and the request."""

import random

import pytest
from flask import url_for
from werkzeug.routing.converters import NumberConverter

from fieldapp import demo

JUNK = ["", " ", "0", "-1", "99999999999999999999", "1e308", "nan", "null", "true", "[]", "{}",
        "x" * 5000, "'; DROP TABLE person; --", "<script>alert(1)</script>", "\x00", "😀" * 50,
        "2026-02-30", "2026-13-01", "9999-12-31T23:59", "0000-00-00", "../../etc/passwd", "%00",
        "a,b,c", "1.5"]
FIELDS = ["q", "page", "from", "to", "quarter", "district", "status", "person_id", "display_name",
          "username", "password", "role", "next", "format", "team", "area", "total", "scores",
          "contact_at", "starts_at", "ends_at", "user_id", "version", "reason", "kind", "id",
          "record_id", "day", "month", "since", "until", "csrf_token", "device_id"]
BODIES = [b"\xff\xfe", b"{", b"[]", b"null", b'{"mutations": "x"}']
# Signed out first, the admin last: what the admin's junk does to accounts (a reset password, a
# deactivated user) must not sign the others out before their turn.
ROLES = [None, "outreach", "peer", "navigator", "coordinator", "partner", "manager", "admin"]
TRIES = 2  # requests per route, method and role


def path_values(rule, rng, ids):
    """Values for a rule's path arguments: integers for integer converters, else an id or junk."""
    values = {}
    for name in rule.arguments:
        if isinstance(rule._converters[name], NumberConverter):
            values[name] = rng.choice([0, 1, 2, 3, 999999, 2**62])
        else:
            values[name] = rng.choice(ids + ["x", "ff" * 20, "-"])
    return values


def send(client, method, url, rng):
    """One request of a random shape: a junk query string, form, JSON or raw body."""
    params = {rng.choice(FIELDS): rng.choice(JUNK) for _ in range(rng.randint(0, 5))}
    if method == "GET":
        return client.get(url, query_string=params)
    shape = rng.random()
    headers = {"X-Fieldapp-Sync": "1"}
    if shape < 0.6:
        return client.open(url, method=method, data=params)
    if shape < 0.8:
        return client.open(url, method=method, json=params, headers=headers)
    return client.open(url, method=method, data=rng.choice(BODIES), headers=headers,
                       content_type=rng.choice(["application/json", "text/plain",
                                                "application/x-www-form-urlencoded"]))


@pytest.mark.parametrize("role", ROLES, ids=[r or "signed-out" for r in ROLES])
def test_no_input_to_any_page_makes_a_server_error(app, db, role):
    demo.load_demo(db, app.config)
    ids = [row["id"] for row in db.query("SELECT id FROM person")]
    ids += [row["id"] for row in db.query("SELECT id FROM contact LIMIT 3")]
    rng = random.Random(f"pages-fuzz-{role}")
    client = app.test_client()
    if role:
        answer = client.post("/login", data={"username": role, "password": "demo"})
        assert answer.status_code in (302, 303), role
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or "logout" in rule.endpoint:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for _ in range(TRIES):
                with app.test_request_context():
                    url = url_for(rule.endpoint, **path_values(rule, rng, ids))
                answer = send(client, method, url, rng)
                if answer.status_code >= 500 and answer.status_code != 503:
                    failures.append((rule.endpoint, method, url[:120], answer.status_code))
    assert failures == []
