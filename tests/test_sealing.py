"""Mutations sealed to the server and signed by the phone (fieldapp/rules/sealing.py), in Python:
an envelope made with `cryptography` exactly as static/sealing.js makes one opens; anything
changed, or from another device or key, is refused with SealError, never anything else."""

import os
import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp import devices
from fieldapp.rules import sealing
from fieldapp.timeutil import now_iso
from tests.helpers import uid

HEADERS = {"X-Fieldapp-Sync": "1"}


@pytest.fixture
def ring(tmp_path):
    return sealing.keyring(tmp_path)


@pytest.fixture
def phone_key():
    return ec.generate_private_key(ec.SECP256R1())


def a_mutation():
    return {"id": uid(), "type": "person", "op": "create", "record_id": uid(),
            "recorded_at": "2026-11-22T08:00:00Z", "fields": {"display_name": "Woman in green coat"}}


def raw_public(key):
    return sealing.public_raw(key.public_key())


def test_an_envelope_sealed_as_the_phone_does_opens_to_the_mutation(ring, phone_key):
    device, mutation = uid(), a_mutation()
    envelope = sealing.seal(ring.public(), phone_key, mutation, device)
    assert sealing.open_envelope(ring, envelope, device, raw_public(phone_key)) == mutation


def test_the_envelope_holds_nothing_of_the_record_in_the_clear(ring, phone_key):
    envelope = sealing.seal(ring.public(), phone_key, a_mutation(), uid())
    assert "green" not in str(envelope) and set(envelope) == {"v", "kid", "id", "epk", "iv", "ct", "sig"}


def test_the_key_pair_is_made_once_and_kept_private(tmp_path):
    first = sealing.keyring(tmp_path).public()
    [path] = (tmp_path / "sealing").glob("key-*.pem")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sealing.keyring(tmp_path).public() == first


def test_an_envelope_sealed_to_the_previous_key_still_opens_after_a_rotation(tmp_path, phone_key):
    old = sealing.keyring(tmp_path).public()
    device, mutation = uid(), a_mutation()
    envelope = sealing.seal(old, phone_key, mutation, device)
    new_kid = sealing.rotate(tmp_path)
    ring = sealing.keyring(tmp_path)
    assert ring.public()["kid"] == new_kid != old["kid"]
    assert sealing.open_envelope(ring, envelope, device, raw_public(phone_key)) == mutation


def refused(ring, envelope, device, key_raw):
    with pytest.raises(sealing.SealError) as raised:
        sealing.open_envelope(ring, envelope, device, key_raw)
    return raised.value.reason


def flip(text):
    """A base64url field with one character changed."""
    return ("B" if text[5] == "A" else "A").join([text[:5], text[6:]])


def test_a_changed_ciphertext_is_refused(ring, phone_key):
    device = uid()
    envelope = sealing.seal(ring.public(), phone_key, a_mutation(), device)
    envelope["ct"] = flip(envelope["ct"])
    assert refused(ring, envelope, device, raw_public(phone_key)) == "bad_signature"


def test_a_changed_ciphertext_signed_again_by_the_phone_still_does_not_open(ring, phone_key):
    # The signature is the phone's, but the AES-GCM tag does not match the changed bytes.
    device = uid()
    envelope = sealing.seal(ring.public(), phone_key, a_mutation(), device)
    envelope["ct"] = flip(envelope["ct"])
    envelope["sig"] = sealing.sign(phone_key, sealing.signed_bytes(envelope, device))
    assert refused(ring, envelope, device, raw_public(phone_key)) == "tampered"


def test_an_envelope_sent_as_another_device_is_refused(ring, phone_key):
    envelope = sealing.seal(ring.public(), phone_key, a_mutation(), uid())
    assert refused(ring, envelope, uid(), raw_public(phone_key)) == "bad_signature"


def test_an_envelope_signed_by_another_key_is_refused(ring, phone_key):
    device = uid()
    thief = ec.generate_private_key(ec.SECP256R1())
    envelope = sealing.seal(ring.public(), thief, a_mutation(), device)
    assert refused(ring, envelope, device, raw_public(phone_key)) == "bad_signature"


def test_an_envelope_sealed_to_an_unknown_key_is_refused(ring, phone_key, tmp_path):
    device = uid()
    elsewhere = sealing.keyring(tmp_path / "another-server").public()
    envelope = sealing.seal(elsewhere, phone_key, a_mutation(), device)
    assert refused(ring, envelope, device, raw_public(phone_key)) == "unknown_key"


def test_an_envelope_under_another_mutation_id_is_refused(ring, phone_key):
    device = uid()
    envelope = sealing.seal(ring.public(), phone_key, a_mutation(), device)
    envelope["id"] = uid()
    envelope["sig"] = sealing.sign(phone_key, sealing.signed_bytes(envelope, device))
    assert refused(ring, envelope, device, raw_public(phone_key)) == "tampered"


def test_a_device_with_no_signing_key_opens_nothing(ring, phone_key):
    device = uid()
    envelope = sealing.seal(ring.public(), phone_key, a_mutation(), device)
    assert refused(ring, envelope, device, None) == "no_signing_key"


@pytest.mark.parametrize("broken", [
    None, [], "text", {}, {"v": 1},
    {"v": 2, "kid": "k", "id": "i", "epk": "e", "iv": "i", "ct": "c", "sig": "s"},
    {"v": True, "kid": "k", "id": "i", "epk": "e", "iv": "i", "ct": "c", "sig": "s"},
    {"v": 1, "kid": 1, "id": "i", "epk": "e", "iv": "i", "ct": "c", "sig": "s"},
    {"v": 1, "kid": "k", "id": "i", "epk": "e", "iv": "i", "ct": "c", "sig": "!!"},
    {"v": 1, "kid": "k", "id": "i", "epk": "e", "iv": "i", "ct": "c", "sig": "A" * 86},
])
def test_a_malformed_envelope_is_refused_with_a_seal_error(ring, phone_key, broken):
    assert refused(ring, broken, uid(), raw_public(phone_key))


def test_a_signature_from_the_phone_over_garbage_fields_is_refused_as_malformed(ring, phone_key):
    device = uid()
    envelope = sealing.seal(ring.public(), phone_key, a_mutation(), device)
    envelope["epk"] = sealing.b64(b"\x04" + b"\x01" * 64)  # not a point on the curve
    envelope["sig"] = sealing.sign(phone_key, sealing.signed_bytes(envelope, device))
    assert refused(ring, envelope, device, raw_public(phone_key)) == "malformed"


# ---- the device's signing key, registered with the server ------------------------------------

def sign_in(client, device_id, username="outreach"):
    response = client.post("/login", data={"username": username, "password": "demo",
                                           "device_id": device_id})
    assert response.status_code in (302, 303)


def register(client, device_id, key):
    return client.post("/api/signing-key", headers=HEADERS,
                       json={"device_id": device_id, "key": sealing.b64(raw_public(key))})


def test_a_phone_registers_its_signing_key_soon_after_a_password_sign_in(app, client, db, demo_data, phone_key):
    device = uid()
    sign_in(client, device)
    answer = register(client, device, phone_key)
    assert answer.status_code == 200
    assert answer.get_json()["sealing"] == sealing.keyring(app.config["INSTANCE"]).public()
    assert devices.device_signing_key(db, device) == raw_public(phone_key)


def test_a_session_signed_in_long_ago_cannot_register_a_signing_key(client, db, demo_data, phone_key):
    device = uid()
    sign_in(client, device)
    db.execute("UPDATE login_session SET created_at = ? WHERE device_id = ?",
               [now_iso(-timedelta(minutes=11)), device])  # PIN_RESET_MINUTES is 10
    assert register(client, device, phone_key).status_code == 403
    assert devices.device_signing_key(db, device) is None


def test_a_signing_key_for_another_device_is_refused(client, db, demo_data, phone_key):
    device = uid()
    sign_in(client, device)
    other = uid()
    assert register(client, other, phone_key).status_code == 409
    assert devices.device_signing_key(db, device) is None


@pytest.mark.parametrize("key", ["", "short", "A" * 87, sealing.b64(b"\x04" + b"\x01" * 64), 7, None])
def test_a_signing_key_that_is_not_a_p256_point_is_a_400(client, demo_data, key):
    device = uid()
    sign_in(client, device)
    answer = client.post("/api/signing-key", headers=HEADERS, json={"device_id": device, "key": key})
    assert answer.status_code == 400


def test_registering_a_signing_key_needs_the_sync_header(client, demo_data, phone_key):
    device = uid()
    sign_in(client, device)
    answer = client.post("/api/signing-key", json={"device_id": device,
                                                   "key": sealing.b64(raw_public(phone_key))})
    assert answer.status_code == 400


def test_a_sealed_envelope_opens_with_the_registered_key(app, client, db, demo_data, phone_key):
    device = uid()
    sign_in(client, device)
    public = register(client, device, phone_key).get_json()["sealing"]
    mutation = a_mutation()
    envelope = sealing.seal(public, phone_key, mutation, device)
    assert sealing.unseal(db, sealing.keyring(app.config["INSTANCE"]), envelope, device) == mutation
