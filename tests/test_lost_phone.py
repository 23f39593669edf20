"""A lost phone, in Debian's Chromium: revoked while it is out of signal with records unsent, it
hands them over when the signal comes back, then wipes itself; the coordinator accepts one and
discards the other (fieldapp/rules/handover.py, static/handover.js)."""

import pytest
from playwright.sync_api import expect

from fieldapp import devices
from fieldapp.db import open_db
from tests.test_offline import TIMEOUT, fill_contact, person_id, sign_in, wait_cached

KEPT = "Test: lost phone, church porch, March"
DROPPED = "Test: lost phone, car park, Ely"

# Everything of this origin the phone still holds, read directly from the browser.
WHAT_IS_LEFT = """async () => ({
    databases: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
    workers: (await navigator.serviceWorker.getRegistrations()).length,
    local: localStorage.length,
})"""


def save_contact(page, dan, place):
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, place)
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")


def contacts_at(live_server, place):
    return live_server.query("SELECT COUNT(*) AS n FROM contact WHERE place = ?", [place])[0]["n"]


# A deployment with the PIN lock off: its records go over plain, kept as not verified (the lock's
# case, sealed and signed, is the next test).
@pytest.mark.server_config(PHONE_LOCK=False)
def test_a_lost_phone_hands_over_its_records_then_keeps_nothing(phone, live_server):
    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    device_id = page.evaluate("document.body.dataset.deviceId")
    wait_cached(page, f"/people/{dan}/contacts/new", f"/people/{dan}")

    # Out of signal, two contacts saved; meanwhile the phone is reported lost.
    context.set_offline(True)
    save_contact(page, dan, KEPT)
    save_contact(page, dan, DROPPED)
    db = open_db(live_server.database)
    devices.revoke_device(db, device_id)
    db.close()

    # Signal again: the phone is told it is revoked, hands its records over, wipes, says so.
    context.set_offline(False)
    page.wait_for_url("**/wiped", timeout=TIMEOUT)
    expect(page.locator("[data-wiped]")).to_have_text(
        "This phone has been signed out of fieldapp. Nothing of fieldapp's is kept on it.")
    expect(page.locator("body")).not_to_contain_text("Dan")
    held = live_server.query("SELECT device_id, type, verified, decision FROM handed_over"
                             " WHERE type = 'contact' ORDER BY recorded_at")
    assert held == [{"device_id": device_id, "type": "contact", "verified": 0, "decision": None}] * 2
    assert contacts_at(live_server, KEPT) == 0 and contacts_at(live_server, DROPPED) == 0
    assert page.evaluate(WHAT_IS_LEFT) == {"databases": [], "caches": [], "workers": 0, "local": 0}

    # The coordinator accepts the first and discards the second.
    coordinator = sign_in(phone(), "coordinator")
    coordinator.goto("/coordination/")
    coordinator.click("a:has-text('Records handed over by a lost phone')")
    items = coordinator.locator("[data-handed-over]")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("A contact about Dan")
    expect(items.first).to_contain_text("Not verified")
    items.first.locator("button:has-text('Accept')").click()
    expect(coordinator.locator(".govuk-notification-banner")).to_contain_text("Accepted")
    expect(items).to_have_count(1)
    items.first.locator("input[name=reason]").fill("Olu says this one was entered twice")
    items.first.locator("button:has-text('Discard')").click()
    expect(coordinator.locator(".govuk-notification-banner")).to_contain_text("Discarded")
    expect(coordinator.locator("main")).to_contain_text("None waiting")

    assert contacts_at(live_server, KEPT) == 1 and contacts_at(live_server, DROPPED) == 0
    coordinator.goto(f"/people/{dan}")
    timeline = coordinator.locator(".app-timeline__item")
    expect(timeline.filter(has_text=KEPT)).to_have_count(1)
    expect(timeline.filter(has_text=KEPT)).to_contain_text("Recorded by Olu Adeyemi")
    expect(coordinator.locator("main")).not_to_contain_text(DROPPED)
    events = live_server.query("SELECT action, detail FROM audit_event WHERE action LIKE 'handover_%' ORDER BY id")
    assert [e["action"] for e in events] == ["handover_accepted", "handover_discarded"]
    assert "entered twice" in events[1]["detail"]


@pytest.mark.server_config(PHONE_LOCK=True)
def test_a_lost_phone_with_the_pin_lock_hands_over_sealed_and_signed(phone, live_server):
    from tests.test_phone_lock import locked_phone

    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)  # signed in, PIN chosen: its signing key registered with the server
    device_id = page.evaluate("document.body.dataset.deviceId")
    wait_cached(page, f"/people/{dan}/contacts/new", f"/people/{dan}")
    assert live_server.query("SELECT signing_key IS NOT NULL AS k FROM device WHERE id = ?", [device_id]) == [{"k": 1}]
    page.context.set_offline(True)
    save_contact(page, dan, KEPT)
    db = open_db(live_server.database)
    devices.revoke_device(db, device_id)
    db.close()

    page.context.set_offline(False)
    page.wait_for_url("**/wiped", timeout=TIMEOUT)
    held = live_server.query("SELECT type, verified FROM handed_over WHERE type = 'contact'")
    assert held == [{"type": "contact", "verified": 1}]  # opened with the server's key, its signature the phone's
    assert contacts_at(live_server, KEPT) == 0
    assert page.evaluate(WHAT_IS_LEFT) == {"databases": [], "caches": [], "workers": 0, "local": 0}


@pytest.mark.server_config(PHONE_LOCK=True)
def test_a_locked_lost_phone_hands_over_what_it_can_and_wipes(phone, live_server):
    from tests.test_phone_lock import locked_phone

    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)
    device_id = page.evaluate("document.body.dataset.deviceId")
    wait_cached(page, f"/people/{dan}/contacts/new", f"/people/{dan}")
    page.context.set_offline(True)
    save_contact(page, dan, KEPT)
    [item] = page.evaluate("""async () => (await idb.openDB('fieldapp')).getAll('outbox')
        .then((items) => items.filter((i) => i.type === 'contact').map((i) => ({id: i.id, envelope: !!i.envelope})))""")
    page.evaluate("FieldappVault.lock()")  # as the idle time would, in every context
    page.goto("/caseload")
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
    db = open_db(live_server.database)
    devices.revoke_device(db, device_id)
    db.close()

    # Locked, with no PIN entered: the phone still learns it was revoked, hands over, wipes.
    page.context.set_offline(False)
    page.wait_for_url("**/wiped", timeout=TIMEOUT)
    assert page.evaluate(WHAT_IS_LEFT) == {"databases": [], "caches": [], "workers": 0, "local": 0}
    if item["envelope"]:
        # Sealed for the server when it was saved: it goes as it is, no key needed.
        held = live_server.query("SELECT verified FROM handed_over WHERE mutation_id = ?", [item["id"]])
        assert held == [{"verified": 1}]
    else:
        # Saved before the phone sealed at save time: unreadable without the PIN, so named as lost
        # for the worker and the coordinator to see (no contents travel).
        lost = live_server.query("SELECT type, lost_at IS NOT NULL AS lost FROM device_outbox WHERE mutation_id = ?",
                                 [item["id"]])
        assert lost == [{"type": "contact", "lost": 1}]
    assert contacts_at(live_server, KEPT) == 0
