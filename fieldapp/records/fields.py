"""What every record type's schema shares: one person-reference field, one date rule, the error
messages for a missing answer, the refusal a hook raises, and the fields the server derives.

Marshmallow 4: every check raises ValidationError; none returns False. Messages are written for
workers, since the phone shows them next to the field.
"""

import json
import uuid
from datetime import date, timedelta

from marshmallow import Schema, ValidationError, fields, pre_load

import sync


def message(text: str) -> dict:
    """Error messages for a required field that is missing or null: the same sentence for both."""
    return {"required": text, "null": text}


def refuse(text: str, field: str = "_mutation"):
    """Reject a mutation from a record type's hook, with the message shown against `field`."""
    raise sync.Refusal(text, {field: [text]})


def is_uuid(value) -> bool:
    """True if `value` is a UUID in its usual lower-case text form (record ids phones make)."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, TypeError, AttributeError):
        return False


class PersonRef(fields.String):
    """The id of the person a record belongs to (the record's sync scope).

    `PersonRef("Choose who the contact was with")`: that sentence is the error for a missing,
    null or malformed id. Whether the person exists is the engine's `references` check (a person
    still on another phone is `deferred`, not refused)."""

    def __init__(self, text: str, **kwargs):
        super().__init__(required=True, error_messages={**message(text), "invalid": text}, **kwargs)
        self.text = text

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not is_uuid(value):
            raise ValidationError(self.text)
        return value


# The one date rule. A day is YYYY-MM-DD in the years people live in; a day something happened (a
# contact, a reading, consent, a date of birth) may be at most tomorrow on the server's calendar: a
# day's grace for phone clocks and for a phone whose midnight comes before the server's.
EARLIEST_YEAR = 1900
GRACE = timedelta(days=1)


def day(value) -> date:
    """A YYYY-MM-DD date as the phone sends it, or ValidationError with a message for the worker."""
    try:
        parsed = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError("Enter the date as year-month-day") from None
    if len(value) != 10 or parsed.year < EARLIEST_YEAR:
        raise ValidationError("Enter a real date as year-month-day")
    return parsed


def past_day(value) -> date:
    """The day something happened: a valid date (see `day`), not in the future."""
    parsed = day(value)
    if parsed > date.today() + GRACE:
        raise ValidationError("The date cannot be in the future")
    return parsed


class DropDerived:
    """Schema mixin: fields the server derives (named in `DERIVED`) are dropped from what a phone
    sends, never trusted and never refused."""

    DERIVED: tuple = ()

    @pre_load
    def _drop_derived(self, data, **kwargs):
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in self.DERIVED}
        return data


class JSONObject(fields.Field):
    """A JSON object with text keys, e.g. scores {"housing": 2}. The engine stores the dumped dict
    as JSON text (sqlite-utils writes dicts as JSON); dumping a stored row parses that text again,
    so the phone and the engine's field merge always see an object."""

    default_error_messages = {"invalid": "Send the answers as an object of area: value"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            raise self.make_error("invalid")
        return dict(value)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, str):
            return json.loads(value)
        return dict(value)


class JSONList(fields.List):
    """A list stored as JSON text (sqlite-utils writes lists so); dumping a stored row parses the
    text again, so the phone and the engine's merge always see a list."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = json.loads(value)
        return super()._serialize(value, attr, obj, **kwargs)


_bound = {}


def bind(schema_class: type[Schema], **attributes) -> type[Schema]:
    """`schema_class` with class attributes bound to this deployment (its districts, choice
    lists, instruments, agencies), made once per distinct binding and reused: building the record
    types for every sync must not make new classes each time."""
    key = (schema_class, json.dumps(attributes, sort_keys=True, default=id))
    if key not in _bound:
        _bound[key] = type(schema_class.__name__, (schema_class,), attributes)
    return _bound[key]


def stored_fields(schema_class: type[Schema], row: dict | None) -> dict:
    """A stored row's schema fields in their JSON form (objects and lists parsed again)."""
    if not row:
        return {}
    schema = schema_class()
    return schema.dump({k: v for k, v in row.items() if k in schema.fields})


class OptionalRef(fields.String):
    """The id of another record a record may name (a barrier's person, a contact's referral to a
    directory service): absent or null, or a record id; that the record exists is the engine's
    `references` check."""

    def __init__(self, text: str, **kwargs):
        super().__init__(allow_none=True, error_messages={"invalid": text}, **kwargs)
        self.text = text

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value is not None and not is_uuid(value):
            raise ValidationError(self.text)
        return value
