"""Deployment-wide switches kept in the `setting` table, and the Outcomes Star licence gate.

Instruments marked `requires_licence` (the Outcomes Stars) stay off until an administrator
confirms that the organisation holds a Triangle Consulting licence and its workers are trained
(README: Outcomes Star licence notice). Plain functions over the database, no Flask.
"""

import json

from .timeutil import now_iso

STAR_LICENCE = "outcomes_star_licence"
STAR_LICENCE_QUESTION = ("Our organisation holds a Triangle Consulting licence for the Outcomes "
                         "Star, and our workers are trained")


def get_setting(db, key: str, default=None):
    """The stored value of a setting (any JSON value), or `default`."""
    row = db.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def setting_row(db, key: str) -> dict | None:
    """The setting's row (value as JSON text, updated_at, updated_by), or None."""
    rows = list(db.query("SELECT * FROM setting WHERE key = ?", [key]))
    return rows[0] if rows else None


def set_setting(db, key: str, value, user_id=None) -> None:
    """Store a setting, noting who changed it and when."""
    with db.atomic():
        db.execute(
            "INSERT INTO setting (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            [key, json.dumps(value), now_iso(), user_id])


def star_licensed(db) -> bool:
    """True once an administrator has switched licensed instruments on."""
    return bool(get_setting(db, STAR_LICENCE, False))


def set_star_licensed(db, on: bool, user_id=None) -> None:
    """Switch licensed instruments (the Outcomes Stars) on or off for the whole deployment."""
    set_setting(db, STAR_LICENCE, bool(on), user_id)


def instrument_available(db, instrument) -> bool:
    """True if workers may use this instrument: licence-free, or licensed by this deployment."""
    return not instrument.requires_licence or star_licensed(db)
