"""The phone with no signal: offline reading, the outbox, and sending exactly once when the
signal comes back. Debian's Chromium driven by Playwright against the real app (see
tests/browser_fixtures.py and the README's "Tests")."""

import re
import shutil
import time
from datetime import datetime, timedelta

from playwright.sync_api import expect

from fieldapp.web import shell


TIMEOUT = 15000


def minutes_ago(minutes):
    return (datetime.now() - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def sign_in(context, username):
    """A phone signed in as `username`, controlled by the service worker, its pages cached."""
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("button:has-text('Sign in')")
    pass_lock(page)
    page.wait_for_url("**/caseload")
    wait_controlled(page)
    return page


TEST_PIN = "482915"
LOCK_SCREENS = re.compile(r"^(Choose a PIN for this phone|Choose a new PIN for this phone|Enter your PIN)$")
LANDING = re.compile(r"^(Caseload|Choose a PIN for this phone|Choose a new PIN for this phone|Enter your PIN)$")


def pass_lock(page, pin=TEST_PIN):
    """The PIN step after signing in, when the deployment's PIN lock is on (PHONE_LOCK): choose a
    PIN at the first sign-in on this phone (or a new one), enter it after; with the lock off, the
    caseload is there and this does nothing."""
    heading = page.locator("h1:visible", has_text=LANDING)
    expect(heading).to_have_count(1, timeout=TIMEOUT)  # the lock screen is drawn by its script
    text = heading.inner_text()
    if text.startswith("Choose"):
        page.fill("#new-pin", pin)
        page.fill("#repeat-pin", pin)
        page.click("button:has-text('Save PIN')")
    elif text.startswith("Enter"):
        page.fill("#pin", pin)
        page.click("button:has-text('Unlock')")
    else:
        return
    # The lock screen goes (the page it stood in for loads again): a caller's next step must not
    # run in the document that is about to be replaced.
    expect(page.locator("h1:visible", has_text=LOCK_SCREENS)).to_have_count(0, timeout=TIMEOUT)


def wait_controlled(page):
    """Until the service worker controls the page. Polled from here: the app's CSP forbids the
    string evaluation `page.wait_for_function` falls back to when it has to poll."""
    deadline = time.monotonic() + TIMEOUT / 1000
    while not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        assert time.monotonic() < deadline, "the service worker never took control: " + str(
            page.evaluate("""async () => { const r = await navigator.serviceWorker.getRegistration();
                return [location.href, r && r.installing && r.installing.state,
                        r && r.waiting && r.waiting.state, r && r.active && r.active.state]; }"""))
        page.wait_for_timeout(50)


def wait_cached(page, *paths):
    """Until the service worker's page cache can answer every one of `paths` (a person's form from
    their own copy, or from the blank one where that is all the phone keeps for them:
    static/cached-pages.js `blankFormFor`, static/sw.js `cachedPage`), and its shell cache holds the
    files precached once the first page has shown (the forms' own scripts: shell.PRECACHED_LATER)."""
    deadline = time.monotonic() + 2 * TIMEOUT / 1000  # background work: generous on a busy machine
    later = ["/static/" + name for name in shell.PRECACHED_LATER]
    while not page.evaluate(
        """async ([paths, later]) => {
            const cache = await caches.open('fieldapp-pages');
            const hits = await Promise.all(paths.map(async (p) => {
                if (await cache.match(p, {ignoreVary: true})) return true;
                const blank = await FieldappCachedPages.blankFormFor(p, true);
                return !!blank && !!(await cache.match(blank, {ignoreVary: true}));
            }));
            const shells = (await caches.keys()).filter((n) => n.startsWith('fieldapp-shell-'));
            const shell = shells.length === 1 && await caches.open(shells[0]);
            const shellHits = shell ? await Promise.all(later.map((p) => shell.match(p, {ignoreSearch: true}))) : [];
            return hits.every(Boolean) && !!shell && shellHits.every(Boolean);
        }""",
        [list(paths), later],
    ):
        assert time.monotonic() < deadline, f"pages not cached: {paths}"
        page.wait_for_timeout(100)


def person_id(live_server, name):
    [row] = live_server.query("SELECT id FROM person WHERE display_name = ?", [name])
    return row["id"]


def fill_contact(page, place, when=None):
    """The contact fields every contact form has (the duration among the folded details)."""
    page.fill("#contact_at", when or minutes_ago(90))
    page.fill("#place", place)
    page.select_option("#contact_type", "street_outreach")
    page.check("#seen")  # bedded down, and spoken to
    page.locator("[data-more-details]").evaluate("(details) => { details.open = true; }")
    page.fill("#duration_minutes", "15")


def outbox_items(page):
    return page.locator("[data-outbox-list] [data-outbox-item]")


def test_a_day_with_no_signal(phone, live_server):
    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    wait_cached(page, "/caseload", f"/people/{dan}", f"/people/{dan}/contacts/new", "/contacts/new", "/outbox")

    # No signal: the caseload still opens, marked as this phone's copy.
    context.set_offline(True)
    # The assessment forms' script is part of the shell, so they work offline on a fresh phone.
    assert page.evaluate("fetch('/static/assessment.js').then((r) => r.ok, () => false)")
    page.reload()
    expect(page.locator("h1")).to_have_text("Caseload")
    expect(page.locator("[data-notice=offline-copy]")).to_contain_text("Offline copy from")
    # A search the server cannot answer: the list comes from this phone's copy, not a broken page.
    page.fill("#caseload-search", "Da")
    page.wait_for_timeout(600)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("#caseload-list a:has-text('Dan')")).to_be_visible()
    page.click("a:has-text('Dan')")
    expect(page.locator("h1")).to_have_text("Dan")
    expect(page.locator("[data-notice=offline-copy]")).to_be_visible()

    # A contact with Dan, recorded offline: waiting on his page and in the outbox.
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, "Test: bus shelter, Horsefair, Wisbech")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    expect(outbox_items(page)).to_have_count(1)
    expect(outbox_items(page).first).to_contain_text("Saved on this phone, waiting to send")
    expect(page.locator("[data-sync-status]").first).to_contain_text("Offline: 1 contact saved on this phone")

    # Someone new: the person and the contact are both queued, person first.
    page.goto("/contacts/new")
    page.check("input[name=person_id][value=new]")
    page.fill("[name='new_person.display_name']", "Man with red rucksack")
    fill_contact(page, "Railway station car park, March")
    page.click("button:has-text('Save contact')")
    page.wait_for_url("**/caseload")
    expect(page.locator("[data-notice=saved]")).to_be_visible()
    expect(page.locator("#caseload-list [data-outbox-person]")).to_contain_text(
        "Man with red rucksack")
    expect(page.locator("#caseload-list [data-outbox-person]")).to_contain_text(
        "1 contact, 1 new person saved on this phone")

    # Close the page; a new one on the same phone, still offline, still has all three.
    page.close()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto("/outbox")
    pass_lock(page)  # the app opened afresh is locked (PHONE_LOCK): the PIN opens it offline
    page.wait_for_url("**/outbox")
    items = outbox_items(page)
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Contact with Dan")
    expect(items.nth(1)).to_contain_text("New person: Man with red rucksack")
    for i in range(3):
        expect(items.nth(i)).to_contain_text("waiting to send")
    assert live_server.query("SELECT count(*) AS n FROM contact WHERE place LIKE 'Railway%'")[0]["n"] == 0

    # Signal again: everything is sent, once.
    context.set_offline(False)
    for i in range(3):
        expect(items.nth(i)).to_have_attribute("data-state", "sent", timeout=TIMEOUT)
    expect(page.locator("[data-sync-status]").first).to_have_text("All sent")
    contacts = live_server.query("SELECT person_id FROM contact WHERE place = 'Test: bus shelter, Horsefair, Wisbech'")
    assert [c["person_id"] for c in contacts] == [dan]
    people = live_server.query("SELECT id FROM person WHERE display_name = 'Man with red rucksack'")
    assert len(people) == 1
    contacts = live_server.query("SELECT person_id FROM contact WHERE place = 'Railway station car park, March'")
    assert [c["person_id"] for c in contacts] == [people[0]["id"]]

    # A colleague in the same team sees the contact.
    colleague = sign_in(phone(), "outreach2")
    colleague.goto(f"/people/{dan}")
    expect(colleague.locator(".app-timeline")).to_contain_text("Test: bus shelter, Horsefair, Wisbech")


def test_a_rejected_record_can_be_fixed_or_discarded(phone, live_server):
    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    next_week = (datetime.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")

    for place in ("Test: church porch, Whittlesey", "Test: Market Place, Chatteris"):
        page.goto(f"/people/{dan}/contacts/new")
        page.eval_on_selector("#contact_at", "el => el.removeAttribute('max')")
        fill_contact(page, place, when=next_week)
        page.click("button:has-text('Save contact')")
        page.wait_for_url(f"**/people/{dan}")

    page.goto("/outbox")
    items = outbox_items(page)
    expect(items).to_have_count(2)
    for i in range(2):
        expect(items.nth(i)).to_have_attribute("data-state", "rejected", timeout=TIMEOUT)
        expect(items.nth(i)).to_contain_text("Needs attention:")
        expect(items.nth(i)).to_contain_text("cannot be in the future")
    expect(page.locator("[data-sync-status]").first).to_contain_text("2 need attention")

    # Fix the first: the form comes back filled in, with the server's message.
    items.nth(0).locator("[data-action=fix]").click()
    page.wait_for_url("**/contacts/new?fix=*")
    expect(page.locator("#place")).to_have_value("Test: church porch, Whittlesey")
    expect(page.locator("[data-notice=form-errors]")).to_contain_text("cannot be in the future")
    page.fill("#contact_at", minutes_ago(30))
    page.click("button:has-text('Save contact')")
    page.wait_for_url("**/outbox")
    expect(items.nth(0)).to_have_attribute("data-state", "sent", timeout=TIMEOUT)

    # Discard the second (it asks to confirm first).
    discard = items.nth(1).locator("[data-action=discard]")
    discard.click()
    expect(discard).to_contain_text("Yes, discard")
    discard.click()
    expect(items).to_have_count(1)

    rows = live_server.query(
        "SELECT place FROM contact WHERE place IN ('Test: church porch, Whittlesey', 'Test: Market Place, Chatteris')")
    assert rows == [{"place": "Test: church porch, Whittlesey"}]


def test_logout_waits_for_unsent_records_then_wipes_the_phone(phone, live_server):
    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    # The contact form, and Dan's page the save leads to, both read offline.
    wait_cached(page, f"/people/{dan}/contacts/new", f"/people/{dan}")

    context.set_offline(True)
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, "Test: library steps, Wisbech")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")

    page.click("form[data-logout] button")
    expect(page.locator("[data-notice=logout-refused]")).to_contain_text("Logout refused: 1 record not sent yet")
    assert "/people/" in page.url

    context.set_offline(False)
    expect(outbox_items(page).first).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator("[data-sync-status]").first).to_have_text("All sent")
    page.click("form[data-logout] button")
    page.wait_for_url("**/login*")

    left = page.evaluate(
        """async () => {
            const names = await caches.keys();
            const db = await idb.openDB('fieldapp');
            const stores = Array.from(db.objectStoreNames);
            const counts = {};
            for (const s of ['outbox', 'records']) counts[s] = stores.includes(s) ? await db.count(s) : 0;
            db.close();
            return {pages: names.includes('fieldapp-pages'), ...counts};
        }"""
    )
    assert left == {"pages": False, "outbox": 0, "records": 0}
    assert live_server.query("SELECT count(*) AS n FROM contact WHERE place = 'Test: library steps, Wisbech'")[0]["n"] == 1


def test_a_page_refresh_that_finishes_after_signing_out_leaves_no_page_cache(phone, live_server):
    # A sync's background refresh can start or end after the wipe (it ran in the service worker,
    # or the logout's own flush started it): it must not bring the page cache back.
    context = phone()
    page = sign_in(context, "outreach")
    page.click("form[data-logout] button")
    page.wait_for_url("**/login*")
    page.evaluate("async () => { await FieldappCachedPages.refreshAfterSync(true); }")
    # One still running in the service worker when the wipe came drops what it stored again.
    deadline = time.monotonic() + TIMEOUT / 1000
    while page.evaluate("async () => caches.has('fieldapp-pages')"):
        assert time.monotonic() < deadline, "the page cache came back after signing out"
        page.wait_for_timeout(100)


def test_a_captive_portal_or_a_dead_server_loses_nothing_and_sends_once(phone, live_server):
    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    wait_cached(page, f"/people/{dan}/contacts/new")
    place = "Test: bench by the river, Wisbech"

    # Station wifi answers every request with its own 200 HTML page.
    portal = "<!DOCTYPE html><title>Welcome</title><p>Accept the terms to use free wifi</p>"
    portal_hits = []

    def captive_portal(route):
        portal_hits.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=portal)

    context.route("**/api/sync", captive_portal)
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, place)
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    item = outbox_items(page).first
    page.click("[data-action=sync-now]")
    deadline = time.monotonic() + 10
    while len(portal_hits) < 2:  # the save's flush and "Sync now"
        assert time.monotonic() < deadline, "the phone never tried to sync"
        page.wait_for_timeout(100)
    expect(item).to_have_attribute("data-state", "waiting")
    # The worker sees why and when it is tried again (backoff: 2 s doubling, at most 5 minutes).
    expect(item).to_contain_text("perhaps a wifi sign-in page")
    expect(page.locator("[data-sync-status]").first).to_have_text(
        re.compile(r"^1 contact waiting to send\. Sending failed, will retry at (today |\d{1,2} \w{3} \d{4}, )\d\d:\d\d:\d\d$"))
    assert live_server.query("SELECT count(*) AS n FROM contact WHERE place = ?", [place])[0]["n"] == 0
    # Let a handler still answering an earlier request finish first (no "already handled" race).
    context.unroute_all(behavior="wait")

    # Then the server itself goes down: no `online` event will come.
    live_server.stop()
    page.click("[data-action=sync-now]")
    expect(item).to_have_attribute("data-state", "waiting")
    assert live_server.query("SELECT count(*) AS n FROM contact WHERE place = ?", [place])[0]["n"] == 0

    # Back up: the retry timer sends it, once.
    live_server.start()
    expect(page.locator("[data-sync-status]").first).to_have_text("All sent", timeout=20000)
    expect(outbox_items(page)).to_have_count(0)
    assert live_server.query("SELECT count(*) AS n FROM contact WHERE place = ?", [place])[0]["n"] == 1


def test_signed_out_keeps_the_outbox_and_a_revoked_phone_wipes_itself(phone, live_server):
    from fieldapp import devices
    from fieldapp.db import open_db

    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    device_id = page.evaluate("document.body.dataset.deviceId")
    wait_cached(page, f"/people/{dan}/contacts/new", f"/people/{dan}")

    # The session has gone (expired, or the cookie was lost): the record stays, the worker is told.
    context.set_offline(True)
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, "Test: bus shelter, Chatteris")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    context.clear_cookies()
    context.set_offline(False)
    expect(page.locator("[data-notice=login-needed]")).to_contain_text("Log in again to send")
    expect(outbox_items(page).first).to_have_attribute("data-state", "waiting")

    # An administrator marks the phone lost: the next sync hands the record over (kept, never
    # applied: tests/test_lost_phone.py) and wipes the phone, which ends on the neutral page.
    db = open_db(live_server.database)
    devices.revoke_device(db, device_id)
    db.close()
    page.click("[data-action=sync-now]")
    page.wait_for_url("**/wiped")
    expect(page.locator("main")).not_to_contain_text("Test: bus shelter")
    left = page.evaluate(
        """async () => ({caches: (await caches.keys()).filter((n) => n.startsWith('fieldapp-')),
                         databases: (await indexedDB.databases()).map((d) => d.name)})"""
    )
    assert left == {"caches": [], "databases": []}
    assert live_server.query("SELECT count(*) AS n FROM contact WHERE place = 'Test: bus shelter, Chatteris'")[0]["n"] == 0
    assert live_server.query("SELECT count(*) AS n FROM handed_over WHERE type = 'contact'")[0]["n"] == 1


def shell_caches(page):
    return page.evaluate("async () => (await caches.keys()).filter((n) => n.startsWith('fieldapp-shell-'))")


def test_a_new_version_is_offered_and_replaces_the_old_shell(phone, live_server, tmp_path):
    page = sign_in(phone(), "outreach")
    # The offer is made to a page the old version controls (static/page/worker.js); on a busy
    # machine the first worker may not have taken control yet when the release lands.
    wait_controlled(page)
    old = shell_caches(page)
    assert len(old) == 1

    # A new release changes one precached file. The server serves a copy of its static folder with
    # the style sheet changed (served as it is, not from static/build/min/), so nothing but the
    # content hash of the shell tells the phone there is a new version.
    release = tmp_path / "static"
    shutil.copytree(live_server.app.static_folder, release)
    css = release / "build" / "app.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* the next release */\n", encoding="utf-8")
    live_server.app.static_folder = str(release)
    live_server.app.config["STATIC_RECHECK_SECONDS"] = 0
    with live_server.app.app_context():
        new_shell = "fieldapp-shell-" + shell.shell_version()
    assert new_shell not in old

    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    offer = page.locator("[data-notice=update-ready]")
    # The new worker first precaches the whole shell: seconds on a busy machine.
    try:
        expect(offer).to_contain_text("A new version is ready", timeout=2 * TIMEOUT)
    except AssertionError as error:
        states = page.evaluate("""async () => { const r = await navigator.serviceWorker.getRegistration();
            return {installing: r.installing && r.installing.state, waiting: r.waiting && r.waiting.state,
                    active: r.active && r.active.scriptURL, controlled: !!navigator.serviceWorker.controller,
                    caches: await caches.keys()}; }""")
        raise AssertionError(f"no update offered; the registration: {states}") from error
    with page.expect_navigation():
        offer.locator("[data-action=update]").click()
    wait_controlled(page)
    deadline = time.monotonic() + 10
    while True:
        shells = shell_caches(page)
        if shells == [new_shell] or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert shells == [new_shell]
    # The new shell holds the new release's file.
    assert page.evaluate(
        """async (name) => (await (await (await caches.open(name)).match('/static/build/app.css', {ignoreSearch: true})).text())
            .includes('the next release')""",
        new_shell,
    )
