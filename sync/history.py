"""Version history and the change log: every stored version of every record, with who made it,
from which device and when, and the scopes each version was logged under.

`sync_history` holds one row per version (the whole record as of that version); `sync_change` is
the server-wide sequence a pull's cursor counts in, one row per version and scope (a record moved
to another scope is logged under both). The engine writes both in the transaction that stores the
version. The app reads them only through the methods here, and the one SQL it may embed in its own
queries is `change_log_sql` (the audit trail pages through it together with the app's own events).
"""

import json
from typing import Iterable

from .records import wire_fields as _wire_fields
from .timestamps import stamp

_VERSION_COLUMNS = ("version", "op", "deleted", "fields", "actor_id", "device_id", "mutation_id",
                    "recorded_at", "stored_at")
# SQLite's default limit on bound parameters is 999 in older builds: ask in batches below it.
_BATCH = 500


class History:
    """Writing and reading versions, as part of `sync.Engine` (which inherits it). It uses the
    engine's `db` and `clock`."""

    def history(self, type_name: str, record_id: str) -> list[dict]:
        """Every stored version of a record, oldest first, with who made it and when: `version`,
        `op` (create, update, delete or merge), `deleted`, `fields` (the whole record as of that
        version, decoded), `actor_id`, `device_id`, `mutation_id`, `recorded_at` (the phone's
        clock, as sent) and `stored_at` (the server's, 'YYYY-MM-DDTHH:MM:SSZ')."""
        return self.histories(type_name, [record_id])[record_id]

    def histories(self, type_name: str, record_ids: Iterable[str]) -> dict[str, list[dict]]:
        """{record_id: its versions oldest first, as in `history`} for many records of one type in
        a few queries, for lists that look back through many people's versions (who was newly
        assigned to a worker). A record with no history maps to an empty list."""
        record_ids = list(dict.fromkeys(record_ids))
        found: dict[str, list[dict]] = {record_id: [] for record_id in record_ids}
        for start in range(0, len(record_ids), _BATCH):
            batch = record_ids[start:start + _BATCH]
            rows = self.db.execute(
                f"SELECT record_id, {', '.join(_VERSION_COLUMNS)} FROM sync_history WHERE type = ?"
                f" AND record_id IN ({','.join('?' * len(batch))}) ORDER BY record_id, version",
                [type_name, *batch]).fetchall()
            for record_id, *values in rows:
                version = dict(zip(_VERSION_COLUMNS, values))
                version["fields"] = json.loads(version["fields"])
                found[record_id].append(version)
        return found

    def received(self, mutation_ids: Iterable[str]) -> set[str]:
        """Which of these mutation ids the server has ever been sent (applied, conflicted or
        merged into another record): what a phone's report of its unsent items is checked against."""
        ids = list(mutation_ids)
        found = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found |= {row[0] for row in self.db.execute(
                f"SELECT id FROM sync_mutation WHERE id IN ({marks})", chunk)}
        return found

    def fields_changed(self, type_name: str, record_id: str, version: int) -> list[str]:
        """The names of the fields `version` changed from the version before it, sorted (for a
        first version, every field with a value): what the audit trail lists for a change, never
        the values."""
        rows = self.db.execute(
            "SELECT version, fields FROM sync_history WHERE type = ? AND record_id = ?"
            " AND version IN (?, ?)", [type_name, record_id, version - 1, version]).fetchall()
        by_version = {number: json.loads(text) for number, text in rows}
        now, before = by_version.get(version, {}), by_version.get(version - 1, {})
        return sorted(k for k in set(now) | set(before) if now.get(k) != before.get(k))

    def device_of(self, type_name: str, record_id: str, version: int = 1) -> str | None:
        """The device a version came from (by default the one the record was created on); None
        if it was made on the server (a merge) or there is no such version."""
        row = self.db.execute(
            "SELECT device_id FROM sync_history WHERE type = ? AND record_id = ? AND version = ?",
            [type_name, record_id, version]).fetchone()
        return row[0] if row else None

    def last_actor(self, type_name: str, record_id: str, excluding_actor_id) -> int | None:
        """Who stored the latest version of a record, leaving out `excluding_actor_id`; None if
        nobody else ever did. For telling the other side of a conflict about it."""
        row = self.db.execute(
            "SELECT actor_id FROM sync_history WHERE type = ? AND record_id = ? AND actor_id != ?"
            " ORDER BY version DESC LIMIT 1", [type_name, record_id, excluding_actor_id]).fetchone()
        return row[0] if row else None

    def change_log_sql(self, *, scope: str | None = None, actor_id=None,
                       exclude_types: Iterable[str] = ()) -> tuple[str, list]:
        """A SELECT over the stored versions, and its parameters, for the app to embed as a
        subquery (the audit trail unions it with its own events, then orders and pages the lot).

        One row per stored version, with the columns `stored_at, actor_id, device_id, scope, type,
        record_id, version, op, recorded_at`: `scope` is the scope the version was last logged
        under (for a version that moved a record, the one it moved to). `scope=` keeps the
        versions logged under that scope (so a moved record's version shows in both scopes'
        trails); `actor_id=` those that actor stored; `exclude_types` leaves record types out.
        No ORDER BY: the caller orders (by `stored_at`, which sorts as text).

        These column names are the engine's public contract, like its methods' results.
        """
        where, params = [], []
        exclude_types = list(exclude_types)
        if exclude_types:
            where.append(f"h.type NOT IN ({','.join('?' * len(exclude_types))})")
            params += exclude_types
        if scope is not None:
            where.append("EXISTS (SELECT 1 FROM sync_change c WHERE c.type = h.type AND"
                         " c.record_id = h.record_id AND c.version = h.version AND c.scope = ?)")
            params.append(scope)
        if actor_id is not None:
            where.append("h.actor_id = ?")
            params.append(actor_id)
        sql = ("SELECT h.stored_at AS stored_at, h.actor_id AS actor_id, h.device_id AS device_id,"
               " (SELECT c.scope FROM sync_change c WHERE c.type = h.type AND"
               " c.record_id = h.record_id AND c.version = h.version ORDER BY c.seq DESC LIMIT 1)"
               " AS scope, h.type AS type, h.record_id AS record_id, h.version AS version,"
               " h.op AS op, h.recorded_at AS recorded_at FROM sync_history h")
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql, params

    def _fields_at(self, record_type, record_id: str, version: int) -> dict | None:
        """A record's fields as of one version, or None if the server never stored it."""
        row = self.db.execute(
            "SELECT fields FROM sync_history WHERE type = ? AND record_id = ? AND version = ?",
            [record_type.name, record_id, version]).fetchone()
        return json.loads(row[0]) if row else None

    def _record_version(self, actor, device_id, record_type, mutation, row, scopes):
        """History keeps every version; the change log gives it a sequence number per scope."""
        self.db.execute(
            "INSERT INTO sync_history (type, record_id, version, op, deleted, fields, actor_id,"
            " device_id, mutation_id, recorded_at, stored_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [record_type.name, row["id"], row["version"], mutation["op"], row["deleted"],
             json.dumps(_wire_fields(record_type, row)), actor.id, device_id,
             str(mutation["id"]) if mutation.get("id") else None, mutation.get("recorded_at"),
             stamp(self.clock())])
        for scope in scopes:
            self.db.execute(
                "INSERT INTO sync_change (type, record_id, version, scope, deleted)"
                " VALUES (?, ?, ?, ?, ?)",
                [record_type.name, row["id"], row["version"], scope, row["deleted"]])
