"""Applying one validated mutation inside the engine's open transaction: create, update (the
field-by-field merge), delete and restore, with validation, references and authorization.

Part of `sync.Engine` (which inherits `Apply`); the push in sync/engine.py wraps each mutation in
a savepoint of the batch's one transaction, so whatever a mutation wrote is undone if it fails.
Rows are read and written in plain SQL (sync/records.py): this is the hot path.
"""

from marshmallow import ValidationError

from .merge import merge_fields
from .records import dump, get_row as _get, insert_row, schema_of, update_row
from .records import wire_fields as _wire_fields
from .registry import RecordType, Refusal
from .timestamps import stamp
from .wire import flatten_errors


class Deferred(Exception):
    """The mutation refers to a record the server does not have (yet)."""

    def __init__(self, type_name: str, record_id: str):
        super().__init__(f"{type_name} {record_id} has not reached the server yet")
        self.type_name = type_name
        self.record_id = record_id


class Apply:
    """The mutation operations, as part of `sync.Engine`. It uses the engine's `db`, `registry`
    and `clock`, and `_alias_types` (the record types any merge has aliased, read once per batch:
    None means not known, so every lookup asks)."""

    _alias_types: set | None = None

    def _apply(self, actor, device_id, record_type: RecordType, mutation: dict):
        """Apply one validated mutation inside the caller's transaction; (status, version)."""
        op = mutation["op"]
        named_id = record_id = str(mutation["record_id"])
        if op != "create":
            record_id = self._resolve(record_type.name, record_id)
        table = record_type.table
        current = _get(self.db, table, record_id)
        if op == "create":
            status, version, change_scopes = self._create(actor, record_type, record_id,
                                                          mutation, current)
        elif current is None:
            raise Deferred(record_type.name, record_id)
        elif op == "update":
            status, version, change_scopes = self._update(actor, record_type, mutation, current,
                                                          named_id)
        elif op == "restore":
            status, version, change_scopes = self._restore(actor, record_type, current)
        else:
            status, version, change_scopes = self._delete(actor, record_type, current)
        if change_scopes:
            row = _get(self.db, table, record_id)
            self._record_version(actor, device_id, record_type, mutation, row, change_scopes)
        self.db.execute(
            "INSERT INTO sync_mutation (id, device_id, actor_id, type, op, record_id, status,"
            " version, recorded_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [str(mutation["id"]), device_id, actor.id, record_type.name, op, record_id, status,
             version, mutation["recorded_at"], stamp(self.clock())])
        return status, version

    def _create(self, actor, record_type, record_id, mutation, current):
        if current is not None:
            raise Refusal("A record with this id already exists.")
        clean = self._validate(record_type, mutation["fields_"], partial=False)
        self._check_references(record_type, clean)
        scope = clean[record_type.scope_field] if record_type.scope_field else record_id
        if record_type.authorize:
            record_type.authorize(self.db, actor, "create", scope, clean, None)
        derived = record_type.derive(self.db, actor, "create", clean, None) \
            if record_type.derive else {}
        row = {**clean, **derived, "id": record_id, "version": 1, "deleted": 0, "scope": scope}
        insert_row(self.db, record_type.table, row)
        return "applied", 1, [scope]

    def _update(self, actor, record_type, mutation, current, named_id):
        """Field-by-field merge against the version the phone started from. `named_id` is the id
        the phone used: a record since merged into `current` keeps its own version history."""
        self._check_base(mutation, current, named_id)
        patch = self._checked_patch(actor, record_type, mutation, current)
        server = _wire_fields(record_type, current)
        # For a record since merged into this one, the base is the merged-away record as the
        # phone saw it: a field it changed lands only where this record still agrees with that.
        base = self._fields_at(record_type, named_id, mutation["base_version"])
        if base is None:
            base = server
        changed, conflicts = merge_fields(base, server, patch)
        scope = self._scope_after(actor, record_type, current, changed, patch)
        self._record_conflicts(record_type.name, current["id"], scope, str(mutation["id"]),
                               actor.id, conflicts)
        status = "conflict" if conflicts else "applied"
        if not changed:
            return status, current["version"], []
        self._resolve_adopted(record_type.name, current["id"], actor, changed)
        if record_type.derive:
            changed.update(record_type.derive(self.db, actor, "update", changed, current))
        version = current["version"] + 1
        update_row(self.db, record_type.table, current["id"],
                   {**changed, "version": version, "scope": scope})
        scopes = [scope] if scope == current["scope"] else [current["scope"], scope]
        return status, version, scopes

    def _check_base(self, mutation, current, named_id) -> None:
        """An update needs a live record and a base version the server has had. (An update that
        names a merged-away record counts its base in that record's versions, not in these.)"""
        if current["deleted"]:
            raise Refusal("This record was deleted on the server, so it cannot be changed.")
        base_version = mutation["base_version"]
        if named_id == current["id"] and base_version > current["version"]:
            raise Refusal(f"This change was made from version {base_version}, which the server "
                          "has never had.", {"base_version": ["Unknown version."]})

    def _checked_patch(self, actor, record_type, mutation, current) -> dict:
        """The update's fields validated, their references resolved and the change authorized."""
        patch = self._validate(record_type, mutation["fields_"], partial=True)
        self._check_references(record_type, patch)
        if record_type.authorize:
            record_type.authorize(self.db, actor, "update", current["scope"], patch, current)
        return patch

    def _scope_after(self, actor, record_type, current, changed, patch) -> str:
        """The record's scope once `changed` is applied: a change of its scope field moves it,
        which the actor must be allowed to do in the new scope too."""
        scope = current["scope"]
        if record_type.scope_field and record_type.scope_field in changed:
            scope = changed[record_type.scope_field]
            if record_type.authorize:
                record_type.authorize(self.db, actor, "update", scope, patch, current)
        return scope

    def _delete(self, actor, record_type, current):
        if current["deleted"]:
            return "applied", current["version"], []  # already gone: deleting twice is harmless
        if record_type.authorize:
            record_type.authorize(self.db, actor, "delete", current["scope"], {}, current)
        version = current["version"] + 1
        update_row(self.db, record_type.table, current["id"], {"deleted": 1, "version": version})
        return "applied", version, [current["scope"]]

    def _restore(self, actor, record_type, current):
        """Undo a delete: the record is live again, as it was, at a new version (its history keeps
        the delete). Phones that may see it receive it again on their next pull."""
        if not current["deleted"]:
            return "applied", current["version"], []  # not deleted: nothing to undo
        if record_type.authorize:
            record_type.authorize(self.db, actor, "restore", current["scope"], {}, current)
        version = current["version"] + 1
        update_row(self.db, record_type.table, current["id"], {"deleted": 0, "version": version})
        return "applied", version, [current["scope"]]

    def _validate(self, record_type, raw_fields, *, partial: bool) -> dict:
        """The schema's load then dump: checked values in their JSON form, or a Refusal."""
        schema = schema_of(record_type.schema)
        try:
            loaded = schema.load(raw_fields, partial=partial)
        except ValidationError as error:
            raise Refusal("Some fields need attention.", flatten_errors(error.messages)) from error
        values = dump(schema, loaded)
        unstorable = sorted(name for name, value in values.items() if not _encodable(value))
        if unstorable:
            raise Refusal("Some fields need attention.", {name: [
                "This text has a character that cannot be stored (part of an emoji, perhaps): "
                "type it again"] for name in unstorable})
        return values

    def _check_references(self, record_type, values: dict) -> None:
        """Every referenced record must exist (else deferred) and be live; a reference to a
        merged-away record is rewritten, in `values`, to the record it was merged into."""
        for name, target_name in record_type.references.items():
            target_id = values.get(name)
            if target_id is None:
                continue
            target_id = values[name] = self._resolve(target_name, str(target_id))
            target = self.registry.get(target_name)
            row = _get(self.db, target.table, str(target_id))
            if row is None:
                raise Deferred(target_name, str(target_id))
            if row["deleted"]:
                raise Refusal(f"The {target_name} this refers to was deleted.",
                              {name: [f"That {target_name} was deleted."]})

    def _resolve(self, type_name: str, record_id: str) -> str:
        """The record a (possibly merged-away) id now lives on."""
        if self._alias_types is not None and type_name not in self._alias_types:
            return record_id  # no record of this type was ever merged away
        for _ in range(20):  # a chain of merges, never a cycle (merge refuses those)
            row = self.db.execute("SELECT to_id FROM sync_alias WHERE type = ? AND from_id = ?",
                                  [type_name, record_id]).fetchone()
            if row is None:
                return record_id
            record_id = row[0]
        return record_id


def _encodable(value) -> bool:
    """False for text that is not valid Unicode (a lone surrogate: half an emoji, which JSON can
    carry as "\\ud83d" but UTF-8, and so SQLite, cannot), anywhere in a value."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(v) for v in value)
    return True
