"""Cookies and HSTS over HTTPS: the session cookie is Secure and `__Host-` prefixed, and every
answer carries Strict-Transport-Security, whenever the request is HTTPS (HTTPS = None, the
default, detects it per request); plain http on localhost (the demo) stays as it was."""

import pytest

from fieldapp import users

SECURE_SITE = "https://fieldapp.example.org"
HSTS = "max-age=31536000"


@pytest.fixture
def worker(db):
    return users.create_user(db, "outreach", "demo", "outreach_worker", team="Fenland outreach")


def _login(client, base_url):
    return client.post("/login", data={"username": "outreach", "password": "demo"}, base_url=base_url)


def _session_cookie(response):
    [cookie] = [value for value in response.headers.getlist("Set-Cookie") if "session=" in value]
    return cookie


def test_over_https_the_session_cookie_is_secure_and_host_prefixed(client, worker):
    cookie = _session_cookie(_login(client, SECURE_SITE))
    assert cookie.startswith("__Host-fieldapp_session=")
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
    assert not any(part.startswith("domain=") for part in attributes)


def test_over_https_a_signed_in_session_goes_on(client, worker):
    _login(client, SECURE_SITE)
    assert client.get("/caseload", base_url=SECURE_SITE).status_code == 200


def test_over_https_every_answer_carries_hsts(client, worker):
    assert client.get("/login", base_url=SECURE_SITE).headers["Strict-Transport-Security"] == HSTS
    assert _login(client, SECURE_SITE).headers["Strict-Transport-Security"] == HSTS
    assert client.get("/sw.js", base_url=SECURE_SITE).headers["Strict-Transport-Security"] == HSTS


def test_plain_http_on_localhost_keeps_a_plain_cookie_and_no_hsts(client, worker):
    response = _login(client, "http://localhost")
    cookie = _session_cookie(response)
    assert cookie.startswith("fieldapp_session=") and "secure" not in cookie.lower()
    assert "Strict-Transport-Security" not in response.headers


def test_a_cookie_set_over_plain_http_does_not_sign_anyone_in_over_https(client, worker):
    """Only a Secure, `__Host-` cookie counts over https: a cookie planted over plain http (by
    anyone on the network) is not the one read."""
    _login(client, "http://fieldapp.example.org")
    response = client.get("/caseload", base_url=SECURE_SITE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_https_true_is_secure_even_when_the_proxy_does_not_say_so(make_app, worker):
    client = make_app(HTTPS=True).test_client()
    response = _login(client, "http://fieldapp.example.org")
    assert _session_cookie(response).startswith("__Host-fieldapp_session=")
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_https_false_turns_it_all_off(make_app, worker):
    client = make_app(HTTPS=False).test_client()
    response = _login(client, SECURE_SITE)
    assert _session_cookie(response).startswith("fieldapp_session=")
    assert "Strict-Transport-Security" not in response.headers
