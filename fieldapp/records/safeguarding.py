"""The `safeguarding_concern` and `safeguarding_decision` record types (README: Safeguarding).

A concern is raised by any caseworker who may see the person, on the phone, offline, through the
outbox: `about` (an adult at risk of abuse or neglect, a child, a victim of domestic abuse),
`what` was seen or said, `immediate_risk` (if yes, the form has already told them to call 999 or
the local authority's duty line). Create-only; the server derives who raised it, when, and the
person's area, whose designated safeguarding leads (a flag on users) are told at once.

A decision is made by a designated safeguarding lead of the person's area, online (it needs the
server's picture of the concern), and still goes through the sync engine as the lead's edit, so
the raiser's phone receives it: `decision` (one of DECISIONS) with `reasons`. One decision per
concern. Neither type reaches partner agencies (rules/access.PARTNER_RECORD_TYPES).
"""

from marshmallow import Schema, fields, validate

import sync

from ..rules import access
from ..timeutil import now_iso
from .fields import DropDerived, PersonRef, message, refuse

ABOUT = [
    ("adult_at_risk", "An adult at risk of abuse or neglect"),
    ("child", "A child"),
    ("domestic_abuse", "A victim of domestic abuse"),
]
DECISIONS = [
    ("referred_la", "Referred to the local authority as a safeguarding concern"),
    ("s42_requested", "Section 42 enquiry requested"),
    ("marac", "MARAC referral"),
    ("advice", "Advice given"),
    ("nfa", "No further action"),
]


class ConcernSchema(DropDerived, Schema):
    """A safeguarding concern as the phone sends it."""

    DERIVED = ("raised_by", "raised_at", "area")

    person_id = PersonRef("Say who the concern is about")
    about = fields.String(required=True, error_messages=message("Choose who is at risk"),
                          validate=validate.OneOf([v for v, _ in ABOUT],
                                                  error="Choose who is at risk from the list"))
    what = fields.String(required=True, validate=validate.Length(
        min=1, max=4000, error="Say what you saw or were told, in 4000 characters or fewer"),
        error_messages=message("Say what you saw or were told"))
    immediate_risk = fields.Boolean(required=True, error_messages={
        **message("Say whether anyone is at immediate risk"), "invalid": "Answer yes or no"})
    action_taken = fields.String(allow_none=True, validate=validate.Length(
        max=2000, error="Keep what you did to 2000 characters or fewer"))


class DecisionSchema(DropDerived, Schema):
    """A lead's decision on a concern."""

    DERIVED = ("decided_by", "decided_at")

    person_id = PersonRef("Say who the concern is about")
    concern_id = fields.String(required=True, error_messages=message("Say which concern"))
    decision = fields.String(required=True, error_messages=message("Choose the decision"),
                             validate=validate.OneOf([v for v, _ in DECISIONS],
                                                     error="Choose the decision from the list"))
    reasons = fields.String(required=True, validate=validate.Length(
        min=1, max=4000, error="Give the reasons, in 4000 characters or fewer"),
        error_messages=message("Give the reasons for the decision"))


def is_lead(db, user_id) -> bool:
    """True if the user is an active designated safeguarding lead."""
    row = db.execute("SELECT safeguarding_lead, active FROM user WHERE id = ?", [user_id]).fetchone()
    return bool(row and row[0] and row[1])


def concern_type(app_config) -> sync.RecordType:
    """The `safeguarding_concern` record type."""

    def authorize(db, actor, op, scope, fields_, current):
        if not access.writes_casework(actor):
            refuse("Your account cannot raise safeguarding concerns")
        if op != "create":
            refuse("A concern is not changed: raise another, or ask the safeguarding lead")
        if not access.can_see_person(db, actor, scope):
            refuse("You cannot raise a concern for this person", "person_id")

    def derive(db, actor, op, fields_, current):
        row = db.execute("SELECT area FROM person WHERE id = ?", [fields_["person_id"]]).fetchone()
        return {"raised_by": actor.id, "raised_at": now_iso(), "area": row[0] if row else None}

    return sync.RecordType(name="safeguarding_concern", table="safeguarding_concern",
                           schema=ConcernSchema, append_only=True, scope_field="person_id",
                           references={"person_id": "person"},
                           authorize=authorize, derive=derive)


def decision_type(app_config) -> sync.RecordType:
    """The `safeguarding_decision` record type."""

    def authorize(db, actor, op, scope, fields_, current):
        if op != "create":
            refuse("A decision is not changed")
        concern = db.execute("SELECT person_id, area FROM safeguarding_concern WHERE id = ?",
                             [fields_["concern_id"]]).fetchone()
        if concern is None or concern[0] != scope:
            refuse("That concern is not this person's", "concern_id")
        if not is_lead(db, actor.id) or getattr(actor, "area", None) != concern[1]:
            refuse("Only a designated safeguarding lead of the person's area decides")
        if db.execute("SELECT 1 FROM safeguarding_decision WHERE concern_id = ? AND deleted = 0",
                      [fields_["concern_id"]]).fetchone():
            refuse("This concern already has a decision")

    def derive(db, actor, op, fields_, current):
        return {"decided_by": actor.id, "decided_at": now_iso()}

    return sync.RecordType(name="safeguarding_decision", table="safeguarding_decision",
                           schema=DecisionSchema, append_only=True, scope_field="person_id",
                           references={"person_id": "person", "concern_id": "safeguarding_concern"},
                           authorize=authorize, derive=derive)


def record_type(app_config) -> sync.RecordType:
    """The concern type (the module's first; `decision_type` is registered beside it)."""
    return concern_type(app_config)

