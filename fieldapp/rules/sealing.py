"""Mutations sealed to the server and signed by the phone (README: Sync protocol, "Sealed mutations").

With the PIN lock on, a phone seals each record it saves (static/sealing.js) twice over: to the
deployment's public key, so that only the server can read it (whoever holds the phone cannot, even
with its storage and cookies), and with the device's signing key, whose private half the phone
keeps only wrapped under the worker's data key (so no PIN, no signature). The server opens it here.

The envelope (every binary field base64url, no padding):
    {"v": 1, "kid": <the server key it was sealed to>, "id": <the mutation id>,
     "epk": <the phone's one-off ECDH P-256 public key, uncompressed point, 65 bytes>,
     "iv": <12 bytes>, "ct": <AES-256-GCM ciphertext and tag of the mutation's JSON>,
     "sig": <ECDSA P-256 SHA-256 signature, raw r||s, 64 bytes>}
The AES key is HKDF-SHA-256 (no salt, info "fieldapp mutation v1") of the ECDH secret between the
one-off key and the server's key `kid`; the AAD is `AAD_PREFIX`, the device id, "\n", the mutation
id. The signature covers `signed_bytes`: the label, device id, v, kid, id, epk, iv and ct joined
with "\n" (so nothing in the envelope can be changed, and it cannot be replayed as another
device's or under another id).

The deployment's key pairs are kept in the instance folder (`sealing/`, each file 0600, beside the
VAPID key): the newest is the one phones seal to; older ones stay so that envelopes sealed to
them still open (`rotate` makes a new one). Plain functions: no Flask here.
"""

import base64
import binascii
import hashlib
import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .. import devices
from ..instance_files import write_new

_log = logging.getLogger("fieldapp")

VERSION = 1
INFO = b"fieldapp mutation v1"
AAD_PREFIX = "fieldapp mutation v1\n"
KEY_FOLDER = "sealing"
_FIELDS = ("v", "kid", "id", "epk", "iv", "ct", "sig")
# A mutation is at most SYNC_MAX_BYTES anyway; this bounds the work on one envelope.
MAX_CIPHERTEXT = 2_000_000


class SealError(Exception):
    """An envelope that does not open: malformed, sealed to a key this server does not have,
    changed, signed by another key, or from a device with no signing key. `reason` is a short
    code; the message says it in words (both safe to send back to the phone)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def b64(data: bytes) -> str:
    """`data` as base64url without padding (how every binary field travels)."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text) -> bytes:
    """The bytes of a base64url field (padding optional); SealError if it is not one."""
    if not isinstance(text, str) or len(text) > 4 * MAX_CIPHERTEXT:
        raise SealError("malformed", "The sealed record is malformed.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise SealError("malformed", "The sealed record is malformed.") from error


def public_raw(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """A P-256 public key as its uncompressed point (65 bytes), as WebCrypto exports 'raw'."""
    return public_key.public_bytes(serialization.Encoding.X962,
                                   serialization.PublicFormat.UncompressedPoint)


def load_public(raw: bytes) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from its uncompressed point; SealError if it is not one on the curve."""
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except (ValueError, TypeError) as error:
        raise SealError("malformed", "The key is not a P-256 public key.") from error


def key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """A key's id: the first 12 bytes of the SHA-256 of its point, base64url (16 characters)."""
    return b64(hashlib.sha256(public_raw(public_key)).digest()[:12])


class Keyring:
    """The deployment's sealing key pairs: `current` (kid, private key), the one phones seal to,
    and every key by its id, so envelopes sealed to an older one still open."""

    def __init__(self, keys: list[ec.EllipticCurvePrivateKey]):
        # `keys` oldest first; the last is current.
        self.by_kid = {key_id(k.public_key()): k for k in keys}
        self.current_kid = key_id(keys[-1].public_key())
        self.current = keys[-1]

    def public(self) -> dict:
        """What a phone needs to seal to the current key: {"kid", "key"} (its point, base64url)."""
        return {"kid": self.current_kid, "key": b64(public_raw(self.current.public_key()))}

    def private(self, kid) -> ec.EllipticCurvePrivateKey:
        """The private key `kid`; SealError if this server has none by that id."""
        key = self.by_kid.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise SealError("unknown_key", "The record was sealed to a key this server does not have.")
        return key


def _key_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("key-*.pem"))


def _stamp(files: list[Path]) -> tuple:
    """What the keyring's cache is valid for: the key files' names and modification times."""
    return tuple((f.name, f.stat().st_mtime_ns) for f in files)


def _readable_keys(files: list[Path]) -> list:
    """The keys of `files` in order, less any that does not read as a private key (an empty file
    left by a version that could be killed while writing one: nothing was ever sealed to it, as
    no phone could be told its public half), which is logged and left for an operator to remove."""
    keys = []
    for path in files:
        try:
            keys.append(serialization.load_pem_private_key(path.read_bytes(), password=None))
        except (ValueError, TypeError, OSError):
            _log.warning("sealing key %s does not read as a private key: left out", path.name)
    return keys


def _write_key(folder: Path) -> Path:
    """A new key pair in `folder`, 0600 from the start, named so that the newest sorts last."""
    key = ec.generate_private_key(ec.SECP256R1())
    # The time to the microsecond, so a rotation straight after the first key still sorts last.
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"key-{stamp}-{key_id(key.public_key())}.pem"
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    write_new(path, pem)  # whole or not at all: a kill mid-write leaves no broken key
    return path


_cache: dict[str, tuple[tuple, Keyring]] = {}
_first_key = threading.Lock()  # the first syncs of a new server arrive together: one key, not one each


def keyring(instance_path) -> Keyring:
    """The deployment's sealing keys, from `<instance>/sealing/`; the first key is made on first
    use. Read again only when the folder's files change (a rotation by the CLI)."""
    folder = Path(instance_path) / KEY_FOLDER
    files = _key_files(folder)
    stamp = _stamp(files)
    cached = _cache.get(str(folder))
    if cached and cached[0] == stamp:
        return cached[1]
    keys = _readable_keys(files)
    if not keys:
        with _first_key:
            keys = _readable_keys(_key_files(folder))
            if not keys:
                _write_key(folder)
                keys = _readable_keys(_key_files(folder))
        stamp = _stamp(_key_files(folder))
    ring = Keyring(keys)
    _cache[str(folder)] = (stamp, ring)
    return ring


def rotate(instance_path) -> str:
    """Make a new current key pair (phones seal to it from their next PIN set-up or sync); the
    older ones are kept so what was sealed to them still opens. Returns the new key's id."""
    keyring(instance_path)  # the first one, if there was none
    _write_key(Path(instance_path) / KEY_FOLDER)
    return keyring(instance_path).current_kid


def aad(device_id: str, mutation_id: str) -> bytes:
    """The AES-GCM associated data: binds the ciphertext to this device and this mutation id."""
    return f"{AAD_PREFIX}{device_id}\n{mutation_id}".encode()


def signed_bytes(envelope: dict, device_id: str) -> bytes:
    """What the device's signature covers: every field of the envelope but `sig`, and the
    device id, joined with newlines (base64url and ids hold none)."""
    parts = ["fieldapp mutation v1", device_id, str(envelope["v"]), envelope["kid"],
             envelope["id"], envelope["epk"], envelope["iv"], envelope["ct"]]
    return "\n".join(parts).encode()


def verify_signature(public_key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes):
    """Check a WebCrypto ECDSA P-256 SHA-256 signature (raw r||s, 64 bytes) over `data`;
    SealError if it is not the key's."""
    if len(signature) != 64:
        raise SealError("bad_signature", "The record's signature is not this phone's.")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                               int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise SealError("bad_signature", "The record's signature is not this phone's.") from error


def _checked(envelope) -> dict:
    if not isinstance(envelope, dict) or set(envelope) != set(_FIELDS):
        raise SealError("malformed", "The sealed record is malformed.")
    if envelope["v"] != VERSION or isinstance(envelope["v"], bool):
        raise SealError("malformed", "The sealed record's version is not one this server reads.")
    if not all(isinstance(envelope[k], str) for k in _FIELDS if k != "v"):
        raise SealError("malformed", "The sealed record is malformed.")
    return envelope


def open_envelope(ring: Keyring, envelope, device_id: str, signing_key_raw: bytes | None) -> dict:
    """The mutation an envelope holds, once its signature by `signing_key_raw` (the device's
    public key, as registered) is checked and it is decrypted. SealError on anything wrong."""
    envelope = _checked(envelope)
    if not signing_key_raw:
        raise SealError("no_signing_key", "This phone has no signing key registered: sign in again.")
    verify_signature(load_public(signing_key_raw), unb64(envelope["sig"]),
                     signed_bytes(envelope, str(device_id)))
    private = ring.private(envelope["kid"])
    try:
        shared = private.exchange(ec.ECDH(), load_public(unb64(envelope["epk"])))
    except ValueError as error:
        raise SealError("malformed", "The sealed record is malformed.") from error
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(shared)
    iv, ct = unb64(envelope["iv"]), unb64(envelope["ct"])
    if len(iv) != 12 or len(ct) > MAX_CIPHERTEXT:
        raise SealError("malformed", "The sealed record is malformed.")
    try:
        plain = AESGCM(key).decrypt(iv, ct, aad(str(device_id), envelope["id"]))
    except InvalidTag as error:
        raise SealError("tampered", "The sealed record was changed or was not sealed for this server.") from error
    try:
        mutation = json.loads(plain)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise SealError("malformed", "The sealed record does not hold a record.") from error
    if not isinstance(mutation, dict) or mutation.get("id") != envelope["id"]:
        raise SealError("malformed", "The sealed record does not hold the record it names.")
    return mutation


def unseal(db, ring: Keyring, envelope, device_id: str) -> dict:
    """The mutation in `envelope`, sealed and signed by the phone `device_id` (its signing key as
    registered in the database). SealError on anything wrong, revoked devices included (a
    revoked phone's hand-over may still open: the caller decides whether to accept it)."""
    return open_envelope(ring, envelope, device_id, devices.device_signing_key(db, device_id))


def verify_device(db, device_id: str, signature_b64, data: bytes):
    """Check that `data` was signed by `device_id`'s registered signing key (a signed pull);
    SealError if it was not, or the device has none."""
    raw = devices.device_signing_key(db, device_id)
    if not raw:
        raise SealError("no_signing_key", "This phone has no signing key registered: sign in again.")
    verify_signature(load_public(raw), unb64(signature_b64), data)


# ---- what a test (or a tool) does as a phone would: seal with `cryptography` ----------------

def seal(public: dict, signing_key: ec.EllipticCurvePrivateKey, mutation: dict, device_id: str) -> dict:
    """An envelope of `mutation` as static/sealing.js makes it, sealed to `public` (a Keyring's
    `public()`) and signed with `signing_key`: the phone's side, in Python, for tests and tools."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    server = load_public(unb64(public["key"]))
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(
        ephemeral.exchange(ec.ECDH(), server))
    iv = os.urandom(12)
    mutation_id = str(mutation["id"])
    ct = AESGCM(key).encrypt(iv, json.dumps(mutation).encode(), aad(device_id, mutation_id))
    envelope = {"v": VERSION, "kid": public["kid"], "id": mutation_id,
                "epk": b64(public_raw(ephemeral.public_key())), "iv": b64(iv), "ct": b64(ct)}
    r, s = decode_dss_signature(signing_key.sign(signed_bytes(envelope, device_id),
                                                 ec.ECDSA(hashes.SHA256())))
    envelope["sig"] = b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    return envelope


def sign(signing_key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    """`data` signed as WebCrypto signs it (raw r||s, base64url): for tests and tools."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(signing_key.sign(data, ec.ECDSA(hashes.SHA256())))
    return b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
