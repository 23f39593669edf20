"""The pull half of a sync: what changed since the device's cursor, scoped to what the user may see.

How scope changes travel without losing anything when an answer is lost:
- `sync_device_scope` records, per device, each scope it was told to hold (present=1) or drop
  (present=0), stamped with the sequence number of a marker row appended to the change log in the
  same answer. The answer's cursor is that marker, so the device's cursors prove which answers it
  received (`_held_scopes`): a phone has one request in flight and takes only that one's answer, so
  the first request carrying a cursor above the highest it has sent (`sync_device_cursor`) proves
  the answer with that cursor arrived and every other answer made since was lost (forgotten, so
  the same scope change is sent again). Rows stamped after the highest cursor sent are not known
  either way: the last answer may have arrived, or been lost, and a late or reordered request
  carrying an older cursor proves nothing. Until a cursor settles them they count both ways: the
  scope is sent again if it may be missing, and a drop is sent if the phone may hold it.
- A pull first catches up on the log for the scopes the device surely holds and may still see;
  only when caught up does it compare what the device holds with what the user may see now, send
  the whole current record of every scope that came in (whatever the cursor), and tell it to drop
  every scope that went out.
Pulls read outside the write lock. A pull first plans its answer in a read transaction (WAL:
a snapshot that pushes never wait for), however long the snapshots take. Only if the answer needs
bookkeeping (confirming a cursor, a marker and its scope stamps) does it then take the write lock,
briefly: it checks that nothing it planned from has moved (the device's rows, and no change since
the snapshot in any scope the answer carries or follows), and writes. Had something moved, it
plans again; after a few tries it plans under the write lock, where nothing can move.
A no-op pull (nothing new, nothing to settle) writes nothing and takes no lock at all.
"""

import contextlib

from .records import get_row as _get, phone_fields as _phone_fields
from .store import Abandoned

MARK = "_mark"
# Plans made outside the write lock before one is made under it (something kept moving).
_TRIES = 3
# SQLite's default limit on bound parameters is 999 in older builds: ask in batches below it.
_BATCH = 500


class Pull:
    """The pull, as part of `sync.Engine` (which inherits it). It reads the engine's `db`,
    `registry`, `visible_scopes`, `can_read` and `page_size`, and writes through its `writing()`;
    see the module docstring for the scope rules. `_gone` is the `gone()` of the sync in progress
    (sync/engine.py), or None."""

    _gone = None

    def pull(self, actor, device_id: str, cursor: int) -> dict:
        """What changed since `cursor` that the actor may see: {"changes", "cursor", "more"}.

        One page of changes for `device_id`. Record types the actor may not read (`can_read`) are
        left out; scope changes always go. Subclasses may override this to act on the page,
        calling `super().pull(...)`, or `pull_writes` to write in the pull's own transaction.
        Raises Busy when its bookkeeping cannot have the write lock in time. The sync's `gone()`,
        if it has one, is asked between the snapshots of the people coming into scope (a first pull's long
        part) and before any write: once the client has gone, Abandoned, with nothing written.
        """
        gone = self._gone
        for _ in range(_TRIES):
            with _reading(self.db):
                plan = self._plan(actor, device_id, cursor, gone)
            if gone is not None and gone():
                raise Abandoned()
            extra = self.pull_writes(actor, device_id, plan["page"]["changes"])
            if not plan["writes"] and not plan["marker"]:
                if extra:
                    with _not_synced(self.db), self.writing():
                        _run(self.db, extra)
                return plan["page"]
            with self.writing():
                if self._unmoved(device_id, plan):
                    self._write(device_id, plan, extra)
                    return plan["page"]
        with self.writing():
            plan = self._plan(actor, device_id, cursor)
            self._write(device_id, plan,
                        self.pull_writes(actor, device_id, plan["page"]["changes"]))
            return plan["page"]

    def pull_writes(self, actor, device_id: str, changes: list[dict]) -> list[tuple[str, list]]:
        """Statements to run in the pull's write transaction once its answer is settled, as
        `(sql, [parameters, ...])` for executemany: for the app to note what reached a phone in
        the same transaction. None by default. When the pull has no bookkeeping of its own they
        are committed without waiting for the disk (synchronous=NORMAL): SQLite's WAL keeps them
        whole, and the next durable commit takes them to disk."""
        return []

    def _plan(self, actor, device_id: str, cursor: int, gone=None) -> dict:
        """The answer, planned from one consistent read of the store: {"page", "writes" (held
        scopes to settle), "seen" (the device's rows as read), "end" (the log's last seq),
        "marker" (None, or what to stamp: {"went_out", "came_in", "scopes"})}."""
        db = self.db
        visible = set(self.visible_scopes(db, actor))
        surely, maybe, writes, seen = _held_scopes(db, device_id, cursor)
        following = sorted(surely & visible)
        changes, last_seq, more = self._log_changes(following, cursor)
        end = db.execute("SELECT COALESCE(MAX(seq), 0) FROM sync_change").fetchone()[0]
        plan = {"writes": writes, "seen": seen, "end": end, "marker": None}
        came_in = sorted(visible - surely)
        went_out = sorted(maybe - visible)
        if more or (not came_in and not went_out):
            plan["page"] = self._readable(actor, {
                "changes": changes, "cursor": last_seq if more else max(end, cursor),
                "more": more})
            return plan
        for scope in went_out:
            changes.append({"type": "scope", "record_id": scope, "version": 0, "deleted": True,
                            "scope": scope, "fields": None})
        more, sent = False, []
        for scope in came_in:
            if gone is not None and gone():
                raise Abandoned()
            records = self._snapshot(actor, scope)
            if len(changes) + len(records) > self.page_size and len(changes) > 0:
                more = True  # the rest come in the next page, stamped by the next marker
                break
            changes.extend(records)
            sent.append(scope)
        plan["marker"] = {"went_out": went_out, "came_in": sent, "scopes": following + sent}
        # The cursor is the marker's seq, known once it is written (`_write`).
        plan["page"] = self._readable(actor, {"changes": changes, "cursor": None, "more": more})
        return plan

    def _readable(self, actor, page: dict) -> dict:
        """The page without the record types the actor may not read (scope changes always go)."""
        if self.can_read is not None:
            page["changes"] = [change for change in page["changes"]
                               if change["type"] == "scope"
                               or self.can_read(actor, change["type"])]
        return page

    def _unmoved(self, device_id: str, plan: dict) -> bool:
        """Under the write lock: True if what the plan was made from still holds: the device's
        rows are as read and, for an answer with a marker, no change has been logged since the
        plan's read in any scope the answer carries or follows (its cursor will skip them)."""
        if _device_rows(self.db, device_id) != plan["seen"]:
            return False
        if plan["marker"] is None:
            return True
        end = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM sync_change").fetchone()[0]
        if end == plan["end"]:
            return True
        scopes = plan["marker"]["scopes"]
        for start in range(0, len(scopes), _BATCH):
            batch = scopes[start:start + _BATCH]
            if self.db.execute(
                    f"SELECT 1 FROM sync_change WHERE seq > ? AND scope IN"
                    f" ({','.join('?' * len(batch))}) LIMIT 1",
                    [plan["end"], *batch]).fetchone() is not None:
                return False
        return True

    def _write(self, device_id: str, plan: dict, extra: list) -> None:
        """Under the write lock: settle the held scopes, write the marker and its stamps (the
        page's cursor is the marker), and the app's `pull_writes`."""
        db = self.db
        _run(db, [(sql, [params]) for sql, params in plan["writes"]])
        marker = plan["marker"]
        if marker is not None:
            seq = db.execute("INSERT INTO sync_change (type, record_id, version, scope, deleted)"
                             " VALUES (?, ?, 0, NULL, 0)", [MARK, device_id]).lastrowid
            stamps = [(device_id, scope, seq, 0) for scope in marker["went_out"]]
            stamps += [(device_id, scope, seq, 1) for scope in marker["came_in"]]
            db.conn.executemany("INSERT INTO sync_device_scope (device_id, scope, seq, present)"
                                " VALUES (?, ?, ?, ?)", stamps)
            plan["page"]["cursor"] = seq
        _run(db, extra)

    def _log_changes(self, scopes: list[str], cursor: int):
        """Records changed after `cursor` in `scopes`, each sent once in its current state."""
        if not scopes:
            return [], cursor, False
        marks = ",".join("?" * len(scopes))
        rows = self.db.execute(
            f"SELECT type, record_id, MAX(seq) AS last FROM sync_change WHERE seq > ? AND scope IN"
            f" ({marks}) AND type != ? GROUP BY type, record_id ORDER BY last LIMIT ?",
            [cursor, *scopes, MARK, self.page_size + 1]).fetchall()
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        allowed = set(scopes)
        changes = [self._current_state(type_name, record_id, allowed)
                   for type_name, record_id, _ in rows]
        last_seq = rows[-1][2] if rows else cursor
        return [c for c in changes if c is not None], last_seq, more

    def _current_state(self, type_name: str, record_id: str, allowed: set[str]) -> dict | None:
        """A record's current state as a change; a tombstone if it is deleted or has moved to a
        scope the device does not follow (so the phone drops its copy)."""
        record_type = self.registry.get(type_name)
        if record_type is None:
            return None
        row = _get(self.db, record_type.table, record_id)
        if row is None:
            return None
        if row["deleted"] or row["scope"] not in allowed:
            return {"type": type_name, "record_id": record_id, "version": row["version"],
                    "deleted": True, "scope": row["scope"] if row["scope"] in allowed else None,
                    "fields": None}
        return {"type": type_name, "record_id": record_id, "version": row["version"],
                "deleted": False, "scope": row["scope"], "fields": _phone_fields(record_type, row)}

    def _snapshot(self, actor, scope: str) -> list[dict]:
        """Every live record in one scope that the actor may read, in its current state, for a
        device that newly follows it (one indexed query per record type: `index_scopes`)."""
        changes = []
        for record_type in self.registry:
            if self.can_read is not None and not self.can_read(actor, record_type.name):
                continue
            cursor = self.db.execute(f'SELECT * FROM "{record_type.table}" WHERE scope = ?'
                                     " AND deleted = 0 ORDER BY rowid", [scope])
            names = [column[0] for column in cursor.description]
            for row in (dict(zip(names, values)) for values in cursor.fetchall()):
                changes.append({"type": record_type.name, "record_id": row["id"],
                                "version": row["version"], "deleted": False, "scope": scope,
                                "fields": _phone_fields(record_type, row)})
        return changes


def _device_rows(db, device_id: str) -> tuple:
    """What the store says the device holds, as read: (its confirmed cursor, its scope rows)."""
    row = db.execute("SELECT confirmed FROM sync_device_cursor WHERE device_id = ?",
                     [device_id]).fetchone()
    rows = db.execute(
        "SELECT scope, present, seq FROM sync_device_scope WHERE device_id = ? ORDER BY seq",
        [device_id]).fetchall()
    return (row[0] if row else 0, tuple(rows))


def _held_scopes(db, device_id: str, cursor: int):
    """What the device holds: (the scopes it surely holds, the scopes it may hold, the writes
    that settle what this request proves, the device's rows as read). Reads only: the writes
    are for the pull to make under the write lock, if the rows are still as read.

    A request whose cursor is above the highest the device has sent is the first since the phone
    took the answer with that cursor: that answer's rows are confirmed, and the rows of every other
    answer made after the previous highest were lost (their requests were given up on), so they are
    forgotten. Any other request (a retry with the same cursor, a late or reordered one with an
    older cursor) proves nothing: it forgets nothing, or a late replay would make the server forget
    a person the phone holds and never tell it to drop them. Rows after the highest cursor sent
    stay unsettled until a cursor settles them: a scope sent in one may not have arrived (so it is
    not surely held, and is sent again while the user may see it), and a scope dropped in one may
    still be on the phone (so it is maybe held, and the drop is sent again)."""
    seen = _device_rows(db, device_id)
    confirmed, rows = seen
    writes = []
    if cursor > confirmed:
        writes.append(("DELETE FROM sync_device_scope WHERE device_id = ? AND seq > ?"
                       " AND seq != ?", [device_id, confirmed, cursor]))
        writes.append(("INSERT INTO sync_device_cursor (device_id, confirmed) VALUES (?, ?)"
                       " ON CONFLICT(device_id) DO UPDATE SET confirmed = excluded.confirmed",
                       [device_id, cursor]))
        rows = [row for row in rows if row[2] <= confirmed or row[2] == cursor]
        confirmed = cursor
    settled: dict[str, int] = {}
    latest: dict[str, int] = {}
    sent_since, dropped_since = set(), set()
    for scope, present, seq in rows:  # in seq order: the latest settled row wins
        if seq <= confirmed:
            settled[scope] = present
            latest[scope] = seq
        else:
            (sent_since if present else dropped_since).add(scope)
    # Keep the table small: settled rows older than a settled row for the same scope, and settled
    # drops, say nothing more. Written only when there are some, so a steady pull writes nothing.
    if any(seq <= confirmed and (seq < latest[scope] or not present)
           for scope, present, seq in rows):
        writes.append((
            "DELETE FROM sync_device_scope WHERE device_id = ? AND seq <= ? AND EXISTS (SELECT 1"
            " FROM sync_device_scope newer WHERE newer.device_id = sync_device_scope.device_id"
            " AND newer.scope = sync_device_scope.scope AND newer.seq > sync_device_scope.seq"
            " AND newer.seq <= ?)", [device_id, confirmed, confirmed]))
        writes.append(("DELETE FROM sync_device_scope WHERE device_id = ? AND present = 0"
                       " AND seq <= ?", [device_id, confirmed]))
    held = {scope for scope, present in settled.items() if present}
    return held - dropped_since, held | sent_since, writes, seen


@contextlib.contextmanager
def _reading(db):
    """A read transaction: one consistent snapshot of the store (WAL), holding no lock that a
    writer waits for."""
    db.execute("BEGIN")
    try:
        yield
    finally:
        if db.conn.in_transaction:
            db.execute("COMMIT")


@contextlib.contextmanager
def _not_synced(db):
    """synchronous=NORMAL for what is written inside: committed without waiting for the disk
    (the WAL keeps a commit whole; the next FULL commit or checkpoint makes it durable)."""
    db.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        db.execute("PRAGMA synchronous=FULL")


def _run(db, statements) -> None:
    """Run `(sql, [parameters, ...])` pairs with executemany."""
    for sql, rows in statements:
        if rows:
            db.conn.executemany(sql, rows)
