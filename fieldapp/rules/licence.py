"""The Outcomes Star licence gate.

Instruments marked `requires_licence` (the Outcomes Stars) stay off until an administrator
confirms that the organisation holds a Triangle Consulting licence and its workers are trained
(README: Outcomes Star licence notice). The switch is kept in the `setting` table (fieldapp/db.py).
"""

from ..db import get_setting, set_setting

STAR_LICENCE = "outcomes_star_licence"
STAR_LICENCE_QUESTION = ("Our organisation holds a Triangle Consulting licence for the Outcomes "
                         "Star, and our workers are trained")


def star_licensed(db) -> bool:
    """True once an administrator has switched licensed instruments on."""
    return bool(get_setting(db, STAR_LICENCE, False))


def set_star_licensed(db, on: bool, user_id=None) -> None:
    """Switch licensed instruments (the Outcomes Stars) on or off for the whole deployment."""
    set_setting(db, STAR_LICENCE, bool(on), user_id)


def instrument_available(db, instrument) -> bool:
    """True if workers may use this instrument: licence-free, or licensed by this deployment."""
    return not instrument.requires_licence or star_licensed(db)
