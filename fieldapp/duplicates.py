"""One person, two records: possible matches before registering someone, and merging two records
of the same person (registered twice offline).

Matching is deliberately simple and explainable ("Same first name"), over the people the worker
may see only: ignoring case, accents and punctuation; a whole-name match, the same first name, an
initial with the same surname, or a first name that begins the other (Dan, Daniel); and the
person's aliases too, when the person table has an `aliases` column.

Merging is the sync engine's (`Engine.merge`): every record of the merged-away person moves to
the kept one with its history, the old id becomes a tombstone, and a mutation still queued on a
phone for the old id lands on the kept one. The coordinator first chooses, per field that
differs, which value the kept record should have; that choice is sent as an ordinary person
update before the merge.
"""

import json
import re
import unicodedata

import sync

from . import access, accounts, caseload
from .casework import make_engine, record_types
from .network import CoordinationError, push_person_update

LABELS = {"display_name": "Name or description", "description": "Description",
          "district": "District", "trusted_person_id": "Trusted person", "team": "Team"}


# --------------------------------------------------------------------------- matching
def name_tokens(text) -> list[str]:
    """A name as lower-case words, without accents or punctuation: "Dan O'Neil." -> dan, oneil."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`]", "", text)
    return re.sub(r"[^\w]+", " ", text).split()


def aliases_of(value) -> list[str]:
    """A person's aliases from the `aliases` column: a JSON list, or text split on , ; or lines."""
    if not value:
        return []
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        parsed = json.loads(value)
        if isinstance(parsed, list):
            return [str(v) for v in parsed]
    except (TypeError, ValueError):
        pass
    return [part for part in re.split(r"[,;\n]", str(value)) if part.strip()]


def name_similarity(a, b):
    """(score, reason) when two names may be the same person, else None. Higher is closer."""
    a, b = name_tokens(a) if isinstance(a, str) else a, name_tokens(b) if isinstance(b, str) else b
    if not a or not b:
        return None
    if a == b:
        return 4, "Same name"
    first_a, first_b = a[0], b[0]
    if first_a == first_b:
        if len(a) > 1 and len(b) > 1 and a[-1] == b[-1]:
            return 3, "Same first name and surname"
        return 2, "Same first name"
    if (len(first_a) == 1 or len(first_b) == 1) and first_a[0] == first_b[0]:
        if len(a) > 1 and len(b) > 1 and a[-1] == b[-1]:
            return 2, "Same initial and surname"
        return None
    shorter, longer = sorted((first_a, first_b), key=len)
    if len(shorter) >= 3 and longer.startswith(shorter):
        return 1, "Similar first name"
    return None


def _best_match(query_tokens, person):
    names = [(person["display_name"], "")]
    names += [(alias, " (alias)") for alias in aliases_of(person.get("aliases"))]
    best = None
    for name, suffix in names:
        found = name_similarity(query_tokens, name_tokens(name))
        if found and (best is None or found[0] > best[0]):
            best = (found[0], found[1] + suffix)
    return best


def possible_matches(db, user, display_name, district=None, limit=10) -> list[dict]:
    """People `user` may see who may be the person called `display_name`, closest first (the
    same district ranks higher). Each is the person row with `reason` added."""
    tokens = name_tokens(display_name)
    if not tokens or len("".join(tokens)) < 2:
        return []
    condition, params = access.person_filter(user, alias="p")
    found = []
    for person in db.query(f"SELECT p.* FROM person p WHERE {condition}", params):
        best = _best_match(tokens, person)
        if best:
            near = 1 if district and person["district"] == district else 0
            found.append((best[0], near, person["display_name"].lower(), {**person, "reason": best[1]}))
    found.sort(key=lambda item: (-item[0], -item[1], item[2]))
    return [item[3] for item in found[:limit]]


def possible_duplicates(db, user, limit=20) -> list[dict]:
    """Pairs of people `user` may see who may be one person: {"a", "b", "reason"}, closest first."""
    condition, params = access.person_filter(user, alias="p")
    people = list(db.query(f"SELECT p.* FROM person p WHERE {condition} ORDER BY p.created_at",
                           params))
    pairs = []
    for i, a in enumerate(people):
        tokens = name_tokens(a["display_name"])
        for b in people[i + 1:]:
            best = _best_match(tokens, b)
            if best:
                pairs.append((best[0], {"a": a, "b": b, "reason": best[1]}))
    pairs.sort(key=lambda item: -item[0])
    return [pair for _score, pair in pairs[:limit]]


# --------------------------------------------------------------------------- merging
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
        user = accounts.get_user(db, value)
        return (user["display_name"] or user["username"]) if user else "Unknown"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def merge_preview(db, app_config, coordinator, keep_id, merge_id) -> dict:
    """Both records side by side for the coordinator: {"keep", "merge" (person rows), "fields":
    [{"name", "label", "keep", "merge", "keep_shown", "merge_shown", "differs"}], "counts":
    {"keep": {...}, "merge": {...}}}. Raises LookupError if either is not theirs to see."""
    keep = caseload.get_person(db, coordinator, keep_id)
    merge = caseload.get_person(db, coordinator, merge_id)
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
    return {"moved": result["moved"], "changed": sorted(fields)}
