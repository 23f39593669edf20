"""The phone's own unlock, in Debian's Chromium with a CDP virtual authenticator (user-verifying,
with the PRF extension): offered after the PIN is chosen, it unlocks the locked phone with no
signal and no server; with the credential gone from the phone, the lock screen falls back to the
PIN. The lock screen names nobody throughout."""

import time

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, person_id, wait_controlled
from tests.test_phone_lock import PIN, choose_pin, sign_in

pytestmark = pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=0.1)
AUTHENTICATOR = {"protocol": "ctap2", "ctap2Version": "ctap2_1", "transport": "internal",
                 "hasResidentKey": True, "hasUserVerification": True, "isUserVerified": True,
                 "hasPrf": True, "automaticPresenceSimulation": True}


def phone_with_screen_lock(browser, live_server, phone_context_args):
    """A phone whose own screen lock is a virtual authenticator. WebAuthn needs a host name for
    its relying party (an IP address is none), so the phone opens the server as localhost."""
    context = browser.new_context(base_url=f"http://localhost:{live_server.port}",
                                  **phone_context_args)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator",
                             {"options": AUTHENTICATOR})["authenticatorId"]
    return context, page, cdp, authenticator


def screen_entry(page):
    return page.evaluate("""async () => {
        const db = await idb.openDB('fieldapp-vault');
        const [entry] = await db.getAll('keys');
        return entry && {pin: !!entry.pin, screen: !!entry.screen,
                         bytes: entry.screen && entry.screen.data.byteLength};
    }""")


def wait_locked(page):
    time.sleep(7)  # past PHONE_LOCK_MINUTES (6 s here)
    page.goto("/caseload")


def test_the_phones_screen_lock_unlocks_offline_and_the_pin_stays_the_fallback(
        browser, live_server, phone_context_args):
    context, page, cdp, authenticator = phone_with_screen_lock(
        browser, live_server, phone_context_args)
    try:
        dan = person_id(live_server, "Dan")
        sign_in(page)
        page.wait_for_url("**/lock?next=*")
        choose_pin(page)
        expect(page.locator("h1:visible")).to_have_text("Unlock with this phone's screen lock?")
        page.click("button:has-text('Use the screen lock')")
        page.wait_for_url("**/caseload")
        entry = screen_entry(page)
        assert entry == {"pin": True, "screen": True, "bytes": 32 + 16}  # the data key, sealed
        wait_controlled(page)
        page.goto(f"/people/{dan}")
        expect(page.locator("h1")).to_have_text("Dan")

        # Locked with no signal: the screen lock is tried first and opens it, no server asked.
        page.context.set_offline(True)
        wait_locked(page)
        expect(page.locator("h1:visible")).to_have_text("Caseload")
        page.goto(f"/people/{dan}")
        expect(page.locator("h1")).to_have_text("Dan")

        # The credential gone from the phone: the lock screen says so and the PIN opens it.
        [credential] = cdp.send("WebAuthn.getCredentials",
                                {"authenticatorId": authenticator})["credentials"]
        cdp.send("WebAuthn.removeCredential", {"authenticatorId": authenticator,
                                               "credentialId": credential["credentialId"]})
        wait_locked(page)
        expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
        expect(page.locator("[data-lock-message]")).to_contain_text("Enter your PIN")
        assert "Dan" not in page.locator("body").inner_text()
        assert "Olu" not in page.locator("body").inner_text()  # nor the worker
        page.fill("#pin", PIN)
        page.click("button:has-text('Unlock')")
        expect(page.locator("h1:visible")).to_have_text("Caseload")
    finally:
        context.close()


def test_not_now_leaves_the_pin_alone(browser, live_server, phone_context_args):
    context, page, _cdp, _authenticator = phone_with_screen_lock(
        browser, live_server, phone_context_args)
    try:
        sign_in(page)
        page.wait_for_url("**/lock?next=*")
        choose_pin(page)
        page.click("button:has-text('Not now')")
        page.wait_for_url("**/caseload")
        assert screen_entry(page) == {"pin": True, "screen": False, "bytes": None}
        wait_controlled(page)
        wait_locked(page)
        expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
        expect(page.locator("[data-lock-screen]")).to_be_hidden()
    finally:
        context.close()
