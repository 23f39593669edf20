"""Users and their passwords: plain functions over the database (their phones and login sessions
are fieldapp/devices.py).

No Flask here: the web views, the CLI and the tests all call these. Deactivating a user takes
effect at once, because every request checks the session row.
"""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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
