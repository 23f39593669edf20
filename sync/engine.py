"""Apply a phone's mutations and answer with what changed: the heart of "nothing is ever lost".

Each mutation is applied in its own IMMEDIATE transaction together with its id, so a crash
mid-batch leaves every earlier mutation committed and every later one untouched, and a replayed
mutation is recognised by its id (`duplicate`) instead of being stored twice. The connection runs
with synchronous=FULL, so a COMMIT is on disk before the answer is written.
"""

import logging
import sqlite3
from datetime import datetime, timedelta
from typing import Any, Callable

from marshmallow import ValidationError
from sqlite_utils import Database

from .conflicts import Conflicts
from .history import History
from .merge import merge_fields
from .pull import Pull
from .erase import Erase
from .records import get_row as _get, wire_fields as _wire_fields
from .registry import RecordType, Refusal, Registry, Unknown
from .store import immediate
from .timestamps import parse, stamp, utc_now
from .wire import PROTOCOL, EnvelopeSchema, MutationSchema, flatten_errors

VisibleScopes = Callable[[Database, Any], set[str]]


class EnvelopeError(Exception):
    """The request as a whole is malformed (answered 400 with `messages`)."""

    def __init__(self, messages: dict):
        super().__init__("malformed sync request")
        self.messages = messages


class StoreUnavailable(Exception):
    """The database could not take a write (disk full, I/O error, locked past its timeout): the
    server's trouble, not the record's. Mutations already answered are committed; the caller
    answers the whole request as a temporary failure, and the phone, keeping its outbox, sends
    again (replays are `duplicate`)."""


log = logging.getLogger(__name__)
# Said of a mutation whose applying raised something the engine did not expect (a bug, data the
# store cannot take): rejected, so the rest of the batch is applied and answered.
UNEXPECTED = ("The server could not store this record. It is kept on this phone: tell your "
              "coordinator, and send it again once they say it is fixed.")


class _Deferred(Exception):
    """The mutation refers to a record the server does not have (yet)."""

    def __init__(self, type_name: str, record_id: str):
        super().__init__(f"{type_name} {record_id} has not reached the server yet")
        self.type_name = type_name
        self.record_id = record_id


def _duration(span: timedelta) -> str:
    """A settings span in words a worker reads: "14 days", "6 hours", "4 seconds"."""
    seconds = span.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size, 1)
            return f"{count:g} {unit}{'' if count == 1 else 's'}"
    return f"{seconds:g} seconds"


class Engine(Pull, History, Conflicts, Erase):
    """Sync for the record types in `registry`, over one sqlite-utils Database.

    `visible_scopes(db, actor)` returns the scope keys (for fieldapp: person ids) the actor may see;
    it decides both what a pull sends and, with each type's `authorize`, what a push may touch.
    `can_read(actor, type_name)`, if given, narrows a pull further by record type (a reader who may
    see a person but not every kind of record about them). `can_resolve(engine, actor, conflict)`,
    if given, says who may resolve a conflict by applying its value not kept (otherwise anyone
    whose update is accepted). `actor` is any object with an `id`.
    `clock()` gives the server's time (an aware datetime), stored as 'YYYY-MM-DDTHH:MM:SSZ'.

    The engine owns its `sync_*` tables: the app reads and writes them only through its methods.
    Here: `sync`, `push`, `merge`. In sync/pull.py: `pull`. In sync/history.py: `history`,
    `histories`, `fields_changed`, `device_of`, `last_actor` and `change_log_sql` (the one SELECT
    the app may embed in its own SQL). In sync/conflicts.py: `conflicts`, `conflict`,
    `open_conflict_counts` and `resolve_conflict`. In sync/erase.py: `erase_scope` (retention).
    """

    def __init__(self, db: Database, registry: Registry, visible_scopes: VisibleScopes, *,
                 max_mutations: int = 100, max_bytes: int = 1_000_000, page_size: int = 500,
                 defer_days: float = 14, clock: Callable[[], datetime] = utc_now,
                 can_read: Callable[[Any, str], bool] | None = None,
                 can_resolve: Callable[[Any, Any, dict], bool] | None = None):
        self.db = db
        self.registry = registry
        self.visible_scopes = visible_scopes
        self.max_mutations = max_mutations
        self.max_bytes = max_bytes
        self.page_size = page_size
        self.defer_limit = timedelta(days=defer_days)
        self.clock = clock
        self.can_read = can_read
        self.can_resolve = can_resolve
        # Durable before answered: a COMMIT waits for the disk (WAL + FULL). SQLite refuses to
        # change this inside a transaction: an engine made there (by a record type's hook, to
        # resolve a conflict in the transaction of the engine applying an update) keeps the
        # setting that engine made.
        if not db.conn.in_transaction:
            db.execute("PRAGMA synchronous=FULL")

    # ----------------------------------------------------------------- the whole exchange
    def sync(self, actor, body: Any) -> dict:
        """Answer one POST /api/sync body: push its mutations in order, then pull.

        Raises EnvelopeError for a malformed body. Size limits are the caller's to check (they are
        measured on the raw request), using `max_mutations` and `max_bytes`.
        """
        if not isinstance(body, dict):
            raise EnvelopeError({"_request": ["The request body must be a JSON object."]})
        try:
            envelope = EnvelopeSchema().load(body)
        except ValidationError as error:
            raise EnvelopeError(error.messages) from error
        device_id = str(envelope["device_id"])
        results = self.push(actor, device_id, envelope["mutations"])
        page = self.pull(actor, device_id, envelope["cursor"])
        return {"protocol": PROTOCOL, "results": results, **page}

    # ----------------------------------------------------------------- push
    def push(self, actor, device_id: str, mutations: list[dict]) -> list[dict]:
        """Apply mutations in the order given, each in its own transaction; one result each."""
        return [self._push_one(actor, device_id, raw) for raw in mutations]

    def _push_one(self, actor, device_id: str, raw: dict) -> dict:
        mutation_id = str(raw.get("id"))
        try:
            mutation = MutationSchema().load(raw)
        except ValidationError as error:
            return _result(mutation_id, "rejected", errors=flatten_errors(error.messages))
        mutation_id = str(mutation["id"])
        record_type = self.registry.get(mutation["type"])
        try:
            with immediate(self.db):
                first = self.db.execute(
                    "SELECT actor_id, status, version FROM sync_mutation WHERE id = ?",
                    [mutation_id]).fetchone()
                if first is not None:
                    if first[0] != actor.id:
                        raise Refusal("This mutation id was already used by someone else.")
                    return _result(mutation_id, "duplicate", version=first[2], first_status=first[1])
                if record_type is None:
                    raise Refusal(f"Unknown record type {mutation['type']!r}.")
                status, version = self._apply(actor, device_id, record_type, mutation)
                self.db.execute("DELETE FROM sync_deferral WHERE mutation_id = ?", [mutation_id])
        except Refusal as refusal:
            return _result(mutation_id, "rejected", errors=refusal.errors)
        except _Deferred as deferred:
            return self._defer(mutation_id, deferred)
        except Unknown as unknown:
            return self._defer(mutation_id, _Deferred(unknown.type_name, ""))
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(str(error)) from error
        except Exception:  # one record must never stop the batch: its own answer says so
            log.exception("mutation %s (%s) could not be applied", mutation_id, mutation["type"])
            return _result(mutation_id, "rejected", errors={"_mutation": [UNEXPECTED]})
        return _result(mutation_id, status, version=version)

    def _defer(self, mutation_id: str, deferred: _Deferred) -> dict:
        """Keep a mutation waiting for its reference, until `defer_days` after it was first seen."""
        now = stamp(self.clock())
        with immediate(self.db):
            self.db.execute("INSERT OR IGNORE INTO sync_deferral VALUES (?, ?)", [mutation_id, now])
            first_seen = self.db.execute(
                "SELECT first_seen_at FROM sync_deferral WHERE mutation_id = ?",
                [mutation_id]).fetchone()[0]
        # Both times to the second, as stored, so a first sight waits exactly zero.
        waited = parse(now) - parse(first_seen)
        if waited >= self.defer_limit:
            message = (f"This record refers to a {deferred.type_name} that has not reached the "
                       f"server in {_duration(self.defer_limit)}. It may have been discarded on "
                       "another phone.")
            return _result(mutation_id, "rejected", errors={"_mutation": [message]})
        return _result(mutation_id, "deferred", errors={"_mutation": [
            f"Waiting for the {deferred.type_name} it refers to, which has not reached the "
            "server yet (it may still be on another phone)."]})

    def _apply(self, actor, device_id, record_type: RecordType, mutation: dict):
        """Apply one validated mutation inside the caller's transaction; (status, version)."""
        op = mutation["op"]
        named_id = record_id = str(mutation["record_id"])
        if op != "create":
            record_id = self._resolve(record_type.name, record_id)
        table = self.db[record_type.table]
        current = _get(table, record_id)
        if op == "create":
            status, version, change_scopes = self._create(actor, record_type, record_id,
                                                          mutation, current)
        elif current is None:
            raise _Deferred(record_type.name, record_id)
        elif op == "update":
            status, version, change_scopes = self._update(actor, record_type, mutation, current,
                                                          named_id)
        elif op == "restore":
            status, version, change_scopes = self._restore(actor, record_type, current)
        else:
            status, version, change_scopes = self._delete(actor, record_type, current)
        if change_scopes:
            row = _get(table, record_id)
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
        self.db[record_type.table].insert(row)
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
        self.db[record_type.table].update(
            current["id"], {**changed, "version": version, "scope": scope})
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
        self.db[record_type.table].update(current["id"], {"deleted": 1, "version": version})
        return "applied", version, [current["scope"]]

    def _restore(self, actor, record_type, current):
        """Undo a delete: the record is live again, as it was, at a new version (its history keeps
        the delete). Phones that may see it receive it again on their next pull."""
        if not current["deleted"]:
            return "applied", current["version"], []  # not deleted: nothing to undo
        if record_type.authorize:
            record_type.authorize(self.db, actor, "restore", current["scope"], {}, current)
        version = current["version"] + 1
        self.db[record_type.table].update(current["id"], {"deleted": 0, "version": version})
        return "applied", version, [current["scope"]]

    def _validate(self, record_type, raw_fields, *, partial: bool) -> dict:
        """The schema's load then dump: checked values in their JSON form, or a Refusal."""
        schema = record_type.schema()
        try:
            loaded = schema.load(raw_fields, partial=partial)
        except ValidationError as error:
            raise Refusal("Some fields need attention.", flatten_errors(error.messages)) from error
        values = schema.dump(loaded)
        unstorable = sorted(name for name, value in values.items() if not _storable(value))
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
            row = _get(self.db[target.table], str(target_id))
            if row is None:
                raise _Deferred(target_name, str(target_id))
            if row["deleted"]:
                raise Refusal(f"The {target_name} this refers to was deleted.",
                              {name: [f"That {target_name} was deleted."]})

    # ----------------------------------------------------------------- merging
    def _resolve(self, type_name: str, record_id: str) -> str:
        """The record a (possibly merged-away) id now lives on."""
        for _ in range(20):  # a chain of merges, never a cycle (merge refuses those)
            row = self.db.execute("SELECT to_id FROM sync_alias WHERE type = ? AND from_id = ?",
                                  [type_name, record_id]).fetchone()
            if row is None:
                return record_id
            record_id = row[0]
        return record_id

    def merge(self, actor, type_name: str, from_id: str, into_id: str) -> dict:
        """Merge two records of a scope-owning type (two registrations of one person): every record
        in `from_id`'s scope moves to `into_id`'s (a new version each, history kept), `from_id`
        becomes a tombstone, and from now on mutations naming `from_id` land on `into_id`.

        Which of the two records' own field values to keep is the caller's business (send an
        update first). Returns {"moved": n}. Raises Refusal if the merge makes no sense.
        """
        record_type = self.registry.get(type_name)
        if record_type is None or record_type.scope_field is not None:
            raise Refusal(f"Records of type {type_name!r} cannot be merged.")
        if from_id == into_id:
            raise Refusal("A record cannot be merged into itself.")
        operation = {"op": "merge", "id": None, "recorded_at": None}
        moved = 0
        with immediate(self.db):
            table = self.db[record_type.table]
            source, target = _get(table, from_id), _get(table, into_id)
            if source is None or target is None or source["deleted"] or target["deleted"]:
                raise Refusal("Both records must exist and not be deleted.")
            for other in self.registry:
                if other.scope_field is None:
                    continue
                for row in list(self.db[other.table].rows_where("scope = ?", [from_id])):
                    version = row["version"] + 1
                    self.db[other.table].update(row["id"], {
                        other.scope_field: into_id, "scope": into_id, "version": version})
                    self._record_version(actor, None, other, operation,
                                         _get(self.db[other.table], row["id"]),
                                         [from_id, into_id])
                    moved += 1
            table.update(from_id, {"deleted": 1, "version": source["version"] + 1})
            self._record_version(actor, None, record_type, operation, _get(table, from_id),
                                 [from_id])
            self.db.execute("UPDATE sync_alias SET to_id = ? WHERE type = ? AND to_id = ?",
                            [into_id, type_name, from_id])
            self.db.execute("INSERT INTO sync_alias VALUES (?, ?, ?, ?, ?)",
                            [type_name, from_id, into_id, actor.id, stamp(self.clock())])
            self.db.execute("UPDATE sync_conflict SET scope = ? WHERE scope = ?",
                            [into_id, from_id])
        return {"moved": moved}


def _storable(value) -> bool:
    """False for text that is not valid Unicode (a lone surrogate: half an emoji, which JSON can
    carry as "\\ud83d" but UTF-8, and so SQLite, cannot), anywhere in a value."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


def _result(mutation_id, status, *, version=None, first_status=None, errors=None) -> dict:
    return {"id": mutation_id, "status": status, "version": version,
            "first_status": first_status, "errors": errors}
