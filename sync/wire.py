"""Marshmallow schemas for the sync envelope (protocol 1).

The envelope is checked as a whole (a malformed one is a 400); each mutation is then checked on its
own, so that one malformed mutation is `rejected` while the others in the batch still apply.
"""

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

PROTOCOL = 1
# SQLite integers are 64-bit: anything larger is refused here rather than overflowing later.
MAX_INT = 2**63 - 1
# `restore` undoes a delete (a coordinator's "restore"; no phone sends it): protocol 1 grew it,
# backwards compatibly, since an old phone never sends it.
OPS = ("create", "update", "delete", "restore")


class MutationSchema(Schema):
    """One change the phone made: the unit of idempotency (its `id`) and of transactions."""

    class Meta:
        unknown = EXCLUDE  # fields added by a later protocol revision are ignored, not refused

    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    op = fields.String(required=True, validate=validate.OneOf(OPS))
    record_id = fields.UUID(required=True)
    base_version = fields.Integer(load_default=None, allow_none=True, strict=True,
                                  validate=validate.Range(min=1, max=MAX_INT))
    # The phone's clock, kept for display only: never judged, so any short string is accepted.
    recorded_at = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    fields_ = fields.Dict(data_key="fields", load_default=None, allow_none=True)

    @validates_schema
    def _fields_match_op(self, data, **kwargs):
        """A create carries the whole record, an update a non-empty patch from a base version."""
        op = data.get("op")
        if op == "create" and not data.get("fields_"):
            raise ValidationError("A new record needs its fields.", "fields")
        if op == "update":
            if not data.get("fields_"):
                raise ValidationError("A change needs the fields it changes.", "fields")
            if data.get("base_version") is None:
                raise ValidationError("A change needs the version it was made from.", "base_version")


class EnvelopeSchema(Schema):
    """The request body of POST /api/sync; mutations are only required to be objects with an id
    here, and are judged one by one afterwards."""

    class Meta:
        unknown = EXCLUDE

    protocol = fields.Integer(required=True, strict=True, validate=validate.Equal(
        PROTOCOL, error="This server speaks sync protocol 1."))
    device_id = fields.UUID(required=True)
    cursor = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=MAX_INT))
    mutations = fields.List(fields.Dict(), load_default=list)
    # "partial": the phone merges a partial change over its own copy of a record it created in
    # this request (sync/echo.py). Added to protocol 1 backwards compatibly: "full" by default.
    # "result": the same, folded into the create's result, and null result fields left out.
    echo = fields.String(load_default="full",
                         validate=validate.OneOf(("full", "partial", "result")))
    # false: push only, no pull (a locked phone, which could not store what it was sent). Added
    # to protocol 1 backwards compatibly: true by default.
    pull = fields.Boolean(load_default=True)
    # false: the results come in the order of the mutations sent, without their ids (a mutation id
    # is a random UUID, about 20 bytes a record that gzip cannot shrink; the phone knows the order
    # it sent). Added to protocol 1 backwards compatibly: true by default.
    result_ids = fields.Boolean(load_default=True)

    @validates_schema
    def _every_mutation_has_an_id(self, data, **kwargs):
        """A mutation without a usable id cannot be answered, so the envelope is malformed."""
        for index, mutation in enumerate(data.get("mutations") or []):
            if not isinstance(mutation.get("id"), str) or not mutation["id"]:
                raise ValidationError(f"Mutation {index} has no id.", "mutations")
        ids = [m["id"] for m in data.get("mutations") or []]
        if len(ids) != len(set(ids)):
            raise ValidationError("A mutation id appears twice in one batch.", "mutations")


class ResultSchema(Schema):
    """The answer to one mutation (documentation and conformance checks; the engine builds dicts)."""

    # Left out when the phone asked for `"result_ids": false`: then results are in the order sent.
    id = fields.String()
    status = fields.String(required=True, validate=validate.OneOf(
        ("applied", "conflict", "duplicate", "deferred", "rejected")))
    # Always present, null or not, unless the phone asked for "echo": "result" (then a null one
    # is left out).
    version = fields.Integer(allow_none=True)
    first_status = fields.String(allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         allow_none=True)
    # Only with "echo": "result": the partial echo of the record this create made.
    echo = fields.Nested(lambda: EchoSchema())


class EchoSchema(Schema):
    """A created record's partial echo inside its result ("echo": "result"): its scope and only
    the fields the server filled or whose value differs from what the phone sent."""

    scope = fields.String(allow_none=True, required=True)
    fields_ = fields.Dict(data_key="fields", required=True)


class ChangeSchema(Schema):
    """One record's current state (or a tombstone) sent to the phone by a pull."""

    type = fields.String(required=True)
    record_id = fields.String(required=True)
    version = fields.Integer(required=True)
    deleted = fields.Boolean(required=True)
    scope = fields.String(allow_none=True, required=True)
    fields_ = fields.Dict(data_key="fields", allow_none=True, required=True)
    # Only with "echo": "partial": `fields` holds only what differs from what the phone sent.
    partial = fields.Boolean()


class AnswerSchema(Schema):
    """The 200 answer of POST /api/sync."""

    protocol = fields.Integer(required=True)
    results = fields.List(fields.Nested(ResultSchema), required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    cursor = fields.Integer(required=True)
    more = fields.Boolean(required=True)
    # Only when the phone asked for `"result_ids": false`: the batch the results answer, as the
    # first 16 hex digits of SHA-256 over its mutation ids in the order answered, one a line.
    results_for = fields.String()


def flatten_errors(messages) -> dict[str, list[str]]:
    """Marshmallow's nested error messages as {field: [message, ...]}, for the phone to show."""
    flat: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                name = "_mutation" if key == "_schema" else str(key)
                walk(f"{prefix}.{name}" if prefix else name, inner)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix or "_mutation", []).extend(value)
        elif isinstance(value, list):
            for inner in value:
                walk(prefix, inner)
        else:
            flat.setdefault(prefix or "_mutation", []).append(str(value))

    walk("", messages)
    return flat


__all__ = ["AnswerSchema", "ChangeSchema", "EnvelopeSchema", "MutationSchema", "OPS", "PROTOCOL",
           "RAISE", "ResultSchema", "flatten_errors"]
