"""Pseudonymous ids for the de-identified per-person return: HMAC-SHA256 of the person's id under
an instance secret (the PSEUDONYM_SECRET setting, or the file `pseudonym_secret` in the instance
folder, made at first start). The same person gets the same id in every export from one instance,
so returns can be joined quarter on quarter; another instance (another secret) gives different
ids, and without the secret the id cannot be turned back into the person."""

import hashlib
import hmac
import secrets
from pathlib import Path

from ..instance_files import made_once

FILE = "pseudonym_secret"


def instance_secret(instance) -> str:
    """The instance folder's pseudonym secret, made (random, readable by the owner only) the first
    time it is asked for."""
    return made_once(Path(instance) / FILE, lambda: secrets.token_hex(32).encode()).decode().strip()


def pseudonym(secret: str, person_id: str) -> str:
    """The person's pseudonymous id: the first 16 hex digits of HMAC-SHA256(secret, person id)."""
    return hmac.new(secret.encode(), str(person_id).encode(), hashlib.sha256).hexdigest()[:16]
