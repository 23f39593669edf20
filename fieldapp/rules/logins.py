"""Sign-in throttling per account: a temporary lock after repeated wrong passwords.

flask-limiter counts attempts per address and per username in memory (web/auth.py); this is the
lock behind them, kept in the database so that a restart does not lift it, and audited. Failures
are counted by the username as typed (lower case), whether or not such a user exists, and the
answers are the same either way: a lock tells nobody which usernames exist. The user's own phone
(a known, unrevoked device id sent with the form) gets past a lock with the right password, so
someone guessing at a worker's account cannot lock the worker out of their work.
"""

from datetime import timedelta

from .. import audit, users
from ..db import immediate
from ..timeutil import now_iso

# The longest username kept (the admin form allows 40): what else is typed is cut, not stored.
_KEY_LENGTH = 80


def account_key(username) -> str:
    """What failures are counted by: the username as typed, trimmed and in lower case."""
    return (username or "").strip().lower()[:_KEY_LENGTH]


def is_locked(db, username) -> bool:
    """True while sign-in with this username is locked."""
    row = db.execute("SELECT locked_until FROM login_failure WHERE username = ?",
                     [account_key(username)]).fetchone()
    return bool(row and row[0] and row[0] > now_iso())


def record_failure(db, config, username, *, address=None) -> bool:
    """Count a wrong password for `username`; lock it when that makes LOGIN_FAILURES_BEFORE_LOCK
    in a row, and audit the lock (`login_locked`, about the user if there is one). Returns True if
    this failure locked it. While locked nothing more is counted: the lock does not grow."""
    threshold = config["LOGIN_FAILURES_BEFORE_LOCK"]
    minutes = timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    key, now = account_key(username), now_iso()
    window_start = now_iso(-minutes)
    with immediate(db):
        row = db.execute("SELECT failures, last_failed_at, locked_until FROM login_failure"
                         " WHERE username = ?", [key]).fetchone()
        if row and row[2] and row[2] > now:
            return False
        failures = row[0] + 1 if row and row[1] >= window_start else 1
        locked = bool(threshold) and failures >= threshold
        db.execute(
            "INSERT INTO login_failure (username, failures, last_failed_at, locked_until)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET failures = excluded.failures,"
            " last_failed_at = excluded.last_failed_at, locked_until = excluded.locked_until",
            [key, 0 if locked else failures, now, now_iso(minutes) if locked else None])
        # Forget what no longer counts, so guesses at made-up names do not pile up.
        db.execute("DELETE FROM login_failure WHERE last_failed_at < ? AND (locked_until IS NULL"
                   " OR locked_until < ?)", [window_start, now])
    if locked:
        user = users.get_user_by_username(db, (username or "").strip())
        audit.record_account_event(
            db, "login_locked", actor_id=None, subject_id=user["id"] if user else None,
            detail=f"{threshold} wrong passwords, from {address or 'an unknown address'}")
    return locked


def record_success(db, username) -> None:
    """A correct sign-in starts the count again; a lock stays until it ends (the user's own
    phone got past it, but whoever is guessing has not stopped)."""
    with db.atomic():
        db.execute("DELETE FROM login_failure WHERE username = ? AND (locked_until IS NULL"
                   " OR locked_until <= ?)", [account_key(username), now_iso()])
