"""Consistent online backups of the store, and putting one back.

SQLite's online backup API copies a consistent snapshot page by page while the app keeps serving
(writers are never blocked for long); copying the file with `cp` while it is open could capture a
torn database or miss the WAL. A restore checks the copy before it replaces anything.
"""

import os
import sqlite3
from pathlib import Path

import sqlite_utils

import sync

from .db import private_file


class BackupError(Exception):
    """A backup or restore that could not be done safely (nothing was changed)."""


def backup(database: str | os.PathLike, destination: str | os.PathLike) -> dict:
    """Copy the live database to `destination` (a new file) and check the copy.

    Returns figures for the operator: the copy's path, size, and its counts of people and contacts.
    """
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} already exists: choose a new file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    private_file(partial)  # a copy is as private as the database
    source = sqlite3.connect(str(database), timeout=30)
    target = sqlite3.connect(str(partial))
    try:
        # Small steps let the app's writers in between pages.
        source.backup(target, pages=256, sleep=0.005)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    figures = check(partial)
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    partial.rename(destination)
    return {"path": str(destination), **figures}


def check(path: str | os.PathLike) -> dict:
    """Integrity-check a database file; its size and record counts, or BackupError."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a usable database ({error})") from error
        if result != "ok":
            raise BackupError(f"{path} is damaged: {result}")
        counts = {}
        for table in ("person", "contact", "sync_mutation"):
            try:
                counts[table] = connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            except sqlite3.DatabaseError as error:
                raise BackupError(f"{path} is not a fieldapp database ({error})") from error
    finally:
        connection.close()
    return {"bytes": Path(path).stat().st_size, **counts}


def restore(copy: str | os.PathLike, database: str | os.PathLike) -> dict:
    """Replace the database with a checked backup. Run it with the app stopped.

    The change log's sequence jumps (sync.skip_after_restore), so every cursor a phone holds stays
    valid. The current database is kept beside it as `<name>.before-restore` (with its WAL checkpointed
    into it), so a restore can itself be undone.
    """
    figures = check(copy)
    database = Path(database)
    if database.exists():
        live = sqlite3.connect(str(database), timeout=30)
        try:
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            live.close()
        database.replace(database.with_name(database.name + ".before-restore"))
    for suffix in ("-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    incoming = database.with_name(database.name + ".restoring")
    private_file(incoming)
    with open(copy, "rb") as source, open(incoming, "wb") as target:
        while chunk := source.read(1 << 20):
            target.write(chunk)
        target.flush()
        os.fsync(target.fileno())
    restored = sqlite_utils.Database(sqlite3.connect(str(incoming)))
    try:
        # Phones may hold cursors from changes the copy lacks: new changes number after them.
        sync.skip_after_restore(restored)
        restored.execute("PRAGMA journal_mode=DELETE")  # one file, whatever the copy's mode
    finally:
        restored.close()
    incoming.replace(database)
    return figures
