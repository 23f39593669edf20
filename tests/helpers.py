"""Plain helpers the tests share: ids and mutations as a phone makes them."""

import uuid


def uid():
    """A fresh id, as a phone makes one for a record or a mutation."""
    return str(uuid.uuid4())


def mutation(type_name, fields, op="create", record_id=None, base_version=None,
             recorded_at="2026-01-01T00:00:00Z"):
    """One mutation as a phone sends it (a new record id if none is given)."""
    return {"id": uid(), "type": type_name, "op": op, "record_id": record_id or uid(),
            "base_version": base_version, "recorded_at": recorded_at, "fields": fields}


def create(type_name, record_id, **fields):
    """A phone's mutation creating the record `record_id` with these fields."""
    return mutation(type_name, fields, "create", record_id, recorded_at="2026-11-22T08:00:00Z")


def update(type_name, record_id, base_version, **fields):
    """A phone's mutation changing these fields of a record, from the version it holds."""
    return mutation(type_name, fields, "update", record_id, base_version,
                    recorded_at="2026-11-20T08:00:00Z")


def delete(type_name, record_id):
    """A phone's mutation deleting a record."""
    return {"id": uid(), "type": type_name, "op": "delete", "record_id": record_id}


def statuses(results):
    """The status of each result of a push, in order."""
    return [r["status"] for r in results]


def contact_fields(person_id, **changes):
    """A valid contact's fields for this person; a change of None leaves that field out."""
    fields = {"person_id": person_id, "contact_at": "2026-01-01T08:00", "district": "Fenland",
              "place": "Bus shelter", "contact_type": "street_outreach", "bedded_down": True,
              "spoken_to": False}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}
