"""The echo: what an answer sends back of the records the phone itself just pushed.

A pull includes the device's own changes, so that what the server derives (a person's area, who
recorded a contact, when) reaches the phone. Sent whole, a just-created record comes back as
large as it went up. A phone that asks for it (`"echo": "partial"` in the request) instead gets,
for a record it created in this very request and nobody has changed since (version 1), a change
marked `"partial": true` carrying only the fields whose value differs from what it sent, or that
it did not send and the server filled: it merges them over its own copy of the fields it sent.
Everything else (another phone's records, a record changed since, updates, replays) comes whole,
and a phone that does not ask gets every change whole, as before.

A phone that asks for `"echo": "result"` (added later, backwards compatibly) gets the same partial
echo folded into the mutation's own result instead (`fold_echoes`): `"echo": {"scope", "fields"}`
beside its `version`, with no change of its own in `changes`. The phone knows the record's type
and id from the mutation it sent, so the answer does not repeat them (a record id is a random
UUID, about 20 bytes gzip cannot shrink). Its results also leave out a `version`,
`first_status` or `errors` that would be null (`compact_results`).
"""

import json
import uuid


def trim_echoes(changes: list[dict], mutations: list, results: list[dict]) -> None:
    """Make partial, in place, the changes in `changes` that echo a record created by one of
    `mutations` (as the phone sent them) and answered `applied` in `results`."""
    sent = {}
    for raw, result in zip(mutations, results):
        if result["status"] != "applied" or not isinstance(raw, dict) or raw.get("op") != "create":
            continue
        fields = raw.get("fields")
        try:
            record_id = str(uuid.UUID(str(raw.get("record_id"))))
        except ValueError:
            continue
        if isinstance(fields, dict):
            sent[(raw.get("type"), record_id)] = fields
    if not sent:
        return
    for change in changes:
        base = sent.get((change["type"], change["record_id"]))
        fields = change.get("fields")
        if base is None or fields is None or change.get("deleted") or change["version"] != 1:
            continue
        if any(name not in fields for name in base):
            continue  # the phone holds a field the server does not keep: only whole is right
        change["fields"] = {
            name: value for name, value in fields.items()
            if (name in base and not _same(base[name], value))
            or (name not in base and value is not None)}  # absent on both sides means null
        change["partial"] = True


_SCALARS = (str, int, float, bool, type(None))


def _same(sent, stored) -> bool:
    """True if the phone's JSON value is exactly the server's (1 is not true, "20" not 20)."""
    if type(sent) in _SCALARS and type(stored) in _SCALARS:
        return type(sent) is type(stored) and sent == stored
    return json.dumps(sent, sort_keys=True) == json.dumps(stored, sort_keys=True)


def fold_echoes(changes: list[dict], mutations: list, results: list[dict]) -> list[dict]:
    """Move each partial change (after `trim_echoes`) into the result of the create it echoes,
    as `"echo": {"scope", "fields"}`; the changes that are left, in order."""
    by_record = {}
    for raw, result in zip(mutations, results):
        if isinstance(raw, dict) and raw.get("op") == "create" and result["status"] == "applied":
            try:
                by_record[(raw.get("type"), str(uuid.UUID(str(raw.get("record_id")))))] = result
            except ValueError:
                continue
    left = []
    for change in changes:
        result = by_record.get((change["type"], change["record_id"])) \
            if change.get("partial") else None
        if result is None or "echo" in result:
            left.append(change)
            continue
        result["echo"] = {"scope": change["scope"], "fields": change["fields"]}
    return left


def compact_results(results: list[dict]) -> None:
    """Leave out, in place, each result's `version`, `first_status` and `errors` that is null
    (absent means null to a phone that asked for `"echo": "result"`)."""
    for result in results:
        for name in ("version", "first_status", "errors"):
            if result.get(name, 0) is None:
                del result[name]
