"""Decisions beyond one record: who may see whom (`access`), conflicts, assignment, matching and
merging people, sharing, scoring, the Star licence, leavers. Plain functions over the database, no
Flask; web views and the record types' hooks both call them.

`access`, `scoring` and `licence` are policies the record types themselves apply, so they import
nothing from `records`, `reads` or `web` (tests/test_layers.py checks the direction).
"""


class CoordinationError(ValueError):
    """A coordinator's action the rules refuse; `errors` maps field names to messages."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = dict(errors or {"_action": [message]})
