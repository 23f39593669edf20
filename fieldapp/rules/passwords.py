"""Setting a password on purpose: an administrator's reset, and a user changing their own.

Both end every other login session of that user at once (users.set_password) and are written to
the audit trail as account events. A reset is never silent: the password it sets works once (the
user must choose their own before anything else opens, web/guards.py), the user's phones are
told in a generic sentence (push "password"), and their next sign-in says when it happened.
The policy a new password must meet is checked before these are called, by the form's schema or
the command line (users.password_problem).
"""

from .. import audit, users
from ..db import open_db
from ..notify import push


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
