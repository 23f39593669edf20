"""Erasing a scope for good (the deployment's retention period): a mixin of `sync.Engine`.

A delete (`op: delete`) only marks a record deleted and keeps every version in `sync_history`, so
a removal can be undone. Retention needs more: once a person's records are past the period the
deployment keeps them, every copy the engine holds goes, their versions and open or settled
conflicts included. What stays is what names no one: the ids of the mutations that wrote them
(`sync_mutation`: id, device, type, times), so a phone replaying an old create is answered
`duplicate` and never brings the person back, and the devices' scope bookkeeping, so every phone
still holding them is told to drop them at its next pull.
"""

from .store import immediate


class Erase:
    """`erase_scope` and `scope_counts`, for an engine with `db` and `registry`."""

    def scope_counts(self, scope: str) -> dict:
        """How many records of each registered type `scope` holds (what `erase_scope` would erase)."""
        counts = {}
        for record_type in self.registry:
            n = self.db.execute(f"SELECT COUNT(*) FROM [{record_type.table}] WHERE scope = ?", [scope]).fetchone()[0]
            if n:
                counts[record_type.name] = n
        return counts

    def erase_scope(self, scope: str) -> dict:
        """Delete every record in `scope` of every registered type, their history, conflicts,
        aliases and change rows, in one transaction; the number of records erased by type."""
        erased = {}
        with immediate(self.db):
            for record_type in self.registry:
                table = record_type.table
                ids = [row[0] for row in self.db.execute(f"SELECT id FROM [{table}] WHERE scope = ?", [scope])]
                if not ids:
                    continue
                erased[record_type.name] = len(ids)
                for record_id in ids:
                    self.db.execute("DELETE FROM sync_history WHERE type = ? AND record_id = ?",
                                    [record_type.name, record_id])
                    self.db.execute("DELETE FROM sync_alias WHERE type = ? AND (from_id = ? OR to_id = ?)",
                                    [record_type.name, record_id, record_id])
                self.db.execute(f"DELETE FROM [{table}] WHERE scope = ?", [scope])
            self.db.execute("DELETE FROM sync_conflict WHERE scope = ?", [scope])
            self.db.execute("DELETE FROM sync_change WHERE scope = ?", [scope])
        return erased
