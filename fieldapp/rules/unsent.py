"""Records that vanish from a phone before they were sent are noticed, and named.

Browsers may delete a site's storage (Safari after 7 days without a visit unless the app is on the
home screen; any browser under storage pressure when persistence was not granted). So with every
sync a phone reports what else it holds unsent (`outbox` in the request: id, type, person and time
of each item not in this batch, never its contents) and what the worker discarded on purpose
(`discarded`). The server keeps that list per device (`device_outbox`). An item the device
reported before, that is neither in this request nor in its report, and that the server never
received, has vanished: it is marked lost, the phone is told (`lost` in the answer), and the worker
and their coordinator see which records to enter again (`lost_for_user`, `lost_in_area`), with a
notification that names nobody. The phone's page of the session restores its device id after a
wipe (`<body data-device-id>`), so the same device reports, with an empty list.
"""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..db import immediate
from ..timeutil import now_iso

MAX_REPORTED = 2000  # items one report may name; a phone holding more reports the first ones
class ReportedItem(Schema):
    """One unsent item as a phone reports it: no contents."""

    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True, validate=validate.Length(min=1, max=40))
    person_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    recorded_at = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class OutboxReport(Schema):
    """The `outbox` and `discarded` parts of a sync request."""

    class Meta:
        unknown = EXCLUDE

    outbox = fields.List(fields.Nested(ReportedItem), load_default=None,
                         validate=validate.Length(max=MAX_REPORTED))
    discarded = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                            validate=validate.Length(max=MAX_REPORTED))


def read_report(body):
    """The report in a sync request body, or None when the phone sent none (an older phone) or
    sent one that does not parse (it is ignored: the sync itself goes on)."""
    try:
        report = OutboxReport().load(body if isinstance(body, dict) else {})
    except ValidationError:
        return None
    return report if report["outbox"] is not None else None


def note_report(db, engine, user, device_id, batch_ids, report, now=None):
    """Keep what the device says it holds unsent and return the items newly found lost (as dicts:
    mutation_id, type, person_id, recorded_at)."""
    now = now or now_iso()
    present = set(batch_ids) | {item["id"] for item in report["outbox"]}
    with immediate(db):
        for item in report["outbox"]:
            db.execute(
                "INSERT INTO device_outbox (mutation_id, device_id, user_id, type, person_id, recorded_at,"
                " reported_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mutation_id) DO UPDATE SET"
                " reported_at = excluded.reported_at, lost_at = NULL"
                " WHERE device_outbox.device_id = excluded.device_id",
                [item["id"], device_id, user.id, item["type"], item["person_id"], item["recorded_at"], now])
        for mutation_id in report["discarded"]:
            db.execute("DELETE FROM device_outbox WHERE mutation_id = ? AND device_id = ?",
                       [mutation_id, device_id])
        rows = [dict(r) for r in db.query(
            "SELECT mutation_id, type, person_id, recorded_at FROM device_outbox"
            " WHERE device_id = ? AND lost_at IS NULL", [device_id])]
        arrived = engine.received([r["mutation_id"] for r in rows])
        for mutation_id in arrived:
            db.execute("DELETE FROM device_outbox WHERE mutation_id = ?", [mutation_id])
        lost = [r for r in rows if r["mutation_id"] not in present and r["mutation_id"] not in arrived]
        for row in lost:
            db.execute("UPDATE device_outbox SET lost_at = ? WHERE mutation_id = ?", [now, row["mutation_id"]])
    return lost


def note_lost(db, device_id, user_id, items, now=None):
    """Mark lost what a revoked phone says it holds and cannot hand over (static/handover.js: on a
    locked phone, a record with no envelope), before it wipes itself: the worker and their
    coordinator are told which records to enter again. Items the server has already are skipped
    by the caller; an id another device reported stays that device's. In the caller's transaction."""
    now = now or now_iso()
    for item in items:
        db.execute(
            "INSERT INTO device_outbox (mutation_id, device_id, user_id, type, person_id, recorded_at,"
            " reported_at, lost_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mutation_id) DO UPDATE"
            " SET lost_at = excluded.lost_at WHERE device_outbox.device_id = excluded.device_id",
            [item["id"], device_id, user_id, item["type"], item["person_id"], item["recorded_at"], now, now])


def lost_for_user(db, user_id):
    """This user's records lost from a phone before they were sent, newest first."""
    return [dict(r) for r in db.query(
        "SELECT mutation_id, type, person_id, recorded_at, lost_at FROM device_outbox"
        " WHERE user_id = ? AND lost_at IS NOT NULL AND type != 'view'"
        " ORDER BY lost_at DESC, recorded_at DESC", [user_id])]


def lost_in_area(db, area):
    """The records of the area's workers lost from a phone before they were sent, newest first,
    with the worker's name."""
    return [dict(r) for r in db.query(
        "SELECT o.mutation_id, o.type, o.person_id, o.recorded_at, o.lost_at,"
        " COALESCE(u.display_name, u.username) AS worker FROM device_outbox o"
        " JOIN user u ON u.id = o.user_id WHERE o.lost_at IS NOT NULL AND o.type != 'view' AND u.area = ?"
        " ORDER BY o.lost_at DESC", [area])]


def entered_again(db, user_id, mutation_id):
    """The worker has entered a lost record again (or decided it is not needed): it leaves the
    lists. True if it was theirs and lost."""
    with immediate(db):
        gone = db.execute("DELETE FROM device_outbox WHERE mutation_id = ? AND user_id = ?"
                          " AND lost_at IS NOT NULL", [mutation_id, user_id]).rowcount
    return gone > 0
