"""The thief's view, in Debian's Chromium: a phone signed in, a PIN set, contacts recorded with no
signal, then locked. Whoever holds it reads every IndexedDB store and every Cache Storage entry
without the PIN, and finds no one's name, note or field value there."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, fill_contact, person_id, wait_cached
from tests.test_phone_lock import PIN, choose_pin, locked_phone, sign_in

pytestmark = pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=0.15)
NOTE = "Test: Dan said his sister Bernadette Quill has a spare room"

# Everything the phone's storage holds, as text: each IndexedDB record (its bytes too, decoded)
# and each cached answer (headers and body), read from a page with no key.
READ_EVERYTHING = """async () => {
    const text = (bytes) => new TextDecoder('latin1').decode(bytes);
    const flat = (v) => {
        if (v instanceof ArrayBuffer) return text(new Uint8Array(v));
        if (ArrayBuffer.isView(v)) return text(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        if (v instanceof CryptoKey) return '[CryptoKey]';
        if (Array.isArray(v)) return v.map(flat).join(' ');
        if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => k + '=' + flat(x)).join(' ');
        return String(v);
    };
    const out = [];
    for (const {name} of await indexedDB.databases()) {
        const db = await idb.openDB(name);
        for (const store of db.objectStoreNames) {
            for (const value of await db.getAll(store)) out.push(name + '/' + store + ': ' + flat(value));
        }
        db.close();
    }
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
            const resp = await cache.match(request);
            const body = new Uint8Array(await resp.arrayBuffer());
            out.push(name + ' ' + request.url + ' ' + [...resp.headers].join(' ') + ' ' + text(body));
        }
    }
    return out;
}"""


def test_a_locked_phone_keeps_nothing_readable_about_anyone(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)
    wait_cached(page, "/caseload", f"/people/{dan}", f"/people/{dan}/contacts/new")
    # Waiting for the copies is not using the app: on a busy machine it can outlast the lock's
    # idle time, and the form would open on the lock screen. A key press is use (static/page/lock.js).
    page.keyboard.press("Shift")
    page.context.set_offline(True)
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, NOTE)
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    expect(page.locator("h1")).to_have_text("Dan")  # from the phone's copy: a view is queued too
    time.sleep(10)  # past PHONE_LOCK_MINUTES (9 s here): locked
    page.goto("/caseload")
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")

    held = page.evaluate(READ_EVERYTHING)
    kinds = {entry.split(":")[0].split(" ")[0] for entry in held}
    assert {"fieldapp/outbox", "fieldapp/records", "fieldapp-pages"} <= kinds  # it does hold them
    everything = "\n".join(held)
    people = live_server.query("SELECT display_name, description, district FROM person")
    secrets = {NOTE, "Bernadette"} | {p["display_name"] for p in people}
    secrets |= {p["description"] for p in people if p["description"]}
    found = sorted(s for s in secrets if re.search(rf"\b{re.escape(s)}\b", everything))
    assert found == []

    # The PIN opens it all again: the page and the record are there.
    page.fill("#pin", PIN)
    page.click("button:has-text('Unlock')")
    expect(page.locator("h1:visible")).to_have_text("Caseload")
    page.goto(f"/people/{dan}")
    expect(page.locator("h1")).to_have_text("Dan")


OTHERS_ITEMS = """async () => (await FieldappOutbox.list())
    .filter((i) => i.user_id !== document.body.dataset.userId)
    .map((i) => ({type: i.type, label: i.label, fields: i.fields, away: !!i.sealedAway}))"""


def sent_note(live_server):
    return live_server.query("SELECT 1 FROM contact WHERE place = ?", [NOTE])


@pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=5)  # not about the idle lock
def test_a_second_worker_on_the_phone_can_neither_read_nor_send_the_first_ones_records(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)  # outreach, with a PIN
    wait_cached(page, f"/people/{dan}/contacts/new", f"/people/{dan}")
    live_server.faults.set("drop-before")  # signal, but no sync gets through
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, NOTE)
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")

    # A colleague signs in on the same phone (signing out would refuse: a record is unsent).
    sign_in(page, "outreach2")
    page.wait_for_url("**/lock?next=*")
    choose_pin(page, "905127")
    page.wait_for_url("**/caseload")
    live_server.faults.set(None)
    others = page.evaluate(OTHERS_ITEMS)
    assert others and all(i["away"] and i["fields"] == {} and i["label"] == i["type"] for i in others)
    result = page.evaluate("async () => { const r = await FieldappOutbox.flush({reason: 'sync-now'}); return r.ok; }")
    assert result is True and sent_note(live_server) == []

    # Their owner signs in again and unlocks with their own PIN: the record goes.
    sign_in(page)
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")
    page.fill("#pin", PIN)
    page.click("button:has-text('Unlock')")
    expect(page.locator("h1:visible")).to_have_text("Caseload")
    deadline = time.monotonic() + TIMEOUT / 1000
    while not sent_note(live_server):
        assert time.monotonic() < deadline, "the first worker's record was never sent"
        time.sleep(0.2)


# ---- the thief with the phone's storage and cookies, and no PIN: sends and pulls nothing ------

def saved_offline_then_locked(phone, live_server, note=NOTE):
    """A contact saved with no signal, then the app closed and opened again (which locks it) with
    signal: the lock screen is all there is, and the record is still in the outbox."""
    dan = person_id(live_server, "Dan")
    page = locked_phone(phone)
    wait_cached(page, f"/people/{dan}", f"/people/{dan}/contacts/new")
    page.context.set_offline(True)
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, note)
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    live_server.faults.set("drop-before")  # signal back, but no sync gets through till the test says
    page.context.set_offline(False)
    reopened = page.context.new_page()
    reopened.set_default_timeout(TIMEOUT)
    page.close()
    reopened.goto("/caseload")
    expect(reopened.locator("h1:visible")).to_have_text("Enter your PIN")
    live_server.faults.set(None)
    return reopened, dan


# What the thief sends with the phone's cookie: a sync request of their own, from the page.
THIEF_SYNC = """async (extra) => {
    const s = await FieldappOutbox.session();
    const body = Object.assign({protocol: 1, device_id: s.deviceId, cursor: 0, mutations: []}, extra);
    const resp = await fetch('/api/sync', {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-Fieldapp-Sync': '1'}, body: JSON.stringify(body)});
    return {status: resp.status, data: await resp.json()};
}"""

# The envelope the outbox holds for the unsent contact (unreadable, but the thief can copy it).
STORED_ENVELOPE = """async () => {
    const db = await idb.openDB('fieldapp');
    const items = await db.getAll('outbox');
    db.close();
    const item = items.find((i) => i.type === 'contact' && i.envelope);
    return item && {id: item.id, record_id: item.record_id, envelope: item.envelope};
}"""


def contacts_with(live_server, place):
    return live_server.query("SELECT id FROM contact WHERE place = ?", [place])


LONG_IDLE = pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=5)


@LONG_IDLE
def test_a_locked_phone_sends_the_workers_own_records_exactly_once(phone, live_server):
    page, dan = saved_offline_then_locked(phone, live_server)
    # Background Sync's way: the service worker flushes, with no key anywhere (locked).
    page.evaluate("navigator.serviceWorker.controller.postMessage({type: 'flush', reason: 'sync-now'})")
    deadline = time.monotonic() + TIMEOUT / 1000
    while not contacts_with(live_server, NOTE):
        assert time.monotonic() < deadline, "the locked phone never sent the worker's record"
        time.sleep(0.2)
    expect(page.locator("h1:visible")).to_have_text("Enter your PIN")  # still locked
    # Unlocked, nothing is sent twice.
    page.fill("#pin", PIN)
    page.click("button:has-text('Unlock')")
    expect(page.locator("h1:visible")).to_have_text("Caseload")
    page.evaluate("async () => { await FieldappOutbox.flush({reason: 'sync-now'}); }")
    assert len(contacts_with(live_server, NOTE)) == 1
    left = page.evaluate("async () => (await FieldappOutbox.list()).filter((i) => i.state !== 'sent').length")
    assert left == 0


@LONG_IDLE
def test_a_made_up_record_sent_with_the_locked_phones_cookie_is_not_applied(phone, live_server):
    page, dan = saved_offline_then_locked(phone, live_server)
    made_up = {"id": "0b6f4a8e-0000-4000-8000-000000000001", "type": "contact", "op": "create",
               "record_id": "0b6f4a8e-0000-4000-8000-000000000002",
               "fields": {"person_id": dan, "contact_at": "2026-11-21T07:55", "district": "Fenland",
                          "place": "Test: made up by the thief", "contact_type": "street_outreach",
                          "bedded_down": False, "spoken_to": True}}
    answer = page.evaluate(THIEF_SYNC, {"mutations": [made_up]})
    assert answer["status"] == 200 and answer["data"]["results"][0]["status"] == "rejected"
    assert contacts_with(live_server, "Test: made up by the thief") == []


@LONG_IDLE
def test_the_phones_own_envelope_replayed_with_a_changed_body_is_not_applied(phone, live_server):
    page, dan = saved_offline_then_locked(phone, live_server)
    stored = page.evaluate(STORED_ENVELOPE)
    changed = dict(stored["envelope"])
    ct = changed["ct"]
    changed["ct"] = ct[:10] + ("A" if ct[10] != "A" else "B") + ct[11:]
    answer = page.evaluate(THIEF_SYNC, {"mutations": [{"id": stored["id"], "sealed": changed}]})
    assert answer["data"]["results"][0]["status"] == "rejected"
    # (The phone may have sent the real one meanwhile: that is all there is.)
    rows = live_server.query("SELECT place FROM contact WHERE id = ?", [stored["record_id"]])
    assert rows in ([], [{"place": NOTE}])


@LONG_IDLE
def test_a_pull_with_the_locked_phones_cookie_gets_nothing(phone, live_server):
    page, dan = saved_offline_then_locked(phone, live_server)
    answer = page.evaluate(THIEF_SYNC, {"cursor": 0})
    assert answer["status"] == 200
    assert answer["data"]["changes"] == [] and answer["data"]["pull"] == "withheld"
    # Nor with the nonce the phone keeps: the signature needs the key only the PIN opens.
    nonce = page.evaluate("FieldappOutbox.getMeta('pull_nonce')")
    answer = page.evaluate(THIEF_SYNC, {"cursor": 0, "pull_signature": {"nonce": nonce, "sig": "A" * 86}})
    assert answer["data"]["changes"] == [] and answer["data"]["pull"] == "withheld"
