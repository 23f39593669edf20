"""The thief's view, in Debian's Chromium: a phone signed in, a PIN set, contacts recorded with no
signal, then locked. Whoever holds it reads every IndexedDB store and every Cache Storage entry
without the PIN, and finds no one's name, note or field value there."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, fill_contact, person_id, wait_cached
from tests.test_phone_lock import PIN, choose_pin, locked_phone, sign_in

pytestmark = pytest.mark.server_config(PHONE_LOCK=True, PHONE_LOCK_MINUTES=0.1)
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
    page.context.set_offline(True)
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, NOTE)
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    expect(page.locator("h1")).to_have_text("Dan")  # from the phone's copy: a view is queued too
    time.sleep(7)  # past PHONE_LOCK_MINUTES (6 s here): locked
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
