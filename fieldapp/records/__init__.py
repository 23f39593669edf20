"""What the sync engine accepts: the casework record types, registered once, and the engine.

Each record type is a module here in one shape: a marshmallow schema (the one validation layer),
and `record_type(app_config) -> sync.RecordType` whose `authorize` and `derive` hooks the engine
calls for every mutation (who may write it; what the server derives, never the phone). Shared
fields and the one date rule are in `fields.py`.

| type           | module            | kind                                          |
|----------------|-------------------|-----------------------------------------------|
| `person`       | `person.py`       | editable, merged field by field; its own scope |
| `contact`      | `contact.py`      | append-only                                   |
| `assessment`   | `assessment.py`   | NDT and Star; drafts editable, finals append-only |
| `consent`      | `consent.py`      | append-only; only withdrawal may change       |
| `view`         | `view.py`         | create-only audit of offline views, never pulled |
| `peer_session` | `peer_session.py` | append-only                                   |
| `directory_entry` | `directory_entry.py` | editable; its own scope, read by every caseworker |
| `barrier`      | `barrier.py`      | editable (coordinators move its status); its own scope, not pulled |
| `lesson`       | `lesson.py`       | append-only; its own scope, not pulled         |
| `tally`        | `tally.py`        | append-only; its own scope, not pulled         |
| `mdt_meeting`  | `mdt_meeting.py`  | append-only; a multi-agency meeting about a person |
| `visit`        | `visit.py`        | create-only; its own scope, never pulled      |
| `check_in`     | `check_in.py`     | create-only, about a visit; never pulled      |
| `risk_marker`  | `risk_marker.py`  | editable, merged field by field; never deleted |
| `place_marker` | `place_marker.py` | the same, about a place; its own scope, read by the area's caseworkers |
| `safeguarding_concern`, `safeguarding_decision` | `safeguarding.py` | create-only |
"""

import uuid

import sync

from .. import audit
from ..rules import access
from ..timeutil import now_iso
from . import (assessment, barrier, check_in, consent, contact, directory_entry, lesson,
               mdt_meeting, peer_session, person, place_marker, risk_marker, safeguarding, tally,
               view, visit)

# Every record type, in the order the registry lists them. Add a new one here, once. The
# directory comes before the types that name its entries.
MODULES = (person, directory_entry, contact, assessment, consent, view, peer_session, barrier,
           lesson, tally, visit, check_in, risk_marker, place_marker, safeguarding, mdt_meeting)


def record_types(app_config) -> sync.Registry:
    """The registry of casework record types for this deployment: built once per app's config
    (kept on the Flask Config object), since every sync and the caseload make an engine and
    building it cost about as much as the caseload's own queries (measured). The hooks read
    `app_config` when called, so only what a type binds when built (its schema's districts and
    choice lists, a deployment's fixed settings) is fixed then. A plain dict (scripts, tests)
    gets a fresh registry each time."""
    registry = getattr(app_config, "_fieldapp_record_types", None)
    if registry is None:
        registry = sync.Registry(*(module.record_type(app_config) for module in MODULES),
                                 safeguarding.decision_type(app_config))
        try:
            app_config._fieldapp_record_types = registry
        except AttributeError:
            pass  # a plain dict cannot hold it
    return registry


class CaseworkEngine(sync.Engine):
    """The sync engine with the audit trail in its pull: every person whose records reach a
    phone is noted (README: Audit trail). Which record types each reader gets (a partner agency
    worker's phone only what they may read; offline views never travel back) is the engine's
    `can_read`, given access.can_see_record_type."""

    def pull_writes(self, actor, device_id, changes):
        """The audit of the people whose records this page takes to the phone, written in the
        pull's own transaction."""
        people = {change["scope"] for change in changes
                  if change["type"] not in ("scope", *access.NOT_ABOUT_PEOPLE)
                  and not change.get("deleted") and change.get("scope")}
        return [audit.sent_statement(actor, device_id, people)] if people else []


def make_engine(db, app_config, clock=None) -> CaseworkEngine:
    """A sync engine over `db` for the casework record types, with this deployment's limits.
    `clock` (an aware datetime function) stands in for the server's time: demo data and tests
    that need versions stored on past days (the housing history behind the measures)."""
    extra = {"clock": clock} if clock is not None else {}

    def phone_scopes(db_, actor):
        # What a phone holds: people closed more than PHONE_CLOSED_DAYS ago stay on the server.
        return access.phone_scopes(db_, actor, access.phone_cutoff(app_config))

    return CaseworkEngine(
        db,
        record_types(app_config),
        visible_scopes=phone_scopes,
        max_mutations=app_config["SYNC_MAX_MUTATIONS"],
        max_bytes=app_config["SYNC_MAX_BYTES"],
        page_size=app_config["SYNC_PAGE_SIZE"],
        defer_days=app_config["SYNC_DEFER_DAYS"],
        can_read=access.can_see_record_type,
        can_resolve=access.can_resolve_conflict,
        lock_timeout=app_config.get("SYNC_LOCK_TIMEOUT_SECONDS"),
        retry_after=app_config.get("SYNC_BUSY_RETRY_SECONDS", 5),
        **extra,
    )


def new_id() -> str:
    """A fresh record or mutation id (what phones make)."""
    return str(uuid.uuid4())


def server_device_id(actor) -> str:
    """The device a server-side change is made from: the one the actor's login session is bound
    to, or, for an actor with no session (a script, a test), a stable id of their own, so their
    changes are still attributable."""
    return actor.device_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"fieldapp-server/{actor.id}"))


def push_update(db, app_config, actor, type_name, record_id, fields, op="update") -> dict:
    """Change a record through the sync engine, as of its current version, as a phone's edit
    would (a coordinator's assignment, merge choices, removal or restore; `op` "update", "delete"
    or "restore"): versions, history and conflicts stay exactly as for any other change, and the
    actor's own phone receives it on its next pull. Returns the engine's result; the caller checks
    its status."""
    current = db[type_name].get(record_id)
    mutation = {"id": new_id(), "type": type_name, "op": op, "record_id": record_id,
                "base_version": current["version"] if op == "update" else None,
                "recorded_at": now_iso(), "fields": fields if op == "update" else None}
    engine = make_engine(db, app_config)
    engine.lock_timeout = None  # a coordinator's action waits for the lock, as any page's write
    [result] = engine.push(actor, server_device_id(actor), [mutation])
    return result


def push_create(db, app_config, actor, type_name, fields) -> tuple[str, dict]:
    """Create a record through the sync engine from a server-side form (a coordinator's lesson,
    a directory entry), as a phone's create would: (the new record's id, the engine's result).
    The caller checks the result's status and shows its errors."""
    record_id = new_id()
    mutation = {"id": new_id(), "type": type_name, "op": "create", "record_id": record_id,
                "base_version": None, "recorded_at": now_iso(), "fields": fields}
    [result] = make_engine(db, app_config).push(actor, server_device_id(actor), [mutation])
    return record_id, result
