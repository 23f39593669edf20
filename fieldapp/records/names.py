"""What each kind of record is called in the worker's words: one table for every place that
names one.

The outbox's header counts what waits ("2 contacts, 1 new person": `one` and `many`, rendered into
`tpl-record-kinds` in templates/_outbox.html and read by static/status.js), and the lost-records
page asks the worker to enter one again, and the coordinator's page of records a lost phone
handed over names each ("A contact": `lost`). A person
record counts as a new person when it was registered on the phone, else as a change of details.
Offline view records are the audit's, never the worker's to count or redo, so they have no name.
`tests/test_unsent.py` fails when a registered record type has no name here.
"""

from typing import NamedTuple


class RecordName(NamedTuple):
    """One kind's words: one of it waiting, `{n}` of it waiting, and one of it lost."""

    one: str
    many: str
    lost: str


# In the order the outbox's header lists kinds with equal counts.
RECORD_NAMES = {
    "contact": RecordName("1 contact", "{n} contacts", "A contact"),
    "person-new": RecordName("1 new person", "{n} new people", "Someone registered"),
    "person": RecordName("1 change of details", "{n} changes of details",
                         "Someone registered, or a change to someone's details"),
    "assessment": RecordName("1 assessment", "{n} assessments", "An assessment"),
    "peer_session": RecordName("1 peer session", "{n} peer sessions", "A peer session"),
    "consent": RecordName("1 consent record", "{n} consent records", "A consent record"),
    "risk_marker": RecordName("1 risk marker", "{n} risk markers", "A risk marker"),
    "place_marker": RecordName("1 risk marker on a place", "{n} risk markers on places",
                               "A risk marker on a place"),
    "safeguarding_concern": RecordName("1 safeguarding concern", "{n} safeguarding concerns",
                                       "A safeguarding concern"),
    "safeguarding_decision": RecordName("1 safeguarding decision", "{n} safeguarding decisions",
                                        "A safeguarding decision"),
    "visit": RecordName("1 lone-working visit", "{n} lone-working visits",
                        "A visit or shift started"),
    "check_in": RecordName("1 check-in", "{n} check-ins", "A check-in"),
    "barrier": RecordName("1 barrier", "{n} barriers", "A barrier"),
    "lesson": RecordName("1 lesson", "{n} lessons", "A Change Forum lesson"),
    "tally": RecordName("1 count night tally", "{n} count night tallies", "A count-night tally"),
    "directory_entry": RecordName("1 directory entry", "{n} directory entries",
                                  "A directory service"),
    "mdt_meeting": RecordName("1 multi-agency meeting", "{n} multi-agency meetings",
                              "A multi-agency meeting"),
}


def lost_name(record_type: str) -> str:
    """What a lost record of `record_type` is called where the worker is asked to enter it again
    (the type itself, readably, for one this table does not know: nothing is ever hidden)."""
    name = RECORD_NAMES.get(record_type)
    return name.lost if name else str(record_type).replace("_", " ").capitalize()
