"""The field pages of issue 14 on a phone with no signal, in Debian's Chromium: the directory of
services searched on the phone and drawn from the phone's pulled records, a barrier and a
count-night tally logged offline that reach the server when the signal comes back, a barrier
listed at once as waiting to send, and a multi-agency meeting recorded offline (README: Barriers,
lessons, the directory of services and count nights; Multi-agency meetings)."""

import json
import time
from datetime import date

from playwright.sync_api import expect

from fieldapp import users
from fieldapp.db import open_db
from fieldapp.records import push_create
from tests.test_offline import TIMEOUT, sign_in
from tests.test_offline_forms import cached, wait_ready

SERVICES = [("Ely foodbank", "Food parcels on a voucher", ["East Cambridgeshire"]),
            ("Wisbech day centre", "Breakfast, showers and laundry", ["Fenland"]),
            ("CGL Fenland", "Drug and alcohol support", ["Fenland", "East Cambridgeshire"])]


def add_directory(live_server):
    db = open_db(live_server.database)
    coordinator = users.User(users.get_user_by_username(db, "coordinator"))
    for name, offers, districts in SERVICES:
        _id, result = push_create(db, live_server.app.config, coordinator, "directory_entry", {
            "name": name, "offers": offers, "districts": districts, "last_checked_on": "2026-11-01"})
        assert result["status"] == "applied"
    db.close()


def test_the_directory_is_searched_on_the_phone_with_no_signal(phone, live_server):
    add_directory(live_server)
    page = sign_in(phone(), "outreach")
    wait_ready(page)
    assert all(cached(page, ["/directory", "/barriers/new", "/tally/new"]))
    # The sync brought the directory's records to the phone too.
    held = page.evaluate("""async () => (await FieldappOutbox.records()).filter(
        (r) => r.type === 'directory_entry').map((r) => r.fields.name).sort()""")
    assert held == sorted(name for name, *_ in SERVICES)

    page.context.set_offline(True)
    page.goto("/directory")
    items = page.locator("[data-directory-list] [data-search]")
    expect(items).to_have_count(3)
    page.fill("#q", "fenland drug")
    expect(page.locator("[data-directory-list] [data-search]:visible")).to_have_count(1)
    expect(page.locator("[data-directory-list] [data-search]:visible")).to_contain_text("CGL Fenland")
    expect(page.locator("[data-directory-count]")).to_have_text("1 service")
    page.fill("#q", "dentist")
    expect(page.locator("[data-directory-none]")).to_be_visible()
    page.press("#q", "Enter")  # a search submitted offline stays on the page's own filter
    expect(page.locator("[data-directory-none]")).to_be_visible()


def test_a_barrier_and_a_tally_are_logged_offline_and_reach_the_server(phone, live_server):
    add_directory(live_server)
    page = sign_in(phone(), "outreach")
    wait_ready(page)
    page.context.set_offline(True)

    page.goto("/barriers/new")
    page.fill("#service", "Housing Options")
    page.select_option("#directory_entry_id", label="Wisbech day centre")
    page.check("input[name=kind][value=waiting_list]")
    page.fill("#what_happened", "Test: barrier offline")
    page.fill("#noticed_on", date.today().isoformat())
    page.select_option("#district", "Fenland")
    page.select_option("#person_id", label="Dan")
    page.click("button:has-text('Save barrier')")
    page.wait_for_url("**/barriers")

    page.goto("/tally/new")
    page.fill("#counted_on", date.today().isoformat())
    page.select_option("#district", "East Cambridgeshire")
    page.fill("#people_seen", "4")
    page.click("button:has-text('Save tally')")
    expect(page.locator("[data-sync-status]")).to_have_text("Offline: 1 barrier, 1 count night tally saved on this phone")
    assert not live_server.query("SELECT 1 FROM barrier")

    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=TIMEOUT)
    [barrier] = live_server.query("SELECT b.*, p.display_name FROM barrier b JOIN person p"
                                  " ON p.id = b.person_id")
    assert (barrier["status"], barrier["kind"], barrier["display_name"], barrier["area"]) == (
        "open", "waiting_list", "Dan", "Fenland and East Cambridgeshire")
    assert barrier["what_happened"] == "Test: barrier offline" and barrier["directory_entry_id"]
    [tally] = live_server.query("SELECT * FROM tally")
    assert (tally["district"], tally["people_seen"]) == ("East Cambridgeshire", 4)


def test_a_barrier_logged_offline_is_in_the_list_at_once_waiting_to_send(phone, live_server):
    page = sign_in(phone(), "outreach")
    wait_ready(page)
    assert all(cached(page, ["/barriers"]))  # kept on the phone though never opened
    page.context.set_offline(True)
    page.goto("/barriers/new")
    page.fill("#service", "Housing Options")
    page.check("input[name=kind][value=waiting_list]")
    page.fill("#what_happened", "Test: twelve weeks for an assessment")
    page.fill("#noticed_on", date.today().isoformat())
    page.select_option("#district", "Fenland")
    page.select_option("#person_id", label="Dan")
    page.click("button:has-text('Save barrier')")
    page.wait_for_url("**/barriers")
    waiting = page.locator("[data-barrier-list] [data-pending-barrier]")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Housing Options: Waiting list")
    expect(waiting).to_contain_text("Waiting to send")
    expect(waiting).to_contain_text(f"Fenland, {date.today().isoformat()} · about Dan")
    expect(waiting).to_contain_text("Test: twelve weeks for an assessment")
    expect(page.locator("[data-barriers-none]")).to_be_hidden()

    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=TIMEOUT)
    # Sent: the server's copy of the list takes its place, an open barrier like any other.
    expect(waiting).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator(".app-barrier")).to_contain_text(["Test: twelve weeks for an assessment"],
                                                         timeout=TIMEOUT)
    expect(page.locator(".app-barrier").first).to_contain_text("Open")


def test_the_directory_on_the_phone_is_the_phones_pulled_records(phone, live_server):
    add_directory(live_server)
    page = sign_in(phone(), "outreach")
    wait_ready(page)
    # A service added after the phone kept its copy of /directory; the next sync's pull brings it,
    # but the page's own refresh fails (the link drops after the sync answer).
    db = open_db(live_server.database)
    coordinator = users.User(users.get_user_by_username(db, "coordinator"))
    _id, result = push_create(db, live_server.app.config, coordinator, "directory_entry", {
        "name": "March night shelter", "offers": "Beds from 8pm, November to March",
        "districts": ["Fenland"], "phone": "01354 000009", "last_checked_on": "2026-11-20"})
    assert result["status"] == "applied"
    db.close()
    app = live_server.faults.app

    def directory_unreachable(environ, start_response):
        if environ.get("PATH_INFO") == "/directory":
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"unavailable"]
        return app(environ, start_response)

    live_server.faults.app = directory_unreachable
    refreshed = page.evaluate("() => FieldappOutbox.getMeta('pages_refreshed_at')")
    page.click("[data-action=sync-now]")
    deadline = time.monotonic() + TIMEOUT / 1000
    while page.evaluate("""async () => (await FieldappOutbox.records()).filter(
            (r) => r.type === 'directory_entry').length""") != 4:  # the pull has brought it
        assert time.monotonic() < deadline, "the new service never reached the phone"
        page.wait_for_timeout(100)
    while page.evaluate("() => FieldappOutbox.getMeta('pages_refreshed_at')") == refreshed:
        assert time.monotonic() < deadline, "the pages were never refreshed after the sync"
        page.wait_for_timeout(100)  # the refresh after that sync has run (and failed for /directory)
    copy = page.evaluate("""async () => (await (await caches.open('fieldapp-pages')).match(
        '/directory', {ignoreVary: true})).text()""")
    assert "March night shelter" not in copy  # the phone's copy of the page is the older one

    page.context.set_offline(True)
    page.goto("/directory")
    items = page.locator("[data-directory-list] [data-search]")
    expect(items).to_have_count(4)
    page.fill("#q", "shelter fenland")
    shown = page.locator("[data-directory-list] [data-search]:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text("March night shelter")
    expect(shown).to_contain_text("Beds from 8pm, November to March")
    expect(shown.locator("a[href='tel:01354000009']")).to_have_text("01354 000009")
    expect(shown).not_to_contain_text("Address")  # none recorded: the row is left out
    expect(page.locator("[data-directory-count]")).to_have_text("1 service")


def test_a_multi_agency_meeting_is_recorded_offline_and_counted_for_the_trusted_person(phone, live_server):
    page = sign_in(phone(), "navigator")  # Kerry's trusted person in the demo
    wait_ready(page)
    assert all(cached(page, ["/mdt/new"]))
    page.context.set_offline(True)
    page.goto("/mdt/new")
    page.select_option("#person_id", label="Kerry")
    page.fill("#held_on", date.today().isoformat())
    page.check("input[name=agencies][value=probation]")
    page.check("input[name=agencies][value=housing]")
    page.fill("#note", "Test: probation and housing agreed a plan")
    page.click("button:has-text('Save meeting')")
    page.wait_for_url("**/caseload")
    expect(page.locator("[data-sync-status]")).to_contain_text("Offline: 1 multi-agency meeting saved on this phone")
    assert not live_server.query("SELECT 1 FROM mdt_meeting")

    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=TIMEOUT)
    [meeting] = live_server.query("SELECT m.*, p.display_name FROM mdt_meeting m JOIN person p"
                                  " ON p.id = m.person_id")
    assert (meeting["display_name"], meeting["by_trusted_person"]) == ("Kerry", 1)
    assert sorted(json.loads(meeting["agencies"])) == ["housing", "probation"]
    assert meeting["held_on"] == date.today().isoformat()
