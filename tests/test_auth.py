"""Signing in and out, and shutting people and phones out at once."""

import uuid

import pytest

from fieldapp import devices, users


@pytest.fixture
def worker(db):
    return users.create_user(db, "outreach", "demo", "outreach_worker", display_name="Olu",
                                team="Fenland outreach", area="Fenland and East Cambridgeshire")


def test_login_then_logout(client, auth, worker):
    assert client.get("/caseload").status_code == 302
    response = auth.login("outreach")
    assert response.status_code == 302 and response.headers["Location"] == "/caseload"
    page = client.get("/caseload")
    assert page.status_code == 200
    assert b'data-user-name="Olu"' in page.data
    assert auth.logout().headers["Location"] == "/login"
    assert client.get("/caseload").headers["Location"].startswith("/login")


def test_logout_ends_the_server_session(client, auth, db, worker):
    auth.login("outreach")
    with client.session_transaction() as flask_session:
        copied = dict(flask_session)
    auth.logout()
    # A stolen copy of the old cookie is worthless once the server-side session has ended.
    with client.session_transaction() as flask_session:
        flask_session.update(copied)
    assert client.get("/caseload").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, auth, worker):
    response = auth.login("outreach", "wrong")
    assert response.status_code == 200
    assert b"Enter a correct username and password" in response.data
    assert client.get("/caseload").status_code == 302
    assert b"Enter a correct username and password" in auth.login("nobody", "demo").data


def test_deactivated_user_is_shut_out_at_once(client, auth, db, worker):
    auth.login("outreach")
    assert client.get("/caseload").status_code == 200
    users.deactivate_user(db, worker)
    assert client.get("/caseload").status_code == 302
    assert b"Enter a correct username and password" in auth.login("outreach").data


def test_revoked_device_session_stops_working(client, auth, db, worker):
    device_id = str(uuid.uuid4())
    auth.login("outreach", device_id=device_id)
    page = client.get("/caseload")
    assert f'data-device-id="{device_id}"'.encode() in page.data
    devices.revoke_device(db, device_id)
    assert client.get("/caseload").status_code == 302
    # Signing in again on that phone works, but as a new device: the revoked id stays revoked.
    auth.login("outreach", device_id=device_id)
    page = client.get("/caseload")
    assert page.status_code == 200
    assert f'data-device-id="{device_id}"'.encode() not in page.data


def test_server_mints_a_device_id_when_the_phone_sent_none(client, auth, db, worker):
    auth.login("outreach", device_id="")
    [device] = devices.list_devices(db, worker)
    assert devices.is_device_id(device["id"])
    assert f'data-device-id="{device["id"]}"'.encode() in client.get("/caseload").data


def test_idle_session_expires_after_session_days(client, auth, db, worker):
    auth.login("outreach")
    db.execute("UPDATE login_session SET last_seen_at = '2000-01-01T00:00:00Z'")
    db.conn.commit()
    assert client.get("/caseload").status_code == 302


def test_login_is_rate_limited(make_app, db, worker):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    answers = [client.post("/login", data={"username": "outreach", "password": "wrong"}).status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_login_needs_a_csrf_token_when_csrf_is_on(make_app, worker):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/login", data={"username": "outreach", "password": "demo"})
    assert response.status_code == 400
    page = client.get("/login").data.decode()
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"username": "outreach", "password": "demo", "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/", "/%09/evil.example/", "/%0d%0aSet-Cookie:x=1",
                                    "https://evil.example/", "/\\evil.example", "%2F%2Fevil.example",
                                    "/%5Cevil.example", " //evil.example", "javascript:alert(1)"])
def test_next_only_goes_to_this_site(client, worker, target):
    response = client.post(f"/login?next={target}", data={"username": "outreach", "password": "demo"})
    assert response.status_code == 302 and response.headers["Location"] == "/caseload"


def test_next_goes_to_a_page_of_this_site(client, worker):
    response = client.post("/login?next=/caseload%3Fq%3Ddan", data={"username": "outreach",
                                                                   "password": "demo"})
    assert response.headers["Location"] == "/caseload?q=dan"


def test_online_pages_are_never_stored(client, auth, worker):
    response = client.get("/login")
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_passwords_are_stored_as_argon2id(db, worker):
    assert users.get_user(db, worker)["password_hash"].startswith("$argon2id$")


def test_thirty_two_phones_sign_in_at_once(app, db):
    """Shift change: everyone signs in together. No sign-in fails on a locked database."""
    import threading

    for n in range(32):
        users.create_user(db, f"worker{n}", "pw-at-once", "outreach_worker", team="Fenland outreach")
    answers, start = [], threading.Barrier(32)

    def sign_in(n):
        client = app.test_client()
        start.wait()
        response = client.post("/login", data={"username": f"worker{n}", "password": "pw-at-once",
                                               "device_id": str(uuid.uuid4())})
        answers.append(response.status_code)

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302] * 32
    assert db.execute("SELECT COUNT(*) FROM login_session WHERE revoked_at IS NULL").fetchone()[0] == 32


def test_a_device_id_belongs_to_one_user(app, client, auth, db, worker):
    """Signing in with another user's device id gets a device of one's own: the other user's
    cursor and what their phone held are never reachable through it."""
    users.create_user(db, "other", "pw-other", "outreach_worker", team="Fenland outreach")
    device_id = str(uuid.uuid4())
    auth.login("outreach", device_id=device_id)
    auth.logout()
    client.post("/login", data={"username": "other", "password": "pw-other", "device_id": device_id})
    page = client.get("/caseload").get_data(as_text=True)
    assert f'data-device-id="{device_id}"' not in page
    other = users.get_user_by_username(db, "other")["id"]
    assert [d["id"] for d in devices.list_devices(db, other)] != [device_id]
    assert [d["id"] for d in devices.list_devices(db, worker)] == [device_id]


def test_no_casework_page_is_left_in_the_browsers_http_cache(client, auth, worker):
    """What logout would have to clear from the HTTP cache is never put there."""
    auth.login("outreach")
    assert client.get("/caseload").headers["Cache-Control"] == "private, no-store"


# ---- POST /api/sign-out: a shared phone handed on with no signal (static/shared-phone.js) ----

def owed_sign_out(client, device_id, header=True):
    headers = {"X-Fieldapp-Sync": "1"} if header else {}
    return client.post("/api/sign-out", json={"device_id": device_id}, headers=headers)


def test_a_sign_out_owed_by_a_phone_ends_that_session(client, auth, db, worker):
    device_id = str(uuid.uuid4())
    auth.login("outreach", device_id=device_id)
    answer = owed_sign_out(client, device_id)
    assert answer.status_code == 200 and answer.get_json() == {"signed_out": True}
    assert client.get("/caseload").status_code == 302
    assert db.execute("SELECT revoked_at FROM login_session").fetchone()[0] is not None


def test_a_sign_out_owed_for_another_device_leaves_this_session_alone(client, auth, db, worker):
    auth.login("outreach", device_id=str(uuid.uuid4()))
    answer = owed_sign_out(client, str(uuid.uuid4()))
    assert answer.status_code == 200 and answer.get_json() == {"signed_out": False}
    assert client.get("/caseload").status_code == 200


def test_a_sign_out_owed_with_no_session_is_answered_and_ends_nothing(client, worker):
    answer = owed_sign_out(client, str(uuid.uuid4()))
    assert answer.status_code == 200 and answer.get_json() == {"signed_out": False}


@pytest.mark.parametrize("body", [None, [], {"device_id": 7}, {"device_id": "x" * 65}, {}])
def test_a_malformed_sign_out_is_a_400(client, body):
    answer = client.post("/api/sign-out", json=body, headers={"X-Fieldapp-Sync": "1"})
    assert answer.status_code == 400 and answer.get_json()["error"] == "bad_request"


def test_a_sign_out_from_another_site_is_refused(client, auth, worker):
    device_id = str(uuid.uuid4())
    auth.login("outreach", device_id=device_id)
    assert owed_sign_out(client, device_id, header=False).status_code == 400
    assert client.get("/caseload").status_code == 200
