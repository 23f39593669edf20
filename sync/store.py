"""The engine's own tables, as sqlite-utils migrations, and the transaction helper it writes with."""

import contextlib
import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("sync")


@migrations()
def create_sync_tables(db: Database):
    """Mutations seen, the change log (the cursor's sequence), version history, conflicts,
    what each device has been sent, and when a deferred mutation was first seen."""
    for statement in _SCHEMA.split(";\n"):
        if statement.strip():
            db.execute(statement)


_SCHEMA = """
        CREATE TABLE sync_mutation (
            id TEXT PRIMARY KEY,          -- the phone-made mutation id
            device_id TEXT NOT NULL,
            actor_id INTEGER NOT NULL,
            type TEXT NOT NULL,
            op TEXT NOT NULL,
            record_id TEXT NOT NULL,
            status TEXT NOT NULL,         -- applied | conflict: the first answer, repeated on replay
            version INTEGER NOT NULL,
            recorded_at TEXT,             -- the phone's clock: shown, never used for ordering
            received_at TEXT NOT NULL
        );
        CREATE TABLE sync_change (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the server-wide sequence: the cursor
            type TEXT NOT NULL,           -- record type, or '_mark' for a device's scope marker
            record_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            scope TEXT,
            deleted INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX sync_change_scope ON sync_change (scope, seq);
        CREATE TABLE sync_history (
            type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            op TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            fields TEXT NOT NULL,         -- JSON: the whole record as of this version
            actor_id INTEGER NOT NULL,
            device_id TEXT,
            mutation_id TEXT,
            recorded_at TEXT,
            stored_at TEXT NOT NULL,
            PRIMARY KEY (type, record_id, version)
        );
        CREATE TABLE sync_conflict (
            id INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            scope TEXT,
            field TEXT NOT NULL,
            base_value TEXT,              -- JSON values
            server_value TEXT,
            incoming_value TEXT,
            mutation_id TEXT NOT NULL,
            actor_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by INTEGER
        );
        CREATE INDEX sync_conflict_scope ON sync_conflict (scope, resolved_at);
        CREATE TABLE sync_device_scope (
            device_id TEXT NOT NULL,
            scope TEXT NOT NULL,
            seq INTEGER NOT NULL,         -- the marker seq of the answer that carried this change
            present INTEGER NOT NULL,     -- 1: the device was sent this scope; 0: told to drop it
            PRIMARY KEY (device_id, scope, seq)
        );
        CREATE TABLE sync_deferral (
            mutation_id TEXT PRIMARY KEY,
            first_seen_at TEXT NOT NULL
        );
"""


@migrations()
def create_alias_table(db: Database):
    """Merged records: a mutation naming a merged-away record lands on the one it was merged into."""
    db.execute(
        "CREATE TABLE sync_alias (type TEXT NOT NULL, from_id TEXT NOT NULL, to_id TEXT NOT NULL,"
        " actor_id INTEGER NOT NULL, merged_at TEXT NOT NULL, PRIMARY KEY (type, from_id))")


# The server times the engine writes (never `recorded_at`: that is the phone's clock, kept as sent).
ENGINE_TIMES = {
    "sync_mutation": ("received_at",),
    "sync_history": ("stored_at",),
    "sync_conflict": ("created_at", "resolved_at"),
    "sync_deferral": ("first_seen_at",),
    "sync_alias": ("merged_at",),
}
# What the engine wrote before: isoformat() in UTC, to the second or (a deferral's first sight)
# with microseconds, e.g. 2026-11-22T09:00:00+00:00 or 2026-11-22T09:00:00.123456+00:00.
_OLD_FORM = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*+00:00"


@migrations()
def store_times_with_z(db: Database):
    """One time format with the app: rewrite the engine's '+00:00' times as
    'YYYY-MM-DDTHH:MM:SSZ' (sync/timestamps.py), so text order is time order across both. A
    fraction of a second is dropped, as the engine now stores times to the second."""
    for table, columns in ENGINE_TIMES.items():
        for column in columns:
            db.execute(f"UPDATE {table} SET {column} = substr({column}, 1, 19) || 'Z'"
                       f" WHERE {column} GLOB ?", [_OLD_FORM])


@migrations()
def index_history_by_actor(db: Database):
    """Everything one user stored, newest first (the audit trail of a user: `change_log_sql`
    with `actor_id`). Named apart from `sync_history_actor`, the same index that databases made
    before the engine owned it may already have from another migration set, so neither creation
    can collide with the other."""
    db.execute("CREATE INDEX IF NOT EXISTS sync_history_by_actor"
               " ON sync_history (actor_id, stored_at)")


@migrations()
def remember_confirmed_cursors(db: Database):
    """The highest cursor each device has sent: proof of every answer up to it. A late replay of
    an older request must not make the pull forget scopes that proof already confirmed."""
    db.execute("CREATE TABLE sync_device_cursor (device_id TEXT PRIMARY KEY,"
               " confirmed INTEGER NOT NULL)")


def migrate(db: Database, registry=None) -> None:
    """Create or bring up to date the engine's tables (all named `sync_*`); given the registry,
    index the scope of each of its record tables that exists (`index_scopes`)."""
    migrations.apply(db)
    if registry is not None:
        index_scopes(db, registry)


def index_scopes(db: Database, registry) -> None:
    """Index `scope, deleted` on every record table of `registry` that exists, once (IF NOT
    EXISTS): a pull reads a scope's live records (`_snapshot`) for each person coming into a
    phone's scope, which without it scans the whole table (100 ms a scope at 1M contacts). The
    app calls this after creating its tables, since the engine's own migrations run first."""
    existing = {row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    for record_type in registry:
        if record_type.table in existing:
            db.execute(f'CREATE INDEX IF NOT EXISTS "{record_type.table}_sync_scope"'
                       f' ON "{record_type.table}" (scope, deleted)')


class Abandoned(Exception):
    """The client went away before its answer was ready (the engine's `gone()` said so): work
    stopped. `results`: the push's answers if it was committed before that was noticed, else
    None (nothing of the request was stored)."""

    def __init__(self, results: list | None = None):
        super().__init__("the client has gone")
        self.results = results


class StoreBusy(Exception):
    """The write lock was not had within the wait `immediate` was given."""


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """True if SQLite gave up waiting for a lock (SQLITE_BUSY), not any other trouble."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_BUSY
    return "locked" in str(error) or "busy" in str(error)


# How far a restored change log's sequence jumps: more changes than any machine makes between the
# last copy or replica point and its loss (a day of a whole programme is about 100,000), and far
# below the cursor's limit (2**63: ten billion restores).
RESTORE_GAP = 1_000_000_000


def skip_after_restore(db: Database, gap: int = RESTORE_GAP) -> None:
    """After a restore from a copy or replica that may lack the newest changes: the next change's
    sequence number (the cursor) starts `gap` further on. A phone that was answered before the
    loss may hold a cursor past the restored log's end; without the jump, changes made after the
    restore would reuse the numbers at or below its cursor and never reach it. With it, every
    cursor a phone can hold stays valid: it pulls every change made since the restore."""
    with immediate(db):
        updated = db.execute("UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'sync_change'",
                             [gap]).rowcount
        if not updated:
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('sync_change', ?)", [gap])


@contextlib.contextmanager
def immediate(db: Database, *, timeout: float | None = None, on_busy=None):
    """One write transaction, taken with BEGIN IMMEDIATE so it never fails half-way on a lock
    upgrade; committed on success (durable: the engine sets synchronous=FULL), rolled back on error.

    `timeout` (seconds) bounds the wait for the write lock, instead of the connection's own busy
    timeout: past it, `on_busy()` (an exception to raise) or StoreBusy, with nothing written."""
    conn = db.conn
    if timeout is None:
        conn.execute("BEGIN IMMEDIATE")
    else:
        previous = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        conn.execute(f"PRAGMA busy_timeout = {max(0, int(timeout * 1000))}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise
            raise (on_busy() if on_busy else StoreBusy(str(error))) from error
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(previous)}")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
