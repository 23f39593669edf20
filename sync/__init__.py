"""The sync engine: mutations in, changes out, for any record types registered with it.

Plain Python over a sqlite-utils Database. It knows mutations, versions, cursors, field-level
merging and conflicts, and nothing of people or contacts: the app registers its record types (each
type's marshmallow schema, whether it is append-only, which scope it belongs to, who may write it).
It never imports Flask.

The engine owns its tables (`sync_*`, created by `migrate`). The app reads and writes them only
through `Engine`'s methods: `history`/`histories`, `fields_changed`, `device_of` and `last_actor`
for versions; `conflicts`, `conflict`, `open_conflict_counts` and `resolve_conflict` for
conflicts; and `change_log_sql`, a SELECT with documented columns that the app may embed in its own
queries. Those method results and columns are the engine's public read surface: the tables behind
them may change. Every server time the engine stores is UTC 'YYYY-MM-DDTHH:MM:SSZ'
(sync/timestamps.py), the app's own format, so the two compare as text.
"""

from .registry import RecordType, Registry, Refusal, Unknown
from .engine import Abandoned, Busy, Engine, EnvelopeError, PROTOCOL, StoreUnavailable
from .merge import FieldConflict, merge_fields
from .store import index_scopes, migrate, skip_after_restore

__all__ = ["Abandoned", "Busy", "Engine", "EnvelopeError", "FieldConflict", "PROTOCOL",
           "RecordType", "Registry", "Refusal", "StoreUnavailable", "Unknown", "index_scopes", "merge_fields", "migrate",
           "skip_after_restore"]
