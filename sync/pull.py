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
Runs inside the engine's IMMEDIATE transaction, so the log cannot move under it.
"""

from .records import get_row as _get, wire_fields as _wire_fields
from .store import immediate

MARK = "_mark"


class Pull:
    """The pull, as part of `sync.Engine` (which inherits it). It reads the engine's `db`,
    `registry`, `visible_scopes`, `can_read` and `page_size`; see the module docstring for the
    scope rules."""

    def pull(self, actor, device_id: str, cursor: int) -> dict:
        """What changed since `cursor` that the actor may see: {"changes", "cursor", "more"}.

        One page of changes for `device_id`. Record types the actor may not read (`can_read`) are
        left out; scope changes always go. Subclasses may override this to act on the page (the
        app notes what reached a phone), calling `super().pull(...)`.
        """
        with immediate(self.db):
            page = self._pull_page(actor, device_id, cursor)
            if self.can_read is not None:
                page["changes"] = [change for change in page["changes"]
                                   if change["type"] == "scope"
                                   or self.can_read(actor, change["type"])]
            return page

    def _pull_page(self, actor, device_id: str, cursor: int) -> dict:
        db = self.db
        visible = set(self.visible_scopes(db, actor))
        surely, maybe = _held_scopes(db, device_id, cursor)
        following = sorted(surely & visible)
        changes, last_seq, more = self._log_changes(following, cursor)
        if more:
            return {"changes": changes, "cursor": last_seq, "more": True}

        came_in = sorted(visible - surely)
        went_out = sorted(maybe - visible)
        end = db.execute("SELECT COALESCE(MAX(seq), 0) FROM sync_change").fetchone()[0]
        if not came_in and not went_out:
            return {"changes": changes, "cursor": max(end, cursor), "more": False}

        marker = db.execute("INSERT INTO sync_change (type, record_id, version, scope, deleted)"
                            " VALUES (?, ?, 0, NULL, 0)", [MARK, device_id]).lastrowid
        for scope in went_out:
            changes.append({"type": "scope", "record_id": scope, "version": 0, "deleted": True,
                            "scope": scope, "fields": None})
            _stamp(db, device_id, scope, marker, present=False)
        more = False
        for scope in came_in:
            records = self._snapshot(scope)
            if len(changes) + len(records) > self.page_size and len(changes) > 0:
                more = True  # the rest come in the next page, stamped by the next marker
                break
            changes.extend(records)
            _stamp(db, device_id, scope, marker, present=True)
        return {"changes": changes, "cursor": marker, "more": more}

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
                "deleted": False, "scope": row["scope"], "fields": _wire_fields(record_type, row)}

    def _snapshot(self, scope: str) -> list[dict]:
        """Every live record in one scope, in its current state, for a device that newly follows
        it."""
        changes = []
        for record_type in self.registry:
            for row in self.db[record_type.table].rows_where(
                    "scope = ? AND deleted = 0", [scope], order_by="rowid"):
                changes.append({"type": record_type.name, "record_id": row["id"],
                                "version": row["version"], "deleted": False, "scope": scope,
                                "fields": _wire_fields(record_type, row)})
        return changes


def _held_scopes(db, device_id: str, cursor: int) -> tuple[set[str], set[str]]:
    """What the device holds: (the scopes it surely holds, the scopes it may hold).

    A request whose cursor is above the highest the device has sent is the first since the phone
    took the answer with that cursor: that answer's rows are confirmed, and the rows of every other
    answer made after the previous highest were lost (their requests were given up on), so they are
    forgotten. Any other request (a retry with the same cursor, a late or reordered one with an
    older cursor) proves nothing: it forgets nothing, or a late replay would make the server forget
    a person the phone holds and never tell it to drop them. Rows after the highest cursor sent
    stay unsettled until a cursor settles them: a scope sent in one may not have arrived (so it is
    not surely held, and is sent again while the user may see it), and a scope dropped in one may
    still be on the phone (so it is maybe held, and the drop is sent again)."""
    row = db.execute("SELECT confirmed FROM sync_device_cursor WHERE device_id = ?",
                     [device_id]).fetchone()
    confirmed = row[0] if row else 0
    if cursor > confirmed:
        db.execute("DELETE FROM sync_device_scope WHERE device_id = ? AND seq > ? AND seq != ?",
                   [device_id, confirmed, cursor])
        db.execute("INSERT INTO sync_device_cursor (device_id, confirmed) VALUES (?, ?)"
                   " ON CONFLICT(device_id) DO UPDATE SET confirmed = excluded.confirmed",
                   [device_id, cursor])
        confirmed = cursor
    rows = db.execute(
        "SELECT scope, present, seq FROM sync_device_scope WHERE device_id = ? ORDER BY seq",
        [device_id]).fetchall()
    settled: dict[str, int] = {}
    sent_since, dropped_since = set(), set()
    for scope, present, seq in rows:
        if seq <= confirmed:
            settled[scope] = present
        else:
            (sent_since if present else dropped_since).add(scope)
    # Keep the table small: settled rows older than a settled row for the same scope, and settled
    # drops, say nothing more.
    db.execute(
        "DELETE FROM sync_device_scope WHERE device_id = ? AND seq <= ? AND EXISTS (SELECT 1 FROM"
        " sync_device_scope newer WHERE newer.device_id = sync_device_scope.device_id AND"
        " newer.scope = sync_device_scope.scope AND newer.seq > sync_device_scope.seq AND"
        " newer.seq <= ?)", [device_id, confirmed, confirmed])
    db.execute("DELETE FROM sync_device_scope WHERE device_id = ? AND present = 0 AND seq <= ?",
               [device_id, confirmed])
    held = {scope for scope, present in settled.items() if present}
    return held - dropped_since, held | sent_since


def _stamp(db, device_id: str, scope: str, marker: int, *, present: bool) -> None:
    db.execute("INSERT INTO sync_device_scope (device_id, scope, seq, present) VALUES (?, ?, ?, ?)",
               [device_id, scope, marker, int(present)])
