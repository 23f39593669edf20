"""Setting a password on purpose: an administrator's reset, and a user changing their own.

Both end every other login session of that user at once (users.set_password) and are written to
the audit trail as account events. A reset is never silent: the password it sets works once (the
user must choose their own before anything else opens, web/guards.py), the user's phones are
told in a generic sentence (push "password"), and their next sign-in says when it happened.
The policy a new password must meet is checked before these are called, by the form's schema or
the command line with `password_problem`, here too.
"""

import functools

from .. import audit, users
from ..db import open_db
from ..notify import push

# The password policy (README: Accounts and sessions), applied wherever a person sets a password:
# the web forms' schemas and the command line call `password_problem`.
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256  # generous for pass phrases; stops a megabyte being hashed


@functools.cache
def _common_passwords() -> frozenset:
    """The 30,000 most common passwords of zxcvbn's frequency lists (lower case), read once."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password, username=None) -> str | None:
    """What is wrong with `password` as a new password for the account `username`, in words to
    show the person setting it, or None if it may be used.

    NCSC's and NIST SP 800-63B's advice rather than composition rules: long enough, not a common
    password or a common one with digits or symbols around it, not built on the username, not one
    character over and over. The Python API (`create_user`, `set_password`) does not call this:
    the demo and the tests make users with the password "demo" through it.
    """
    password = password or ""
    if not password:
        return "Enter a password"
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Enter a password of at least {PASSWORD_MIN_LENGTH} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Enter a password of {PASSWORD_MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    core = lowered.strip("0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    if lowered in _common_passwords() or core in _common_passwords():
        return "Choose a password that is harder to guess: it is on a list of common passwords"
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in lowered:
        return "Choose a password that does not contain the username"
    if len(set(lowered)) < 4:
        return "Choose a password with more different characters in it"
    return None


def reset(db, config, user_id, password, *, by=None, device_id=None) -> None:
    """An administrator (`by`, a User; None for the command line) sets a one-time password for
    `user_id`: their sessions end, the reset is audited (the administrator as `user_id`, the
    worker as `subject_user_id`) and their phones are notified."""
    users.set_password(db, user_id, password, one_time=True)
    audit.record_account_event(db, "password_reset", actor_id=by.id if by else None,
                               subject_id=user_id, device_id=device_id,
                               via="html" if by else "cli")
    push.notify_later(open_db, config, [user_id], "password")


def change_own(db, user, password) -> None:
    """`user` (the signed-in User) chooses a new password: it is theirs alone (a one-time
    password is done with), their other sessions end and this one goes on."""
    users.set_password(db, user.id, password, keep_token=user.token)
    audit.record_account_event(db, "password_changed", actor_id=user.id, subject_id=user.id,
                               device_id=user.device_id)
