"""Apply a phone's mutations and answer with what changed: the heart of "nothing is ever lost".

A push applies its whole batch in ONE write transaction (BEGIN IMMEDIATE), each mutation inside
a SAVEPOINT of its own together with its id: a mutation that fails (refused, waiting for a
record, or an error nobody expected) rolls back to its savepoint, so it leaves nothing behind,
and the rest go on. One COMMIT per batch, with synchronous=FULL, is on disk before the answer is
written: a crash before it leaves the whole batch unapplied (the phone sends it again), never
part of a mutation; a replayed mutation is recognised by its id (`duplicate`) instead of being
stored twice. The operations themselves are in sync/apply.py; the pull in sync/pull.py.
"""

import logging
import sqlite3
from datetime import datetime, timedelta
from typing import Any, Callable

from marshmallow import ValidationError
from sqlite_utils import Database

from .apply import Apply, Deferred
from .conflicts import Conflicts
from .echo import compact_results, fold_echoes, trim_echoes
from .erase import Erase
from .history import History
from .pull import Pull
from .records import get_row as _get, schema_of
from .registry import Refusal, Registry, Unknown
from .store import Abandoned, immediate
from .timestamps import parse, stamp, utc_now
from .wire import PROTOCOL, EnvelopeSchema, MutationSchema, flatten_errors

VisibleScopes = Callable[[Database, Any], set[str]]


class EnvelopeError(Exception):
    """The request as a whole is malformed (answered 400 with `messages`)."""

    def __init__(self, messages: dict):
        super().__init__("malformed sync request")
        self.messages = messages


class StoreUnavailable(Exception):
    """The database could not take a write (disk full, I/O error): the server's trouble, not the
    record's. The batch's transaction is rolled back, so nothing of the request is stored or
    answered; the caller answers it as a temporary failure, and the phone, keeping its outbox,
    sends again. (`Busy`, a subclass, is the write lock not had in time.)"""


class Busy(StoreUnavailable):
    """The write lock could not be had within the engine's `lock_timeout`: overloaded, answered
    503 with `Retry-After: retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__("the store is busy")
        self.retry_after = retry_after


log = logging.getLogger(__name__)
# Said of a mutation whose applying raised something the engine did not expect (a bug, data the
# store cannot take): rejected, so the rest of the batch is applied and answered.
UNEXPECTED = ("The server could not store this record. It is kept on this phone: tell your "
              "coordinator, and send it again once they say it is fixed.")
# SQLite's default limit on bound parameters is 999 in older builds: ask in batches below it.
_BATCH = 500


def _duration(span: timedelta) -> str:
    """A settings span in words a worker reads: "14 days", "6 hours", "4 seconds"."""
    seconds = span.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size, 1)
            return f"{count:g} {unit}{'' if count == 1 else 's'}"
    return f"{seconds:g} seconds"


class Engine(Apply, Pull, History, Conflicts, Erase):
    """Sync for the record types in `registry`, over one sqlite-utils Database.

    `visible_scopes(db, actor)` returns the scope keys (for fieldapp: person ids) the actor may see;
    it decides both what a pull sends and, with each type's `authorize`, what a push may touch.
    `can_read(actor, type_name)`, if given, narrows a pull further by record type (a reader who may
    see a person but not every kind of record about them). `can_resolve(engine, actor, conflict)`,
    if given, says who may resolve a conflict by applying its value not kept (otherwise anyone
    whose update is accepted). `actor` is any object with an `id`.
    `clock()` gives the server's time (an aware datetime), stored as 'YYYY-MM-DDTHH:MM:SSZ'.
    `lock_timeout` (seconds) bounds the wait for the write lock; past it a push or a pull's
    bookkeeping raises `Busy`, whose `retry_after` (seconds) the caller passes on.

    The engine owns its `sync_*` tables: the app reads and writes them only through its methods.
    Here: `sync`, `push`, `merge`. In sync/pull.py: `pull`. In sync/history.py: `history`,
    `histories`, `received`, `fields_changed`, `device_of`, `last_actor` and `change_log_sql` (the one SELECT
    the app may embed in its own SQL). In sync/conflicts.py: `conflicts`, `conflict`,
    `open_conflict_counts` and `resolve_conflict`. In sync/erase.py: `erase_scope` (retention).
    """

    def __init__(self, db: Database, registry: Registry, visible_scopes: VisibleScopes, *,
                 max_mutations: int = 250, max_bytes: int = 1_000_000, page_size: int = 500,
                 defer_days: float = 14, clock: Callable[[], datetime] = utc_now,
                 can_read: Callable[[Any, str], bool] | None = None,
                 can_resolve: Callable[[Any, Any, dict], bool] | None = None,
                 lock_timeout: float | None = None, retry_after: int = 5):
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
        self.lock_timeout = lock_timeout
        self.retry_after = retry_after
        # Durable before answered: a COMMIT waits for the disk (WAL + FULL). SQLite refuses to
        # change this inside a transaction: an engine made there (by a record type's hook, to
        # resolve a conflict in the transaction of the engine applying an update) keeps the
        # setting that engine made.
        if not db.conn.in_transaction:
            db.execute("PRAGMA synchronous=FULL")

    # ----------------------------------------------------------------- the whole exchange
    def sync(self, actor, body: Any, gone: Callable[[], bool] | None = None, *,
             pull: bool = True) -> dict:
        """Answer one POST /api/sync body: push its mutations in order, then pull (unless the
        body says `"pull": false` or the caller `pull=False`: then no changes, the cursor as
        sent and `more` false).

        Raises EnvelopeError for a malformed body, Busy when the write lock is not had within
        `lock_timeout`. Size limits are the caller's to check (they are measured on the raw
        request), using `max_mutations` and `max_bytes`. `gone()`, if given, says whether the
        client has closed its connection: asked once the write lock is had and again before the
        pull, it makes the engine stop (Abandoned) rather than work for nobody.
        """
        if not isinstance(body, dict):
            raise EnvelopeError({"_request": ["The request body must be a JSON object."]})
        try:
            envelope = schema_of(EnvelopeSchema).load(body)
        except ValidationError as error:
            raise EnvelopeError(error.messages) from error
        device_id = str(envelope["device_id"])
        results = self.push(actor, device_id, envelope["mutations"], gone)
        if gone is not None and gone():
            raise Abandoned(results)  # the push is stored (a retry answers it `duplicate`)
        if not (pull and envelope["pull"]):
            page = {"changes": [], "cursor": envelope["cursor"], "more": False}
            if envelope["echo"] == "result":
                compact_results(results)
            return {"protocol": PROTOCOL, "results": results, **page}
        # Through an attribute, not an argument: a subclass may override pull(actor, device, cursor).
        self._gone = gone
        try:
            page = self.pull(actor, device_id, envelope["cursor"])
        except Abandoned:
            raise Abandoned(results) from None  # the push is stored; the pull wrote nothing
        except Busy:
            if not results:
                raise
            # The push is committed: answer it, with no changes yet and the cursor as it was
            # (which proves and settles nothing), so the phone pulls again.
            page = {"changes": [], "cursor": envelope["cursor"], "more": True}
        finally:
            self._gone = None
        if envelope["echo"] in ("partial", "result"):
            trim_echoes(page["changes"], envelope["mutations"], results)
        if envelope["echo"] == "result":
            page["changes"] = fold_echoes(page["changes"], envelope["mutations"], results)
            compact_results(results)
        return {"protocol": PROTOCOL, "results": results, **page}

    # ----------------------------------------------------------------- push
    def writing(self):
        """The engine's write transaction (BEGIN IMMEDIATE, committed durably on success), waiting
        at most `lock_timeout` for the lock: else Busy, before anything is written."""
        return immediate(self.db, timeout=self.lock_timeout,
                         on_busy=lambda: Busy(self.retry_after))

    def push(self, actor, device_id: str, mutations: list[dict],
             gone: Callable[[], bool] | None = None) -> list[dict]:
        """Apply mutations in the order given, in one transaction with a savepoint each; one
        result each, in the same order. Nothing is answered before the batch is committed.
        If `gone()` says, once the write lock is had, that the client has left (it gave up while
        the request waited), nothing is written and Abandoned is raised."""
        if not mutations:
            return []
        ids = [str(raw.get("id")) for raw in mutations]
        try:
            with self.writing():
                if gone is not None and gone():
                    raise Abandoned(None)
                # Read once per batch what every mutation would otherwise ask on its own.
                first_answers = self._first_answers(ids)
                waiting = self._first_deferred(ids)
                self._alias_types = {row[0] for row in self.db.execute(
                    "SELECT DISTINCT type FROM sync_alias").fetchall()}
                results, trouble = [], None
                try:
                    for raw in mutations:
                        try:
                            results.append(
                                self._push_one(actor, device_id, raw, first_answers, waiting))
                        except sqlite3.OperationalError as error:
                            # That mutation is rolled back to its savepoint; the ones before it
                            # are committed (they are not answered, but a retry finds them
                            # stored and answers `duplicate`), and the batch stops here.
                            trouble = error
                            break
                finally:
                    self._alias_types = None
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(str(error)) from error
        if trouble is not None:
            raise StoreUnavailable(str(trouble)) from trouble
        return results

    def _first_answers(self, ids: list[str]) -> dict:
        """{mutation id: (actor id, first status, version)} of the ids already stored."""
        found = {}
        for start in range(0, len(ids), _BATCH):
            batch = ids[start:start + _BATCH]
            for mutation_id, actor_id, status, version in self.db.execute(
                    "SELECT id, actor_id, status, version FROM sync_mutation WHERE id IN"
                    f" ({','.join('?' * len(batch))})", batch).fetchall():
                found[mutation_id] = (actor_id, status, version)
        return found

    def _first_deferred(self, ids: list[str]) -> dict:
        """{mutation id: when it was first deferred} of the ids waiting for a record."""
        found = {}
        for start in range(0, len(ids), _BATCH):
            batch = ids[start:start + _BATCH]
            found.update(self.db.execute(
                "SELECT mutation_id, first_seen_at FROM sync_deferral WHERE mutation_id IN"
                f" ({','.join('?' * len(batch))})", batch).fetchall())
        return found

    def _push_one(self, actor, device_id: str, raw: dict, first_answers: dict,
                  waiting: dict) -> dict:
        """One mutation of the batch, in a savepoint: its result. A failure rolls the savepoint
        back, so nothing of it stays; SQLite's own operational errors end the whole batch."""
        mutation_id = str(raw.get("id"))
        try:
            mutation = schema_of(MutationSchema).load(raw)
        except ValidationError as error:
            return _result(mutation_id, "rejected", errors=flatten_errors(error.messages))
        mutation_id = str(mutation["id"])
        first = first_answers.get(mutation_id)
        if first is not None:
            if first[0] != actor.id:
                return _result(mutation_id, "rejected", errors={"_mutation": [
                    "This mutation id was already used by someone else."]})
            return _result(mutation_id, "duplicate", version=first[2], first_status=first[1])
        record_type = self.registry.get(mutation["type"])
        if record_type is None:
            return _result(mutation_id, "rejected", errors={"_mutation": [
                f"Unknown record type {mutation['type']!r}."]})
        self.db.execute("SAVEPOINT sync_mutation")
        try:
            status, version = self._apply(actor, device_id, record_type, mutation)
            if mutation_id in waiting:
                self.db.execute("DELETE FROM sync_deferral WHERE mutation_id = ?", [mutation_id])
        except BaseException as error:
            self.db.execute("ROLLBACK TO sync_mutation")
            self.db.execute("RELEASE sync_mutation")
            if isinstance(error, Refusal):
                return _result(mutation_id, "rejected", errors=error.errors)
            if isinstance(error, Deferred):
                return self._defer(mutation_id, error, waiting)
            if isinstance(error, Unknown):
                return self._defer(mutation_id, Deferred(error.type_name, ""), waiting)
            if isinstance(error, sqlite3.OperationalError) or not isinstance(error, Exception):
                raise  # the store's trouble (or an interrupt), not the record's: the batch ends
            # One record must never stop the batch: its own answer says so.
            log.exception("mutation %s (%s) could not be applied", mutation_id, mutation["type"])
            return _result(mutation_id, "rejected", errors={"_mutation": [UNEXPECTED]})
        self.db.execute("RELEASE sync_mutation")
        first_answers[mutation_id] = (actor.id, status, version)
        return _result(mutation_id, status, version=version)

    def _defer(self, mutation_id: str, deferred: Deferred, waiting: dict) -> dict:
        """Keep a mutation waiting for its reference, until `defer_days` after it was first seen
        (noted in the batch's transaction)."""
        now = stamp(self.clock())
        first_seen = waiting.get(mutation_id)
        if first_seen is None:
            self.db.execute("INSERT OR IGNORE INTO sync_deferral VALUES (?, ?)", [mutation_id, now])
            first_seen = waiting[mutation_id] = now
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

    # ----------------------------------------------------------------- merging
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
            source, target = _get(self.db, table.name, from_id), _get(self.db, table.name, into_id)
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
                                         _get(self.db, other.table, row["id"]),
                                         [from_id, into_id])
                    moved += 1
            table.update(from_id, {"deleted": 1, "version": source["version"] + 1})
            self._record_version(actor, None, record_type, operation,
                                 _get(self.db, table.name, from_id),
                                 [from_id])
            self.db.execute("UPDATE sync_alias SET to_id = ? WHERE type = ? AND to_id = ?",
                            [into_id, type_name, from_id])
            self.db.execute("INSERT INTO sync_alias VALUES (?, ?, ?, ?, ?)",
                            [type_name, from_id, into_id, actor.id, stamp(self.clock())])
            self.db.execute("UPDATE sync_conflict SET scope = ? WHERE scope = ?",
                            [into_id, from_id])
        return {"moved": moved}


def _result(mutation_id, status, *, version=None, first_status=None, errors=None) -> dict:
    return {"id": mutation_id, "status": status, "version": version,
            "first_status": first_status, "errors": errors}
