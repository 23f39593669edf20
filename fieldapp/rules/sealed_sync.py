"""What POST /api/sync takes from a phone with a signing key (README: Sync protocol, "Sealed
mutations" and "Signed pulls").

A phone whose device has a signing key registered (devices.register_signing_key) is held to it:
- every mutation it sends must be sealed and signed (`{"id", "sealed": <envelope>}`,
  rules/sealing.py); a plain one, or an envelope that does not open, is answered `rejected` on its
  own (never applied) and the rest of the batch goes on;
- it is answered a pull only when the request is signed by that key over its device id, cursor
  and a nonce this server issued in a recent answer (`"pull_signature": {"nonce", "sig"}`): the
  cookie without the PIN pulls nothing. Nonces are stateless (an HMAC of the device id and the
  time under the app's secret key), good for `NONCE_MINUTES`, so checking one writes nothing.
Two exceptions, for a lone worker's safety, `PLAIN_WHILE_LOCKED`: a check-in made from a
notification while the phone is locked ("I'm safe", "Extend 30 min") and "I need help" tapped on
the lock screen (a visit of kind "help" with nothing else) cannot be signed (the signing key opens
only with the PIN), so they are taken plain. They say nothing about anyone (a visit's random id,
its kind, a time), and give whoever holds the phone nothing they could not do by tapping the
notification or the lock screen's button; a check-in or call for help of any other shape (the end
of a visit, a place, a note) must be signed like every other record. The phone is handed the same
rule (fieldapp/web/shell.py `lock_settings`, read by static/at-rest.js `plainWhileLocked`): it is
stated here only.
A phone without one (the PIN lock off) is answered as before; it may still send sealed mutations
only once it has registered a key.
Plain functions, no Flask: the view passes the app's secret and instance folder.
"""

import hashlib
import hmac
import time

from .. import devices
from . import sealing

NONCE_MINUTES = 60
PULL_LABEL = "fieldapp pull v1"
# What a locked phone may keep and send plain, by record type: new records of these kinds with no
# field but these. The check-ins a notification makes (static/sw.js checkInFromNotification) and
# the lock screen's "I need help" (static/page/lock.js).
PLAIN_WHILE_LOCKED = {
    "check_in": {"kinds": ["safe", "extend"], "fields": ["visit_id", "kind", "until"]},
    "visit": {"kinds": ["help"], "fields": ["kind"]},
}
PLAIN_REFUSED = ("This phone seals what it sends: a record sent from it unsealed is not accepted. "
                 "Unlock the app with your PIN so that it is sent again, sealed.")


def _nonce_mac(secret: str, device_id: str, issued: int) -> str:
    digest = hmac.new(secret.encode(), f"pull-nonce\n{device_id}\n{issued}".encode(), hashlib.sha256)
    return sealing.b64(digest.digest()[:18])


def issue_nonce(secret: str, device_id: str, now: float | None = None) -> str:
    """A nonce for `device_id`'s next signed pull: "<unix time>.<mac>"."""
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_nonce_mac(secret, device_id, issued)}"


def nonce_fresh(secret: str, device_id: str, nonce, now: float | None = None) -> bool:
    """Whether `nonce` was issued by this server for `device_id` within NONCE_MINUTES."""
    if not isinstance(nonce, str) or nonce.count(".") != 1 or len(nonce) > 100:
        return False
    issued_text, mac = nonce.split(".")
    if not issued_text.isdigit():
        return False
    issued = int(issued_text)
    age = (time.time() if now is None else now) - issued
    if not 0 <= age <= NONCE_MINUTES * 60 + 60:
        return False
    return hmac.compare_digest(mac, _nonce_mac(secret, device_id, issued))


def pull_text(device_id: str, cursor, nonce: str) -> bytes:
    """What a signed pull's signature covers (static/sealing.js `signPull` signs the same)."""
    return f"{PULL_LABEL}\n{device_id}\n{cursor}\n{nonce}".encode()


def pull_signed(db, secret: str, device_id: str, body: dict) -> bool:
    """Whether the request `body` carries a good signature of `device_id`'s key over its device
    id, cursor and a fresh nonce of ours."""
    signed = body.get("pull_signature")
    if not isinstance(signed, dict):
        return False
    nonce, cursor = signed.get("nonce"), body.get("cursor", 0)
    if not nonce_fresh(secret, device_id, nonce) or type(cursor) is not int:
        return False
    try:
        sealing.verify_device(db, device_id, signed.get("sig"), pull_text(device_id, cursor, nonce))
    except sealing.SealError:
        return False
    return True


def _refused(mutation_id, message, compact: bool) -> dict:
    result = {"id": mutation_id, "status": "rejected", "errors": {"_mutation": [message]}}
    if not compact:
        result.update(version=None, first_status=None)
    return result


def plain_while_locked(raw) -> bool:
    """Whether a plain mutation is one a locked phone may send unsigned (`PLAIN_WHILE_LOCKED`: the
    module's docstring says why): a new record of a kind it names, with no other field."""
    kind_of = raw.get("type")
    rule = PLAIN_WHILE_LOCKED.get(kind_of) if isinstance(kind_of, str) else None
    fields = raw.get("fields")
    return (rule is not None and raw.get("op") == "create" and isinstance(fields, dict)
            and fields.get("kind") in rule["kinds"] and set(fields) <= set(rule["fields"]))


def open_batch(db, ring, device_id: str, mutations, *, compact: bool):
    """The batch as the engine takes it: each sealed mutation opened, in order. Returns
    (opened, refused): `opened` the mutations to apply (plain ones kept as they are when the
    device has no signing key), `refused` {index: its `rejected` result} for those that may not
    be applied (a bad envelope, or a plain one from a device with a key). `compact`: the phone
    asked for `"echo": "result"` (null result fields left out)."""
    ids = [m.get("id") if isinstance(m, dict) else None for m in mutations] if isinstance(mutations, list) else None
    if ids is None or not all(isinstance(i, str) and i for i in ids) or len(set(ids)) != len(ids):
        return mutations, {}  # malformed as a whole: the engine's envelope check answers it (400)
    held_to_key = devices.device_signing_key(db, device_id) is not None
    opened, refused = [], {}
    for index, raw in enumerate(mutations):
        mutation_id = raw["id"]
        if "sealed" not in raw:
            if held_to_key and not plain_while_locked(raw):
                refused[index] = _refused(mutation_id, PLAIN_REFUSED, compact)
            else:
                opened.append(raw)
            continue
        try:
            mutation = sealing.unseal(db, ring, raw["sealed"], device_id)
        except sealing.SealError as error:
            refused[index] = _refused(mutation_id, error.message, compact)
            continue
        if str(mutation.get("id")) != mutation_id:
            refused[index] = _refused(mutation_id, "The sealed record does not hold the record it names.", compact)
            continue
        opened.append(mutation)
    return opened, refused


def merge_results(results: list, refused: dict, total: int) -> list:
    """The engine's results for the opened mutations, with the refused ones put back in their
    places: one result per mutation sent, in the order sent."""
    if not refused:
        return results
    merged, rest = [], iter(results)
    for index in range(total):
        merged.append(refused[index] if index in refused else next(rest))
    return merged
