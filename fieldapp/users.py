"""Users, server-side login sessions and devices: plain functions over the database.

No Flask here: the web views, the CLI and the tests all call these. Logging out, deactivating a user
and revoking a lost phone take effect at once, because every request checks the session row.
"""

import base64
import secrets
import uuid
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .db import immediate
from .timeutil import now_iso

ROLES = {
    "outreach_worker": "Outreach worker",
    "peer_mentor": "Peer mentor",
    "trusted_person": "Trusted person",
    "coordinator": "Coordinator",
    "partner_agency": "Partner agency worker",
    "admin": "Admin",
    "manager": "Manager",
}
# Roles that record casework (write through the sync engine).
CASEWORK_ROLES = ("outreach_worker", "peer_mentor", "trusted_person", "coordinator")
# Roles that read people's records: caseworkers, and partner agency workers who see what a
# person's consent shares with their agency, read-only (README: Roles and access).
READER_ROLES = (*CASEWORK_ROLES, "partner_agency")
# Caseworkers who are not coordinators: who a coordinator assigns people to, and shares them with.
WORKER_ROLES = tuple(role for role in CASEWORK_ROLES if role != "coordinator")
# Roles that read the programme's measures and returns (never people's casework): a coordinator
# for their area; a manager (read-only, every area) and an admin for every area.
MEASURE_ROLES = ("coordinator", "manager", "admin")

_hasher = PasswordHasher()  # argon2id with argon2-cffi's recommended parameters
# Verified against when the username is unknown, so that the answer takes about as long.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def configure_hashing(time_cost=None, memory_cost=None, parallelism=None):
    """Set the argon2id parameters (the ARGON2_* settings; None keeps argon2-cffi's defaults, RFC
    9106's low-memory profile). A stored hash made with other parameters is re-hashed at the next
    successful login, so an operator can raise them at any time. Tests lower them for speed."""
    global _hasher, _DUMMY_HASH
    chosen = {"time_cost": time_cost, "memory_cost": memory_cost, "parallelism": parallelism}
    hasher = PasswordHasher(**{k: v for k, v in chosen.items() if v is not None})
    if hasher.time_cost != _hasher.time_cost or hasher.memory_cost != _hasher.memory_cost or \
            hasher.parallelism != _hasher.parallelism:
        _hasher = hasher
        _DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


# Touch last_seen_at at most this often, so that reads do not each cost a write.
_TOUCH_EVERY = timedelta(minutes=1)


class AccountError(ValueError):
    """A request the accounts layer refuses (unknown role, duplicate username, ...)."""


class User:
    """The signed-in user (or any actor): what views, access rules and the sync engine need.

    Also satisfies flask-login's user protocol; `get_id()` is the server-side session token, the only
    thing the Flask session cookie holds.
    """

    is_active = True
    is_anonymous = False
    is_authenticated = True

    def __init__(self, row, device_id=None, token=None):
        self.id = row["id"]
        self.username = row["username"]
        self.display_name = row["display_name"] or row["username"]
        self.role = row["role"]
        self.team = row["team"]
        self.area = row["area"]
        self.agency = row["agency"] if "agency" in row.keys() else None
        # After an administrator's reset: only the change-password page opens (web/guards.py).
        self.must_change_password = bool(row["must_change_password"]) \
            if "must_change_password" in row.keys() else False
        self.device_id = device_id
        self.token = token

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)

    def get_id(self):
        return self.token

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


def hash_password(password):
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def _check_role(role):
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}")


def create_user(db, username, password, role, display_name=None, team=None, area=None,
                agency=None):
    """Add an active user and return their id. A partner agency worker needs `agency` (a key of
    the PARTNER_AGENCIES setting): they see only people whose consent shares with it."""
    username = (username or "").strip()
    if not username:
        raise AccountError("Enter a username")
    if not password:
        raise AccountError("Enter a password")
    _check_role(role)
    if role == "partner_agency" and not agency:
        raise AccountError("Choose the partner agency this worker works for")
    if get_user_by_username(db, username) is not None:
        raise AccountError(f"The username {username!r} is already taken")
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO user (username, display_name, role, team, area, agency, password_hash,"
            " active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
            [username, display_name or username, role, team or None, area or None,
             agency if role == "partner_agency" else None, hash_password(password), now_iso()],
        )
    return cursor.lastrowid


def get_user(db, user_id):
    """The user row (a dict) with this id, or None."""
    rows = list(db.query("SELECT * FROM user WHERE id = ?", [user_id]))
    return rows[0] if rows else None


def get_user_by_username(db, username):
    """The user row (a dict) with this username, or None."""
    rows = list(db.query("SELECT * FROM user WHERE username = ?", [username]))
    return rows[0] if rows else None


def list_users(db):
    """Every user, active first, by username."""
    return list(db.query("SELECT * FROM user ORDER BY active DESC, username"))


def set_password(db, user_id, password, *, keep_token=None, one_time=False):
    """Replace a user's password and end every login session of theirs at once, except
    `keep_token` (the session of a user changing their own): whoever knew the old password is
    signed out everywhere. Their phones are not revoked, so their outboxes wait for them to sign in
    again (a 401 keeps the outbox). A `one_time` password (an administrator's reset) lets them do
    nothing but choose their own; any other clears that."""
    if not password:
        raise AccountError("Enter a password")
    with db.atomic():
        db.execute(
            "UPDATE user SET password_hash = ?, must_change_password = ?,"
            " password_reset_at = CASE WHEN ? THEN ? ELSE password_reset_at END WHERE id = ?",
            [hash_password(password), int(one_time), int(one_time), now_iso(), user_id])
        db.execute(
            "UPDATE login_session SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"
            " AND token IS NOT ?", [now_iso(), user_id, keep_token])


def deactivate_user(db, user_id):
    """Shut a user out at once: inactive, every login session ended, every device revoked."""
    now = now_iso()
    with db.atomic():
        db.execute("UPDATE user SET active = 0 WHERE id = ?", [user_id])
        db.execute(
            "UPDATE login_session SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            [now, user_id],
        )
        db.execute(
            "UPDATE device SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", [now, user_id]
        )


def check_password(db, user_id, password) -> bool:
    """True if `password` is this user's (the change-password form asks for the current one)."""
    user = get_user(db, user_id)
    try:
        return bool(user) and _hasher.verify(user["password_hash"], password or "")
    except (VerificationError, InvalidHashError):
        return False


def verify_login(db, username, password):
    """The active user row for this username and password, or None.

    An unknown username still costs one hash verification, so timing does not reveal which
    usernames exist. A hash made with older parameters is upgraded on a correct login.
    """
    user = get_user_by_username(db, (username or "").strip())
    stored = user["password_hash"] if user else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user["active"]:
        return None
    if _hasher.check_needs_rehash(stored):
        with db.atomic():
            db.execute(
                "UPDATE user SET password_hash = ? WHERE id = ?", [hash_password(password), user["id"]]
            )
    return user


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
def trusted_person_choices(db, area) -> list[dict]:
    """Active caseworkers a coordinator may choose as a trusted person in `area`."""
    marks = ",".join("?" * len(WORKER_ROLES))
    return list(db.query(
        f"""SELECT id, COALESCE(display_name, username) AS name, team FROM user
            WHERE active = 1 AND role IN ({marks}) AND (area = ? OR area IS NULL) ORDER BY name""",
        [*WORKER_ROLES, area]))


def team_choices(db, area) -> list[str]:
    """The teams of the active workers in `area`."""
    rows = db.execute("SELECT DISTINCT team FROM user WHERE active = 1 AND area = ? AND team IS NOT"
                      " NULL AND team != '' ORDER BY team", [area]).fetchall()
    return [row[0] for row in rows]
