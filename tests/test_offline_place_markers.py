"""Risk markers on places on a real phone (Chromium at 360 px, service worker on): one added with
signal reaches the phone's copy, the contact form shows it offline when that place is chosen,
and it is retired offline and sent when signal returns."""

import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.test_offline import sign_in, wait_cached


def poll(page, check, what, timeout=20):
    """Until `check()` holds. A save goes back to the page it was made on (/places after /places),
    so the URL matches before that navigation has happened: a check it cuts short is asked again."""
    deadline = time.monotonic() + timeout

    def checked():
        try:
            return check()
        except PlaywrightError as error:
            if "Execution context was destroyed" not in str(error):
                raise
            return False

    while not checked():
        assert time.monotonic() < deadline, what
        page.wait_for_timeout(100)


def test_a_place_marker_shows_on_the_contact_form_offline_and_is_retired_offline(
        phone, live_server):
    page = sign_in(phone(), "outreach")
    # The phone keeps the places page and the lone-working pages from the first sync, unvisited.
    wait_cached(page, "/places", "/safety", "/safety/help/not-sent", "/safety/help/received")
    page.goto("/places")
    page.select_option("#district", "Fenland")
    page.fill("#place", "Underpass by the Tesco car park")
    page.check("#kind-6")  # Health risk (e.g. needles)
    page.fill("#note", "Needles by the bins")
    page.click("button:has-text('Save risk marker')")
    poll(page, lambda: live_server.query("SELECT place FROM place_marker") == [
        {"place": "Underpass by the Tesco car park"}], "the marker never reached the server")
    # The phone holds it (the flush's pull), and the pages it needs.
    poll(page, lambda: page.evaluate(
        "async () => (await FieldappOutbox.records()).some((r) => r.type === 'place_marker')"),
        "the marker never reached the phone's copy")
    page.goto("/places")
    expect(page.locator("main")).to_contain_text("Needles by the bins")
    page.goto("/contacts/new")
    wait_cached(page, "/places", "/contacts/new")

    page.context.set_offline(True)
    page.goto("/contacts/new")
    markers = page.locator("[data-place-markers]")
    page.select_option("#district", "Fenland")
    page.fill("#place", "tesco car park")
    expect(markers).to_be_visible()
    expect(markers).to_contain_text("Health risk")
    expect(markers).to_contain_text("Needles by the bins")
    page.fill("#place", "Market Place")
    expect(markers).to_be_hidden()
    page.select_option("#district", "East Cambridgeshire")
    page.fill("#place", "Underpass by the Tesco car park")
    expect(markers).to_be_hidden()  # another district's place of the same name

    page.goto("/places")
    page.click("summary:has-text('Review or retire')")
    page.fill("#retire-note-1", "Bins moved, area cleaned")
    page.click("button:has-text('Retire this marker')")
    page.wait_for_url("**/places")
    assert live_server.query("SELECT retired FROM place_marker") == [{"retired": 0}]
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    poll(page, lambda: live_server.query("SELECT retired FROM place_marker") == [{"retired": 1}],
         "the retirement never reached the server")


def test_a_place_marker_added_with_no_signal_shows_on_the_contact_form_before_it_is_sent(
        phone, live_server):
    # Marked at the underpass, then a contact there minutes later, all with no signal: the worker
    # is warned by what this phone itself holds, not only by what the server sent back.
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/places", "/contacts/new")
    page.context.set_offline(True)
    page.goto("/places")
    page.select_option("#district", "Fenland")
    page.fill("#place", "Underpass by the Tesco car park")
    page.check("#kind-6")  # Health risk (e.g. needles)
    page.fill("#note", "Needles by the bins")
    page.click("button:has-text('Save risk marker')")
    page.wait_for_url("**/places")
    poll(page, lambda: page.evaluate(
        "async () => (await FieldappOutbox.list()).some((i) => i.type === 'place_marker')"),
        "the marker was never saved on the phone")
    page.wait_for_load_state("load")
    page.goto("/contacts/new")
    page.select_option("#district", "Fenland")
    page.fill("#place", "tesco car park")
    markers = page.locator("[data-place-markers]")
    expect(markers).to_be_visible()
    expect(markers).to_contain_text("Needles by the bins")
