"""Conflicts: a field two phones changed differently. The server keeps its own value and records
the other beside it (`sync_conflict`) until someone resolves it.

The engine writes a conflict while applying the update that caused it (sync/engine.py, with the
field rule in sync/merge.py). Everything the app does with conflicts afterwards (counting them on a
caseload, showing them on a person's page, resolving them, telling people) goes through the methods
here, so the app never reads or writes the table itself.
"""

import json
from typing import Iterable

from .merge import FieldConflict
from .store import immediate
from .timestamps import stamp

_VALUES = ("base_value", "server_value", "incoming_value")


class Conflicts:
    """Recording, reading and resolving conflicts, as part of `sync.Engine` (which inherits it).
    It uses the engine's `db` and `clock`."""

    def conflicts(self, scopes: Iterable[str] | None = None, *, open_only: bool = True,
                  record: tuple[str, str] | None = None,
                  mutation_id: str | None = None) -> list[dict]:
        """Conflicts, oldest first (by id), each a dict of the `sync_conflict` row with its three
        values (`base_value`, `server_value` kept, `incoming_value` not applied) JSON-decoded.

        Every filter given narrows the list: `scopes`, conflicts on records in these scopes (an
        empty list gives none; None does not filter); `record`, a `(type, record_id)` pair, the
        conflicts on that record; `mutation_id`, the conflicts that mutation caused (to tell people
        about them); `open_only` (the default), only those nobody has resolved yet.
        """
        where, params = [], []
        if scopes is not None:
            scopes = list(scopes)
            if not scopes:
                return []
            where.append(f"scope IN ({','.join('?' * len(scopes))})")
            params += scopes
        if record is not None:
            where.append("type = ? AND record_id = ?")
            params += [record[0], record[1]]
        if mutation_id is not None:
            where.append("mutation_id = ?")
            params.append(mutation_id)
        if open_only:
            where.append("resolved_at IS NULL")
        sql = "SELECT * FROM sync_conflict"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._conflict_rows(sql + " ORDER BY id", params)

    def conflict(self, conflict_id: int) -> dict | None:
        """One conflict, open or resolved, with its values decoded (as in `conflicts`); None if
        there is no conflict with this id."""
        rows = self._conflict_rows("SELECT * FROM sync_conflict WHERE id = ?", [conflict_id])
        return rows[0] if rows else None

    def open_conflict_counts(self, scopes: Iterable[str]) -> dict[str, int]:
        """{scope: number of open conflicts} for these scopes, for a list of people with a "needs
        attention" mark; a scope with none is left out. Callers decide who may see which scopes."""
        scopes = list(scopes)
        if not scopes:
            return {}
        marks = ",".join("?" * len(scopes))
        return dict(self.db.execute(
            f"SELECT scope, COUNT(*) FROM sync_conflict WHERE resolved_at IS NULL AND scope IN"
            f" ({marks}) GROUP BY scope", scopes).fetchall())

    def resolve_conflict(self, conflict_id: int, by_actor_id, *, commit: bool = True) -> bool:
        """Mark a conflict resolved by `by_actor_id`, now (by the engine's clock). Returns True if
        it was open, False if there is no such conflict or it was already resolved (so two people
        resolving at once both learn whether theirs counted).

        This is "keep the server's value": that value is already stored. "Use the other value" is
        an ordinary update setting the field to the value not kept, which the engine resolves
        itself as it applies it (`_resolve_adopted`). Whether the user may resolve it is the
        app's rule.

        `commit=True` runs in a transaction of its own and commits it. `commit=False` writes in
        the caller's open transaction and leaves committing to it: for a record type's `derive`
        hook, which runs inside the engine's transaction for an update and resolves the conflicts
        that update settles, so the change and the resolution are stored together or not at all.
        (A hook is given the database, not the engine: it makes an engine over the same `db`,
        which may be done inside the transaction.)
        """
        if not commit:
            return self._mark_resolved(conflict_id, by_actor_id)
        if self.db.conn.in_transaction:
            raise RuntimeError("resolve_conflict(commit=True) was called inside an open "
                               "transaction; pass commit=False to write in that transaction.")
        with immediate(self.db):
            return self._mark_resolved(conflict_id, by_actor_id)

    def _mark_resolved(self, conflict_id: int, by_actor_id) -> bool:
        cursor = self.db.execute(
            "UPDATE sync_conflict SET resolved_at = ?, resolved_by = ? WHERE id = ?"
            " AND resolved_at IS NULL", [stamp(self.clock()), by_actor_id, conflict_id])
        return cursor.rowcount == 1

    def _resolve_adopted(self, type_name: str, record_id: str, actor, changed: dict) -> None:
        """Resolve the open conflicts an update settles: one whose field it sets to the value that
        was not kept ("use the other value" is exactly that update), if the actor may resolve it
        (`can_resolve`). Runs inside the engine's transaction for the update, so the change and the
        resolution are stored together."""
        for conflict in self.conflicts(record=(type_name, record_id)):
            field = conflict["field"]
            if field not in changed or changed[field] != conflict["incoming_value"]:
                continue
            if self.can_resolve is None or self.can_resolve(self, actor, conflict):
                self._mark_resolved(conflict["id"], actor.id)

    def _record_conflicts(self, type_name: str, record_id: str, scope: str, mutation_id: str,
                          actor_id, conflicts: list[FieldConflict]) -> None:
        """Store the conflicts one update caused (inside the engine's transaction for it)."""
        for name, base_value, server_value, incoming in conflicts:
            self.db.execute(
                "INSERT INTO sync_conflict (type, record_id, scope, field, base_value,"
                " server_value, incoming_value, mutation_id, actor_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [type_name, record_id, scope, name, json.dumps(base_value),
                 json.dumps(server_value), json.dumps(incoming), mutation_id, actor_id,
                 stamp(self.clock())])

    def _conflict_rows(self, sql: str, params: list) -> list[dict]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
        for row in rows:
            for name in _VALUES:
                if row[name] is not None:
                    row[name] = json.loads(row[name])
        return rows
