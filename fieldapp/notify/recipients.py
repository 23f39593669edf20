"""Who hears about what a sync changed: the business rules behind push notifications.

A conflict reaches the worker whose value was kept, the person's trusted person and the area's
coordinators (DESIGN: "the conflict reaches both workers and their coordinator"); the worker whose
value was not kept sees it on their phone already. A new assignment reaches the new trusted person.
Records lost from a phone before they were sent (rules/unsent.py) reach the worker's other phones
and their area's coordinators.
"""

from ..db import open_db
from . import push


def conflict_recipients(engine, actor_id, mutation_id) -> set[int]:
    """Users to tell about the conflicts one mutation caused (never the actor)."""
    db = engine.db
    recipients = set()
    for conflict in engine.conflicts(mutation_id=mutation_id, open_only=False):
        last = engine.last_actor(conflict["type"], conflict["record_id"], actor_id)
        if last is not None:
            recipients.add(last)
        person = db.execute("SELECT trusted_person_id, area FROM person WHERE id = ?",
                            [conflict["scope"]]).fetchone()
        if person:
            if person[0]:
                recipients.add(person[0])
            recipients.update(row[0] for row in db.execute(
                "SELECT id FROM user WHERE role = 'coordinator' AND active = 1 AND area = ?",
                [person[1]]))
    recipients.discard(actor_id)
    return recipients


def after_sync(engine, config, actor, mutations, results) -> dict:
    """Send the notifications a sync calls for (in the background: PUSH_IN_BACKGROUND); returns
    {kind: recipients} for tests and logs."""
    db = engine.db
    sent = {"conflict": set(), "assigned": set()}
    by_id = {m.get("id"): m for m in mutations or [] if isinstance(m, dict)}
    for result in results:
        mutation = by_id.get(result["id"])
        if mutation is None:
            continue
        if result["status"] == "conflict":
            sent["conflict"] |= conflict_recipients(engine, actor.id, result["id"])
        fields = mutation.get("fields") if isinstance(mutation.get("fields"), dict) else {}
        if (result["status"] in ("applied", "conflict") and mutation.get("type") == "person"
                and fields.get("trusted_person_id")):
            row = db.execute("SELECT trusted_person_id FROM person WHERE id = ?",
                             [str(mutation.get("record_id"))]).fetchone()
            if row and row[0] == fields["trusted_person_id"] and row[0] != actor.id:
                sent["assigned"].add(row[0])
    for kind, user_ids in sent.items():
        push.notify_later(open_db, config, user_ids, kind)
    return sent


def after_loss(db, config, actor) -> set[int]:
    """Tell the worker (on every phone) and their area's coordinators that records were lost from a
    phone before they were sent; the recipients, for tests."""
    user_ids = {actor.id} | {row[0] for row in db.execute(
        "SELECT id FROM user WHERE role = 'coordinator' AND active = 1 AND area = ?",
        [getattr(actor, "area", None)])}
    push.notify_later(open_db, config, user_ids, "lost")
    return user_ids
