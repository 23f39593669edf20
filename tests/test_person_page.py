"""The person page answers the field's questions first (risks, last contact with its notes, what
is due, what waits on this phone), then the timeline, then the rest; every code shown is a label;
the header's count of what waits is a link to the outbox, with one verb, "Send now"."""

import re
from html.parser import HTMLParser

import pytest
from playwright.sync_api import expect

from fieldapp import config as default_config
from fieldapp.records import barrier, peer_session, person as person_record, risk_marker

from tests.helpers import uid


class VisibleText(HTMLParser):
    """The text a person reads on a page: not scripts, styles, <template> contents or attributes."""

    HIDDEN = ("script", "style", "template")

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        self.depth += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self.depth -= tag in self.HIDDEN

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def known_codes(app_config):
    """Every stored code of the choice lists pages show, that is not also an ordinary word: the
    codes with an underscore, and the peer session modes (`accompanying`, `face_to_face`, ...),
    lower case as stored (each label starts with a capital)."""
    pairs = [*app_config["CONTACT_TYPES"], *peer_session.MODES, *peer_session.purposes(app_config),
             *barrier.STATUSES, *barrier.KINDS, *risk_marker.KINDS,
             *(pair for pairs in person_record.choices(app_config).values() for pair in pairs)]
    return {value for value, label in pairs
            if value != label and ("_" in value or (value, label) in peer_session.MODES
                                   and value not in ("phone", "group"))}


def test_the_known_codes_include_those_the_field_saw():
    codes = known_codes(vars(default_config))
    assert {"emotional_support", "accompanying", "face_to_face", "street_outreach"} <= codes


@pytest.mark.parametrize("username", ["outreach", "peer", "navigator", "coordinator", "partner"])
def test_no_page_about_people_shows_a_raw_code(app, client, auth, demo_data, username):
    auth.login(username)
    codes = known_codes(app.config)
    pages = ["/caseload", "/coordination/", "/coordination/network", "/coordination/peer-hours",
             "/barriers", "/risk-markers/due", *(f"/people/{pid}" for pid in demo_data.values())]
    shown = 0
    for path in pages:
        answer = client.get(path)
        if answer.status_code != 200:  # not theirs to see
            continue
        shown += 1
        text = visible_text(answer.get_data(as_text=True))
        found = {code for code in codes if re.search(rf"\b{re.escape(code)}\b", text)}
        assert not found, f"{path} as {username} shows raw codes {sorted(found)}"
    assert shown >= 2


def test_a_peer_session_is_shown_with_its_labels(client, auth, demo_data):
    auth.login("peer")
    text = visible_text(client.get(f"/people/{demo_data['Dan']}").get_data(as_text=True))
    assert "Phone or video call" in text and "Emotional support" in text


def test_the_first_screen_comes_before_the_timeline_and_the_details(client, auth, demo_data):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Dan']}").get_data(as_text=True)
    at = {name: page.index(marker) for name, marker in {
        "name": "data-person-name", "waiting": "data-person-waiting", "last": 'id="last-contact-heading"',
        "due": 'id="due-heading"', "record": "Record a contact with Dan",
        "timeline": 'id="timeline-heading"', "assessments": 'id="assessments-heading"',
        "details": 'id="details-heading"', "consent": 'id="consent-heading"'}.items()}
    assert list(sorted(at, key=at.get)) == ["name", "waiting", "last", "due", "record", "timeline",
                                           "assessments", "details", "consent"]
    # The last contact is the newest, with its notes; what is due names each instrument in use.
    last = page[at["last"]:at["due"]]
    assert "Talked about getting his ID back." in last
    assert "NDT:" in page[at["due"]:at["record"]]


def test_someone_never_contacted_says_so_first(app, client, auth, demo_data, db):
    from fieldapp.records import make_engine
    from fieldapp import users
    from tests.helpers import mutation
    actor = users.User(users.get_user_by_username(db, "outreach"))
    record_id = uid()
    [result] = make_engine(db, app.config).push(actor, uid(), [mutation(
        "person", {"display_name": "Test: man by the river", "district": "Fenland"}, record_id=record_id)])
    assert result["status"] == "applied"
    auth.login("outreach")
    page = client.get(f"/people/{record_id}").get_data(as_text=True)
    last = page[page.index('id="last-contact-heading"'):page.index('id="timeline-heading"')]
    assert "No contacts yet." in last


def test_the_header_links_what_waits_to_the_outbox_and_says_send_now(client, auth, demo_data):
    auth.login("outreach")
    page = client.get("/caseload").get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/outbox"[^>]*data-sync-status', page)
    assert ">Send now</button>" in page
    assert "Sync now" not in visible_text(page) and "Sync now" not in page


# ---- on the phone (Chromium at 360x740) ------------------------------------------------------

def push_as(live_server, username, mutations):
    """Records made on another phone, through the sync engine, as `username`."""
    from fieldapp import users
    from fieldapp.db import open_db
    from fieldapp.records import make_engine
    db = open_db(live_server.database)
    try:
        actor = users.User(users.get_user_by_username(db, username))
        results = make_engine(db, live_server.app.config).push(actor, uid(), mutations)
    finally:
        db.close()
    assert {r["status"] for r in results} == {"applied"}, results


def test_the_last_contacts_notes_are_on_the_first_screen(phone, live_server, figures):
    from datetime import date, timedelta
    from tests.helpers import mutation
    from tests.test_offline import person_id, sign_in
    dan = person_id(live_server, "Dan")
    # Two risk markers first on the page, as a worst case the field meets.
    review = (date.today() + timedelta(days=30)).isoformat()
    push_as(live_server, "outreach", [
        mutation("risk_marker", {"person_id": dan, "kind": kind, "note": note, "review_on": review})
        for kind, note in (("dog", "Large dog, ask for it to be shut away"),
                           ("visit_in_pairs", "Only with a colleague after dark"))])
    page = sign_in(phone(), "outreach")
    page.goto(f"/people/{dan}")
    notes = page.locator("[data-last-contact] [data-last-contact-notes]").first
    assert notes.text_content() == "Talked about getting his ID back."
    box = notes.bounding_box()
    bottom = box["y"] + box["height"] + page.evaluate("window.scrollY")
    figures(f"Dan's last contact notes end {bottom:.0f} px down (the screen is 740)")
    assert bottom <= 740
    # The rest is still there, further down and one tap away.
    for part in ("Timeline", "Assessments", "Details", "Consent"):
        expect(page.locator("nav.app-person-nav").get_by_role("link", name=part)).to_be_visible()


def not_in_the_system_font(locator):
    """The texts under `locator` that the browser draws in another font than the app's system
    stack (a serif fallback where no GOV.UK class sets the font), once the page's style sheet is
    in (what is measured is what the style sheet gives, not how soon it arrives)."""
    import time
    deadline = time.monotonic() + 10
    while not locator.page.evaluate(
            "() => document.readyState === 'complete' && [...document.styleSheets].some("
            "(sheet) => (sheet.href || '').includes('/app.css') && sheet.cssRules.length)"):
        assert time.monotonic() < deadline, "the style sheet never loaded"
        locator.page.wait_for_timeout(50)
    # The outbox list is drawn again on every outbox event: an element found just before it was
    # replaced is no longer in the page (and has no style at all), so it is looked up again.
    while True:
        found = locator.evaluate("""root => !root.isConnected ? null : [root, ...root.querySelectorAll('*')]
            .filter((el) => el.tagName !== 'NOSCRIPT' && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
            .filter((el) => !getComputedStyle(el).fontFamily.startsWith('system-ui'))
            .map((el) => el.tagName + ': ' + el.textContent.trim().slice(0, 40))""")
        if found is not None:
            return found
        assert time.monotonic() < deadline, "the element never stayed in the page"
        locator.page.wait_for_timeout(50)


def test_what_waits_is_counted_shown_per_person_and_one_tap_away_offline(phone, live_server):
    from tests.test_offline import fill_contact, outbox_items, person_id, sign_in, wait_cached
    from tests.test_offline_pending import register_offline
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/caseload", "/outbox", "/contacts/new", f"/people/{dan}",
                f"/people/{dan}/contacts/new")
    page.context.set_offline(True)

    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, "Test: waiting, Horsefair, Wisbech")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    status = page.locator("[data-sync-status]")
    expect(status).to_have_text("Offline: 1 contact saved on this phone")
    # His page, first thing under his name, says what waits for him.
    waiting = page.locator("[data-person-waiting][data-person-id]")
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("1 contact saved on this phone")

    # Someone just met: a new person with their first contact, counted as a worker counts.
    pid = register_offline(page, "Test: man in a blue hat")
    expect(status).to_have_text("Offline: 2 contacts, 1 new person saved on this phone")
    page.goto("/caseload")
    row = page.locator("[data-caseload-row]", has=page.locator(f"a[href='/people/{dan}']"))
    expect(row.locator("[data-person-waiting]")).to_contain_text("1 contact saved on this phone")
    others = page.locator("[data-caseload-row]", has_not=page.locator(f"a[href='/people/{dan}']"))
    expect(others.locator("[data-person-waiting]:visible")).to_have_count(0)
    queued = page.locator("#caseload-list [data-outbox-person]")
    expect(queued.get_by_role("link", name="Test: man in a blue hat")).to_be_visible()
    expect(queued).to_contain_text("1 contact, 1 new person saved on this phone")
    assert not_in_the_system_font(queued) == []
    assert not_in_the_system_font(row) == []

    # The header's count is the way to the outbox; there the new person's record is tappable,
    # in the same font as every other text, and leads to their page on the phone.
    status.click()
    page.wait_for_url("**/outbox")
    expect(outbox_items(page)).to_have_count(3)
    person_item = outbox_items(page).filter(has_text="Test: man in a blue hat").first
    link = person_item.locator("a[href='/outbox?person=" + pid + "']").first
    assert not_in_the_system_font(person_item) == []
    link.click()
    expect(page.locator("h1")).to_have_text("Test: man in a blue hat")
    expect(page.locator("[data-pending-person]")).to_be_visible()
    assert not_in_the_system_font(page.locator("main")) == []

    # Signal: sent, and the counts say so everywhere.
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(status).to_have_text("All sent", timeout=20000)
    page.goto(f"/people/{dan}")
    expect(page.locator("[data-person-waiting][data-person-id]")).to_be_hidden()
