"""Sealing on the phone, in Debian's Chromium: the PIN set-up makes the device's signing key and
registers it with the server, and an envelope made by static/sealing.js opens on the server."""

import pytest

from fieldapp.db import open_db
from fieldapp.rules import sealing
from tests.helpers import uid
from tests.test_phone_lock import locked_phone

pytestmark = pytest.mark.server_config(PHONE_LOCK=True)

SEAL = """async (mutation) => {
    const s = await FieldappOutbox.session();
    return {device: s.deviceId,
            envelope: await FieldappSealing.sealFor(s.userId, s.deviceId, mutation)};
}"""

SIGNING_ENTRY = """async () => {
    const db = await idb.openDB('fieldapp-vault');
    const [entry] = await db.getAll('keys');
    db.close();
    return {device: entry.signing_device, sealed: entry.signing.byteLength,
            public: entry.signing_public, to: entry.sealing_to};
}"""


def test_an_envelope_sealed_in_chromium_opens_on_the_server(phone, live_server):
    page = locked_phone(phone)
    mutation = {"id": uid(), "type": "person", "op": "create", "record_id": uid(),
                "recorded_at": "2026-11-22T08:00:00Z", "fields": {"display_name": "Man with a dog"}}
    made = page.evaluate(SEAL, mutation)
    ring = sealing.keyring(live_server.app.config["INSTANCE"])
    db = open_db(live_server.database)
    try:
        assert sealing.unseal(db, ring, made["envelope"], made["device"]) == mutation
    finally:
        db.close()


def test_the_pin_set_up_registers_a_signing_key_kept_only_sealed(phone, live_server):
    page = locked_phone(phone)
    entry = page.evaluate(SIGNING_ENTRY)
    [device] = live_server.query("SELECT id, signing_key FROM device")
    assert entry["device"] == device["id"]
    assert entry["public"] == device["signing_key"]
    # The private key is kept only as AES-GCM sealed pkcs8 bytes (12-byte IV, ciphertext, tag).
    assert entry["sealed"] > 12 + 100
    assert entry["to"] == sealing.keyring(live_server.app.config["INSTANCE"]).public()
