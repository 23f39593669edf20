"""The store: one SQLite file opened through sqlite-utils.

Four jobs only (as in Flask's tutorial): open a connection per request on `g`, close it on teardown,
migrate (in `migrations.py`, run by `fieldapp init`), and `init_app`.
"""

import sqlite3

import sqlite_utils
from flask import current_app, g


def open_db(path):
    """Open the database at `path` with the settings every connection must have.

    WAL lets readers and the one writer work at once; synchronous=FULL makes a commit durable before
    the sync endpoint answers; busy_timeout waits for a writer instead of failing.
    """
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    return sqlite_utils.Database(conn)


def get_db():
    """The request's database, opened on first use."""
    if "db" not in g:
        g.db = open_db(current_app.config["DATABASE"])
    return g.db


def close_db(exc=None):
    """Close the request's database, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app):
    """Close the database at the end of every request and app context."""
    app.teardown_appcontext(close_db)
