"""WCAG 2.2 AA: axe-core (from npm, pinned) finds nothing on any page a worker or admin uses,
rendered at phone size in Debian's Chromium, in the light theme and the dark one (the phone's
`prefers-color-scheme`), with axe's `region` rule too (all content inside landmarks: the back
links sit in a nav)."""

import json
from pathlib import Path

import pytest

# Every page as the server renders it, with the service worker blocked; the PIN lock keeps the
# unlocked key in the worker between pages, so without one each page would be the lock screen.
pytestmark = pytest.mark.server_config(PHONE_LOCK=False)
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _violations(page):
    """axe's findings on the page as it is, in the light theme and then the dark one (the phone's
    `prefers-color-scheme` switched on the page itself, which restyles it at once: one load of
    each page for both), each finding named with its theme."""
    # The app's CSP allows only its own scripts: the test context bypasses CSP to inject axe.
    page.add_script_tag(path=str(AXE))
    found = []
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        result = page.evaluate("""async tags => [
            await axe.run(document, {runOnly: {type: 'tag', values: tags}}),
            await axe.run(document, {runOnly: {type: 'rule', values: ['region']}})]""", TAGS)
        found += [{"theme": theme, "id": v["id"], "help": v["help"],
                   "nodes": [n["target"] for n in v["nodes"]][:5]}
                  for run in result for v in run["violations"]]
    page.emulate_media(color_scheme="light")
    return found


@pytest.fixture
def page_for(browser, live_server):
    """A phone-sized page, logged in as `username` (or anonymous), service worker blocked so that
    every page comes from the server (`_violations` looks at it in both themes)."""
    contexts = []

    def make(username=None):
        context = browser.new_context(base_url=live_server.url, bypass_csp=True,
                                      viewport={"width": 360, "height": 740},
                                      color_scheme="light", service_workers="block")
        contexts.append(context)
        page = context.new_page()
        if username:
            page.goto("/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "demo")
            page.click("form[data-login] button[type=submit]")
            page.wait_for_url(lambda url: "/login" not in url)
        return page

    yield make
    for context in contexts:
        context.close()


def test_the_check_sees_each_theme_on_the_page_itself(page_for):
    """The harness: a page whose dark theme alone fails contrast is caught in dark only, so one
    load of each page checks both themes."""
    page = page_for()
    page.goto("/login")
    page.add_style_tag(content="@media (prefers-color-scheme: dark) {"
                               " .govuk-label, .govuk-body { color: #222 !important; } }")
    found = {(v["theme"], v["id"]) for v in _violations(page)}
    assert ("dark", "color-contrast") in found and ("light", "color-contrast") not in found


def _person_id(live_server, name):
    return live_server.query("SELECT id FROM person WHERE display_name = ?", [name])[0]["id"]


def _check(page, paths):
    found = {}
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("load")
        violations = _violations(page)
        # WCAG 1.4.10 reflow: nothing makes the page wider than the 360 px phone.
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 360:
            violations.append({"id": "reflow", "help": f"the page is {width} px wide at 360 px"})
        if violations:
            found[path] = violations
    assert not found, json.dumps(found, indent=1)


def test_login_page_has_no_violations(page_for):
    _check(page_for(), ["/login"])


def test_caseworker_pages_have_no_violations(page_for, live_server):
    dan = _person_id(live_server, "Dan")
    _check(page_for("outreach"), [
        "/caseload", f"/people/{dan}", f"/people/{dan}/contacts/new", "/contacts/new",
        f"/people/{dan}/edit", "/outbox",
        f"/people/{dan}/assessments/new?instrument=ndt-1",
        f"/people/{dan}/star/new?instrument=homelessness-star-3.1",
        "/account/", "/account/password", "/account/sessions"])


def test_peer_mentor_pages_have_no_violations(page_for, live_server):
    dan = _person_id(live_server, "Dan")
    _check(page_for("peer"), [f"/people/{dan}/peer-sessions/new", "/peer/hours"])


def test_coordinator_pages_have_no_violations(page_for, live_server):
    dan, sam = _person_id(live_server, "Dan"), _person_id(live_server, "Sam")
    _check(page_for("coordinator"), [
        "/caseload", f"/people/{dan}", "/coordination/", "/coordination/network",
        "/coordination/peer-hours", f"/coordination/people/{dan}/assign",
        f"/coordination/people/{dan}/share", "/coordination/merge",
        f"/coordination/merge?keep={dan}&merge={sam}", f"/people/{dan}/consent/new"])


def test_a_lost_phones_hand_over_pages_have_no_violations(page_for, live_server):
    """The coordinator's list of records handed over by a lost phone (one waiting), its error when
    a discard has no reason, and the page a wiped phone ends on."""
    import uuid

    from fieldapp import devices, users
    from fieldapp.db import open_db
    from fieldapp.rules import handover

    db = open_db(live_server.database)
    device = str(uuid.uuid4())
    devices.start_session(db, users.get_user_by_username(db, "outreach")["id"], device)
    devices.revoke_device(db, device)
    contact = {"id": str(uuid.uuid4()), "type": "contact", "op": "create", "record_id": str(uuid.uuid4()),
               "recorded_at": "2026-12-01T09:00:00Z",
               "fields": {"person_id": _person_id(live_server, "Dan"), "place": "Bus station, Wisbech"}}
    handover.receive(db, live_server.app.config, live_server.app.instance_path, device,
                     [{"id": contact["id"], "mutation": contact, "sealed": None}])
    db.close()
    page = page_for("coordinator")
    _check(page, ["/coordination/", "/coordination/handed-over"])
    page.click("button:has-text('Discard')")
    assert page.locator(".govuk-error-summary").count() == 1
    found = _violations(page)
    assert not found, json.dumps(found, indent=1)
    _check(page_for(), ["/wiped"])


def test_partner_agency_pages_have_no_violations(page_for, live_server):
    _check(page_for("partner"), ["/caseload"])


def test_admin_pages_have_no_violations(page_for):
    _check(page_for("admin"), ["/admin/", "/admin/users/new", "/admin/users/1", "/admin/instruments",
                               "/admin/audit", "/account/", "/account/password",
                               "/account/sessions"])


def test_the_page_after_an_administrators_reset_has_no_violations(page_for, live_server):
    """The one-time password's sign-in: the change page with its notice of the reset."""
    from fieldapp import users
    from fieldapp.db import open_db

    db = open_db(live_server.database)
    users.set_password(db, users.get_user_by_username(db, "outreach")["id"], "demo", one_time=True)
    db.close()
    page = page_for("outreach")
    assert "/account/password" in page.url
    _check(page, ["/account/password"])


def test_the_pages_of_someone_registered_on_the_phone_have_no_violations(page_for, live_server):
    """Their page and the blank forms filled in for them, while the server has not got them yet
    (every sync dropped before it reaches the app, as with no signal)."""
    page = page_for("outreach")
    live_server.faults.set("drop-before")
    page.goto("/contacts/new")
    page.check("input[name=person_id][value=new]")
    page.fill("[name='new_person.display_name']", "Man with red rucksack")
    page.fill("#contact_at", "2026-01-01T10:00")
    page.fill("#place", "Railway station, March")
    page.check("#seen")
    page.click("button:has-text('Save contact')")
    page.wait_for_url("**/caseload")
    href = page.locator("#caseload-list [data-outbox-person] a").first.get_attribute("href")
    pid = href.split("person=")[1]
    _check(page, [href] + [f"/people/on-phone/{form}?person={pid}"
                           for form in ["edit", "consent/new", "assessments/new", "star/new"]])


def test_measures_barriers_directory_and_count_night_pages_have_no_violations(page_for, live_server):
    """Issue 14's pages, with the demo's programme over time loaded, so that every chart, table
    and flag is drawn."""
    from datetime import date

    from fieldapp import demo, demo_programme, users
    from fieldapp.db import open_db

    db = open_db(live_server.database)
    actors = {name: users.User(users.get_user_by_username(db, name))
              for name in ("coordinator", "outreach", "navigator")}
    demo_programme.load(db, live_server.app.config, actors, date.today(), demo.NDT_KEYS,
                        demo.STAR_KEYS)
    db.close()
    barrier = live_server.query("SELECT id FROM barrier ORDER BY noticed_on LIMIT 1")[0]["id"]
    entry = live_server.query("SELECT id FROM directory_entry LIMIT 1")[0]["id"]
    _check(page_for("coordinator"), [
        "/measures", "/measures?from=2025-01-01&to=2026-12-31", "/measures?from=nonsense",
        "/measures/returns", "/barriers", "/barriers/new", f"/forum/barriers/{barrier}",
        "/forum/lessons", "/forum/lessons/new", "/directory", "/services/", "/services/new",
        f"/services/{entry}/edit", "/tally/new", "/mdt/new"])
    _check(page_for("manager"), ["/measures", "/measures/returns"])
    _check(page_for("outreach"), ["/barriers", "/barriers/new", "/directory", "/tally/new", "/mdt/new"])


def test_lone_working_pages_have_no_violations(page_for, live_server):
    """The worker's visit with its check-ins, the two "I need help" answers, and the coordinator's
    escalations (one open) and on-call rota (one row)."""
    from datetime import datetime, timedelta, timezone

    from fieldapp import users
    from fieldapp.db import open_db
    from fieldapp.records import make_engine
    from fieldapp.rules import lone_working
    from tests.helpers import mutation

    db = open_db(live_server.database)
    try:
        worker = users.User(users.get_user_by_username(db, "outreach"))
        end = datetime.now(timezone.utc) + timedelta(minutes=30)
        visit = mutation("visit", {"district": "Fenland", "place": "The old pumping station",
                                   "expected_end": end.strftime("%Y-%m-%dT%H:%M:%SZ")})
        check = mutation("check_in", {"visit_id": visit["record_id"], "kind": "safe"})
        make_engine(db, live_server.app.config).push(worker, "a11y-device", [visit, check])
        # "I need help" with no visit started, no place given: on the escalations page too.
        peer = users.User(users.get_user_by_username(db, "peer"))
        make_engine(db, live_server.app.config).push(peer, "a11y-device-2", [
            mutation("visit", {"kind": "help"})])
        lone_working.run_escalations(db, live_server.app.config, now=end + timedelta(hours=1))
        coordinator = users.get_user_by_username(db, "coordinator")
        now = datetime.now(timezone.utc)
        db["on_call"].insert({"user_id": coordinator["id"], "area": coordinator["area"],
                              "starts_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                              "ends_at": (now + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    finally:
        db.close()
    _check(page_for("outreach"), ["/safety", "/safety/help/received", "/safety/help/not-sent"])
    _check(page_for("outreach2"), ["/safety"])  # no visit: "I need help" first
    _check(page_for("coordinator"), ["/on-call/escalations", "/on-call/rota"])


def test_the_places_page_has_no_violations(page_for, live_server):
    """Risks at places, with one marker (its review and retire forms) and the add form."""
    from datetime import date, timedelta

    from fieldapp import users
    from fieldapp.db import open_db
    from fieldapp.records import make_engine
    from tests.helpers import mutation

    db = open_db(live_server.database)
    try:
        worker = users.User(users.get_user_by_username(db, "outreach"))
        make_engine(db, live_server.app.config).push(worker, "a11y-device", [mutation(
            "place_marker", {"district": "Fenland", "place": "Underpass by the station",
                             "kind": "dog", "review_on": (date.today() + timedelta(days=9)).isoformat()})])
    finally:
        db.close()
    _check(page_for("outreach"), ["/places"])


def test_risk_marker_pages_have_no_violations(page_for, live_server):
    """A person with a marker (one past review): the person page, caseload and contact form show
    it first; the add, review and coordinator's review pages."""
    from datetime import date, timedelta

    from fieldapp import users
    from fieldapp.db import open_db
    from fieldapp.records import make_engine
    from tests.helpers import mutation

    dan = _person_id(live_server, "Dan")
    db = open_db(live_server.database)
    try:
        worker = users.User(users.get_user_by_username(db, "outreach"))
        marker = mutation("risk_marker", {"person_id": dan, "kind": "dog", "note": "Large dog",
                                          "review_on": date.today().isoformat()})
        make_engine(db, live_server.app.config).push(worker, "a11y-device", [marker])
        db.execute("UPDATE risk_marker SET review_on = ?", [(date.today() - timedelta(days=1)).isoformat()])
        db.conn.commit()
    finally:
        db.close()
    _check(page_for("outreach"), [
        f"/people/{dan}", "/caseload", f"/people/{dan}/contacts/new", f"/people/{dan}/risk-markers/new",
        f"/people/{dan}/risk-markers/{marker['record_id']}/review"])
    _check(page_for("coordinator"), ["/risk-markers/due"])


def test_safeguarding_pages_have_no_violations(page_for, live_server):
    """The concern form, the person page listing a concern, and /safeguarding for the lead (with a
    decision form) and a coordinator (read-only)."""
    from fieldapp import users
    from fieldapp.db import open_db
    from fieldapp.records import make_engine
    from fieldapp.rules import safeguarding
    from tests.helpers import mutation

    dan = _person_id(live_server, "Dan")
    db = open_db(live_server.database)
    try:
        worker = users.User(users.get_user_by_username(db, "outreach"))
        concern = mutation("safeguarding_concern", {"person_id": dan, "about": "adult_at_risk",
                                                    "what": "Said he is scared", "immediate_risk": True})
        make_engine(db, live_server.app.config).push(worker, "a11y-device", [concern])
        safeguarding.set_lead(db, users.get_user_by_username(db, "navigator")["id"])
    finally:
        db.close()
    _check(page_for("outreach"), [f"/people/{dan}/safeguarding/new", f"/people/{dan}"])
    _check(page_for("navigator"), ["/safeguarding"])
    _check(page_for("coordinator"), ["/safeguarding"])


@pytest.mark.server_config(PHONE_LOCK=True)
def test_the_lock_screen_has_no_violations(page_for):
    """The lock screen (templates/shell/lock.html) in each of its states a worker meets: choosing
    a PIN (and its error), entering it (and a wrong one), "I need help" answered, and signing in
    on a shared phone (and a username it does not know)."""
    page = page_for("outreach")
    page.wait_for_url("**/lock?**")
    found = {}

    def check(state):
        violations = _violations(page)
        if page.evaluate("() => document.documentElement.scrollWidth") > 360:
            violations.append({"id": "reflow", "help": "wider than the 360 px phone"})
        if violations:
            found[state] = violations

    page.locator("#new-pin").wait_for()
    check("choose")
    page.fill("#new-pin", "482915")
    page.fill("#repeat-pin", "482916")
    page.click("button:has-text('Save PIN')")
    page.locator("[data-lock-message]:has-text('not the same')").wait_for()
    check("choose, the PINs differ")
    page.fill("#repeat-pin", "482915")
    page.click("button:has-text('Save PIN')")
    page.wait_for_url("**/caseload")
    page = page.context.new_page()  # the app opened afresh: locked
    page.goto("/caseload")
    page.locator("#pin").wait_for()
    check("unlock")
    page.fill("#pin", "000000")
    page.click("button:has-text('Unlock')")
    page.locator("[data-lock-message]:has-text('Wrong PIN')").wait_for()
    check("unlock, a wrong PIN")
    page.click("button:has-text('I need help')")
    page.locator("[data-lock-help-said]:has-text('call for help')").wait_for()
    check("I need help, answered")
    page.click("text=Not you? Sign in as another worker")
    page.locator("#phone-username").wait_for()
    check("sign in on this phone")
    page.fill("#phone-username", "someone-else")
    page.fill("#phone-pin", "482915")
    page.click("button:has-text('Sign in')")
    page.locator("[data-lock-message]:has-text('no PIN for that username')").wait_for()
    check("sign in on this phone, an unknown username")
    assert not found, json.dumps(found, indent=1)
