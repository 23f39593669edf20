"""What a lost phone hands over before it wipes itself, and what a coordinator decides about it.

A revoked phone (Admin → Revoke, or its worker deactivated) is told `revoked` by the sync endpoint
and may no longer send: whoever holds it may not be the worker. Before wiping itself it hands its
unsent records over (POST /api/handover, README: Sync protocol). Each is **kept, never applied**,
in table `handed_over`, keyed by its mutation id (a replay changes nothing):
- sealed to the server and signed by that phone's registered signing key (rules/sealing.py): kept
  as verified (only the worker's phone, unlocked with their PIN, can have made it);
- plain (a phone without the PIN lock, which seals nothing): kept as "not verified", since
  whoever held the phone could have made it up. A phone that has a signing key registered seals
  everything it saves, so a plain item from it is refused.
Offline views (`view`, the audit of a page read with no signal) are kept too, but only as audit
events (`handed_over`, about the person viewed): there is nothing to decide about a view.
A coordinator of the worker's area then accepts one (it goes through the sync engine as the
worker's own sync would have sent it: their user, their phone's device id, so the normal
validation, access and conflict rules hold) or discards it with a reason; both are audited. A
deactivated worker's records count as theirs too: they were recorded while the worker worked.
Plain functions, no Flask.
"""

import json

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .. import audit, users
from ..db import immediate
from ..records import make_engine
from ..timeutil import now_iso
from . import CoordinationError, unsent

ID = validate.Length(min=1, max=64)
# The statuses of a hand-over answer, one per item.
KEPT, NOT_VERIFIED, ALREADY_RECEIVED, REFUSED = "kept", "not_verified", "already_received", "refused"
# Record types kept in the audit trail only, never offered for a decision (offline views), and
# the decision they are stored with.
AUDIT_ONLY, AUDITED = frozenset({"view"}), "audited"


class NotRevoked(Exception):
    """The device is not a revoked one (or is unknown): it must use /api/sync."""


class HandOverItem(Schema):
    """One unsent record: its mutation id and either its envelope or, from a phone with no lock,
    the mutation itself."""

    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True, validate=ID)
    sealed = fields.Dict(load_default=None)
    mutation = fields.Dict(load_default=None)

    @validates_schema
    def one_of(self, data, **kwargs):
        """Exactly one of `sealed` and `mutation`."""
        if (data["sealed"] is None) == (data["mutation"] is None):
            raise ValidationError("Send either sealed or mutation.", "_item")


class HandOver(Schema):
    """The body of POST /api/handover."""

    class Meta:
        unknown = EXCLUDE

    device_id = fields.String(required=True, validate=ID)
    items = fields.List(fields.Nested(HandOverItem), required=True)
    # What the phone holds unsent and cannot hand over (no contents): noted as lost.
    lost = fields.List(fields.Nested(unsent.ReportedItem), load_default=list,
                       validate=validate.Length(max=unsent.MAX_REPORTED))


class PlainMutation(Schema):
    """What a handed-over mutation must at least be, to be kept (the sync engine judges the rest
    when a coordinator accepts it)."""

    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True, validate=ID)
    type = fields.String(required=True, validate=validate.Length(min=1, max=40))
    op = fields.String(required=True, validate=validate.Length(min=1, max=20))
    record_id = fields.String(required=True, validate=ID)
    recorded_at = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    fields_ = fields.Dict(data_key="fields", load_default=dict)


def read_body(body, max_items):
    """The hand-over body, checked: (device_id, items, lost). ValidationError if it is malformed
    or names more than `max_items` items."""
    data = HandOver().load(body if isinstance(body, dict) else {"_": body})
    if len(data["items"]) > max_items:
        raise ValidationError({"items": [f"At most {max_items} items at a time."]})
    return data["device_id"], data["items"], data["lost"]


def person_of(mutation) -> str | None:
    """Whom a mutation is about: the person it creates or changes, or the one its fields name."""
    if mutation.get("type") == "person":
        return str(mutation.get("record_id"))
    person = (mutation.get("fields") or {}).get("person_id")
    return person if isinstance(person, str) and len(person) <= 64 else None


def _unsealed(db, instance_path, envelope, device_id):
    """The mutation in an envelope signed by this device (rules/sealing.py), or a refusal's words."""
    try:
        from . import sealing  # the deployment's keys are read only when an envelope comes
    except ImportError:  # a server without sealing (fieldapp/rules/sealing.py) opens none
        return None, "This server cannot open sealed records."
    try:
        return sealing.unseal(db, sealing.keyring(instance_path), envelope, device_id), None
    except sealing.SealError as error:
        return None, error.message


def receive(db, app_config, instance_path, device_id, items, lost=()) -> list[dict]:
    """Keep what a revoked phone hands over; one result each ({"id", "status", "errors"?}), in
    order, and note as lost what it says it cannot hand over (`lost`: ids, types, people, times).
    NotRevoked if `device_id` is not a revoked device. Nothing is applied."""
    device = db.execute("SELECT user_id, revoked_at FROM device WHERE id = ?", [device_id]).fetchone()
    if device is None or not device[1]:
        raise NotRevoked(device_id)
    user_id = device[0]
    has_key = _has_signing_key(db, device_id)
    already = make_engine(db, app_config).received([item["id"] for item in [*items, *lost]])
    results, kept = [], []
    for item in items:
        result = _judged(db, instance_path, device_id, item, has_key, already)
        results.append(result)
        if result["status"] in (KEPT, NOT_VERIFIED):
            kept.append((item, result))
    now = now_iso()
    with immediate(db):
        unsent.note_lost(db, device_id, user_id, [i for i in lost if i["id"] not in already], now)
        for (item, result) in kept:
            mutation = result.pop("_mutation")
            owner = db.execute("SELECT device_id FROM handed_over WHERE mutation_id = ?",
                               [item["id"]]).fetchone()
            if owner is not None:
                if owner[0] != device_id:  # an id another phone handed over: never taken over
                    result.update(status=REFUSED, errors={"_mutation": ["This id was handed over by another phone."]})
                continue
            # An offline view (the audit of a page read with no signal) is not casework to
            # decide about: its `handed_over` audit event below is the record of it.
            decision = AUDITED if mutation["type"] in AUDIT_ONLY else None
            db.execute(
                "INSERT INTO handed_over (mutation_id, device_id, user_id, type, op, record_id,"
                " person_id, recorded_at, mutation, verified, received_at, decision, decided_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [item["id"], device_id, user_id, mutation["type"], mutation["op"],
                 mutation["record_id"], person_of(mutation), mutation.get("recorded_at"),
                 json.dumps(mutation), int(result["status"] == KEPT), now, decision,
                 now if decision else None])
            audit.record_handover(db, "handed_over", actor_id=user_id, subject_id=user_id,
                                  person_id=person_of(mutation), device_id=device_id,
                                  detail=f"{mutation['type']} {item['id']}", via="handover",
                                  commit=False)
    for result in results:
        result.pop("_mutation", None)
    return results


def _has_signing_key(db, device_id) -> bool:
    """Whether the device registered a signing key (rules/sealing.py; the column may not exist in
    a database made before sealing)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(device)").fetchall()}
    if "signing_key" not in columns:
        return False
    row = db.execute("SELECT signing_key FROM device WHERE id = ?", [device_id]).fetchone()
    return bool(row and row[0])


def _judged(db, instance_path, device_id, item, has_key, already) -> dict:
    """One item's result, with the mutation it holds (`_mutation`) when it is to be kept."""
    if item["id"] in already:
        # Sent by the phone before it was revoked: it is on the server already.
        return {"id": item["id"], "status": ALREADY_RECEIVED}
    if item["sealed"] is not None:
        mutation, refusal = _unsealed(db, instance_path, item["sealed"], device_id)
        status = KEPT
    elif has_key:
        mutation, refusal = None, "This phone seals its records: a plain one is not its own."
    else:
        mutation, refusal, status = item["mutation"], None, NOT_VERIFIED
    if refusal is None:
        try:
            mutation = PlainMutation().load(mutation)
        except ValidationError as error:
            refusal = "Not a record: " + json.dumps(error.messages)[:300]
    if refusal is None and mutation["id"] != item["id"]:
        refusal = "The record does not carry the id it was handed over under."
    if refusal is not None:
        return {"id": item["id"], "status": REFUSED, "errors": {"_mutation": [refusal]}}
    mutation["fields"] = mutation.pop("fields_")
    return {"id": item["id"], "status": status, "_mutation": mutation}


def waiting_count(db, area) -> int:
    """How many handed-over records wait for a decision by a coordinator of `area`."""
    return db.execute("SELECT COUNT(*) FROM handed_over h JOIN user u ON u.id = h.user_id"
                      " WHERE h.decision IS NULL AND u.area = ?", [area]).fetchone()[0]


def waiting_in_area(db, area) -> list[dict]:
    """The handed-over records waiting for a decision, of the area's workers, oldest first, with
    the worker's name."""
    return [dict(r) for r in db.query(
        "SELECT h.*, COALESCE(u.display_name, u.username) AS worker, u.active AS worker_active"
        " FROM handed_over h JOIN user u ON u.id = h.user_id"
        " WHERE h.decision IS NULL AND u.area = ? ORDER BY h.received_at, h.recorded_at", [area])]


def _waiting_row(db, coordinator, mutation_id):
    """The waiting item if it is one of this coordinator's area's workers', else None."""
    rows = list(db.query(
        "SELECT h.*, u.area AS worker_area FROM handed_over h JOIN user u ON u.id = h.user_id"
        " WHERE h.mutation_id = ? AND h.decision IS NULL", [mutation_id]))
    row = rows[0] if rows else None
    if row is None or coordinator.role != "coordinator" or row["worker_area"] != coordinator.area:
        return None
    return row


def accept(db, app_config, coordinator, mutation_id) -> dict | None:
    """Apply a handed-over record through the sync engine exactly as the worker's own sync would
    have: as the worker (active or not: what they recorded while working counts), from their
    phone's device id. Returns the engine's result; the item is decided (`accepted`) when the
    engine applied it (or had it already), and stays waiting, with the answer, when the engine
    rejected or deferred it (the coordinator may discard it then). None if the item is not this
    coordinator's to decide."""
    row = _waiting_row(db, coordinator, mutation_id)
    if row is None:
        return None
    worker = users.get_user(db, row["user_id"])
    actor = users.User(worker, device_id=row["device_id"])
    engine = make_engine(db, app_config)
    [result] = engine.push(actor, row["device_id"], [json.loads(row["mutation"])])
    status = result.get("first_status") or result["status"]
    applied = status in ("applied", "conflict")
    with immediate(db):
        db.execute("UPDATE handed_over SET answer = ?, decision = ?, decided_at = ?, decided_by = ?"
                   " WHERE mutation_id = ? AND decision IS NULL",
                   [json.dumps(result), "accepted" if applied else None,
                    now_iso() if applied else None, coordinator.id if applied else None, mutation_id])
        if applied:
            audit.record_handover(db, "handover_accepted", actor_id=coordinator.id,
                                  subject_id=row["user_id"], person_id=row["person_id"],
                                  device_id=coordinator.device_id, commit=False,
                                  detail=f"{row['type']} {mutation_id}: {status}")
    return result


class DiscardForm(Schema):
    """Why a coordinator keeps a handed-over record out."""

    class Meta:
        unknown = EXCLUDE

    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=500, error="Say why it is discarded, in at most 500 characters."),
        error_messages={"required": "Say why it is discarded."})


def discard(db, coordinator, mutation_id, form) -> bool:
    """Keep a handed-over record out for good, with the coordinator's reason (audited). False if
    it is not this coordinator's to decide. CoordinationError for a missing reason."""
    try:
        reason = DiscardForm().load({"reason": (form.get("reason") or "").strip()})["reason"]
    except ValidationError as error:
        raise CoordinationError("Say why it is discarded.", error.messages) from error
    row = _waiting_row(db, coordinator, mutation_id)
    if row is None:
        return False
    with immediate(db):
        done = db.execute("UPDATE handed_over SET decision = 'discarded', decided_at = ?,"
                          " decided_by = ?, reason = ? WHERE mutation_id = ? AND decision IS NULL",
                          [now_iso(), coordinator.id, reason, mutation_id]).rowcount
        if done:
            audit.record_handover(db, "handover_discarded", actor_id=coordinator.id,
                                  subject_id=row["user_id"], person_id=row["person_id"],
                                  device_id=coordinator.device_id, commit=False,
                                  detail=f"{row['type']} {mutation_id}: {reason}")
    return bool(done)
