"""The two searches that ask the server as the worker types (static/page/partials.js): the caseload
search and "Already on the system?" for someone new; and, with the server gone while the phone
thinks it has signal, the caseload search answered from the phone's copy of the page. Debian's
Chromium against the real app."""

from playwright.sync_api import expect

from tests.test_offline import sign_in, wait_cached


def is_partial(url_part):
    return lambda r: url_part in r.url and r.request.headers.get("hx-request") == "true"


def test_the_caseload_search_asks_the_server_and_shows_its_list(phone, live_server):
    page = sign_in(phone(), "outreach")
    total = page.locator("[data-caseload-row]").count()
    assert total >= 3
    with page.expect_response(is_partial("/caseload?q=green")) as answer:
        page.fill("#caseload-search", "green")
    assert answer.value.ok
    # The server's list has only the one person (the page's own filter would hide the others).
    expect(page.locator("[data-caseload-row]")).to_have_count(1)
    expect(page.locator("#caseload-list")).to_contain_text("Woman in green coat")
    expect(page.locator("h1")).to_have_count(1)
    # Clearing the box asks again and brings everyone back.
    with page.expect_response(is_partial("/caseload?q=")):
        page.fill("#caseload-search", "")
    expect(page.locator("[data-caseload-row]")).to_have_count(total)
    expect(page.locator("[data-caseload-row]:visible")).to_have_count(total)


def test_typing_fast_asks_once_for_the_last_words(phone, live_server):
    page = sign_in(phone(), "outreach")
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/caseload?q=" in r.url else None)
    with page.expect_response(is_partial("/caseload?q=dan")):
        page.locator("#caseload-search").press_sequentially("dan", delay=30)
    page.wait_for_timeout(500)
    assert [url.split("?")[1] for url in asked] == ["q=dan"]
    expect(page.locator("[data-caseload-row]")).to_have_count(1)


def test_someone_new_with_a_known_name_is_matched_by_the_server(phone, live_server):
    page = sign_in(phone(), "outreach")
    page.goto("/contacts/new")
    page.check('input[name="person_id"][value="new"]')
    with page.expect_response(is_partial("/people/matches?new_person.display_name=Dan")):
        page.fill('input[name="new_person.display_name"]', "Dan")
    matches = page.locator("#new-person-matches")
    # "with a similar name" is the server's partial (coordination/_matches.html), not the offline list.
    expect(matches).to_contain_text("with a similar name")
    expect(matches.locator("a:has-text('Dan')")).to_be_visible()
    # The form around it is untouched: the answer went inside the box.
    expect(page.locator("#new-person-matches")).to_have_count(1)
    expect(page.locator("#new_person-display_name")).to_be_visible()


def test_with_the_server_gone_the_search_is_answered_from_the_phones_copy(phone, live_server):
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/caseload")
    total = page.locator("[data-caseload-row]").count()
    live_server.stop()  # the phone still believes it has signal: navigator.onLine stays true
    try:
        with page.expect_response(lambda r: "/caseload?q=green" in r.url) as answer:
            page.fill("#caseload-search", "green")
        assert answer.value.headers.get("x-fieldapp-offline-copy") == "1"
        # The worker answered with its copy of the whole page: only its list was put in place.
        expect(page.locator("[data-caseload-row]")).to_have_count(total)
        expect(page.locator("[data-caseload-row]:visible")).to_have_count(1)
        expect(page.locator("h1")).to_have_count(1)
        expect(page.locator("#caseload-list")).to_have_count(1)
    finally:
        live_server.start()
