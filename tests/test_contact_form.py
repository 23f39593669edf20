"""Recording a contact fast at night (issue 12, goal 1): "when" starts as now, the type and district
as last used, the recent places offered, Save within reach, someone just met first, and the taps
both paths take, counted and printed. Debian's Chromium at 360x740 against the real app."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, person_id, sign_in, wait_cached

LONDON = ZoneInfo("Europe/London")

# Counts the worker's taps on the page (each finger or pointer put down: a tap on a label is one,
# though it clicks the label and then its radio), across pages in the tab; typing (text put into a
# field) is not a tap.
COUNT_TAPS = """
document.addEventListener('pointerdown', (event) => {
  if (!event.isTrusted) return;
  sessionStorage.setItem('test-taps', String(Number(sessionStorage.getItem('test-taps') || 0) + 1));
}, true);
"""


@pytest.fixture
def phone_context_args(phone_context_args):
    """A phone whose own clock is set to another zone than the programme's (UTC+5:30), so that
    "now in Europe/London" is told apart from the phone's local time all year round."""
    return {**phone_context_args, "timezone_id": "Asia/Kolkata"}


def taps(page):
    return int(page.evaluate("() => sessionStorage.getItem('test-taps') || 0"))


def reset_taps(page):
    page.evaluate("() => sessionStorage.setItem('test-taps', '0')")


def minutes_between(value, moment):
    return abs((datetime.strptime(value, "%Y-%m-%dT%H:%M").replace(tzinfo=LONDON) - moment)
               / timedelta(minutes=1))


def defaults_ready(page):
    expect(page.locator("form[data-defaults-ready]")).to_have_count(1)


def test_the_form_is_sent_with_no_time_and_no_answers(auth, client, demo_data):
    """The server renders neither a time (a cached form would freeze it) nor an answer to the
    questions the worker must give."""
    auth.login("outreach")
    html = client.get("/contacts/new").get_data(as_text=True)
    assert 'name="contact_at"' in html and 'data-default-now="Europe/London"' in html
    assert 'name="contact_at" type="datetime-local" value' not in html
    assert 'name="_seen"' in html and "checked" not in html.split('name="_seen"', 1)[1].split("</fieldset>")[0]
    # Someone new is asked for a district once: the contact's.
    assert 'name="new_person.district" value="' in html and "<select" not in html.split(
        "new_person-display_name")[1].split("</fieldset>")[0]


def test_offline_a_fresh_form_starts_from_now_and_what_this_worker_used_last(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/contacts/new", f"/people/{dan}/contacts/new")
    page.context.set_offline(True)  # the phone has never shown either form

    # Someone just met: first in the list; the people filter as the worker types.
    page.goto("/contacts/new")
    defaults_ready(page)
    choices = page.locator("input[name=person_id]")
    expect(choices.first).to_have_value("new")
    page.fill("#person-filter", "green")
    expect(page.locator("[data-person-choice]:visible")).to_have_count(1)
    expect(page.locator("[data-person-choice]:visible")).to_contain_text("Woman in green coat")
    page.fill("#person-filter", "nobody of that name")
    expect(page.locator("[data-person-filter-empty]")).to_be_visible()

    # "When" is now where the programme works; the worker's last place is offered.
    assert minutes_between(page.input_value("#contact_at"), datetime.now(LONDON)) <= 2
    expect(page.locator("#recent-places option").first).to_have_attribute("value", "Church porch, March")
    # Someone new chosen: the people give way to the questions that follow, until searched for.
    page.fill("#person-filter", "")
    page.check("input[name=person_id][value=new]")
    expect(page.locator("[data-person-choice]:visible")).to_have_count(0)
    expect(page.locator("[data-person-filter-empty]")).to_be_hidden()
    page.fill("#person-filter", "dan")
    expect(page.locator("[data-person-choice]:visible")).to_have_count(1)
    page.fill("#person-filter", "")
    page.fill("[name='new_person.display_name']", "Test: man in a blue hat")
    page.fill("#place", "Test: Horsefair, Wisbech")
    page.select_option("#contact_type", "streetlink")
    page.select_option("#district", "Huntingdonshire")
    page.check("#seen-2")  # bedded down, not spoken to
    page.click("button:has-text('Save contact')")
    page.wait_for_url("**/caseload")

    # The next form: type and district as last used, the new place first; nothing pre-answered.
    page.goto("/contacts/new")
    defaults_ready(page)
    expect(page.locator("#contact_type")).to_have_value("streetlink")
    expect(page.locator("#district")).to_have_value("Huntingdonshire")
    expect(page.locator("#recent-places option").first).to_have_attribute("value", "Test: Horsefair, Wisbech")
    expect(page.locator("input[name=_seen]:checked")).to_have_count(0)
    # Picking a known person moves the district to theirs.
    page.check("input[name=person_id][value='%s']" % dan)
    expect(page.locator("#district")).to_have_value("Fenland")

    # Dan's own form: his district, the last type, nothing pre-answered, "when" now.
    page.goto(f"/people/{dan}/contacts/new")
    defaults_ready(page)
    expect(page.locator("#district")).to_have_value("Fenland")
    expect(page.locator("#contact_type")).to_have_value("streetlink")
    expect(page.locator("input[name=_seen]:checked")).to_have_count(0)
    assert minutes_between(page.input_value("#contact_at"), datetime.now(LONDON)) <= 2

    # Sent: someone new was registered in the contact's district, with the answers as tapped.
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]").first).to_contain_text("All sent", timeout=TIMEOUT)
    [row] = live_server.query(
        "SELECT c.district, c.bedded_down, c.spoken_to, c.contact_type, p.district AS person_district"
        " FROM contact c JOIN person p ON p.id = c.person_id WHERE c.place = 'Test: Horsefair, Wisbech'")
    assert row == {"district": "Huntingdonshire", "bedded_down": 1, "spoken_to": 0,
                   "contact_type": "streetlink", "person_district": "Huntingdonshire"}


def test_save_is_on_the_first_screen_with_the_questions_to_answer(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    page.goto(f"/people/{dan}/contacts/new")
    save = page.locator("button:has-text('Save contact')")
    for selector in ["#place", "#seen-4"]:  # what the worker must give, on the first screen
        box = page.locator(selector).bounding_box()
        assert box["y"] + box["height"] <= save.bounding_box()["y"], selector
    assert save.bounding_box()["y"] + save.bounding_box()["height"] <= 740
    # And still there at the foot of the form.
    page.locator("[data-more-details]").scroll_into_view_if_needed()
    box = save.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 740


def test_taps_to_record_a_contact(phone, live_server, figures):
    """Both paths, as a worker who has used the form before: the taps on the page are counted
    (typing the place, what happened and a new person's description is not) and printed."""
    dan = person_id(live_server, "Dan")
    context = phone()
    context.add_init_script(COUNT_TAPS)
    page = sign_in(context, "outreach")
    counted = {}

    # A known person, from the caseload: their row, "Record a contact", one answer, Save.
    reset_taps(page)
    page.locator("#caseload-list a:has-text('Dan')").tap()
    page.wait_for_url(f"**/people/{dan}")
    at_person_page = taps(page)
    page.locator("a:has-text('Record a contact with Dan')").tap()
    page.wait_for_url("**/contacts/new")
    page.fill("#place", "Test: taps, bus station, Wisbech")
    page.fill("#what_happened", "Test: awake, talked about the hostel")
    page.locator("label[for=seen]").tap()
    page.locator("button:has-text('Save contact')").tap()
    page.wait_for_url(f"**/people/{dan}")
    counted["known person from the caseload"] = taps(page)
    counted["known person from their page"] = taps(page) - at_person_page

    # Someone just met, from the caseload.
    page.goto("/caseload")
    reset_taps(page)
    page.locator("a.govuk-button:has-text('Record a contact')").tap()
    page.wait_for_url("**/contacts/new")
    page.locator("label[for=person_id]").tap()
    page.fill("[name='new_person.display_name']", "Test: woman with a bike")
    page.fill("#place", "Test: taps, Market Place, March")
    page.fill("#what_happened", "Test: asleep in the doorway")
    page.locator("label[for=seen-2]").tap()
    page.locator("button:has-text('Save contact')").tap()
    page.wait_for_url(lambda url: "/contacts/new" not in url)
    counted["someone just met from the caseload"] = taps(page)

    figures("taps to record a contact (plus typing the place and what happened): "
            + ", ".join(f"{path} {count}" for path, count in counted.items()))
    assert counted["known person from the caseload"] <= 4
    assert counted["known person from their page"] <= 3
    assert counted["someone just met from the caseload"] <= 6

    # Both were saved as tapped, "when" being now.
    expect(page.locator("[data-sync-status]").first).to_contain_text("All sent", timeout=TIMEOUT)
    rows = live_server.query("SELECT place, contact_at, bedded_down, spoken_to FROM contact"
                             " WHERE place LIKE 'Test: taps,%' ORDER BY place")
    assert [(r["place"], r["bedded_down"], r["spoken_to"]) for r in rows] == [
        ("Test: taps, Market Place, March", 1, 0), ("Test: taps, bus station, Wisbech", 1, 1)]
    assert all(minutes_between(r["contact_at"], datetime.now(LONDON)) <= 5 for r in rows)
