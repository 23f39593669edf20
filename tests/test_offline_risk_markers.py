"""Staff safety records made on a phone with no signal (Chromium at 360 px, service worker on): a
risk marker saved to the outbox, sent once when signal returns and shown first on the person's
page; a safeguarding concern whose form says to call 999 for immediate risk, sent the same way."""

import time

from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, person_id, sign_in, wait_cached


def test_a_risk_marker_added_offline_reaches_the_server_once_and_shows_first(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    page.goto(f"/people/{dan}")
    page.goto(f"/people/{dan}/risk-markers/new")
    wait_cached(page, f"/people/{dan}", f"/people/{dan}/risk-markers/new")
    page.context.set_offline(True)
    page.goto(f"/people/{dan}/risk-markers/new")
    page.check("input[name=kind][value=health_risk]")
    page.fill("#note", "Test: used needles kept in the tent")
    page.click("button:has-text('Save risk marker')")
    page.wait_for_url(f"**/people/{dan}")
    assert live_server.query("SELECT * FROM risk_marker") == []
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=20000)
    rows = live_server.query("SELECT kind, note FROM risk_marker")
    assert rows == [{"kind": "health_risk", "note": "Test: used needles kept in the tent"}]
    page.goto(f"/people/{dan}")
    expect(page.locator("[data-risk-markers]")).to_contain_text("used needles")
    page.goto("/caseload")
    expect(page.locator("[data-caseload-row]", has_text="Dan").locator("[data-risk-markers]")
           ).to_contain_text("Health risk")


def test_a_safeguarding_concern_raised_offline_says_call_999_and_reaches_the_server(
        phone, live_server):
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    page.goto(f"/people/{dan}")
    page.goto(f"/people/{dan}/safeguarding/new")
    wait_cached(page, f"/people/{dan}", f"/people/{dan}/safeguarding/new")
    page.context.set_offline(True)
    page.goto(f"/people/{dan}/safeguarding/new")
    page.check("input[name=about][value=domestic_abuse]")
    page.fill("#what", "Test: bruises on her arms, said her partner did it")
    page.check("input[name=immediate_risk][value=yes]")
    expect(page.locator("main")).to_contain_text("Call 999 now")
    page.click("button:has-text('Send to the safeguarding lead')")
    page.wait_for_url(f"**/people/{dan}")
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=20000)
    rows = live_server.query("SELECT about, immediate_risk FROM safeguarding_concern")
    assert rows == [{"about": "domestic_abuse", "immediate_risk": 1}]


def test_a_person_with_a_risk_marker_has_their_own_contact_form_on_the_phone(phone, live_server):
    # The contact form shows a person's risk markers first: for someone with one, the phone keeps
    # their own copy (not the blank one); and should the blank one stand in before that copy has
    # come, it says so first too, from the marker the phone holds.
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    page.goto(f"/people/{dan}/risk-markers/new")
    page.check("input[name=kind][value=dog]")
    page.fill("#note", "Test: large dog, keep the gate shut")
    page.click("button:has-text('Save risk marker')")
    page.wait_for_url(f"**/people/{dan}")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=20000)
    wait_cached(page, f"/people/{dan}/contacts/new")
    # wait_cached is content with the blank form standing in: wait for his own copy, which the
    # refresh after the marker's sync fetches.
    deadline = time.monotonic() + 2 * TIMEOUT / 1000
    while not page.evaluate("""async (p) => !!(await (await caches.open('fieldapp-pages')).match(p))""",
                            f"/people/{dan}/contacts/new"):
        assert time.monotonic() < deadline, "his own contact form never reached the phone"
        page.wait_for_timeout(200)

    page.context.set_offline(True)
    page.goto(f"/people/{dan}/contacts/new")
    expect(page.locator("[data-risk-markers]")).to_contain_text("keep the gate shut")
    page.evaluate("""async (p) => (await caches.open('fieldapp-pages')).delete(p)""",
                  f"/people/{dan}/contacts/new")
    page.goto(f"/people/{dan}/contacts/new")
    expect(page.locator("body")).to_have_attribute("data-blank-form-for", dan)
    expect(page.locator("[data-risk-markers]")).to_contain_text("Dog: Test: large dog, keep the gate shut")
