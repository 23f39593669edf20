"""Sign-in throttling, per address and per account: guesses at one account are slowed wherever
they come from, a lock follows repeated failures, and the worker's own phone still gets in."""

import uuid

import pytest

from fieldapp import devices, users

LOCKED = "Too many failed attempts to sign in with this username"
WRONG = "Enter a correct username and password"


@pytest.fixture
def worker(db):
    return users.create_user(db, "outreach", "demo", "outreach_worker", team="Fenland outreach")


def _attempt(client, password, username="outreach", device_id="", address="10.0.0.1"):
    return client.post("/login", data={"username": username, "password": password,
                                       "device_id": device_id},
                       environ_base={"REMOTE_ADDR": address})


def _known_phone(app):
    """A device id this worker has signed in with, then signed out of."""
    client, device_id = app.test_client(), str(uuid.uuid4())
    _attempt(client, "demo", device_id=device_id, address="10.1.1.1")
    client.post("/logout")
    return device_id


def _lock(client, times=3, username="outreach"):
    return [_attempt(client, "wrong", username=username) for _ in range(times)][-1]


# ------------------------------------------------------------------------------ flask-limiter
def test_guesses_at_one_account_from_many_addresses_are_slowed(make_app, worker):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute",
                   RATELIMIT_LOGIN_ACCOUNT="3 per minute")
    client = app.test_client()
    answers = [_attempt(client, "wrong", address=f"10.0.0.{n}").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]


def test_one_accounts_limit_leaves_the_others_alone(make_app, db, worker):
    users.create_user(db, "colleague", "demo", "outreach_worker")
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute",
                   RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    client = app.test_client()
    _lock(client, times=3)
    assert _attempt(client, "demo", username="colleague").status_code == 302


def test_a_known_phone_is_not_held_back_by_either_limit(make_app, worker):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute",
                   RATELIMIT_LOGIN_ACCOUNT="3 per minute")
    device_id = _known_phone(app)
    client = app.test_client()
    # Someone else behind the same proxy, guessing at this account, uses up both limits...
    assert [_attempt(client, "wrong").status_code for _ in range(3)] == [200, 200, 429]
    # ... and the worker, from behind that proxy on their own phone, still signs in.
    assert _attempt(client, "demo", device_id=device_id).status_code == 302


# ------------------------------------------------------------------------------- the lock
@pytest.fixture
def app(make_app):
    return make_app(LOGIN_FAILURES_BEFORE_LOCK=3, LOGIN_LOCK_MINUTES=15)


def test_repeated_failures_lock_the_account_even_against_the_right_password(client, worker):
    response = _lock(client)
    assert response.status_code == 429 and LOCKED in response.get_data(as_text=True)
    response = _attempt(client, "demo", address="10.9.9.9")
    assert response.status_code == 429 and LOCKED in response.get_data(as_text=True)
    assert client.get("/caseload").status_code == 302


def test_fewer_failures_do_not_lock(client, worker):
    _lock(client, times=2)
    assert _attempt(client, "demo").status_code == 302


def test_a_correct_sign_in_starts_the_count_again(client, worker):
    _lock(client, times=2)
    _attempt(client, "demo")
    client.post("/logout")
    _lock(client, times=2)
    assert _attempt(client, "demo").status_code == 302


def test_the_workers_own_phone_gets_past_the_lock_with_the_right_password(app, client, worker):
    device_id = _known_phone(app)
    _lock(client)
    assert _attempt(client, "demo", device_id=device_id).status_code == 302
    assert client.get("/caseload").status_code == 200


def test_the_workers_own_phone_with_a_wrong_password_is_still_locked_out(app, client, worker):
    device_id = _known_phone(app)
    _lock(client)
    response = _attempt(client, "nearly-demo", device_id=device_id)
    assert response.status_code == 429 and LOCKED in response.get_data(as_text=True)


def test_a_revoked_phone_does_not_get_past_the_lock(app, client, db, worker):
    device_id = _known_phone(app)
    devices.revoke_device(db, device_id)
    _lock(client)
    assert _attempt(client, "demo", device_id=device_id).status_code == 429


def test_another_users_phone_does_not_get_past_the_lock(app, client, db, worker):
    users.create_user(db, "colleague", "demo", "outreach_worker")
    theirs = app.test_client()
    device_id = str(uuid.uuid4())
    _attempt(theirs, "demo", username="colleague", device_id=device_id)
    _lock(client)
    assert _attempt(client, "demo", device_id=device_id).status_code == 429


def test_the_lock_ends_after_lock_minutes(client, db, worker):
    _lock(client)
    db.execute("UPDATE login_failure SET locked_until = '2000-01-01T00:00:00Z'")
    db.conn.commit()
    assert _attempt(client, "demo").status_code == 302


def test_a_lockout_is_audited_against_the_account(client, db, worker):
    _lock(client)
    _lock(client)  # attempts while locked lock nothing more
    [event] = db.query("SELECT * FROM audit_event WHERE action = 'login_locked'")
    assert event["subject_user_id"] == worker and event["user_id"] is None
    assert event["person_id"] is None and "10.0.0.1" in event["detail"]


def test_the_answers_do_not_tell_whether_a_username_exists(app, worker):
    def answers(username):
        client = app.test_client()
        texts = []
        for _ in range(4):
            response = _attempt(client, "wrong", username=username)
            page = response.get_data(as_text=True)
            texts.append((response.status_code, LOCKED in page, WRONG in page))
        return texts

    assert answers("outreach") == answers("nobody-of-that-name")
