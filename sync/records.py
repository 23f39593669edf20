"""Reading and writing stored records, in plain SQL, and in the form the phone sees them.

The hot path of a push runs these once or twice per mutation, so they use plain SQL on the
connection rather than sqlite-utils' Table objects (each `db[name]` asks sqlite_master twice
whether the name is a view), and reuse one schema instance per schema class and thread rather
than building one per call (about a third of the engine's time per mutation, measured).
"""

import datetime
import decimal
import json
import threading
import uuid

from marshmallow import fields

from .registry import RecordType

BOOKKEEPING = ("id", "version", "deleted", "scope")
_local = threading.local()


def schema_of(schema_class):
    """The one instance of `schema_class` this thread uses. Schemas are stateless between
    loads and dumps, but are kept per thread so no two requests ever share an instance."""
    cache = _local.__dict__.setdefault("schemas", {})
    schema = cache.get(schema_class)
    if schema is None:
        schema = cache[schema_class] = schema_class()
    return schema


def _booleans(schema) -> tuple[str, ...]:
    """The names of a schema's Boolean fields (cached on the instance)."""
    names = schema.__dict__.get("_sync_booleans")
    if names is None:
        names = schema._sync_booleans = tuple(
            name for name, field in schema.fields.items() if isinstance(field, fields.Boolean))
    return names


def _dumps_as_is(name, field) -> bool:
    """True if the field's dump of a value it loaded (or of what SQLite gives back for it) is
    that value itself: text, whole numbers and yes/no, under their own names."""
    if field.data_key not in (None, name) or field.attribute not in (None, name) or \
            field.load_only:
        return False
    serialize = type(field)._serialize
    if isinstance(field, fields.Integer):
        return serialize is fields.Number._serialize and not field.as_string
    if isinstance(field, fields.String):
        return serialize is fields.String._serialize
    if isinstance(field, fields.Boolean):
        return serialize is fields.Field._serialize
    return False


def dump(schema, values: dict) -> dict:
    """`schema.dump(values)`, without marshmallow's work when every field of the schema dumps
    its values as they are (so do the casework types but assessments): a dump per mutation and
    two per stored version, otherwise a third of the engine's time per mutation."""
    plain = schema.__dict__.get("_sync_dumps_as_is")
    if plain is None:
        hooks = getattr(schema, "_hooks", {})
        plain = schema._sync_dumps_as_is = (
            not hooks.get("pre_dump") and not hooks.get("post_dump")
            and not schema.only and not schema.exclude
            and all(_dumps_as_is(name, field) for name, field in schema.fields.items()))
    if not plain:
        return schema.dump(values)
    return {name: value for name, value in values.items() if name in schema.fields}


def get_row(db, table: str, record_id: str) -> dict | None:
    """The stored row of `table` with this id (deleted or not), or None."""
    cursor = db.conn.execute(f'SELECT * FROM "{table}" WHERE id = ?', [record_id])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([column[0] for column in cursor.description], row))


def _storable(value):
    """A value as sqlite-utils would store it: objects and lists as JSON text (the schemas'
    JSONObject and JSONList fields parse it again on the way out), dates as ISO text."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=repr, ensure_ascii=False)
    if isinstance(value, (datetime.time, datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (datetime.timedelta, uuid.UUID)):
        return str(value)
    return value


_inserts: dict = {}


def insert_row(db, table: str, row: dict) -> None:
    """Insert one row; an unknown column fails as SQLite says (the schema and table disagree)."""
    key = (table, tuple(row))
    sql = _inserts.get(key)
    if sql is None:
        if len(_inserts) > 1000:  # one per table and set of fields sent: a few dozen in practice
            _inserts.clear()
        names = ", ".join(f'"{name}"' for name in row)
        sql = _inserts[key] = (f'INSERT INTO "{table}" ({names})'
                               f' VALUES ({", ".join("?" * len(row))})')
    db.conn.execute(sql, [_storable(value) for value in row.values()])


def update_row(db, table: str, record_id: str, values: dict) -> None:
    """Set `values` on the row with this id."""
    assignments = ", ".join(f'"{name}" = ?' for name in values)
    db.execute(f'UPDATE "{table}" SET {assignments} WHERE id = ?',
               [*(_storable(value) for value in values.values()), record_id])


def wire_fields(record_type: RecordType, row: dict) -> dict:
    """A stored row as the phone sees it: every column but the bookkeeping ones, with the schema's
    own fields dumped to their JSON form (so 1/0 columns become true/false again)."""
    values = {k: v for k, v in row.items() if k not in BOOKKEEPING}
    schema = schema_of(record_type.schema)
    declared = {k: v for k, v in values.items() if k in schema.fields}
    values.update(dump(schema, declared))
    for name in _booleans(schema):
        # SQLite stores booleans as 1/0 and marshmallow 4 dumps them unchanged.
        if values.get(name) is not None:
            values[name] = bool(values[name])
    return values


def phone_fields(record_type: RecordType, row: dict) -> dict:
    """A stored row as a pull sends it to a device: `wire_fields` without the type's
    `kept_off_phones` (so no change that reaches a phone ever carries them)."""
    values = wire_fields(record_type, row)
    for name in record_type.kept_off_phones:
        values.pop(name, None)
    return values
