"""Push notifications: tell a worker's phone that something needs them, never what or who.

Web Push with VAPID (pywebpush). A lock screen is not private, so every payload is one of a few
fixed, generic sentences and a link to the caseload: no names, no details. The VAPID key pair is
made on first use in the instance folder (`vapid_private.pem`); phones subscribe from the
"Notifications" page and are forgotten when the push service says the subscription is gone.
"""

import ipaddress
import json
import logging
import threading
from pathlib import Path
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate
from py_vapid import Vapid02, b64urlencode
from cryptography.hazmat.primitives import serialization
from pywebpush import WebPushException, webpush

from ..instance_files import made_once
from ..timeutil import now_iso

log = logging.getLogger(__name__)

# What a notification may say: generic on purpose (lock screens are public).
MESSAGES = {
    "conflict": "Two changes to a record need a decision.",
    "assigned": "Someone new is on your caseload.",
    "attention": "Something in fieldapp needs you.",
    # An administrator's reset (rules/passwords.py): the worker hears of it on every phone.
    "password": "Your fieldapp password was reset by an administrator.",
    # Records vanished from a phone before they were sent (rules/unsent.py).
    "lost": "Records saved on a phone were lost before they were sent.",
    # Lone working (rules/lone_working.py): who, where and whose visit stay off the lock screen.
    "checkin_overdue": "A check-in is overdue.",
    "checkin_help": "Someone has asked for help.",
    "checkin_arrived": "An overdue check-in has arrived.",
    "checkin_reminder": "Your check-in is due soon.",
    # Safeguarding (rules/safeguarding.py).
    "safeguarding_concern": "A safeguarding concern needs a decision.",
    "safeguarding_outcome": "Your concern has an outcome.",
    "safeguarding_overdue": "A safeguarding decision is overdue.",
}


class SubscriptionSchema(Schema):
    """What `PushManager.subscribe()` gives the page, as JSON. Its endpoint is checked against
    the deployment's push services by `endpoint_allowed` (the server will POST to it)."""

    class _Keys(Schema):
        p256dh = fields.String(required=True, validate=validate.Length(min=40, max=200))
        auth = fields.String(required=True, validate=validate.Length(min=16, max=64))

    endpoint = fields.Url(required=True, schemes={"https", "http"}, require_tld=False,
                          validate=validate.Length(max=1000))
    keys = fields.Nested(_Keys, required=True)
    expirationTime = fields.Raw(load_default=None, allow_none=True)


def vapid(instance_path) -> Vapid02:
    """The deployment's VAPID key pair, made on first use and kept in the instance folder."""
    return Vapid02.from_pem(made_once(Path(instance_path) / "vapid_private.pem", _new_vapid_pem))


def _new_vapid_pem() -> bytes:
    key = Vapid02()
    key.generate_keys()
    return key.private_pem()


def application_server_key(key: Vapid02) -> str:
    """The public key the page passes to `pushManager.subscribe` (base64url, uncompressed point)."""
    raw = key.public_key.public_bytes(serialization.Encoding.X962,
                                      serialization.PublicFormat.UncompressedPoint)
    return b64urlencode(raw)


def endpoint_allowed(config, endpoint: str) -> bool:
    """True if the server may POST to `endpoint`: https on one of PUSH_SERVICE_HOSTS (a name,
    never an address, so never a private, loopback or link-local one), or, in tests only, the
    push-service stand-in PUSH_TEST_SERVICE. Anything else would let any signed-in user make the
    server send requests into its own network."""
    test_service = config.get("PUSH_TEST_SERVICE")
    if config.get("TESTING") and test_service and endpoint.startswith(test_service):
        return True
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return False
    try:
        ipaddress.ip_address(host)
        return False  # an address is never a push service
    except ValueError:
        pass
    for allowed in config["PUSH_SERVICE_HOSTS"]:
        allowed = allowed.lower()
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return True
    return False


def subscribe(db, config, user_id, device_id, payload) -> dict:
    """Store (or move to this user) a phone's subscription; raises ValidationError if malformed
    or pointing anywhere but a push service."""
    data = SubscriptionSchema().load(payload)
    if not endpoint_allowed(config, data["endpoint"]):
        raise ValidationError({"endpoint": ["This is not a browser's push service."]})
    row = {"user_id": user_id, "device_id": device_id, "endpoint": data["endpoint"],
           "p256dh": data["keys"]["p256dh"], "auth": data["keys"]["auth"],
           "created_at": now_iso()}
    with db.atomic():
        db.execute("DELETE FROM push_subscription WHERE endpoint = ?", [data["endpoint"]])
        db["push_subscription"].insert(row)
    return row


def unsubscribe(db, user_id, endpoint) -> None:
    """Forget a subscription of this user's (the phone turned notifications off)."""
    with db.atomic():
        db.execute("DELETE FROM push_subscription WHERE user_id = ? AND endpoint = ?",
                   [user_id, endpoint])


def forget_user(db, user_id) -> None:
    """A deactivated user's phones get nothing more."""
    with db.atomic():
        db.execute("DELETE FROM push_subscription WHERE user_id = ?", [user_id])


def forget_device(db, device_id) -> None:
    """A revoked (lost) phone gets nothing more."""
    with db.atomic():
        db.execute("DELETE FROM push_subscription WHERE device_id = ?", [device_id])


def is_subscribed(db, user_id, device_id) -> bool:
    """True if this user asked for notifications on this phone."""
    return db.execute("SELECT 1 FROM push_subscription WHERE user_id = ? AND device_id = ?",
                      [user_id, device_id]).fetchone() is not None


def subscriptions_for(db, user_ids) -> list[dict]:
    """Every subscription of these users."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return []
    marks = ",".join("?" * len(user_ids))
    return list(db.query(f"SELECT * FROM push_subscription WHERE user_id IN ({marks})", user_ids))


def notify(db, config, user_ids, kind: str, url: str = "/caseload") -> int:
    """Send the generic `kind` message to every phone of these users; returns how many the push
    services accepted. Subscriptions the service reports gone (404/410) are deleted. `url` is the
    page a tap opens (a path of ours, never anything about a person)."""
    payload = json.dumps({"kind": kind, "title": "fieldapp", "body": MESSAGES[kind],
                          "url": url})
    key = vapid(config["INSTANCE"])
    delivered = 0
    for subscription in subscriptions_for(db, user_ids):
        if not endpoint_allowed(config, subscription["endpoint"]):
            continue  # stored before the rule, or the rule has changed: never sent to
        info = {"endpoint": subscription["endpoint"],
                "keys": {"p256dh": subscription["p256dh"], "auth": subscription["auth"]}}
        try:
            # pywebpush mutates the claims it is given: a fresh dict every call.
            webpush(info, data=payload, vapid_private_key=key,
                    vapid_claims={"sub": config["VAPID_SUBJECT"]},
                    ttl=config["PUSH_TTL_SECONDS"], timeout=config["PUSH_TIMEOUT_SECONDS"])
        except WebPushException as error:
            status = error.response.status_code if error.response is not None else None
            if status in (404, 410):
                with db.atomic():
                    db.execute("DELETE FROM push_subscription WHERE id = ?", [subscription["id"]])
            else:
                log.warning("push to subscription %s failed: %s", subscription["id"], status)
            continue
        except Exception as error:  # an unreachable push service must never break a sync
            log.warning("push to subscription %s failed: %s", subscription["id"], error)
            continue
        delivered += 1
        with db.atomic():
            db.execute("UPDATE push_subscription SET last_sent_at = ? WHERE id = ?",
                       [now_iso(), subscription["id"]])
    return delivered


def notify_later(open_db, config, user_ids, kind: str, url: str = "/caseload") -> None:
    """Send in a background thread with its own connection, so a sync answer never waits for a
    push service; with PUSH_IN_BACKGROUND off (tests) send at once."""
    user_ids = set(user_ids)
    if not user_ids:
        return

    def send():
        db = open_db(config["DATABASE"])
        try:
            notify(db, config, user_ids, kind, url=url)
        finally:
            db.close()

    if config.get("PUSH_IN_BACKGROUND", True):
        threading.Thread(target=send, daemon=True).start()
    else:
        send()


__all__ = ["MESSAGES", "ValidationError", "application_server_key", "forget_user", "notify",
           "notify_later", "subscribe", "unsubscribe", "vapid"]
