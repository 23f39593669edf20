"""The sync engine: mutations in, changes out, for any record types registered with it.

Plain Python over a sqlite-utils Database. It knows mutations, versions, cursors, field-level
merging and conflicts, and nothing of people or contacts: the app registers its record types (each
type's marshmallow schema, whether it is append-only, which scope it belongs to, who may write it).
It never imports Flask.
"""

from .registry import RecordType, Registry, Refusal
from .engine import Engine, EnvelopeError, PROTOCOL
from .merge import FieldConflict, merge_fields
from .store import migrate

__all__ = ["Engine", "EnvelopeError", "FieldConflict", "PROTOCOL", "RecordType", "Registry",
           "Refusal", "merge_fields", "migrate"]
