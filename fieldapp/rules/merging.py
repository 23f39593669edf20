"""Merging two records of one person (registered twice, e.g. offline on two phones).

Merging is the sync engine's (`Engine.merge`): every record of the merged-away person moves to
the kept one with its history, the old id becomes a tombstone, and a mutation still queued on a
phone for the old id lands on the kept one. The coordinator first chooses, per field that
differs, which value the kept record should have; that choice is sent as an ordinary person
update before the merge.
"""

import sync

from .. import users
from ..reads.person import get_person
from ..records import make_engine, push_update, record_types
from . import CoordinationError
from .assignment import push_person_update

LABELS = {"display_name": "Name or description", "description": "Description",
          "district": "District", "trusted_person_id": "Trusted person", "team": "Team"}

def record_counts(db, app_config, person_id) -> dict:
    """How many live records of each kind (contact, assessment, peer_session, ...) a person has."""
    counts = {}
    for record_type in record_types(app_config):
        if record_type.scope_field is None:
            continue
        counts[record_type.name] = db.execute(
            f"SELECT COUNT(*) FROM [{record_type.table}] WHERE scope = ? AND deleted = 0",
            [person_id]).fetchone()[0]
    return counts


def _person_values(schema_class, row) -> dict:
    schema = schema_class()
    return schema.dump({name: row.get(name) for name in schema.fields})


def _shown(db, name, value):
    if value is None or value == "":
        return "None given"
    if name == "trusted_person_id":
        user = users.get_user(db, value)
        return (user["display_name"] or user["username"]) if user else "Unknown"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def merge_preview(db, app_config, coordinator, keep_id, merge_id) -> dict:
    """Both records side by side for the coordinator: {"keep", "merge" (person rows), "fields":
    [{"name", "label", "keep", "merge", "keep_shown", "merge_shown", "differs"}], "counts":
    {"keep": {...}, "merge": {...}}}. Raises LookupError if either is not theirs to see."""
    keep = get_person(db, coordinator, keep_id)
    merge = get_person(db, coordinator, merge_id)
    if keep is None or merge is None:
        raise LookupError("Both people must be in your area")
    if keep_id == merge_id:
        raise CoordinationError("Choose two different records")
    schema_class = record_types(app_config).get("person").schema
    keep_values, merge_values = _person_values(schema_class, keep), _person_values(schema_class, merge)
    rows = []
    for name in schema_class().fields:
        rows.append({"name": name, "label": LABELS.get(name, name.replace("_", " ").capitalize()),
                     "keep": keep_values.get(name), "merge": merge_values.get(name),
                     "keep_shown": _shown(db, name, keep_values.get(name)),
                     "merge_shown": _shown(db, name, merge_values.get(name)),
                     "differs": keep_values.get(name) != merge_values.get(name)})
    return {"keep": keep, "merge": merge, "fields": rows,
            "counts": {"keep": record_counts(db, app_config, keep_id),
                       "merge": record_counts(db, app_config, merge_id)}}


def merge_people(db, app_config, coordinator, keep_id, merge_id, choices) -> dict:
    """Merge the person `merge_id` into `keep_id`. `choices` maps a differing field's name to
    "keep" or "merge" (which record's value the kept one ends with; "keep" if not given).

    First a person update to the kept record with the chosen values (through the engine), then
    the engine's merge. Returns {"moved": records moved, "changed": [fields taken from the other
    record]}. Raises LookupError (not theirs to see) or CoordinationError (refused).
    """
    preview = merge_preview(db, app_config, coordinator, keep_id, merge_id)
    fields = {row["name"]: row["merge"] for row in preview["fields"]
              if row["differs"] and choices.get(row["name"]) == "merge"}
    if fields:
        push_person_update(db, app_config, coordinator, keep_id, fields)
    try:
        result = make_engine(db, app_config).merge(coordinator, "person", merge_id, keep_id)
    except sync.Refusal as refusal:
        raise CoordinationError(str(refusal), refusal.errors) from refusal
    # Barriers name a person without being in their scope, so the engine's merge does not move
    # them: point each at the record kept (an update through the engine, history kept), so it
    # stays on their timeline. One of another area's is left for its own coordinator.
    for row in list(db.query("SELECT id FROM barrier WHERE person_id = ? AND deleted = 0", [merge_id])):
        push_update(db, app_config, coordinator, "barrier", row["id"], {"person_id": keep_id})
    return {"moved": result["moved"], "changed": sorted(fields)}
