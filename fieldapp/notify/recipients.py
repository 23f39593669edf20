"""Who hears about what a sync changed: the business rules behind push notifications.

A conflict reaches the worker whose value was kept, the person's trusted person and the area's
coordinators (DESIGN: "the conflict reaches both workers and their coordinator"); the worker whose
value was not kept sees it on their phone already. A new assignment reaches the new trusted person.
Records lost from a phone before they were sent (rules/unsent.py) reach the worker's other phones
and their area's coordinators.
"""

import logging
import sqlite3
import threading
from datetime import datetime, timezone

from ..db import open_db
from ..rules import lone_working, safeguarding
from . import push

log = logging.getLogger(__name__)


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
    visits = {str(by_id[r["id"]].get("fields", {}).get("visit_id")) for r in results
              if r["status"] == "applied" and by_id.get(r["id"], {}).get("type") == "check_in"
              and isinstance(by_id[r["id"]].get("fields"), dict)}
    # "I need help" with no visit started is a visit of kind "help": raised at once too.
    visits |= {str(by_id[r["id"]].get("record_id")) for r in results
               if r["status"] == "applied" and by_id.get(r["id"], {}).get("type") == "visit"
               and isinstance(by_id[r["id"]].get("fields"), dict)
               and by_id[r["id"]]["fields"].get("kind") == "help"}
    if visits:
        after_check_ins(db, config, visits)
    concerned = {str(by_id[r["id"]]["fields"].get("person_id")) for r in results
                 if r["status"] == "applied" and by_id.get(r["id"], {}).get("type")
                 == "safeguarding_concern" and isinstance(by_id[r["id"]].get("fields"), dict)}
    if concerned:
        leads = safeguarding.after_concerns(db, config, concerned) - {actor.id}
        push.notify_later(open_db, config, leads, "safeguarding_concern", url="/safeguarding")
        sent["safeguarding_concern"] = leads
    return sent


def after_loss(db, config, actor) -> set[int]:
    """Tell the worker (on every phone) and their area's coordinators that records were lost from a
    phone before they were sent; the recipients, for tests."""
    user_ids = {actor.id} | {row[0] for row in db.execute(
        "SELECT id FROM user WHERE role = 'coordinator' AND active = 1 AND area = ?",
        [getattr(actor, "area", None)])}
    push.notify_later(open_db, config, user_ids, "lost")
    return user_ids


def after_check_ins(db, config, visit_ids) -> dict:
    """Check-ins just arrived: answer their visits' escalations now, not at the next minute's run
    (an overdue one cancelled, a call for help raised), then send the alerts in the background.
    The runner does the same every minute, so a server stopped between the two loses nothing."""
    now = datetime.now(timezone.utc)
    try:
        counts = lone_working.decide(db, config, now, visit_ids)
    except sqlite3.OperationalError as error:
        # The check-ins are stored; the store is busy. The runner decides within the minute:
        # the phone's answer must not fail for it.
        log.warning("lone working: deciding after a sync failed (%s); left to the runner", error)
        return {}

    def send():
        own = open_db(config["DATABASE"])
        try:
            lone_working.send_alerts(own, config, now)
        finally:
            own.close()

    if config.get("PUSH_IN_BACKGROUND", True):
        threading.Thread(target=send, daemon=True).start()
    else:
        send()
    return counts
