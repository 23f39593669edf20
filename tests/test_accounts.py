"""A worker's own account: a new password ends every other session; their sessions and phones;
an administrator's reset is one-time, audited and told to the worker."""

import uuid

import pytest

from fieldapp import devices, users

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
    assert not any(device["revoked_at"] for device in devices.list_devices(db, worker))


def test_an_admins_reset_ends_the_workers_sessions(app, client, auth, db, worker, admin):
    phone = _phone(app)
    auth.login("admin")
    assert client.post(f"/admin/users/{worker}/password", data={"password": NEW}).status_code == 302
    assert phone.get("/caseload").status_code == 302
    assert client.get("/admin/").status_code == 200


# ------------------------------------------------------------- changing one's own password
def _change(client, current="demo", new=NEW):
    return client.post("/account/password", data={"current_password": current, "new_password": new})


@pytest.mark.parametrize("role", list(users.ROLES))
def test_every_role_changes_their_own_password(app, db, role):
    users.create_user(db, "someone", "demo", role, agency="cgl" if role == "partner_agency" else None)
    phone = _phone(app, "someone")
    page = phone.get("/account/password")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert _change(phone).status_code == 302
    assert users.verify_login(db, "someone", NEW) is not None
    assert users.verify_login(db, "someone", "demo") is None


def test_changing_asks_for_the_current_password(app, db, worker):
    phone = _phone(app)
    response = _change(phone, current="not my password")
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)
    assert users.verify_login(db, "outreach", "demo") is not None


def test_the_new_password_is_held_to_the_policy(app, db, worker):
    response = _change(_phone(app), new="qwerty123456")
    assert response.status_code == 400 and "common passwords" in response.get_data(as_text=True)
    assert users.verify_login(db, "outreach", "demo") is not None


def test_changing_your_own_password_keeps_this_session_and_ends_the_others(app, worker):
    mine, other = _phone(app), _phone(app)
    _change(mine)
    assert mine.get("/caseload").status_code == 200
    assert other.get("/caseload").status_code == 302


def test_the_change_form_needs_a_csrf_token(make_app, worker):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "outreach", "password": "demo", "csrf_token": token})
    assert _change(client).status_code == 400
    page = client.get("/account/password").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/account/password", data={"current_password": "demo", "new_password": NEW,
                                                      "csrf_token": token})
    assert response.status_code == 302


# ------------------------------------------------------------------- sessions and phones
def _phone_with_agent(app, agent):
    client = app.test_client()
    device_id = str(uuid.uuid4())
    client.post("/login", data={"username": "outreach", "password": "demo", "device_id": device_id},
                headers={"User-Agent": agent})
    return client, device_id


def test_the_sessions_page_lists_this_users_phones_and_marks_this_one(app, db, worker, admin):
    mine, my_device = _phone_with_agent(app, "Phone A (Android 14) Chrome")
    _phone_with_agent(app, "Phone B (iPhone) Safari")
    _phone(app, "admin")
    page = mine.get("/account/sessions")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Phone A (Android 14) Chrome" in html and "Phone B (iPhone) Safari" in html
    assert html.count(">This phone</h2>") == 1 and html.count("Last seen") == 2
    assert len(devices.list_devices(db, admin)) == 1 and "Werkzeug" not in html  # not the admin's


def test_ending_another_session_signs_that_phone_out_and_revokes_nothing(app, db, worker):
    mine, _ = _phone_with_agent(app, "Phone A")
    other, other_device = _phone_with_agent(app, "Phone B")
    assert mine.post(f"/account/sessions/{other_device}/end").status_code == 302
    assert other.get("/caseload").status_code == 302
    assert mine.get("/caseload").status_code == 200
    assert not devices.device_revoked(db, other_device)
    # The phone signs in again as the same device: nothing was revoked.
    other.post("/login", data={"username": "outreach", "password": "demo", "device_id": other_device})
    assert f'data-device-id="{other_device}"' in other.get("/caseload").get_data(as_text=True)


def test_nobody_ends_a_session_of_someone_elses_phone(app, db, worker, admin):
    mine, _ = _phone_with_agent(app, "Phone A")
    admins = app.test_client()
    admins_device = str(uuid.uuid4())
    admins.post("/login", data={"username": "admin", "password": "demo", "device_id": admins_device})
    assert mine.post(f"/account/sessions/{admins_device}/end").status_code == 404
    assert admins.get("/admin/").status_code == 200


def test_this_phones_own_session_ends_through_the_logout_flow(app, worker):
    mine, my_device = _phone_with_agent(app, "Phone A")
    html = mine.get("/account/sessions").get_data(as_text=True)
    # The sign-out button of this phone is the logout form the phone script runs (it sends the
    # outbox first and refuses while records wait), not a plain end of the session.
    this_phone = html.split('id="this-phone"', 1)[1].split("</li>", 1)[0]
    assert 'action="/logout"' in this_phone and "data-logout" in this_phone
    response = mine.post(f"/account/sessions/{my_device}/end")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/sessions")
    assert mine.get("/caseload").status_code == 200


@pytest.mark.parametrize("username", ["outreach", "admin"])
def test_the_footer_links_to_your_account(app, worker, admin, username):
    phone = _phone(app, username)
    page = phone.get("/account/").get_data(as_text=True)
    assert 'href="/account/password"' in page and 'href="/account/sessions"' in page
    home = phone.get("/caseload" if username == "outreach" else "/admin/").get_data(as_text=True)
    assert 'href="/account/"' in home.split('<footer', 1)[1]


# ------------------------------------------------------- an administrator's reset: no silent use
def _reset_by_admin(app, worker, password=NEW):
    admins = app.test_client()
    admins.post("/login", data={"username": "admin", "password": "demo"})
    assert admins.post(f"/admin/users/{worker}/password", data={"password": password}).status_code == 302
    return admins


def test_an_admins_reset_is_audited_with_the_admin_as_user_and_no_person(app, db, worker, admin):
    _reset_by_admin(app, worker)
    [event] = db.query("SELECT * FROM audit_event WHERE action = 'password_reset'")
    assert event["user_id"] == admin and event["subject_user_id"] == worker
    assert event["person_id"] is None and event["via"] == "html"


@pytest.mark.parametrize("whose", ["worker", "admin"])
def test_the_reset_is_in_the_audit_trail_of_the_worker_and_of_the_admin(app, db, worker, admin,
                                                                        whose):
    admins = _reset_by_admin(app, worker)
    page = admins.get(f"/admin/audit/users/{worker if whose == 'worker' else admin}")
    assert "Password reset by Ada for Olu" in page.get_data(as_text=True)


def test_a_reset_password_works_once_the_worker_is_sent_to_choose_their_own(app, client, auth,
                                                                             worker, admin):
    _reset_by_admin(app, worker)
    response = auth.login("outreach", NEW)
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"


def test_the_change_page_tells_the_worker_who_reset_it_and_when(app, client, auth, db, worker, admin):
    _reset_by_admin(app, worker)
    auth.login("outreach", NEW)
    page = client.get("/account/password").get_data(as_text=True)
    reset_at = users.get_user(db, worker)["password_reset_at"]
    assert reset_at and "An administrator reset your password (today " in page  # just now
    assert "If you did not ask for this, tell your coordinator." in page


@pytest.mark.parametrize("path", ["/caseload", "/contacts/new", "/people/someone",
                                  "/account/sessions", "/account/notifications"])
def test_until_changed_every_page_sends_the_worker_to_the_change_page(app, client, auth, worker,
                                                                      admin, path):
    _reset_by_admin(app, worker)
    auth.login("outreach", NEW)
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"


def test_until_changed_an_htmx_partial_is_sent_to_the_change_page(app, client, auth, worker, admin):
    _reset_by_admin(app, worker)
    auth.login("outreach", NEW)
    response = client.get("/caseload?q=dan", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/account/password"
    assert b"Dan" not in response.data


def test_until_changed_sync_refuses_with_403_password_change_required(app, client, worker, admin):
    _reset_by_admin(app, worker)
    device_id = str(uuid.uuid4())
    client.post("/login", data={"username": "outreach", "password": NEW, "device_id": device_id})
    response = client.post("/api/sync", headers={"X-Fieldapp-Sync": "1"},
                           json={"protocol": 1, "device_id": device_id, "cursor": 0, "mutations": []})
    assert response.status_code == 403
    assert response.get_json() == {"error": "password_change_required"}


def test_once_changed_the_pages_open_again(app, client, auth, db, worker, admin):
    _reset_by_admin(app, worker)
    auth.login("outreach", NEW)
    response = _change(client, current=NEW, new="my-own-choice-of-words")
    assert response.status_code == 302 and response.headers["Location"] == "/caseload"
    assert client.get("/caseload").status_code == 200
    assert not users.get_user(db, worker)["must_change_password"]


def test_the_one_time_password_cannot_be_kept(app, client, auth, worker, admin):
    _reset_by_admin(app, worker)
    auth.login("outreach", NEW)
    response = _change(client, current=NEW, new=NEW)
    assert response.status_code == 400 and "different from your current one" in response.get_data(
        as_text=True)


def test_changing_your_own_password_is_audited(app, db, worker):
    _change(_phone(app))
    [event] = db.query("SELECT * FROM audit_event WHERE action = 'password_changed'")
    assert event["user_id"] == worker and event["subject_user_id"] == worker
    assert event["person_id"] is None


def test_guesses_at_the_current_password_are_slowed(make_app, worker):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute",
                   RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    phone = _phone(app)
    answers = [_change(phone, current=f"guess number {n}").status_code for n in range(3)]
    assert answers == [400, 400, 429]


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, auth, db, demo_data):
    auth.login("outreach")
    assert client.get("/caseload").status_code == 200
    # Used every minute, but signed in with the password 91 days ago (SESSION_MAX_DAYS is 90).
    db.execute("UPDATE login_session SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-91 days'),"
               " last_seen_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")
    db.conn.commit()
    response = client.get("/caseload")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_within_both_limits_goes_on(client, auth, db, demo_data):
    auth.login("outreach")
    db.execute("UPDATE login_session SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-89 days')")
    db.conn.commit()
    assert client.get("/caseload").status_code == 200
