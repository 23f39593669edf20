"""What was just saved, on a phone with no signal: someone registered offline has a page and can
be recorded against again before the first sync; pages show the phone's changes waiting to send
over the cached copy; and once everything is sent the page is fresh again."""

import time
from datetime import date

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
    # Offered above "Someone not on the system yet", without its questions about someone new.
    expect(page.locator("[name='new_person.display_name']")).to_be_hidden()
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
    expect(row.locator("[data-person-waiting]")).to_contain_text("Waiting to send")
    expect(row.locator("[data-person-waiting]")).to_contain_text("1 contact saved on this phone")

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


def register_offline(page, name):
    """Someone new met with no signal, through the contact form; their page on this phone."""
    page.goto("/contacts/new")
    page.check("input[name=person_id][value=new]")
    page.fill("[name='new_person.display_name']", name)
    fill_contact(page, f"Test: first contact with {name}")
    page.click("button:has-text('Save contact')")
    page.wait_for_url("**/caseload")
    page.click(f"#caseload-list [data-outbox-person] a:has-text('{name}')")
    expect(page.locator("h1")).to_have_text(name)
    return page.url.split("person=")[1]


def test_every_form_works_for_someone_registered_offline_before_the_first_sync(phone, live_server):
    from tests.test_offline_forms import NDT, STAR
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/caseload", "/contacts/new", "/outbox", "/people/on-phone/edit",
                "/people/on-phone/assessments/new", "/people/on-phone/star/new", "/people/on-phone/consent/new")
    page.context.set_offline(True)
    pid = register_offline(page, "Woman with a grey dog")
    page_url = page.url

    # Their details: the edit starts from what was registered, and sends only the change.
    page.click("[data-pending-forms] a:has-text('Edit details')")
    expect(page.locator("h1")).to_have_text("Edit details")
    expect(page.locator("#display_name")).to_have_value("Woman with a grey dog")
    page.fill("#description", "Test: grey lurcher, sleeps in the church porch")
    page.click("button:has-text('Save details')")
    page.wait_for_url(page_url)

    page.click("[data-pending-forms] a:has-text('Start an NDT assessment')")
    expect(page.locator("h1")).to_contain_text("Woman with a grey dog")
    for domain in NDT["domains"]:
        page.check(f'input[name="scores.{domain["key"]}"][value="2"]')
    page.click("button:has-text('Save NDT assessment')")
    page.wait_for_url(page_url)

    page.click("[data-pending-forms] a:has-text('Start a Star reading')")
    for area in STAR["domains"]:
        page.select_option(f'select[name="scores.{area["key"]}"]', "4")
    page.click("button:has-text('Save final reading')")
    page.wait_for_url(page_url)

    page.click("[data-pending-forms] a:has-text('Record consent')")
    expect(page.locator("h1")).to_have_text("Consent of Woman with a grey dog")
    page.locator("input[name=recording]").first.check()
    page.fill("#given_on", date.today().isoformat())
    page.click("button:has-text('Save consent')")
    page.wait_for_url(page_url)
    expect(outbox_items(page)).to_have_count(6)  # person, contact, edit, NDT, Star, consent

    page.context.set_offline(False)
    page.click("[data-action=sync-now]")

    def arrived():
        q = live_server.query
        return (q("SELECT description FROM person WHERE id = ?", [pid])
                == [{"description": "Test: grey lurcher, sleeps in the church porch"}]
                and len(q("SELECT 1 FROM assessment WHERE person_id = ?", [pid])) == 2
                and len(q("SELECT 1 FROM consent WHERE person_id = ?", [pid])) == 1)
    wait_until(arrived, "the records made for someone registered offline did not all reach the server")
    assert live_server.query("SELECT display_name FROM person WHERE id = ?", [pid]) == [
        {"display_name": "Woman with a grey dog"}]


def test_a_blank_form_for_someone_this_phone_does_not_hold_saves_nothing(phone, live_server):
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/people/on-phone/edit")
    page.context.set_offline(True)
    page.goto("/people/on-phone/edit?person=00000000-0000-4000-8000-000000000000")
    expect(page.locator("h1")).to_have_text("This person is not on this phone")
    expect(page.locator("button:has-text('Save details')")).to_be_disabled()


def test_a_choice_saved_offline_shows_by_its_name_on_the_person_page(phone, live_server):
    from tests.test_offline import person_id
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    wait_cached(page, f"/people/{dan}", f"/people/{dan}/edit")
    page.context.set_offline(True)
    page.goto(f"/people/{dan}/edit")
    page.select_option("#gender", "non_binary")
    page.select_option("#housing_situation", index=2)
    housing = page.locator("#housing_situation option:checked").text_content().strip()
    page.click("button:has-text('Save details')")
    page.wait_for_url(f"**/people/{dan}")
    gender = page.locator(".app-detail--gender")
    expect(gender).to_contain_text("Non-binary")
    expect(gender).to_contain_text("Waiting to send")
    expect(page.locator(".app-detail--housing_situation")).to_contain_text(housing)


def test_a_record_the_phone_lost_before_sending_is_named_for_entering_again(phone, live_server):
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/caseload")
    # A record the server refused waits on the phone for the worker, and each sync reports it.
    page.evaluate("""async () => {
        const db = await idb.openDB('fieldapp');
        const userId = await db.get('meta', 'user_id');
        await db.add('outbox', {id: crypto.randomUUID(), type: 'contact', op: 'create',
            record_id: crypto.randomUUID(), user_id: userId, person_id: null, state: 'rejected',
            recorded_at: new Date().toISOString(), fields: {}, label: 'Contact'});
    }""")
    page.click("[data-action=sync-now]")
    wait_until(lambda: live_server.query("SELECT 1 FROM device_outbox"), "the phone never reported it")
    # The browser clears the phone's records (storage pressure), not through the app.
    page.evaluate("""async () => {
        const db = await idb.openDB('fieldapp');
        await db.clear('outbox');
    }""")
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-lost-notice]")).to_contain_text("1 record saved on this phone were lost")
    page.click("[data-lost-notice] a")
    expect(page.locator("h1")).to_have_text("Records lost from a phone")
    expect(page.locator(".app-lost-records")).to_contain_text("A contact")
