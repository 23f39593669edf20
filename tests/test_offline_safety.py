"""Lone working on a real phone (Chromium at 360 px, service worker on): a visit started with
signal, then "I need help" with and without signal, and what the screen says in each case. The
screen says the server has the call only when /api/sync answered it as stored."""

from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.test_offline import sign_in, wait_cached


def start_visit(page, live_server):
    page.goto("/safety")
    page.select_option("#district", "Fenland")
    page.fill("#place", "Test: the lay-by on the A47")
    page.fill("#expected_end", (datetime.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button:has-text('Start the visit')")
    page.wait_for_url("**/safety")
    expect(page.locator("h2:has-text('Your visit')")).to_be_visible()
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
