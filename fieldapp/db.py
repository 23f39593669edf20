"""The store: one SQLite file opened through sqlite-utils.

The jobs of Flask's tutorial's `db.py`: open a connection per request on `g`, close it on teardown,
migrate (in `migrations.py`, run by `fieldapp init`), and `init_app`; plus the deployment-wide
switches an administrator sets in the app (the `setting` table), which outlive a restart.
"""

import json
import os
import sqlite3

import sqlite_utils
from flask import current_app, g

from sync.store import immediate  # noqa: F401 (one BEGIN IMMEDIATE helper, the engine's: a
# transaction that reads then writes waits for the writer's lock up front instead of failing with
# "database is locked" on the upgrade; users.start_session uses it)

from .timeutil import now_iso


def private_file(path) -> None:
    """Make `path` readable by the app's account only (0600), creating it empty if need be:
    the database and its copies hold special category data."""
    descriptor = os.open(str(path), os.O_CREAT | os.O_RDWR, 0o600)
    os.close(descriptor)
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass  # not ours to change (a read-only copy): SQLite will say if it cannot open it


def open_db(path, autocheckpoint_pages=None):
    """Open the database at `path` with the settings every connection must have.

    WAL lets readers and the one writer work at once; synchronous=FULL makes a commit durable before
    the sync endpoint answers; busy_timeout waits for a writer instead of failing (and for
    Litestream's short checkpoint locks, when it replicates). `autocheckpoint_pages` (the
    WAL_AUTOCHECKPOINT_PAGES setting) is SQLite's automatic checkpoint; 0 leaves checkpointing to
    Litestream, as it advises; None keeps SQLite's default.
    """
    private_file(path)  # before SQLite makes it: its -wal and -shm files take the same mode
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    if autocheckpoint_pages is not None:
        conn.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint_pages)}")
    return sqlite_utils.Database(conn)


def get_db():
    """The request's database, opened on first use."""
    if "db" not in g:
        config = current_app.config
        g.db = open_db(config["DATABASE"], config["WAL_AUTOCHECKPOINT_PAGES"])
    return g.db


def close_db(exc=None):
    """Close the request's database, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app):
    """Close the database at the end of every request and app context."""
    app.teardown_appcontext(close_db)


def get_setting(db, key: str, default=None):
    """The stored value of a deployment-wide switch (any JSON value), or `default`."""
    row = db.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def setting_row(db, key: str) -> dict | None:
    """The switch's row (value as JSON text, updated_at, updated_by), or None."""
    rows = list(db.query("SELECT * FROM setting WHERE key = ?", [key]))
    return rows[0] if rows else None


def set_setting(db, key: str, value, user_id=None) -> None:
    """Store a switch, noting who changed it and when."""
    with db.atomic():
        db.execute(
            "INSERT INTO setting (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            [key, json.dumps(value), now_iso(), user_id])
