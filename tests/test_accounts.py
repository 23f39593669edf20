"""A worker's own account: a new password ends every other session; their sessions and phones;
an administrator's reset is one-time, audited and told to the worker."""

import uuid

import pytest

from fieldapp import users

NEW = "plum-kettle-harbour"


@pytest.fixture
def worker(db):
    return users.create_user(db, "outreach", "demo", "outreach_worker", display_name="Olu",
                             team="Fenland outreach", area="Fenland and East Cambridgeshire")


@pytest.fixture
def admin(db):
    return users.create_user(db, "admin", "demo", "admin", display_name="Ada")


def _phone(app, username="outreach", password="demo"):
    """A signed-in client on a phone of its own (its own device id)."""
    client = app.test_client()
    client.post("/login", data={"username": username, "password": password,
                                "device_id": str(uuid.uuid4())})
    return client


def _token(client):
    with client.session_transaction() as flask_session:
        return flask_session["_user_id"]


# ----------------------------------------------------------------- a new password ends sessions
def test_a_new_password_ends_every_session_of_that_user(app, db, worker, admin):
    phones = [_phone(app), _phone(app)]
    admins_phone = _phone(app, "admin")
    users.set_password(db, worker, NEW)
    assert [phone.get("/caseload").status_code for phone in phones] == [302, 302]
    assert admins_phone.get("/admin/").status_code == 200  # other users keep theirs


def test_a_new_password_can_keep_the_session_it_was_set_from(app, db, worker):
    mine, other = _phone(app), _phone(app)
    users.set_password(db, worker, NEW, keep_token=_token(mine))
    assert mine.get("/caseload").status_code == 200
    assert other.get("/caseload").status_code == 302


def test_a_new_password_revokes_no_phone(app, db, worker):
    _phone(app)
    users.set_password(db, worker, NEW)
    assert not any(device["revoked_at"] for device in users.list_devices(db, worker))


def test_an_admins_reset_ends_the_workers_sessions(app, client, auth, db, worker, admin):
    phone = _phone(app)
    auth.login("admin")
    assert client.post(f"/admin/users/{worker}/password", data={"password": NEW}).status_code == 302
    assert phone.get("/caseload").status_code == 302
    assert client.get("/admin/").status_code == 200
