"""Shutting people and phones out: a leaver, and a lost phone.

Both take effect at once (every request checks the session and device rows, fieldapp/users.py),
and neither phone nor person hears anything more: their push subscriptions go too.
"""

from .. import devices, users
from ..notify import push


def deactivate(db, user_id) -> None:
    """A leaver: inactive, every session ended, every phone revoked, no more notifications."""
    users.deactivate_user(db, user_id)
    push.forget_user(db, user_id)


def revoke_phone(db, device_id) -> None:
    """A lost phone: revoked (it wipes itself at its next sync), no more notifications."""
    devices.revoke_device(db, device_id)
    push.forget_device(db, device_id)
