"""What was just saved, on a phone with no signal: someone registered offline has a page and can
be recorded against again before the first sync; pages show the phone's changes waiting to send
over the cached copy; and once everything is sent the page is fresh again."""

import time

from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, fill_contact, outbox_items, sign_in, wait_cached


def wait_until(check, message):
    deadline = time.monotonic() + TIMEOUT / 1000
    while not check():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def test_someone_registered_offline_can_be_opened_and_recorded_again(phone, live_server):
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/caseload", "/contacts/new", "/outbox")
    page.context.set_offline(True)

    page.goto("/contacts/new")
    page.check("input[name=person_id][value=new]")
    page.fill("[name='new_person.display_name']", "Man with red rucksack")
    fill_contact(page, "Test: first contact, railway station, March")
    page.click("button:has-text('Save contact')")
    page.wait_for_url("**/caseload")

    # Their row opens their page on this phone, before the server has them.
    page.click("#caseload-list [data-outbox-person] a:has-text('Man with red rucksack')")
    expect(page.locator("h1")).to_have_text("Man with red rucksack")
    expect(page.locator("[data-pending-person]")).to_contain_text("Waiting to send")
    expect(outbox_items(page)).to_have_count(2)

    # A second contact with them, still with no signal.
    page.click("a:has-text('Record a contact with Man with red rucksack')")
    expect(page.locator("input[name=person_id]:checked")).to_have_value(
        page.url.split("person=")[1])
    fill_contact(page, "Test: second contact, Broad Street, March")
    page.click("button:has-text('Save contact')")
    page.wait_for_url("**/outbox?person=*")
    expect(page.locator("h1")).to_have_text("Man with red rucksack")
    expect(outbox_items(page)).to_have_count(3)
    expect(outbox_items(page).nth(2)).to_contain_text("Contact with Man with red rucksack")

    page.context.set_offline(False)
    page.click("[data-action=sync-now]")

    def sent():
        return live_server.query(
            "SELECT contact.place FROM contact JOIN person ON person.id = contact.person_id"
            " WHERE person.display_name = 'Man with red rucksack' ORDER BY contact.place")
    wait_until(lambda: len(sent()) == 2, "both contacts did not reach the server")
    assert sent() == [{"place": "Test: first contact, railway station, March"},
                      {"place": "Test: second contact, Broad Street, March"}]
    assert live_server.query(
        "SELECT COUNT(*) AS n FROM person WHERE display_name = 'Man with red rucksack'") == [{"n": 1}]


def test_what_was_saved_offline_shows_until_sent_then_the_page_is_fresh(phone, live_server):
    from tests.test_offline import person_id
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/caseload", f"/people/{dan}", f"/people/{dan}/edit", f"/people/{dan}/contacts/new")
    page.context.set_offline(True)

    # A contact with Dan: his caseload row says it is on the phone, waiting.
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, "Test: shown while waiting, Wisbech")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    page.goto("/caseload")
    row = page.locator("[data-caseload-row]", has=page.locator(f"a[href='/people/{dan}']"))
    expect(row.locator("[data-pending-contact]")).to_contain_text("Contact saved on this phone")
    expect(row.locator("[data-pending-contact]")).to_contain_text("waiting to send")

    # His details edited: his page (the phone's copy) shows the new description, marked.
    page.goto(f"/people/{dan}/edit")
    page.fill("#description", "Test: now sleeps by the river")
    page.click("button:has-text('Save details')")
    page.wait_for_url(f"**/people/{dan}")
    details = page.locator(".app-detail--description")
    expect(details).to_contain_text("Test: now sleeps by the river")
    expect(details).to_contain_text("Waiting to send")
    expect(page.locator("[data-notice=offline-copy]")).to_be_visible()

    # Signal, no tap: once everything is sent the page is the server's again, banner gone.
    page.context.set_offline(False)
    expect(page.locator("[data-notice=offline-copy]")).to_have_count(0, timeout=2 * TIMEOUT)
    expect(details).to_contain_text("Test: now sleeps by the river")
    expect(details).not_to_contain_text("Waiting to send")
    assert live_server.query("SELECT description FROM person WHERE id = ?", [dan]) == [
        {"description": "Test: now sleeps by the river"}]
