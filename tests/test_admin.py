"""User and device management: admins only."""

import uuid

import pytest

from fieldapp import devices, users


@pytest.fixture
def people(db):
    return {
        "admin": users.create_user(db, "admin", "demo", "admin"),
        "outreach": users.create_user(db, "outreach", "demo", "outreach_worker", team="Fenland outreach"),
    }


@pytest.mark.parametrize("path", ["/admin/", "/admin/users/new", "/admin/users/1"])
def test_only_admins_reach_admin_pages(client, auth, people, path):
    assert client.get(path).status_code == 302  # anonymous: sign in first
    auth.login("outreach")
    assert client.get(path).status_code == 403
    auth.logout()
    auth.login("admin")
    response = client.get(path)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_admin_creates_a_user_who_can_then_sign_in(client, auth, people, db):
    auth.login("admin")
    response = client.post("/admin/users/new", data={
        "username": "newbie", "display_name": "New Worker", "role": "peer_mentor",
        "team": "Fenland outreach", "area": "Fenland and East Cambridgeshire", "password": "long enough at last"})
    assert response.status_code == 302
    assert users.get_user_by_username(db, "newbie")["role"] == "peer_mentor"
    response = client.post("/admin/users/new", data={"username": "newbie", "display_name": "Again",
                                                     "role": "peer_mentor", "password": "long enough at last"})
    assert response.status_code == 400 and b"already taken" in response.data
    auth.logout()
    assert auth.login("newbie", "long enough at last").status_code == 302


def test_admin_resets_a_password(client, auth, people):
    auth.login("admin")
    assert client.post(f"/admin/users/{people['outreach']}/password", data={"password": "short"}).status_code == 400
    client.post(f"/admin/users/{people['outreach']}/password", data={"password": "a new password today"})
    auth.logout()
    assert b"Enter a correct" in auth.login("outreach", "demo").data
    assert auth.login("outreach", "a new password today").status_code == 302


@pytest.mark.parametrize("password,problem", [("elevenchars", "at least 12 characters"),
                                              ("qwerty123456", "common passwords"),
                                              ("newbie-is-here", "username")])
def test_the_new_user_form_applies_the_password_policy(client, auth, people, db, password, problem):
    auth.login("admin")
    response = client.post("/admin/users/new", data={
        "username": "newbie", "display_name": "New Worker", "role": "peer_mentor",
        "password": password})
    assert response.status_code == 400 and problem in response.get_data(as_text=True)
    assert users.get_user_by_username(db, "newbie") is None


@pytest.mark.parametrize("password,problem", [("elevenchars", "at least 12 characters"),
                                              ("qwerty123456", "common passwords"),
                                              ("outreach-again", "username")])
def test_the_reset_form_applies_the_password_policy(client, auth, people, password, problem):
    auth.login("admin")
    response = client.post(f"/admin/users/{people['outreach']}/password", data={"password": password})
    assert response.status_code == 400 and problem in response.get_data(as_text=True)
    auth.logout()
    assert auth.login("outreach", "demo").headers["Location"] == "/caseload"


def test_admin_deactivates_a_user_and_revokes_a_lost_phone(app, auth, people, db):
    worker = app.test_client()
    worker.post("/login", data={"username": "outreach", "password": "demo", "device_id": str(uuid.uuid4())})
    assert worker.get("/caseload").status_code == 200
    [device] = devices.list_devices(db, people["outreach"])

    auth.login("admin")
    admin_page = auth._client.get(f"/admin/users/{people['outreach']}").data.decode()
    assert "Revoke (phone lost)" in admin_page
    auth._client.post(f"/admin/users/{people['outreach']}/devices/{device['id']}/revoke")
    assert worker.get("/caseload").status_code == 302
    assert devices.device_revoked(db, device["id"])

    worker.post("/login", data={"username": "outreach", "password": "demo"})
    assert worker.get("/caseload").status_code == 200
    auth._client.post(f"/admin/users/{people['outreach']}/deactivate")
    assert worker.get("/caseload").status_code == 302


def test_the_users_page_says_a_reset_password_is_still_one_time(client, auth, people):
    auth.login("admin")
    client.post(f"/admin/users/{people['outreach']}/password", data={"password": "a new password today"})
    page = client.get(f"/admin/users/{people['outreach']}").get_data(as_text=True)
    assert "they choose their own at their next sign-in" in page
