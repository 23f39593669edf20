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
