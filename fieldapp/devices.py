"""Phones (devices) and the login sessions on them: plain functions over the database.

A sign-in starts a session on a device (a random id the phone keeps); the server keeps each
device's wrap key (the PIN reset, README: Security) and, once registered, its signing key
(rules/sealed_sync.py). No Flask here: the web views, the CLI and the tests all call these.
Logging out, ending a device's sessions and revoking a lost phone take effect at once, because
every request checks the session row (`session_user`).
"""

import base64
import secrets
import uuid
from datetime import timedelta

from .db import immediate
from .timeutil import now_iso
from .users import User

# Touch last_seen_at at most this often, so that reads do not each cost a write.
_TOUCH_EVERY = timedelta(minutes=1)


def is_device_id(value):
    """True if `value` is a UUID in its usual text form (what phones make)."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, TypeError, AttributeError):
        return False


def start_session(db, user_id, device_id, user_agent=None):
    """Start a server-side login session for `user_id` on `device_id`; return its token.

    The device row is created on first use. A device id belongs to one user: when another user
    signs in with it, their sessions on that phone end (one phone, one signed-in worker) and this
    sign-in gets a new device. A revoked device id stays revoked for good. So the caller must not
    reuse the id it offered: `session_device_id` tells the device the session got, a freshly
    minted id when the phone offered another user's, a revoked or a malformed one.
    """
    now = now_iso()
    if not is_device_id(device_id):
        device_id = str(uuid.uuid4())
    token = secrets.token_urlsafe(32)
    with immediate(db):  # reads the device, then writes: take the write lock first
        rows = list(db.query("SELECT * FROM device WHERE id = ?", [device_id]))
        if rows and rows[0]["user_id"] != user_id:
            # A device id belongs to one user: another user's sign-in on that phone ends the
            # first one's sessions there and gets a device of its own, so nothing of the first
            # user's (their cursor, what their phone held) is reachable through it.
            db.execute("UPDATE login_session SET revoked_at = ? WHERE device_id = ?"
                       " AND revoked_at IS NULL", [now, device_id])
            device_id = str(uuid.uuid4())
            rows = []
        if rows and rows[0]["revoked_at"]:
            device_id = str(uuid.uuid4())
            rows = []
        if rows:
            db.execute(
                "UPDATE device SET user_agent = ?, last_seen_at = ? WHERE id = ?",
                [user_agent, now, device_id],
            )
        else:
            db.execute(
                "INSERT INTO device (id, user_id, user_agent, created_at, last_seen_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [device_id, user_id, user_agent, now, now],
            )
        db.execute(
            "UPDATE login_session SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL",
            [now, device_id],
        )
        db.execute(
            "INSERT INTO login_session (token, user_id, device_id, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [token, user_id, device_id, now, now],
        )
    return token


def device_wrap_key(db, device_id, token, fresh_minutes):
    """The server-held key of a device (32 random bytes, base64url), made on first asking. The
    phone wraps its data key with it and never stores it. Only within `fresh_minutes` of a
    password sign-in (the session `token`): a live session alone, which whoever holds the phone
    also has, must not replace the PIN. None for a revoked or unknown device, or a stale session."""
    with immediate(db):
        rows = list(db.query("SELECT wrap_key, revoked_at FROM device WHERE id = ?", [device_id]))
        if not rows or rows[0]["revoked_at"]:
            return None
        fresh = db.execute("SELECT 1 FROM login_session WHERE token = ? AND device_id = ?"
                           " AND revoked_at IS NULL AND created_at >= ?",
                           [token, device_id, now_iso(-timedelta(minutes=fresh_minutes))]).fetchone()
        if not fresh:
            return None
        if rows[0]["wrap_key"]:
            return rows[0]["wrap_key"]
        key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        db.execute("UPDATE device SET wrap_key = ? WHERE id = ?", [key, device_id])
        return key


def _fresh_session(db, token, device_id, fresh_minutes) -> bool:
    """Whether `token` is a live session on `device_id` signed in with the password within
    `fresh_minutes` (what setting a PIN, or a phone's signing key, asks for)."""
    return db.execute("SELECT 1 FROM login_session WHERE token = ? AND device_id = ?"
                      " AND revoked_at IS NULL AND created_at >= ?",
                      [token, device_id, now_iso(-timedelta(minutes=fresh_minutes))]).fetchone() is not None


def register_signing_key(db, device_id, token, public_key: bytes, fresh_minutes) -> bool:
    """Keep `public_key` (a P-256 point, 65 bytes) as the signing key of `device_id`: from now on
    the server takes only sealed mutations signed by it from that phone (rules/sealing.py). Only
    within `fresh_minutes` of a password sign-in, like the device's wrap key, so a stolen cookie
    alone cannot put a key of its own in place. False (nothing kept) otherwise, or for a revoked
    or unknown device."""
    with immediate(db):
        rows = list(db.query("SELECT revoked_at FROM device WHERE id = ?", [device_id]))
        if not rows or rows[0]["revoked_at"] or not _fresh_session(db, token, device_id, fresh_minutes):
            return False
        db.execute("UPDATE device SET signing_key = ? WHERE id = ?",
                   [base64.urlsafe_b64encode(public_key).decode().rstrip("="), device_id])
        return True


def device_signing_key(db, device_id) -> bytes | None:
    """The public signing key registered for `device_id` (its point's bytes), or None."""
    row = db.execute("SELECT signing_key FROM device WHERE id = ?", [str(device_id)]).fetchone()
    if not row or not row[0]:
        return None
    return base64.urlsafe_b64decode(row[0] + "=" * (-len(row[0]) % 4))


def session_device_id(db, token):
    """The device id a login session is bound to, or None."""
    rows = list(db.query("SELECT device_id FROM login_session WHERE token = ?", [token]))
    return rows[0]["device_id"] if rows else None


def end_session(db, token):
    """End one login session (logout)."""
    with db.atomic():
        db.execute(
            "UPDATE login_session SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL",
            [now_iso(), token],
        )


def revoke_device(db, device_id):
    """Shut a lost phone out: the device is revoked and its sessions end."""
    now = now_iso()
    with db.atomic():
        db.execute("UPDATE device SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [now, device_id])
        db.execute(
            "UPDATE login_session SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL",
            [now, device_id],
        )


def list_devices(db, user_id):
    """A user's devices, most recently seen first."""
    return list(
        db.query("SELECT * FROM device WHERE user_id = ? ORDER BY last_seen_at DESC", [user_id])
    )


def devices_with_sessions(db, user_id, session_days=30):
    """A user's devices, most recently seen first, each with its live login session's times
    (`signed_in_at`, `session_seen_at`; None when signed out there). A device has at most one
    live session: `start_session` ends the one before."""
    return list(db.query(
        "SELECT d.*, s.created_at AS signed_in_at, s.last_seen_at AS session_seen_at"
        " FROM device d LEFT JOIN login_session s ON s.device_id = d.id AND s.user_id = d.user_id"
        " AND s.revoked_at IS NULL AND s.last_seen_at >= ?"
        " WHERE d.user_id = ? ORDER BY d.last_seen_at DESC",
        [now_iso(-timedelta(days=session_days)), user_id]))


def end_device_sessions(db, user_id, device_id) -> bool:
    """Sign a user out on one of their devices (their sessions there end; the device is not
    revoked). False if the device is not theirs."""
    with db.atomic():
        if db.execute("SELECT 1 FROM device WHERE id = ? AND user_id = ?",
                      [device_id, user_id]).fetchone() is None:
            return False
        db.execute("UPDATE login_session SET revoked_at = ? WHERE device_id = ? AND user_id = ?"
                   " AND revoked_at IS NULL", [now_iso(), device_id, user_id])
    return True


def is_known_device(db, user_id, device_id) -> bool:
    """True if `device_id` is a phone this user has signed in on and it is not revoked: its
    correct sign-in gets past a lock on their account (rules/logins.py)."""
    if not is_device_id(device_id):
        return False
    return db.execute("SELECT 1 FROM device WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                      [device_id, user_id]).fetchone() is not None


def device_revoked(db, device_id):
    """True if this device id was revoked (the phone must wipe itself)."""
    rows = list(db.query("SELECT revoked_at FROM device WHERE id = ?", [device_id]))
    return bool(rows and rows[0]["revoked_at"])


def session_user(db, token, session_days=30, max_days=None):
    """The `User` for a login session token, or None if it is no longer good.

    Good means: the session and its device are not revoked, the user is active, the session was
    used within `session_days` (the idle limit) and, with `max_days`, began within `max_days` (the
    absolute limit: a password sign-in at least that often, however busy the session).
    Touches last_seen_at (session and device) at most once a minute.
    """
    if not token:
        return None
    rows = list(
        db.query(
            "SELECT u.*, s.device_id AS s_device_id, s.last_seen_at AS s_last_seen_at,"
            " s.created_at AS s_created_at"
            " FROM login_session s JOIN user u ON u.id = s.user_id"
            " LEFT JOIN device d ON d.id = s.device_id"
            " WHERE s.token = ? AND s.revoked_at IS NULL AND d.revoked_at IS NULL AND u.active = 1",
            [token],
        )
    )
    if not rows:
        return None
    row = rows[0]
    if row["s_last_seen_at"] < now_iso(-timedelta(days=session_days)):
        return None
    if max_days and row["s_created_at"] < now_iso(-timedelta(days=max_days)):
        return None
    if row["s_last_seen_at"] < now_iso(-_TOUCH_EVERY):
        now = now_iso()
        with db.atomic():
            db.execute("UPDATE login_session SET last_seen_at = ? WHERE token = ?", [now, token])
            db.execute("UPDATE device SET last_seen_at = ? WHERE id = ?", [now, row["s_device_id"]])
    return User(row, device_id=row["s_device_id"], token=token)


# ----------------------------------------------------------------------------- who works where
