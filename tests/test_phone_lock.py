"""The phone's PIN lock, in Debian's Chromium, with the deployment's PHONE_LOCK on: a PIN chosen
at the first sign-in on a phone, the lock after the idle time (with no signal too) showing nobody,
wrong PINs counted, too many dropping the phone's copies of people but never an unsent record,
and a new PIN after signing in again, with that record then sent."""

import re
from collections import Counter
import time

import pytest
from playwright.sync_api import expect

from fieldapp import create_app

from tests.test_offline import TIMEOUT, fill_contact, person_id, wait_controlled

pytestmark = pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=0.1, PIN_ATTEMPTS=3)
PIN = "482915"


def sign_in(page, username="outreach"):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("button:has-text('Sign in')")


def choose_pin(page, pin=PIN):
    expect(page.locator("h1:visible")).to_contain_text("PIN")
    page.fill("#new-pin", pin)
    page.fill("#repeat-pin", pin)
    page.click("button:has-text('Save PIN')")


def locked_phone(phone):
    """Signed in, PIN chosen, on the caseload, controlled by the service worker."""
    page = phone().new_page()
    page.set_default_timeout(TIMEOUT)
    sign_in(page)
    page.wait_for_url("**/lock?next=*")
    choose_pin(page)
    page.wait_for_url("**/caseload")
    wait_controlled(page)
    return page


def vault_entry(page):
    return page.evaluate("""async () => {
        const db = await idb.openDB('fieldapp-vault');
        const [entry] = await db.getAll('keys');
        return entry && {iterations: entry.iterations, pin: !!entry.pin, server: !!entry.server,
                         pinBytes: entry.pin && entry.pin.data.byteLength};
    }""")


@pytest.mark.server_config(PHONE_LOCK=True, PIN_ITERATIONS=600_000)  # the real cost, once
def test_the_first_sign_in_on_a_phone_asks_for_a_pin_and_refuses_a_weak_one(phone, live_server):
    page = phone().new_page()
    page.set_default_timeout(TIMEOUT)
    sign_in(page)
    page.wait_for_url("**/lock?next=*")
    expect(page.locator("h1:visible")).to_have_text("Choose a PIN for this phone")
    for weak, why in [("1234", "at least 6 digits"), ("123456", "in a row"), ("777777", "repeated")]:
        page.fill("#new-pin", weak)
        page.fill("#repeat-pin", weak)
        page.click("button:has-text('Save PIN')")
        expect(page.locator("[data-lock-message]")).to_contain_text(why)
    choose_pin(page)
    page.wait_for_url("**/caseload")
    entry = vault_entry(page)
    # The data key is kept only wrapped: by the PIN (PBKDF2, 600,000 rounds) and the server's key.
    assert entry["iterations"] >= 600_000 and entry["pin"] and entry["server"]
    assert entry["pinBytes"] == 32 + 16  # the 256-bit key, AES-GCM sealed


def test_after_the_idle_time_the_phone_shows_only_the_lock_even_with_no_signal(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)
    page.goto(f"/people/{dan}")
    expect(page.locator("h1")).to_have_text("Dan")
    page.context.set_offline(True)
    time.sleep(7)  # past PHONE_LOCK_MINUTES (6 s here)
    page.goto(f"/people/{dan}")
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
    names = [row["display_name"] for row in live_server.query("SELECT display_name FROM person")]
    text = page.content()
    assert not [name for name in names if re.search(rf"\b{re.escape(name)}\b", text)]
    assert "outreach" not in text.lower().replace("outreach worker", "")

    page.fill("#pin", "111111")
    page.click("button:has-text('Unlock')")
    expect(page.locator("[data-lock-message]")).to_contain_text("Wrong PIN. 2 tries left")
    page.fill("#pin", PIN)
    page.click("button:has-text('Unlock')")
    expect(page.locator("h1:visible")).to_have_text("Dan")  # the page asked for, from the phone's copy


def test_too_many_wrong_pins_drop_the_caseload_but_keep_the_unsent_record(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)
    page.goto(f"/people/{dan}/contacts/new")
    page.context.set_offline(True)
    fill_contact(page, "Test: saved before the wrong PINs, Chatteris")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    time.sleep(7)
    page.goto("/caseload")
    for left in ["2 tries left", "1 try left", "Too many wrong PINs"]:
        page.fill("#pin", "000000")
        page.click("button:has-text('Unlock')")
        expect(page.locator("[data-lock-message]")).to_contain_text(left)
    held = page.evaluate("""async () => {
        const db = await idb.openDB('fieldapp');
        const contacts = (await db.getAll('outbox')).filter((i) => i.type === 'contact');
        return {records: (await db.getAll('records')).length, contacts: contacts.length,
                pages: await caches.has('fieldapp-pages')};
    }""")
    assert held == {"records": 0, "contacts": 1, "pages": False}
    assert live_server.query("SELECT 1 FROM contact WHERE place LIKE 'Test: saved before%'") == []

    # With signal again: sign in, choose a new PIN, and the record goes.
    page.context.set_offline(False)
    sign_in(page)  # to the caseload, and so to the lock screen in its place
    expect(page.locator("h1:visible")).to_have_text("Choose a new PIN for this phone")
    choose_pin(page, "905127")
    page.wait_for_url("**/caseload")
    deadline = time.monotonic() + TIMEOUT / 1000
    while not live_server.query("SELECT 1 FROM contact WHERE place LIKE 'Test: saved before%'"):
        assert time.monotonic() < deadline, "the record kept through the wipe was never sent"
        time.sleep(0.2)


def stop_service_worker(page):
    """What the browser does to an idle worker after ~30 s: stop it (its memory goes)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")
    cdp.detach()


def test_the_unlocked_key_is_kept_in_memory_only_and_a_restarted_worker_asks_the_open_page(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)
    page.goto(f"/people/{dan}")
    expect(page.locator("h1")).to_have_text("Dan")
    stored = page.evaluate("""async () => {
        const db = await idb.openDB('fieldapp-vault');
        const found = [];
        for (const name of db.objectStoreNames) {
            for (const v of await db.getAll(name)) {
                for (const k of Object.keys(v)) if (v[k] instanceof CryptoKey) found.push(name + '.' + k);
            }
        }
        return {stores: [...db.objectStoreNames], keys: found};
    }""")
    assert stored == {"stores": ["keys"], "keys": []}
    # The worker forgets it when stopped; the page still open hands it back (no PIN asked).
    page.context.set_offline(True)
    stop_service_worker(page)
    page.goto("/caseload")
    expect(page.locator("h1:visible")).to_have_text("Caseload")
    # The app reopened (no window left) is locked, even within the idle time.
    context = page.context
    again = context.new_page()
    page.close()
    stop_service_worker(again)
    again.goto(f"/people/{dan}")
    expect(again.locator("h1:visible")).to_have_text("Enter your PIN")


def test_the_app_refuses_a_cheap_pin_key_outside_tests(tmp_path):
    settings = {"INSTANCE": str(tmp_path), "SECRET_KEY": "x", "PIN_ITERATIONS": 100_000}
    with pytest.raises(ValueError, match="PIN_ITERATIONS"):
        create_app(settings)
    assert create_app({**settings, "TESTING": True}).config["PIN_ITERATIONS"] == 100_000


class PagesDownloaded:
    """WSGI middleware for one test: the path of every page the phone itself downloads whole (a GET
    that is no navigation and no conditional request: the service worker's refresh of its copies)."""

    def __init__(self, app):
        self.app = app
        self.paths = []

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if (environ["REQUEST_METHOD"] == "GET" and environ.get("HTTP_SEC_FETCH_MODE") != "navigate"
                and "HTTP_IF_NONE_MATCH" not in environ
                and not path.startswith(("/static/", "/api/", "/sw.js"))):
            self.paths.append(path)
        return self.app(environ, start_response)


def test_a_first_sign_in_downloads_each_page_it_keeps_once(phone, live_server):
    # The sign-in's sync and the signed pull straight after it each refresh the phone's copies:
    # they take turns, and the second asks only for what changed since the first.
    downloaded = PagesDownloaded(live_server.faults.app)
    live_server.faults.app = downloaded
    page = locked_phone(phone)
    expect(page.locator("[data-offline-ready]")).to_contain_text("Ready for offline use", timeout=2 * TIMEOUT)
    page.wait_for_timeout(1500)  # a second refresh, were one still running, would be asking now
    twice = sorted(p for p, n in Counter(downloaded.paths).items() if n > 1)
    assert not twice, twice
    assert f"/people/{person_id(live_server, 'Dan')}" in downloaded.paths
