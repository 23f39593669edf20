"""The `assessment` record type: NDT assessments and Outcomes Star readings through the sync engine.

One marshmallow schema checks a record against its instrument definition (fieldapp.instruments);
the engine's `authorize` and `derive` hooks add who may write it, the Star licence gate and the
totals the server derives (never the phone's). Rules:
- `status` is `draft` (a Star reading saved to resume later: synced, never lost, counts nowhere),
  `final` (counts in reports and charts) or `not_done` (was due but could not be done: a reason).
- A final (or not-done) record is append-only: a change is a correction that makes a new version,
  by the worker who recorded it or a coordinator, and never turns it back into a draft. Every
  version stays in the engine's history.
- Person, instrument and version never change on a record: record it again instead.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

import sync
from sync.wire import flatten_errors

from .. import instruments, users
from ..rules import access, licence, scoring
from ..timeutil import now_iso
from .fields import DropDerived, JSONObject, PersonRef, bind, message, past_day, refuse, stored_fields

STATUSES = ("draft", "final", "not_done")
# Values the server derives: ignored if a phone sends them, so a wrong total can never be stored.
DERIVED = ("assessor_id", "total", "max_total", "created_at", "finalised_by", "finalised_at",
           "changed_by", "changed_at")


class AssessmentSchema(DropDerived, Schema):
    """One assessment or reading as the phone sends it. `CATALOG` (the deployment's instruments)
    is bound by `assessment_type`."""

    DERIVED = DERIVED  # dropped from what the phone sends (server-derived)

    CATALOG = None

    person_id = PersonRef("Choose who the assessment is with")
    instrument = fields.String(required=True, error_messages=message("Choose an instrument"))
    instrument_version = fields.String(required=True,
                                       error_messages=message("Say which version of the instrument"))
    assessed_on = fields.String(required=True, error_messages=message("Enter the date"))
    status = fields.String(required=True, error_messages=message("Choose draft or final"),
                           validate=validate.OneOf(STATUSES, error="Choose draft, final or not done"))
    scores = JSONObject(load_default=dict)
    notes = JSONObject(load_default=dict)
    disagree = JSONObject(load_default=dict)
    from_paper = fields.Boolean(load_default=False, error_messages={"invalid": "Answer yes or no"})
    # The Star area the person chose as their priority (a domain key of a Star), if any: the
    # measures count progress on it within 3 months (reads/outcomes.priority_progress).
    priority = fields.String(allow_none=True, validate=validate.Length(
        max=100, error="Choose the priority from the list"))
    not_done_reason = fields.String(
        allow_none=True,
        validate=validate.Length(max=1000, error="The reason must be 1000 characters or fewer"))

    @validates("assessed_on")
    def _date(self, value, data_key):
        past_day(value)

    @validates_schema
    def _against_instrument(self, data, partial=None, **kwargs):
        """A known instrument and version, answers in range, complete when final, a reason when
        not done. A patch (partial) is checked whole, merged with the stored record, in
        `authorize`, since it may not name its instrument."""
        if partial or "instrument" not in data or "instrument_version" not in data:
            return
        errors = record_errors(self.CATALOG, data)
        if errors:
            raise ValidationError(errors)


def record_errors(catalog, record: dict) -> dict:
    """Nested field errors for a whole record against the deployment's instruments ({} if none)."""
    instrument_id, version = record.get("instrument"), record.get("instrument_version")
    if not catalog.has_id(instrument_id):
        return {"instrument": ["This server does not know that instrument"]}
    instrument = catalog.get(instrument_id, version)
    if instrument is None:
        return {"instrument_version": [f"This server does not have version {version} of that instrument"]}
    status = record.get("status")
    errors = scoring.answer_errors(instrument, status, record.get("scores") or {},
                                   record.get("notes") or {}, record.get("disagree") or {})
    if record.get("priority") and (instrument.kind != "star"
                                   or record["priority"] not in instrument.domain_keys):
        errors["priority"] = ["Choose the priority from the Star's areas"]
    if status == "not_done" and not (record.get("not_done_reason") or "").strip():
        errors["not_done_reason"] = ["Say why the assessment could not be done"]
    return errors


def record_type(app_config) -> sync.RecordType:
    """The `assessment` record type over this deployment's instrument catalog."""
    catalog = instruments.catalog(app_config)
    schema_class = bind(AssessmentSchema, CATALOG=catalog)

    def authorize(db, actor, op, scope, fields_, current):
        if getattr(actor, "role", None) not in users.CASEWORK_ROLES:
            raise sync.Refusal("Your account cannot record casework")
        if not access.can_see_person(db, actor, scope):
            refuse("You cannot record an assessment for this person", "person_id")
        record = {**stored_fields(schema_class, current), **fields_}
        instrument = catalog.get(record.get("instrument"), record.get("instrument_version"))
        if instrument is not None and not licence.instrument_available(db, instrument):
            refuse(f"The {instrument.name} is switched off: an administrator must first confirm "
                   "that your organisation holds a Triangle Consulting licence", "instrument")
        if op == "create":
            return
        for name in ("person_id", "instrument", "instrument_version"):
            if name in fields_ and fields_[name] != current[name]:
                refuse("This cannot change on a saved assessment: record a new one instead", name)
        own = current["assessor_id"] == actor.id or actor.role == "coordinator"
        if current["status"] == "draft" and not own and (
                op == "delete" or fields_.get("status") in ("final", "not_done")):
            refuse("Only the worker who started this reading, or a coordinator, can finish or "
                   "remove it", "status" if op == "update" else "_mutation")
        if current["status"] in ("final", "not_done"):
            if not own:
                refuse("Only the worker who recorded it, or a coordinator, can correct or remove it")
            if fields_.get("status") == "draft":
                refuse("A final reading cannot become a draft again: correct it instead", "status")
        if op == "update":
            try:
                schema_class().load({k: v for k, v in record.items() if v is not None})
            except ValidationError as error:
                raise sync.Refusal("Some fields need attention.",
                                   flatten_errors(error.messages)) from error

    def derive(db, actor, op, fields_, current):
        record = {**stored_fields(schema_class, current), **fields_}
        derived = {"assessor_id": actor.id, "created_at": now_iso()} if op == "create" else {
            "changed_by": actor.id, "changed_at": now_iso()}
        if record.get("status") in ("final", "not_done") and (
                current is None or current["status"] == "draft"):
            derived.update(finalised_by=actor.id, finalised_at=now_iso())  # who made it count
        instrument = catalog.get(record["instrument"], record["instrument_version"])
        if instrument.kind == "ndt":
            derived["max_total"] = scoring.max_total(instrument)
            derived["total"] = (None if record.get("status") == "not_done"
                                else scoring.weighted_total(instrument, record.get("scores") or {}))
        else:
            derived["max_total"] = derived["total"] = None  # Star scores are never summed
        return derived

    return sync.RecordType(
        name="assessment",
        table="assessment",
        schema=schema_class,
        # The engine keeps every version and merges a patch field by field for either kind of
        # type; False says a draft is edited until final. The append-only rules for final
        # records are enforced in `authorize` above.
        append_only=False,
        scope_field="person_id",
        references={"person_id": "person"},
        authorize=authorize,
        derive=derive,
    )
