"""The store: one SQLite file opened through sqlite-utils.

The jobs of Flask's tutorial's `db.py`: a connection per request on `g` (taken from a few idle ones
earlier requests gave back), given back on teardown, migrate (in `migrations.py`, run by `fieldapp
init`), and `init_app`; plus the deployment-wide switches an administrator sets in the app (the
`setting` table), which outlive a restart.
"""

import json
import os
import sqlite3
import threading

import sqlite_utils
from flask import current_app, g, has_app_context

from sync.store import immediate  # noqa: F401 (one BEGIN IMMEDIATE helper, the engine's: a
# transaction that reads then writes waits for the writer's lock up front instead of failing with
# "database is locked" on the upgrade; devices.start_session uses it)

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


# Connections finished requests gave back, for the next request on the same database file to
# take: at most IDLE_MAX in all, the oldest closed first (a process that serves one database keeps
# a few; one that makes many apps, such as the tests, never piles them up). Opening a connection
# per request cost more than the caseload's queries (issue 13: the WAL set-up and the first read of
# the schema on open, a checkpoint when the last connection closes, about 3 ms a request); waitress
# runs a fixed set of threads, so a few connections serve every request. Each remembers the file it
# opened (device and inode): a database put back from a backup (`fieldapp restore`) is a new file,
# and no old connection is taken for it.
IDLE_MAX = 16
_idle: list = []
_idle_lock = threading.Lock()


def _file_id(path):
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def _take_idle(path):
    """The most recently given back idle connection to this file, or None; connections to an
    earlier file at the same path are closed."""
    current = _file_id(path)
    stale, found = [], None
    with _idle_lock:
        for db in reversed(_idle):
            if db.fieldapp_path != path:
                continue
            if db.fieldapp_file == current:
                found = db
                break
            stale.append(db)
        for db in stale + ([found] if found is not None else []):
            _idle.remove(db)
    for db in stale:
        db.close()
    return found


def get_db():
    """The request's database: a connection an earlier request gave back, or a new one."""
    if "db" not in g:
        config = current_app.config
        path = str(config["DATABASE"])
        db = _take_idle(path)
        if db is None:
            db = open_db(path, config["WAL_AUTOCHECKPOINT_PAGES"])
            db.fieldapp_path, db.fieldapp_file = path, _file_id(path)
        g.db = db
    return g.db


def close_db(exc=None):
    """Give the request's database back (anything it left uncommitted rolled back), if one was
    taken."""
    db = g.pop("db", None)
    if db is None:
        return
    try:
        if db.conn.in_transaction:
            db.conn.rollback()
    except sqlite3.Error:
        db.close()
        return
    with _idle_lock:
        _idle.append(db)
        oldest = _idle.pop(0) if len(_idle) > IDLE_MAX else None
    if oldest is not None:
        oldest.close()


def init_app(app):
    """Close the database at the end of every request and app context."""
    app.teardown_appcontext(close_db)


def _request_settings(db):
    """The settings already read in this request, when `db` is the request's database (get_db),
    else None: a page asks for the same switch several times (the caseload and every page's
    offline forms read the Star licence), and one request sees one value of it."""
    if has_app_context() and g.get("db") is db:
        return g.setdefault("settings", {})
    return None


def get_setting(db, key: str, default=None):
    """The stored value of a deployment-wide switch (any JSON value), or `default`."""
    known = _request_settings(db)
    if known is not None and key in known:
        return json.loads(known[key]) if known[key] is not None else default
    row = db.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
    if known is not None:
        known[key] = row[0] if row else None
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
    known = _request_settings(db)
    if known is not None:
        known.pop(key, None)
