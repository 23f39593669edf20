"""A phone shared by workers, in Debian's Chromium with the PIN lock on: each worker's copies and
unsent records kept apart under their own key, a colleague's sign-out never taking the first
worker's records with it, and switching worker with no signal, each unlocking with their own PIN."""

import time

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, fill_contact, person_id, wait_cached
from tests.test_phone_lock import PIN, choose_pin, locked_phone, sign_in

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
