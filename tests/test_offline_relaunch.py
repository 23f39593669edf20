"""A phone whose browser was closed with records waiting and opened again with no signal: when the
signal comes back the records go by themselves, with no tap, every time.

The browser is relaunched over the same profile (`launch_persistent_context`), as a worker's phone
is after the browser was swiped away or the phone restarted: the service worker, IndexedDB and the
page cache survive, the page's timers and the worker's memory do not.
"""

import time

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, fill_contact, pass_lock, person_id, wait_cached, wait_controlled

CYCLES = 5
# Long enough for the backoff's first few retries (2 s, 4 s, 8 s, jittered) on a busy machine;
# far shorter than the 30 s wait timer, so only a retry scheduled after the refusal can pass.
FIRST_RETRIES_S = 14


@pytest.fixture
def relaunch(playwright, browser_type_launch_args, live_server, tmp_path):
    """Open the browser over one profile directory; every context is closed after the test."""
    profile = tmp_path / "profile"
    opened = []

    def launch(offline):
        for context in opened:
            context.close()
        opened.clear()
        context = playwright.chromium.launch_persistent_context(
            str(profile), **browser_type_launch_args, base_url=live_server.url, offline=offline,
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
            service_workers="allow")
        opened.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(TIMEOUT)
        return page

    yield launch
    for context in opened:
        context.close()


def signed_in(page):
    """`page` signed in as the outreach worker, on the caseload, controlled by the service worker."""
    page.goto("/login")
    page.fill("#username", "outreach")
    page.fill("#password", "demo")
    page.click("button:has-text('Sign in')")
    pass_lock(page)  # the PIN lock (PHONE_LOCK): a PIN chosen at the first sign-in
    page.wait_for_url("**/caseload")
    wait_controlled(page)
    return page


def contacts_at(live_server, place):
    return live_server.query("SELECT person_id FROM contact WHERE place = ?", [place])


def test_records_saved_before_a_relaunch_offline_are_sent_when_signal_returns(relaunch, live_server):
    dan = person_id(live_server, "Dan")
    page = signed_in(relaunch(offline=False))
    wait_cached(page, "/caseload", f"/people/{dan}", f"/people/{dan}/contacts/new")

    for cycle in range(CYCLES):
        place = f"Test: relaunch {cycle}, Market Place, Wisbech"
        page.context.set_offline(True)
        page.goto(f"/people/{dan}/contacts/new")
        fill_contact(page, place)
        page.click("button:has-text('Save contact')")
        page.wait_for_url(f"**/people/{dan}")
        expect(page.locator("[data-sync-status]")).to_contain_text("Offline: 1 contact saved on this phone")

        # The browser is closed and opened again, still with no signal: the caseload is the
        # phone's copy, and the record still waits.
        page = relaunch(offline=True)
        page.goto("/caseload")
        pass_lock(page)  # reopened: locked, and the PIN opens it with no signal
        page.wait_for_url("**/caseload")
        wait_controlled(page)
        expect(page.locator("[data-sync-status]")).to_contain_text("Offline: 1 contact saved on this phone")
        assert contacts_at(live_server, place) == []

        # Signal again, and nobody touches the phone.
        page.context.set_offline(False)
        deadline = time.monotonic() + FIRST_RETRIES_S
        while not contacts_at(live_server, place):
            assert time.monotonic() < deadline, (
                f"cycle {cycle}: the record was not sent by itself after the signal came back; "
                f"the status line says {page.locator('[data-sync-status]').text_content()!r}")
            page.wait_for_timeout(200)
        assert contacts_at(live_server, place) == [{"person_id": dan}]
        expect(page.locator("[data-sync-status]")).to_have_text("All sent")


def test_a_phone_not_synced_for_weeks_hides_its_copies_until_it_syncs(relaunch, live_server):
    dan = person_id(live_server, "Dan")
    page = signed_in(relaunch(offline=False))
    wait_cached(page, "/caseload", f"/people/{dan}")
    # The first sync and its refresh done, so no sync still in flight writes its own time after ours.
    deadline = time.monotonic() + 2 * TIMEOUT / 1000
    while not page.evaluate("async () => !!(await FieldappOutbox.getMeta('pages_refreshed_at'))"):
        assert time.monotonic() < deadline, "the first refresh never finished"
        page.wait_for_timeout(100)
    page.context.set_offline(True)
    # Its last sync, as the phone remembers it, fifteen days ago (STALE_PHONE_DAYS is 14).
    page.evaluate("""async () => {
        const db = await idb.openDB('fieldapp');
        await db.put('meta', new Date(Date.now() - 15 * 86400000).toISOString(), 'last_sync_at');
    }""")
    for path in ("/caseload", f"/people/{dan}"):
        page.goto(path)
        expect(page.locator("h1")).to_have_text("Connect to see your caseload")
        expect(page.locator("main")).not_to_contain_text("Dan")
    # With signal, a sync, and the caseload is back.
    page.context.set_offline(False)
    page.goto("/caseload")
    page.click("[data-action=sync-now]")
    deadline = time.monotonic() + TIMEOUT / 1000
    while page.evaluate("""async () => {
            const db = await idb.openDB('fieldapp');
            return Date.now() - Date.parse(await db.get('meta', 'last_sync_at')) > 60000; }"""):
        assert time.monotonic() < deadline, "the sync never happened"
        page.wait_for_timeout(200)
    page.context.set_offline(True)
    page.goto(f"/people/{dan}")
    expect(page.locator("h1")).to_have_text("Dan")
