"""A phone shared by workers, in Debian's Chromium with the PIN lock on: each worker's copies and
unsent records kept apart under their own key, a colleague's sign-out never taking the first
worker's records with it, and switching worker with no signal, each unlocking with their own PIN."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, fill_contact, person_id, wait_cached
from tests.test_phone_lock import PIN, choose_pin, locked_phone, sign_in
from tests.test_phone_thief import READ_EVERYTHING

pytestmark = pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=5)
NOTE = "Test: Dan was by the lock gates at Welches Dam"
COLLEAGUE_PIN = "905127"


def sent(live_server, place=NOTE):
    return live_server.query("SELECT 1 FROM contact WHERE place = ?", [place])


def wait_sent(live_server, place=NOTE):
    deadline = time.monotonic() + TIMEOUT / 1000
    while not sent(live_server, place):
        assert time.monotonic() < deadline, f"the record {place!r} was never sent"
        time.sleep(0.2)


def unsent_contact(page, live_server, note=NOTE):
    """A contact about Dan saved while no sync gets through: it waits in the outbox."""
    dan = person_id(live_server, "Dan")
    wait_cached(page, f"/people/{dan}/contacts/new", f"/people/{dan}")
    live_server.faults.set("drop-before")
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, note)
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    return dan


def unlock(page, pin=PIN):
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
    page.fill("#pin", pin)
    page.click("button:has-text('Unlock')")


def test_a_colleague_signing_out_leaves_the_first_workers_unsent_record_to_be_sent(phone, live_server):
    page = locked_phone(phone)  # outreach, with a PIN
    unsent_contact(page, live_server)
    # A colleague signs in on the same phone, chooses a PIN and, with nothing of theirs unsent,
    # signs out again.
    sign_in(page, "outreach2")
    page.wait_for_url("**/lock?next=*")
    choose_pin(page, COLLEAGUE_PIN)
    page.wait_for_url("**/caseload")
    live_server.faults.set(None)
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/login*")
    assert sent(live_server) == []

    # The first worker's record is still on the phone, under their PIN, and goes when they are back.
    sign_in(page)
    unlock(page)
    expect(page.locator("h1:visible")).to_have_text("Caseload")
    wait_sent(live_server)


def signed_in_as(page, name):
    expect(page.locator("h1:visible")).to_have_text("Caseload")
    expect(page.locator(".app-header__user")).to_contain_text(name)


def sign_in_here(page, username, pin):
    """"Sign in on this phone": a username and that worker's own PIN, with or without signal."""
    expect(page.locator("h1:visible")).to_have_text("Sign in on this phone")
    page.fill("#phone-username", username)
    page.fill("#phone-pin", pin)
    page.click("button:has-text('Sign in')")


def live_sessions(live_server, username):
    return live_server.query(
        "SELECT s.device_id FROM login_session s JOIN user u ON u.id = s.user_id"
        " WHERE u.username = ? AND s.revoked_at IS NULL", [username])


def reopened(page):
    """The app closed and opened again on the caseload: locked."""
    fresh = page.context.new_page()
    fresh.set_default_timeout(TIMEOUT)
    page.close()
    fresh.goto("/caseload")
    return fresh


def two_workers_on_one_phone(phone, live_server):
    """Olu signed in and chose a PIN; then Priya signed in over him with her password and chose
    hers. Each has their copies on the phone: Olu's set aside, Priya's in use."""
    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)
    wait_cached(page, "/caseload", f"/people/{dan}", f"/people/{dan}/contacts/new")
    sign_in(page, "outreach2")
    page.wait_for_url("**/lock?next=*")
    choose_pin(page, COLLEAGUE_PIN)
    page.wait_for_url("**/caseload")
    wait_cached(page, "/caseload", f"/people/{dan}")
    return page, dan


def test_workers_hand_a_locked_phone_on_with_no_signal_each_with_their_own_pin_and_copies(phone, live_server):
    page, dan = two_workers_on_one_phone(phone, live_server)
    page.context.set_offline(True)
    page = reopened(page)  # Priya's, locked: she hands it to Olu
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
    page.click("text=Not you? Sign in as another worker")
    sign_in_here(page, "outreach", "111111")
    expect(page.locator("[data-lock-message]")).to_contain_text("Wrong PIN")
    sign_in_here(page, "nobody-here", PIN)
    expect(page.locator("[data-lock-message]")).to_contain_text("no PIN for that username")

    # Olu signs in with his own PIN: his own caseload, from his own copies, and a contact saved.
    sign_in_here(page, "outreach", PIN)
    page.wait_for_url("**/caseload")
    signed_in_as(page, "Olu Adeyemi")
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, NOTE)
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")

    # Locked again, both workers' copies on it: whoever holds it reads nobody's name or note.
    page = reopened(page)
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
    held = page.evaluate(READ_EVERYTHING)
    assert any(entry.startswith("fieldapp-away-") for entry in held)  # it does hold the other's
    everything = "\n".join(held)
    secrets = {NOTE} | {p["display_name"] for p in live_server.query("SELECT display_name FROM person")}
    assert sorted(s for s in secrets if re.search(rf"\b{re.escape(s)}\b", everything)) == []

    # Back to Priya, still with no signal: her copies; his record there, unreadable to her.
    page.click("text=Not you? Sign in as another worker")
    sign_in_here(page, "outreach2", COLLEAGUE_PIN)
    page.wait_for_url("**/caseload")
    signed_in_as(page, "Priya Shah")
    olus = page.evaluate("""async () => (await FieldappOutbox.list())
        .filter((i) => i.type === 'contact').map((i) => ({away: !!i.sealedAway, fields: i.fields}))""")
    assert olus == [{"away": True, "fields": {}}]

    # Signal: the sessions the phone was handed on from are ended first, so nothing goes with a
    # session that is not the worker's own; she is asked to sign in.
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-notice=login-needed]")).to_contain_text("Log in again to send")
    assert live_sessions(live_server, "outreach") == [] and live_sessions(live_server, "outreach2") == []
    assert sent(live_server) == []

    # Olu signs in with his password and unlocks with his PIN: his contact goes.
    sign_in(page)
    unlock(page)
    signed_in_as(page, "Olu Adeyemi")
    wait_sent(live_server)


VAULT_USERS = "async () => (await idb.openDB('fieldapp-vault')).getAllKeys('keys')"


def test_signing_out_with_no_signal_leaves_nothing_of_that_worker_and_the_next_signs_in_with_a_pin(
        phone, live_server):
    page, dan = two_workers_on_one_phone(phone, live_server)
    priya = str(live_server.query("SELECT id FROM user WHERE username = 'outreach2'")[0]["id"])
    page.context.set_offline(True)
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/login")
    expect(page.locator("h1:visible")).to_have_text("Sign in on this phone")
    assert priya not in [str(u) for u in page.evaluate(VAULT_USERS)]
    assert not [n for n in page.evaluate("async () => caches.keys()") if n.endswith("-" + priya)]
    sign_in_here(page, "outreach2", COLLEAGUE_PIN)  # she left: her PIN opens nothing here now
    expect(page.locator("[data-lock-message]")).to_contain_text("no PIN for that username")
    sign_in_here(page, "outreach", PIN)
    page.wait_for_url("**/caseload")
    signed_in_as(page, "Olu Adeyemi")
    page.goto(f"/people/{dan}")
    expect(page.locator("h1")).to_have_text("Dan")

    # With signal, her session on the server ends before anything else goes.
    assert live_sessions(live_server, "outreach2") != []
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    deadline = time.monotonic() + TIMEOUT / 1000
    while live_sessions(live_server, "outreach2"):
        assert time.monotonic() < deadline, "the session signed out of with no signal never ended"
        time.sleep(0.2)


def views_of(live_server, person):
    return live_server.query("SELECT count(*) AS n FROM audit_event WHERE person_id = ? AND action = 'view'",
                             [person])[0]["n"]


def test_a_wrong_password_typed_on_a_locked_phone_opens_nothing_from_the_server(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)
    wait_cached(page, f"/people/{dan}")
    page = reopened(page)  # locked, with signal, its worker's session still alive on the server
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
    page.goto("/login")
    page.fill("#username", "outreach2")
    page.fill("#password", "not her password")
    page.click("button:has-text('Sign in')")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct username and password")
    seen = views_of(live_server, dan)
    page.goto(f"/people/{dan}")
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
    assert views_of(live_server, dan) == seen  # the lock screen stood in: the server drew nothing


def test_a_colleague_signing_in_with_a_password_over_a_locked_phone_gets_their_own_pin(phone, live_server):
    page = locked_phone(phone)  # Olu's, then locked: the app opened again
    page = reopened(page)
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
    sign_in(page, "outreach2")
    # Not Olu's lock screen in place of her page: her own first PIN on this phone.
    expect(page.locator("h1:visible")).to_have_text("Choose a PIN for this phone")
    choose_pin(page, COLLEAGUE_PIN)
    page.wait_for_url("**/caseload")
    signed_in_as(page, "Priya Shah")
