"""The field pages of issue 14 on a phone with no signal, in Debian's Chromium: the directory of
services searched from the phone's copy, a barrier and a count-night tally logged offline that
reach the server when the signal comes back (README: Barriers, lessons, the directory of services
and count nights)."""

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
