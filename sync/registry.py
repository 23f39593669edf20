"""Record types the engine can sync, and the registry that holds them."""

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from marshmallow import Schema


class Refusal(Exception):
    """Raised by a record type's hooks to reject a mutation with a message for the worker.

    `errors` maps field names to lists of messages; `_mutation` is used for the mutation as a whole.
    """

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = dict(errors or {"_mutation": [message]})


class Unknown(Exception):
    """Raised by a record type's `authorize` to answer exactly as if the record of `type_name` a
    mutation refers to did not exist (`deferred`, then `rejected`): so a reader cannot tell an id
    they may not see from one nobody has."""

    def __init__(self, type_name: str):
        super().__init__(f"no {type_name} this actor may see")
        self.type_name = type_name


# authorize(db, actor, op, scope, fields, current) -> None, or raises Refusal.
#   op is "create", "update", "delete" or "restore"; fields are the validated incoming fields (the
#   whole record for create, the patch for update, {} for delete and restore); current is the
#   stored row (dict) or None.
Authorize = Callable[[Any, Any, str, str, dict, "dict | None"], None]
# derive(db, actor, op, fields, current) -> dict of server-derived fields merged over `fields`
#   (for example the worker who recorded a contact, or a person's area from their district).
Derive = Callable[[Any, Any, str, dict, "dict | None"], dict]


@dataclass(frozen=True)
class RecordType:
    """One kind of record the phones may create, correct or delete.

    The current state lives in `table`, which the app creates with the columns `id` (text primary
    key), `version` (integer), `deleted` (integer 0/1), `scope` (text) and one column per schema field.
    """

    name: str
    table: str
    schema: type[Schema]
    append_only: bool = False
    # Field holding the scope key (e.g. "person_id"); None means the record is its own scope.
    scope_field: str | None = None
    # field name -> record type name that must already exist on the server (else `deferred`).
    references: Mapping[str, str] = field(default_factory=dict)
    authorize: Authorize | None = None
    derive: Derive | None = None
    # Fields stored and merged on the server that no pull ever carries to a device (the app's
    # sensitive fields): left out of every change sent, whole records, scope entries and echoes
    # alike. A device's update that does not name them leaves them as they are (a patch).
    kept_off_phones: frozenset[str] = frozenset()


class Registry:
    """The record types known to one engine, by wire name."""

    def __init__(self, *types: RecordType):
        self._types: dict[str, RecordType] = {}
        for record_type in types:
            self.register(record_type)

    def register(self, record_type: RecordType) -> RecordType:
        """Add a record type; its name must be unique."""
        if record_type.name in self._types or record_type.name == "scope":
            raise ValueError(f"record type {record_type.name!r} is already registered or reserved")
        self._types[record_type.name] = record_type
        return record_type

    def get(self, name: str) -> RecordType | None:
        """The record type called `name`, or None if there is none."""
        return self._types.get(name)

    def __iter__(self):
        return iter(self._types.values())
