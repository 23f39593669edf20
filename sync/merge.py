"""The three-way field merge: what a phone's change does to a record that may have moved on.

A phone edits a record from the version it holds (the base). By the time the edit reaches the
server, the record (the server's current state) may have changed too. Field by field:
- a field only the phone changed takes the phone's value;
- a field both sides changed to different values is a conflict: the server's value stays, and the
  phone's is kept beside it until someone resolves it;
- a field both sides changed to the same value, or the phone "changed" to what the server already
  has, is neither a change nor a conflict.
Fields the phone did not send are never touched. Nothing else is known here: no database, no
record types, so the rule can be tested on its own (tests/test_sync_merge.py).
"""

from typing import Any, NamedTuple


class FieldConflict(NamedTuple):
    """One field both sides changed differently: the value at the base, on the server (kept) and
    from the phone (not applied)."""

    field: str
    base_value: Any
    server_value: Any
    incoming_value: Any


def merge_fields(base: dict, server: dict, patch: dict) -> tuple[dict, list[FieldConflict]]:
    """Merge a phone's `patch` (field -> new value) made from `base` into `server`.

    Returns `(changes, conflicts)`: `changes` maps each field to apply to its new value (the
    phone's); `conflicts` lists the fields both sides changed differently, in the patch's order.
    A field missing from `base` or `server` counts as None. Every field in either result is a field
    of `patch`, and no field is in both.
    """
    changes: dict = {}
    conflicts: list[FieldConflict] = []
    for name, incoming in patch.items():
        at_base, on_server = base.get(name), server.get(name)
        if on_server == at_base:
            if on_server != incoming:
                changes[name] = incoming  # only this phone changed it
        elif on_server != incoming:
            conflicts.append(FieldConflict(name, at_base, on_server, incoming))
        # else: both sides made the same change, which is no conflict
    return changes, conflicts
