"""What the coordinator's "Records handed over by a lost phone" page shows (rules/handover.py).

Each waiting record with the words for its kind, whose it was, when it was recorded and handed
over, whether it was verified, and whom it is about: the person's name only when the coordinator
may see them (the same read rule as every person page), else nothing about them.
"""

import json

from ..records.names import lost_name
from ..rules import handover
from .person import get_person

OPS = {"create": "new", "update": "a change", "delete": "a removal", "restore": "a restore"}


def handed_over_page(db, coordinator) -> list[dict]:
    """The area's handed-over records waiting for this coordinator's decision, named."""
    rows = handover.waiting_in_area(db, coordinator.area)
    for row in rows:
        person = get_person(db, coordinator, row["person_id"]) if row["person_id"] else None
        row["kind"] = lost_name(row["type"])
        row["op_words"] = OPS.get(row["op"], row["op"])
        row["person_name"] = person["display_name"] if person else None
        row["answer"] = json.loads(row["answer"]) if row["answer"] else None
    return rows


def waiting_count(db, coordinator) -> int:
    """How many wait for this coordinator (the overview links the page only when there are any)."""
    return handover.waiting_count(db, coordinator.area)
