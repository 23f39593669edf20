"""Reading stored records in the form the phone sees them."""

from marshmallow import fields

from .registry import RecordType

BOOKKEEPING = ("id", "version", "deleted", "scope")


def get_row(table, record_id: str) -> dict | None:
    """The stored row with this id (deleted or not), or None."""
    rows = list(table.rows_where("id = ?", [record_id]))
    return rows[0] if rows else None


def wire_fields(record_type: RecordType, row: dict) -> dict:
    """A stored row as the phone sees it: every column but the bookkeeping ones, with the schema's
    own fields dumped to their JSON form (so 1/0 columns become true/false again)."""
    values = {k: v for k, v in row.items() if k not in BOOKKEEPING}
    schema = record_type.schema()
    declared = {k: v for k, v in values.items() if k in schema.fields}
    values.update(schema.dump(declared))
    for name, field in schema.fields.items():
        # SQLite stores booleans as 1/0 and marshmallow 4 dumps them unchanged.
        if isinstance(field, fields.Boolean) and values.get(name) is not None:
            values[name] = bool(values[name])
    return values
