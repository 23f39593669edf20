"""Lone working on a real phone (Chromium at 360 px, service worker on): a visit started with
signal, then "I need help" with and without signal, and what the screen says in each case. The
screen says the server has the call only when /api/sync answered it as stored. Also "I need
help" with no visit started, a visit started offline taking check-ins, and the phone's own
reminder before the deadline with its lock-screen check-in."""

import re
import time
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, sign_in, wait_cached
from tests.test_phone_lock import locked_phone


def start_visit(page, live_server):
    page.goto("/safety")
    page.select_option("#district", "Fenland")
    page.fill("#place", "Test: the lay-by on the A47")
    page.fill("#expected_end", (datetime.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button:has-text('Start the visit')")
    page.wait_for_url("**/safety")
    # The server's page of the visit (with its deadline), not the phone's "not on the server yet".
    expect(page.locator("[data-deadline]")).to_be_visible()
    [visit] = live_server.query("SELECT id FROM visit WHERE place = ?", ["Test: the lay-by on the A47"])
    return visit["id"]


def test_i_need_help_with_signal_says_the_server_has_it(phone, live_server):
    page = sign_in(phone(), "outreach")
    visit_id = start_visit(page, live_server)
    page.click("button:has-text('I need help')")
    page.wait_for_url("**/safety/help/received")
    expect(page.locator("h1")).to_contain_text("The server has your call for help")
    rows = live_server.query("SELECT reason, level FROM escalation WHERE visit_id = ?", [visit_id])
    assert rows == [{"reason": "help", "level": 2}]


def test_i_need_help_tapped_while_a_sync_is_under_way_still_says_the_server_has_it(phone, live_server):
    # A sync already on its way when the worker taps (the page's own, a timer's) answers first,
    # without the call for help: the screen waits for the one that takes it.
    page = sign_in(phone(), "outreach")
    start_visit(page, live_server)
    faults = live_server.faults
    faults.set("stall", count=1)
    page.click("[data-action=sync-now]")
    poll(page, lambda: faults.held == 1, "the sync was not held")
    page.click("button:has-text('I need help')")
    poll(page, lambda: page.evaluate(
        "async () => (await FieldappOutbox.list()).some((i) => i.type === 'check_in')"),
        "the call for help was not saved")
    faults.release()
    page.wait_for_url("**/safety/help/received")
    assert live_server.query("SELECT kind FROM check_in") == [{"kind": "help"}]


def test_i_need_help_with_no_signal_says_call_999_then_sends_when_signal_returns(
        phone, live_server):
    page = sign_in(phone(), "outreach")
    visit_id = start_visit(page, live_server)
    for path in ("/safety", "/safety/help/not-sent", "/safety/help/received"):
        page.goto(path)
    wait_cached(page, "/safety", "/safety/help/not-sent", "/safety/help/received")
    page.goto("/safety")
    page.context.set_offline(True)
    page.reload()
    page.click("button:has-text('I need help')")
    page.wait_for_url("**/safety/help/not-sent")
    expect(page.locator("h1")).to_contain_text("NOT reached the server")
    expect(page.locator("main")).to_contain_text("Call 999 now")
    assert live_server.query("SELECT * FROM escalation") == []
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    expect(page.locator("[data-sync-status]")).to_have_text("All sent", timeout=20000)
    rows = live_server.query("SELECT kind FROM check_in WHERE visit_id = ?", [visit_id])
    assert rows == [{"kind": "help"}]
    assert len(live_server.query("SELECT * FROM escalation WHERE reason = 'help'")) == 1


def poll(page, check, what, timeout=20):
    """Until `check()` is true (polled, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        page.wait_for_timeout(100)


def cache_safety_pages(page):
    for path in ("/safety", "/safety/help/not-sent", "/safety/help/received"):
        page.goto(path)
    wait_cached(page, "/safety", "/safety/help/not-sent", "/safety/help/received")


def test_i_need_help_with_no_visit_started_says_the_server_has_it(phone, live_server):
    page = sign_in(phone(), "outreach")
    page.goto("/safety")
    page.fill("#help-place", "Test: car park behind the leisure centre")
    page.click("[data-help-now] button:has-text('I need help')")
    page.wait_for_url("**/safety/help/received")
    expect(page.locator("h1")).to_contain_text("The server has your call for help")
    rows = live_server.query("SELECT e.reason, e.level, v.kind FROM escalation e JOIN visit v"
                             " ON v.id = e.visit_id")
    assert rows == [{"reason": "help", "level": 2, "kind": "help"}]


def test_i_need_help_with_no_visit_and_no_signal_says_call_999_then_sends(phone, live_server):
    page = sign_in(phone(), "outreach")
    cache_safety_pages(page)
    page.goto("/safety")
    page.context.set_offline(True)
    page.reload()
    page.click("[data-help-now] button:has-text('I need help')")
    page.wait_for_url("**/safety/help/not-sent")
    expect(page.locator("h1")).to_contain_text("NOT reached the server")
    expect(page.locator("main")).to_contain_text("Call 999 now")
    assert live_server.query("SELECT * FROM escalation") == []
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    poll(page, lambda: live_server.query("SELECT reason FROM escalation") == [{"reason": "help"}],
         "the call for help never reached the server")


def test_a_visit_started_offline_takes_check_ins_that_follow_it_to_the_server(phone, live_server):
    page = sign_in(phone(), "outreach")
    cache_safety_pages(page)
    page.goto("/safety")
    page.context.set_offline(True)
    page.reload()
    page.select_option("#district", "Fenland")
    page.fill("#place", "Test: the drove by the pumping station")
    page.fill("#expected_end", (datetime.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button:has-text('Start the visit')")
    page.wait_for_url("**/safety")
    queued = page.locator("[data-queued-visits] section")
    expect(queued).to_contain_text("Not on the server yet")
    expect(queued.locator("h2")).to_contain_text("Test: the drove by the pumping station")
    expect(page.locator("[data-help-now]")).to_be_hidden()
    queued.locator("[name=place]").fill("Test: back at the car")
    queued.locator("button:has-text(\"I'm safe\")").click()
    page.wait_for_url("**/safety")
    assert live_server.query("SELECT * FROM visit") == []
    page.context.set_offline(False)
    page.click("[data-action=sync-now]")
    poll(page, lambda: len(live_server.query("SELECT * FROM check_in")) == 1,
         "the check-in never reached the server")
    [visit] = live_server.query("SELECT id, place FROM visit")
    assert visit["place"] == "Test: the drove by the pumping station"
    [check_in] = live_server.query("SELECT visit_id, kind, place FROM check_in")
    assert check_in == {"visit_id": visit["id"], "kind": "safe", "place": "Test: back at the car"}


SW_NOTIFICATIONS = """async () => (await self.registration.getNotifications()).map(
    (n) => ({title: n.title, body: n.body, actions: n.actions.map((a) => a.action),
             data: n.data}))"""

# Clicking a notification's action as the lock screen would: the worker's own notificationclick
# handler, dispatched in the worker with the notification the page showed.
SW_CLICK = """async (action) => {
    const [notification] = await self.registration.getNotifications();
    self.dispatchEvent(new NotificationEvent('notificationclick', {notification, action}));
}"""


def test_the_phone_reminds_before_the_deadline_and_checks_in_from_the_notification(
        phone, live_server):
    context = phone()
    context.grant_permissions(["notifications"])
    page = sign_in(context, "outreach")
    page.goto("/safety")
    page.select_option("#district", "Fenland")
    page.fill("#place", "Test: the lay-by on the A47")
    # Due in under 10 minutes (CHECKIN_REMINDER_MINUTES): the reminder is due now.
    page.fill("#expected_end", (datetime.now() + timedelta(minutes=9)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button:has-text('Start the visit')")
    page.wait_for_url("**/safety")
    expect(page.locator("[data-deadline]")).to_be_visible()
    [worker] = context.service_workers
    poll(page, lambda: worker.evaluate(SW_NOTIFICATIONS), "no reminder was shown")
    [shown] = worker.evaluate(SW_NOTIFICATIONS)
    assert re.fullmatch(r"Your visit ends in \d+ minutes?", shown["body"]), shown
    assert "A47" not in str(shown) and "outreach" not in str(shown).lower()
    assert shown["actions"] == ["safe", "extend"]
    [visit] = live_server.query("SELECT id FROM visit")
    assert shown["data"]["visitId"] == visit["id"]

    # From the lock screen with no signal: queued, and sent once there is signal.
    context.set_offline(True)
    worker.evaluate(SW_CLICK, "safe")
    poll(page, lambda: page.evaluate(
        "async () => (await FieldappOutbox.list()).some((i) => i.type === 'check_in')"),
        "the check-in was not queued")
    assert live_server.query("SELECT * FROM check_in") == []
    context.set_offline(False)
    poll(page, lambda: live_server.query("SELECT kind FROM check_in") == [{"kind": "safe"}],
         "the check-in from the notification never reached the server")


# The phone's own reminder as the lone-working page shows it, for a visit.
SW_SHOW = """async (visitId) => {
    await self.registration.showNotification('fieldapp', {body: 'Your visit ends in 9 minutes',
        tag: 'checkin', data: {visitId}, actions: [{action: 'safe', title: "I'm safe"},
                                                   {action: 'extend', title: 'Extend 30 min'}]});
}"""


@pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=5)
def test_im_safe_from_the_notification_reaches_the_server_while_the_app_is_locked(phone, live_server):
    # Out on a visit the app locks (it was idle, or opened afresh); the worker taps "I'm safe" on
    # the lock screen's notification and must never need the PIN for it to count.
    context = phone()
    context.grant_permissions(["notifications"])
    page = locked_phone(lambda: context)
    visit_id = start_visit(page, live_server)
    reopened = context.new_page()
    reopened.set_default_timeout(TIMEOUT)
    page.close()
    reopened.goto("/caseload")
    expect(reopened.locator("h1:visible")).to_have_text("Enter your PIN")
    [worker] = context.service_workers
    worker.evaluate(SW_SHOW, visit_id)
    worker.evaluate(SW_CLICK, "safe")
    poll(reopened, lambda: live_server.query("SELECT kind FROM check_in") == [{"kind": "safe"}],
         "the check-in from a locked phone's notification never reached the server")
    expect(reopened.locator("h1:visible")).to_have_text("Enter your PIN")  # and it is still locked


def reopened_locked(context, page):
    """The app opened afresh (a new tab: it locks), the old tab closed: the lock screen."""
    reopened = context.new_page()
    reopened.set_default_timeout(TIMEOUT)
    page.close()
    reopened.goto("/caseload")
    expect(reopened.locator("h1:visible")).to_have_text("Enter your PIN")
    return reopened


@pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=5)
def test_i_need_help_on_the_lock_screen_reaches_the_server_with_no_pin(phone, live_server):
    context = phone()
    lock = reopened_locked(context, locked_phone(lambda: context))
    expect(lock.locator("[data-lock-help]")).to_be_visible()
    lock.click("button:has-text('I need help')")
    expect(lock.locator("[data-lock-help-said]")).to_contain_text("The server has your call for help")
    assert live_server.query("SELECT kind, place FROM visit") == [{"kind": "help", "place": None}]
    rows = live_server.query("SELECT reason, level FROM escalation")
    assert rows == [{"reason": "help", "level": 2}]
    expect(lock.locator("h1:visible")).to_have_text("Enter your PIN")  # and it is still locked
    assert "Dan" not in lock.locator("body").inner_text()


@pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=5)
def test_i_need_help_on_the_lock_screen_with_no_signal_says_call_999_and_goes_when_signal_returns(
        phone, live_server):
    # The lock screen sends it itself when signal returns (Safari has no Background Sync, and
    # nobody may unlock the phone for hours).
    context = phone()
    lock = reopened_locked(context, locked_phone(lambda: context))
    context.set_offline(True)
    lock.click("button:has-text('I need help')")
    said = lock.locator("[data-lock-help-said]")
    expect(said).to_contain_text("has NOT reached the server")
    expect(said).to_contain_text("Call 999 now")
    assert live_server.query("SELECT * FROM visit") == []
    context.set_offline(False)
    poll(lock, lambda: live_server.query("SELECT kind FROM visit") == [{"kind": "help"}],
         "the call for help from the lock screen never reached the server")
    assert len(live_server.query("SELECT * FROM escalation WHERE reason = 'help'")) == 1
