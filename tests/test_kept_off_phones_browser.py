"""Details kept off phones, in Debian's Chromium: whatever the phone keeps (every IndexedDB store,
every Cache Storage entry) never holds them, even after "Show" put them on screen, and an offline
edit of the person's other details leaves them on the server."""

import pytest
from playwright.sync_api import expect

from fieldapp import users
from fieldapp.db import open_db
from fieldapp.records import push_update
from tests.test_kept_off_phones import SECRETS
from tests.test_offline import TIMEOUT, person_id, sign_in, wait_cached
from tests.test_offline_casework import sync_now
from tests.test_phone_thief import READ_EVERYTHING


def set_secrets(live_server, person):
    db = open_db(live_server.database)
    try:
        actor = users.User(users.get_user_by_username(db, "coordinator"))
        assert push_update(db, live_server.app.config, actor, "person", person,
                           SECRETS)["status"] == "applied"
    finally:
        db.close()


# The PIN lock off: what the phone holds is then readable as it is, so the test sees the values are
# not there at all (with the lock on they would be sealed as well).
@pytest.mark.server_config(PHONE_LOCK=False)
def test_the_phone_keeps_nothing_of_them_even_after_show(phone, live_server):
    dan = person_id(live_server, "Dan")
    set_secrets(live_server, dan)
    page = sign_in(phone(), "outreach")
    page.goto(f"/people/{dan}")
    section = page.locator("[data-kept-off]")
    expect(section).to_contain_text("Not shown on phones")
    # On a busy machine the phone's copy may be on screen first (a slow link): Show on the
    # server's page, not on the copy it is about to replace.
    expect(page.locator("[data-notice=offline-copy]")).to_have_count(0)
    page.click("[data-action=show-kept-off]")
    # Fetched from the server (a busy one, when the suite runs on two workers): its own timeout.
    expect(page.locator("[data-kept-off-shown]")).to_contain_text(SECRETS["safety_plan"], timeout=TIMEOUT)
    page.goto(f"/people/{dan}/edit")
    wait_cached(page, "/caseload", f"/people/{dan}", f"/people/{dan}/edit")
    sync_now(page)  # and a sync's refresh of the pages
    held = page.evaluate(READ_EVERYTHING)
    everything = "\n".join(held)
    assert "fieldapp-pages" in everything and "Dan" in everything  # it does hold his page
    assert [value for value in SECRETS.values() if value in everything] == []
    # Offline, "Show" says it needs a signal and shows nothing.
    page.context.set_offline(True)
    page.goto(f"/people/{dan}")
    page.click("[data-action=show-kept-off]")
    expect(page.locator("[data-kept-off-message]")).to_have_text(
        "Needs a signal: these details are shown online only.")
    expect(page.locator("[data-kept-off-shown]")).to_have_count(0)


def test_an_offline_edit_of_other_details_leaves_them_on_the_server(phone, live_server):
    dan = person_id(live_server, "Dan")
    set_secrets(live_server, dan)
    page = sign_in(phone(), "outreach")
    page.goto(f"/people/{dan}")
    page.goto(f"/people/{dan}/edit")
    wait_cached(page, f"/people/{dan}/edit", f"/people/{dan}")
    page.context.set_offline(True)
    page.goto(f"/people/{dan}/edit")
    assert page.locator("#safety_plan, #current_address").count() == 0
    page.fill("#description", "Moved to the tent by the river")
    page.click("button:has-text('Save details')")
    page.wait_for_url(f"**/people/{dan}")
    page.context.set_offline(False)
    sync_now(page)
    [row] = live_server.query("SELECT * FROM person WHERE id = ?", [dan])
    assert row["description"] == "Moved to the tent by the river"
    assert {name: row[name] for name in SECRETS} == SECRETS
