"""Every form a worker may need, for every person on their caseload, on a phone that has never
opened it: after the sign-in sync the phone holds them all, so each can be filled and saved with no
signal and reaches the server when the signal comes back. And the worker is told when the phone is
ready for that ("Ready for offline use: 4 people and their forms, refreshed 14:05"), counted from
what the phone holds."""

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, fill_contact, person_id, sign_in

INSTRUMENTS = Path(__file__).resolve().parent.parent / "fieldapp" / "instruments"
NDT = json.loads((INSTRUMENTS / "ndt-1.json").read_text())
STAR = json.loads((INSTRUMENTS / "homelessness-star-3.1.json").read_text())

# The forms about a person each role uses, by the path after /people/<id>/.
OUTREACH_FORMS = ["contacts/new", "edit", "consent/new", "assessments/new", "star/new"]
PEER_FORMS = [*OUTREACH_FORMS, "peer-sessions/new"]


def ready_cue(page):
    return page.locator("[data-offline-ready]")


def wait_ready(page):
    """Until the caseload says the phone is ready for offline use; the number of people it says."""
    expect(ready_cue(page)).to_contain_text("Ready for offline use", timeout=2 * TIMEOUT)
    return int(re.search(r"(\d+) (people|person)", ready_cue(page).text_content()).group(1))


def caseload_ids(page):
    hrefs = page.locator("#caseload-list a.app-caseload__name").evaluate_all(
        "(links) => links.map((a) => a.getAttribute('href'))")
    return [h.rsplit("/", 1)[1] for h in hrefs]


def cached(page, paths):
    """For each path, whether the phone can answer it offline: its own copy, or for a person's form
    the blank one where that is all the phone keeps for them (static/cached-pages.js)."""
    return page.evaluate(
        """async (paths) => {
            const cache = await caches.open('fieldapp-pages');
            return Promise.all(paths.map(async (p) => {
                if (await cache.match(p, {ignoreVary: true})) return true;
                const blank = await FieldappCachedPages.blankFormFor(p, true);
                return !!blank && !!(await cache.match(blank, {ignoreVary: true}));
            }));
        }""", paths)


def test_the_caseload_says_when_the_phone_is_ready_for_offline_use(phone, live_server):
    page = sign_in(phone(), "outreach")
    people = caseload_ids(page)
    assert len(people) >= 3
    shown = wait_ready(page)
    assert shown == len(people)
    expect(ready_cue(page)).to_contain_text(f"{shown} people and their forms, refreshed ")
    # What it says is what the phone holds: every person's page and every form, now.
    paths = [f"/people/{p}{suffix}" for p in people for suffix in ["", *[f"/{f}" for f in OUTREACH_FORMS]]]
    assert all(cached(page, paths))

    # A page the phone lost (storage pressure, say) is noticed, offline, where no sync can mend it.
    page.evaluate("""async (path) => (await caches.open('fieldapp-pages')).delete(path)""",
                  f"/people/{people[0]}")
    page.context.set_offline(True)
    page.reload()
    expect(ready_cue(page)).to_have_text(
        f"Not ready for offline use yet: {shown - 1} of {shown} people and their forms are on this phone")

    # With signal, the next sync fetches what is missing and the cue says ready again.
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(ready_cue(page)).to_contain_text(f"Ready for offline use: {shown} people", timeout=2 * TIMEOUT)


# ---- filling each form with no signal ---------------------------------------------------------

def save_edit(page, pid, stamp):
    page.goto(f"/people/{pid}/edit")
    expect(page.locator("main")).not_to_contain_text("not saved on this phone")
    page.fill("#description", f"Test: edited offline {stamp}")
    page.click("button:has-text('Save details')")
    page.wait_for_url(f"**/people/{pid}")


def save_contact(page, pid, stamp):
    page.goto(f"/people/{pid}/contacts/new")
    fill_contact(page, f"Test: contact offline {stamp}")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{pid}")


def save_ndt(page, pid, stamp):
    page.goto(f"/people/{pid}/assessments/new")
    for domain in NDT["domains"]:
        page.check(f'input[name="scores.{domain["key"]}"][value="1"]')
    page.click("button:has-text('Save NDT assessment')")
    page.wait_for_url(f"**/people/{pid}")


def save_star(page, pid, stamp):
    page.goto(f"/people/{pid}/star/new")
    for area in STAR["domains"]:
        page.select_option(f'select[name="scores.{area["key"]}"]', "3")
    page.click("button:has-text('Save final reading')")
    page.wait_for_url(f"**/people/{pid}")


def save_peer_session(page, pid, stamp):
    page.goto(f"/people/{pid}/peer-sessions/new")
    page.fill("#session_on", date.today().isoformat())
    page.fill("#duration_minutes", "40")
    page.locator("input[name=mode]").first.check()
    page.locator("input[name=purpose]").first.check()
    page.fill("#note", f"Test: peer session offline {stamp}")
    page.click("button:has-text('Save peer session')")
    page.wait_for_url(f"**/people/{pid}")


def save_consent(page, pid, stamp):
    page.goto(f"/people/{pid}/consent/new")
    page.check("input[name=recording][value=yes]")
    page.fill("#given_on", date.today().isoformat())
    page.fill("#note", f"Test: consent offline {stamp}")
    page.click("button:has-text('Save consent')")
    page.wait_for_url(f"**/people/{pid}")


def on_server(live_server, form, pid, stamp):
    """Whether what `form` saved for `pid` has reached the server."""
    q = live_server.query
    if form == "edit":
        return q("SELECT 1 FROM person WHERE id = ? AND description = ?", [pid, f"Test: edited offline {stamp}"])
    if form == "contacts/new":
        return q("SELECT 1 FROM contact WHERE person_id = ? AND place = ?", [pid, f"Test: contact offline {stamp}"])
    if form == "assessments/new":
        return q("SELECT 1 FROM assessment WHERE person_id = ? AND instrument = 'ndt' AND total = ?",
                 [pid, sum(d["weight"] for d in NDT["domains"])])
    if form == "star/new":
        return q("SELECT 1 FROM assessment WHERE person_id = ? AND instrument = 'homelessness-star'"
                 " AND status = 'final' AND scores = ?",
                 [pid, json.dumps({a["key"]: 3 for a in STAR["domains"]})])
    if form == "consent/new":
        return q("SELECT 1 FROM consent WHERE person_id = ? AND note = ?", [pid, f"Test: consent offline {stamp}"])
    return q("SELECT 1 FROM peer_session WHERE person_id = ? AND note = ?", [pid, f"Test: peer session offline {stamp}"])


# What the status line calls the record each form saves (templates/_outbox.html tpl-record-kinds).
RECORD_WORDS = {"edit": "change of details", "contacts/new": "contact", "assessments/new": "assessment",
                "star/new": "assessment", "peer-sessions/new": "peer session", "consent/new": "consent record"}
SAVE = {"edit": save_edit, "contacts/new": save_contact, "assessments/new": save_ndt,
        "star/new": save_star, "peer-sessions/new": save_peer_session, "consent/new": save_consent}


@pytest.mark.parametrize("username, person, forms", [
    ("outreach", "Woman in green coat", ["edit", "consent/new", "assessments/new", "star/new"]),
    ("navigator", "Kerry", ["contacts/new", "edit", "consent/new", "assessments/new", "star/new"]),
    ("peer", "Sam", ["peer-sessions/new"]),
    ("coordinator", "Kerry", ["edit", "contacts/new", "assessments/new", "star/new", "peer-sessions/new"]),
])
def test_every_form_works_offline_for_a_person_never_opened(phone, live_server, username, person, forms):
    pid = person_id(live_server, person)
    page = sign_in(phone(), username)
    assert pid in caseload_ids(page)
    wait_ready(page)  # the sign-in sync has stored every person's forms; none was ever opened

    page.context.set_offline(True)
    stamp = username
    for form in forms:
        SAVE[form](page, pid, stamp)
    # Counted as the worker counts them: each record by what it is (README: Outbox states).
    status = page.locator("[data-sync-status]")
    expect(status).to_contain_text("Offline: ")
    for word, n in Counter(RECORD_WORDS[form] for form in forms).items():
        expect(status).to_contain_text(f"{n} {word}{'s' if n > 1 else ''}")
    assert not any(on_server(live_server, form, pid, stamp) for form in forms)

    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=TIMEOUT)
    for form in forms:
        assert on_server(live_server, form, pid, stamp), f"{form} by {username} did not reach the server"


def test_a_phone_that_opens_a_person_straight_after_signing_in_still_gets_ready(phone, live_server):
    # The first page's refresh of the copies dies with it when the worker taps on at once; the
    # next page's sync, however soon, fetches what is missing.
    page = sign_in(phone(), "outreach")
    people = caseload_ids(page)
    page.goto(f"/people/{people[0]}")
    page.goto("/caseload")
    assert wait_ready(page) == len(people)


class PagesAsked:
    """WSGI middleware put in front of the app for one test: the path of every GET that reaches
    the server, the page's and the service worker's alike."""

    def __init__(self, app):
        self.app = app
        self.paths = []

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "GET":
            self.paths.append(environ["PATH_INFO"])
        return self.app(environ, start_response)


def test_a_form_the_phone_never_fetched_for_a_person_is_the_blank_one_made_theirs(phone, live_server):
    # Their details form and contact form show nothing of theirs but the person record: the phone
    # keeps one blank copy of each and writes the person in from the records the sync brought.
    lee = person_id(live_server, "Lee")
    asked = PagesAsked(live_server.faults.app)
    live_server.faults.app = asked
    page = sign_in(phone(), "outreach")
    wait_ready(page)
    assert "/people/on-phone/edit" in asked.paths and "/people/on-phone/contacts/new" in asked.paths
    assert f"/people/{lee}/edit" not in asked.paths
    assert f"/people/{lee}/contacts/new" not in asked.paths
    [held] = live_server.query("SELECT version, description, district FROM person WHERE id = ?", [lee])

    page.context.set_offline(True)
    page.goto(f"/people/{lee}/edit")
    expect(page.locator("body")).to_have_attribute("data-blank-form-for", lee)
    expect(page).to_have_title("Edit details of Lee – fieldapp")
    expect(page.locator(".govuk-back-link")).to_have_attribute("href", f"/people/{lee}")
    expect(page.locator("body")).not_to_contain_text("\u27e8name\u27e9")
    expect(page.locator("#description")).to_have_value(held["description"])
    edit = page.locator('form[data-mutation-type="person"]')
    assert edit.get_attribute("data-base-version") == str(held["version"])
    assert edit.get_attribute("data-record-id") == lee
    page.fill("#description", "Test: edited from the blank form")
    page.click("button:has-text('Save details')")
    page.wait_for_url(f"**/people/{lee}")
    # Only what the worker changed is sent: a field left empty (no ethnicity recorded) is no change.
    sent = page.evaluate("""async () => (await FieldappOutbox.list())
        .filter((i) => i.type === 'person').map((i) => Object.keys(i.fields))""")
    assert sent == [["description"]]

    page.goto(f"/people/{lee}/contacts/new")
    expect(page.locator("body")).to_have_attribute("data-blank-form-for", lee)
    expect(page.locator("main h1")).to_have_text("Record a contact with Lee")
    expect(page.locator("select[name=district]")).to_have_value(held["district"])
    fill_contact(page, "Test: contact from the blank form")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{lee}")

    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=TIMEOUT)
    [now] = live_server.query("SELECT version, description FROM person WHERE id = ?", [lee])
    assert now["description"] == "Test: edited from the blank form"
    assert now["version"] == held["version"] + 1  # applied on the version it named: no conflict
    assert live_server.query("SELECT district FROM contact WHERE person_id = ? AND place = ?",
                             [lee, "Test: contact from the blank form"]) == [{"district": held["district"]}]


def hold_store_on(page, path, name):
    """From the next time `page` opens `path`, keep a write open on the phone's IndexedDB store
    `name` from before the page's own scripts run, until `page.evaluate("window.releaseStore =
    true")`: a slow phone's read of that store, made certain, so that a test can act before what
    the page reads from it arrives."""
    page.add_init_script("""(() => {
        if (location.pathname !== %s) return;
        window.releaseStore = false;
        const open = indexedDB.open('fieldapp');
        open.onsuccess = () => {
            const store = open.result.transaction(%s, 'readwrite').objectStore(%s);
            const spin = () => { if (!window.releaseStore) store.count().onsuccess = spin; };
            spin();
        };
    })()""" % (json.dumps(path), json.dumps(name), json.dumps(name)))


def test_what_the_worker_changes_before_the_blank_form_is_filled_in_stays(phone, live_server):
    # The blank form is made theirs from IndexedDB a moment after it shows; a worker quick enough
    # to type or pick in that moment keeps what they put in.
    lee = person_id(live_server, "Lee")
    page = sign_in(phone(), "outreach")
    wait_ready(page)
    hold_store_on(page, f"/people/{lee}/edit", "outbox")  # the fill reads the edits not sent yet
    page.context.set_offline(True)
    page.goto(f"/people/{lee}/edit")
    page.fill("#description", "Test: typed before the fill")
    page.select_option("#gender", "non_binary")
    assert page.locator("body").get_attribute("data-blank-form-for") is None  # not filled in yet
    page.evaluate("window.releaseStore = true")
    expect(page.locator("body")).to_have_attribute("data-blank-form-for", lee)
    expect(page.locator("#description")).to_have_value("Test: typed before the fill")
    expect(page.locator("#gender")).to_have_value("non_binary")
    page.click("button:has-text('Save details')")
    page.wait_for_url(f"**/people/{lee}")
    sent = page.evaluate("""async () => (await FieldappOutbox.list())
        .filter((i) => i.type === 'person').map((i) => i.fields)""")
    assert sent == [{"description": "Test: typed before the fill", "gender": "non_binary"}]


def test_the_blank_consent_form_offers_to_withdraw_the_consent_the_phone_holds(phone, live_server):
    # Dan's current consent can be withdrawn offline from the blank consent form: the page puts
    # the withdrawal in, naming his consent record and its version, as his own copy would.
    dan = person_id(live_server, "Dan")
    [current] = live_server.query(
        "SELECT id, version FROM consent WHERE person_id = ? AND deleted = 0"
        " ORDER BY given_on DESC, created_at DESC, rowid DESC LIMIT 1", [dan])
    page = sign_in(phone(), "outreach")
    wait_ready(page)
    assert cached(page, [f"/people/{dan}/consent/new"]) == [True]
    assert page.evaluate("""async (p) => !(await (await caches.open('fieldapp-pages')).match(p))""",
                         f"/people/{dan}/consent/new")

    page.context.set_offline(True)
    page.goto(f"/people/{dan}/consent/new")
    expect(page.locator("body")).to_have_attribute("data-blank-form-for", dan)
    withdraw = page.locator('form[data-mutation-op="update"][data-mutation-type="consent"]')
    expect(withdraw).to_have_attribute("data-record-id", current["id"])
    expect(withdraw).to_have_attribute("data-base-version", str(current["version"]))
    expect(page.locator("main")).to_contain_text("When Dan withdraws consent")
    page.fill("#withdrawn_on", date.today().isoformat())
    page.click("button:has-text('Record withdrawal')")
    page.wait_for_url(f"**/people/{dan}")

    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=TIMEOUT)
    assert live_server.query("SELECT withdrawn_on FROM consent WHERE id = ?", [current["id"]]) == [
        {"withdrawn_on": date.today().isoformat()}]
