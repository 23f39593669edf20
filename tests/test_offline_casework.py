"""The shared record on phones with no signal: the caseload searched offline, a peer session logged
offline, the same person edited offline on two phones (the conflict shows on both after sync and
can be resolved), and pages read offline counted in the audit trail once the phone syncs."""

import time
from datetime import date

from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, person_id, sign_in, wait_cached
from tests.test_offline_forms import wait_ready


def sync_now(page):
    page.click("[data-action=sync-now]")
    # Sent: "All sent" (the status says "Offline: … saved on this phone" until the flush, no "waiting").
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=TIMEOUT)


def test_caseload_is_searched_offline(phone, live_server):
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/caseload")
    page.context.set_offline(True)
    page.reload()
    rows = page.locator("[data-caseload-row]")
    total = rows.count()
    assert total >= 3
    page.fill("input[data-caseload-filter]", "green coat")
    expect(page.locator("[data-caseload-row]:visible")).to_have_count(1)
    expect(page.locator("[data-caseload-row]:visible")).to_contain_text("Woman in green coat")
    page.fill("input[data-caseload-filter]", "nobody-by-this-name")
    expect(page.locator("[data-caseload-row]:visible")).to_have_count(0)
    expect(page.locator("[data-caseload-empty]")).to_be_visible()
    page.fill("input[data-caseload-filter]", "")
    expect(page.locator("[data-caseload-row]:visible")).to_have_count(total)


def test_peer_session_logged_offline_reaches_the_server_once(phone, live_server):
    sam = person_id(live_server, "Sam")
    page = sign_in(phone(), "peer")
    page.goto(f"/people/{sam}")
    page.goto(f"/people/{sam}/peer-sessions/new")
    wait_cached(page, f"/people/{sam}", f"/people/{sam}/peer-sessions/new")
    page.context.set_offline(True)
    page.goto(f"/people/{sam}/peer-sessions/new")
    page.fill("#session_on", date.today().isoformat())
    page.fill("#duration_minutes", "75")
    page.locator("input[name=mode]").first.check()
    page.locator("input[name=purpose]").first.check()
    page.fill("#note", "Test: walked to the benefits appointment together")
    page.click("form[data-mutation-type] button[type=submit]")
    page.wait_for_url(f"**/people/{sam}")
    page.context.set_offline(False)
    sync_now(page)
    rows = live_server.query("SELECT duration_minutes, mentor_id FROM peer_session WHERE note = ?",
                             ["Test: walked to the benefits appointment together"])
    peer = live_server.query("SELECT id FROM user WHERE username = 'peer'")[0]["id"]
    assert rows == [{"duration_minutes": 75, "mentor_id": peer}]
    # The answer echoed it partially (what the server filled in); the phone's copy is whole.
    held = page.evaluate("""async () => (await FieldappOutbox.records()).filter((r) =>
        r.type === 'peer_session' && r.fields && r.fields.duration_minutes === 75)""")
    assert len(held) == 1 and held[0]["version"] == 1, held
    assert held[0]["fields"]["mentor_id"] == peer
    assert held[0]["fields"]["note"] == "Test: walked to the benefits appointment together"


def _edit_description_offline(page, dan, text):
    page.context.set_offline(True)
    page.goto(f"/people/{dan}/edit")
    page.fill("#description", text)
    page.click("button:has-text('Save details')")
    page.wait_for_url(f"**/people/{dan}")


def test_a_notice_on_screen_stays_when_the_page_is_swapped_for_a_fresher_copy(phone, live_server):
    # "A new version is ready" (or "Saved") is the app's word, not the page's: a sync that brings
    # a colleague's change swaps the page's content in place, and the offer must still be there.
    dan = person_id(live_server, "Dan")
    ann = sign_in(phone(), "outreach")
    ben = sign_in(phone(), "outreach2")
    ann.goto(f"/people/{dan}")
    wait_cached(ann, f"/people/{dan}")
    ann.evaluate("FieldappPage.notice('tpl-update-ready')")
    ben.goto(f"/people/{dan}/edit")
    ben.fill("#description", "Test: moved to the night shelter")
    ben.click("button:has-text('Save details')")
    ben.wait_for_url(f"**/people/{dan}")
    sync_now(ben)
    sync_now(ann)
    expect(ann.locator(".app-detail--description")).to_contain_text("Test: moved to the night shelter")
    expect(ann.locator("[data-notice=update-ready]")).to_have_count(1)
    expect(ann.locator("[data-notice=offline-copy]")).to_have_count(0)


def test_one_person_edited_offline_on_two_phones_shows_the_conflict_on_both(phone, live_server):
    dan = person_id(live_server, "Dan")
    ann = sign_in(phone(), "outreach")
    ben = sign_in(phone(), "outreach2")
    for page in (ann, ben):
        page.goto(f"/people/{dan}")
        page.goto(f"/people/{dan}/edit")
        wait_cached(page, f"/people/{dan}/edit", f"/people/{dan}")

    _edit_description_offline(ann, dan, "Sleeps in the church porch now")
    _edit_description_offline(ben, dan, "Moved to a tent by the river")
    ann.context.set_offline(False)
    sync_now(ann)
    ben.context.set_offline(False)
    sync_now(ben)

    for page in (ann, ben):
        page.goto(f"/people/{dan}")
        conflicts = page.locator(".app-conflicts")
        expect(conflicts).to_contain_text("Changes that need a decision")
        expect(conflicts).to_contain_text("Sleeps in the church porch now")
        expect(conflicts).to_contain_text("Moved to a tent by the river")
    [row] = live_server.query("SELECT description FROM person WHERE id = ?", [dan])
    assert row["description"] == "Sleeps in the church porch now"  # the first to arrive is kept

    # Ben's value was the right one: Ann takes it, through her outbox like any change.
    ann.click("button:has-text('Use the other value')")
    ann.wait_for_url(f"**/people/{dan}")
    sync_now(ann)
    [row] = live_server.query("SELECT description FROM person WHERE id = ?", [dan])
    assert row["description"] == "Moved to a tent by the river"
    assert live_server.query(
        "SELECT COUNT(*) AS open FROM sync_conflict WHERE record_id = ? AND resolved_at IS NULL",
        [dan]) == [{"open": 0}]


def test_pages_read_offline_are_in_the_audit_trail_after_sync(phone, live_server):
    kerry = person_id(live_server, "Kerry")
    page = sign_in(phone(), "navigator")
    page.goto(f"/people/{kerry}")
    wait_cached(page, f"/people/{kerry}")
    page.context.set_offline(True)
    page.goto(f"/people/{kerry}")
    expect(page.locator("[data-sync-status]")).not_to_contain_text("1 ")  # not the worker's record
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    navigator = live_server.query("SELECT id FROM user WHERE username = 'navigator'")[0]["id"]

    def views():
        return live_server.query("SELECT page FROM view WHERE person_id = ? AND user_id = ?",
                                 [kerry, navigator])

    deadline = time.monotonic() + TIMEOUT / 1000
    while not views():
        assert time.monotonic() < deadline, "the offline view never reached the server"
        page.wait_for_timeout(100)
    assert [v["page"] for v in views()] == [f"/people/{kerry}"]


def test_registering_someone_new_offline_shows_people_already_on_the_phone(phone, live_server):
    page = sign_in(phone(), "outreach")
    wait_ready(page)  # the sign-in's sync has brought the people (the form alone is cached sooner)
    page.goto("/contacts/new")
    wait_cached(page, "/contacts/new")
    page.context.set_offline(True)
    page.goto("/contacts/new")
    page.check('input[name="person_id"][value="new"]')
    page.fill('input[name="new_person.display_name"]', "woman in a green jacket")
    matches = page.locator("#new-person-matches")
    expect(matches).to_contain_text("Already on the system?")
    expect(matches).to_contain_text("Woman in green coat")


def test_a_person_who_leaves_the_workers_scope_leaves_the_phone(phone, live_server):
    from tests.test_offline import fill_contact

    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    wait_cached(page, f"/people/{dan}")
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, "Test: bus station steps, Wisbech")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    sync_now(page)

    # What the phone holds about Dan: his records, his cached pages, the contact it sent.
    held = """async (dan) => {
        const records = (await FieldappOutbox.records()).filter((r) => r.scope === dan || r.record_id === dan);
        const sent = (await FieldappOutbox.list()).filter((i) => i.person_id === dan);
        const pages = (await (await caches.open('fieldapp-pages')).keys())
            .map((r) => new URL(r.url).pathname).filter((p) => p.startsWith('/people/' + dan));
        return {records: records.length, sent: sent.map((i) => i.state), pages: pages.length};
    }"""
    before = page.evaluate(held, dan)
    assert before["records"] > 0 and before["sent"] == ["sent"] and before["pages"] > 0

    # A coordinator moves Dan to the navigators' team, with the navigator as his trusted person.
    navigator = live_server.query("SELECT id FROM user WHERE username = 'navigator'")[0]["id"]
    coordinator = sign_in(phone(), "coordinator")
    coordinator.goto(f"/coordination/people/{dan}/assign")
    coordinator.select_option("#trusted_person_id", str(navigator))
    coordinator.select_option("#team", "Fenland navigators")
    coordinator.click("form[action*='/assign'] button")
    if coordinator.locator("button:has-text('Assign anyway')").count():
        coordinator.click("button:has-text('Assign anyway')")
    coordinator.wait_for_url(f"**/people/{dan}")

    # The worker's next sync takes everything about Dan off the phone.
    page.goto("/caseload")
    sync_now(page)
    deadline = time.monotonic() + TIMEOUT / 1000
    while (left := page.evaluate(held, dan)) != {"records": 0, "sent": [], "pages": 0}:
        assert time.monotonic() < deadline, f"still on the phone: {left}"
        page.wait_for_timeout(100)


def test_the_page_on_screen_shows_a_colleagues_change_and_a_conflict_without_reopening(phone, live_server):
    dan = person_id(live_server, "Dan")
    ann = sign_in(phone(), "outreach")
    ben = sign_in(phone(), "outreach2")
    for page in (ann, ben):
        page.goto(f"/people/{dan}")
        wait_cached(page, f"/people/{dan}/edit", f"/people/{dan}")
    description = ann.locator(".app-detail--description")

    # Ben changes Dan's details with signal; Ann's phone syncs with her still on Dan's page.
    ben.goto(f"/people/{dan}/edit")
    ben.fill("#description", "Test: sleeps behind the library now")
    ben.click("button:has-text('Save details')")
    ben.wait_for_url(f"**/people/{dan}")
    sync_now(ben)
    sync_now(ann)
    expect(description).to_contain_text("Test: sleeps behind the library now")

    # Ann edits with no signal while Ben edits with signal: her page shows the conflict once her
    # phone has sent, without her opening it again.
    _edit_description_offline(ann, dan, "Test: in the bus shelter, Ann saw him")
    ben.goto(f"/people/{dan}/edit")
    ben.fill("#description", "Test: in the hostel, Ben booked him in")
    ben.click("button:has-text('Save details')")
    ben.wait_for_url(f"**/people/{dan}")
    sync_now(ben)
    ann.context.set_offline(False)
    expect(ann.locator(".app-conflicts")).to_contain_text("Changes that need a decision", timeout=2 * TIMEOUT)
