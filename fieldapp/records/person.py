"""The `person` record type: a person's details, how they are checked and who may change them.

One shared record, told once: names and aliases, date of birth or age band, equality monitoring
(gender, ethnicity, each with "Prefer not to say"), the five areas of disadvantage, whether they
were known to services when first met, housing situation (its history comes from the engine's
version history), the agencies working with them, and where they are in the programme (status,
engaged on, exit destination), and the details kept off phones (a current address, a safe contact
number and when it is safe to call, a safety plan: PHONE_HIDDEN_FIELDS). Every change travels as
a `person` update mutation and merges field by field in the sync engine; a field two workers changed differently offline is a conflict
(README: Roles and access, "Conflicts"; fieldapp/rules/conflicts.py).

The choice lists are settings (fieldapp/config.py; a deployment overrides any in its config.py).
"""

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

import sync

from .. import config as default_config
from .. import users
from ..rules import access
from ..timeutil import now_iso
from .fields import bind, message, past_day, refuse

STATUSES = [("first_contact", "First contact"), ("referred", "Referred"), ("engaged", "Engaged"),
            ("closed", "Closed")]
KNOWN_TO_SERVICES = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")]
AREAS_OF_DISADVANTAGE = [("homelessness", "Homelessness"), ("mental_health", "Mental ill-health"),
                         ("offending", "Offending"), ("substance_misuse", "Substance misuse"),
                         ("domestic_abuse", "Domestic abuse")]
# Which setting holds each choice list.
CHOICE_SETTINGS = {"age_band": "AGE_BANDS", "gender": "GENDERS", "ethnicity": "ETHNICITIES",
                   "housing_situation": "HOUSING_SITUATIONS", "exit_destination": "EXIT_DESTINATIONS"}
# Labels for the person page and the history of changes.
FIELD_LABELS = {"display_name": "Name", "aliases": "Other names", "description": "Description",
                "date_of_birth": "Date of birth", "age_band": "Age band", "gender": "Gender",
                "ethnicity": "Ethnicity", "district": "District",
                "known_to_services": "Known to services when first met",
                "housing_situation": "Housing situation", "agencies": "Agencies working with them",
                "status": "Status", "engaged_on": "Engaged on", "exit_destination": "Exit destination",
                "trusted_person_id": "Trusted person", "current_address": "Current address",
                "safe_contact_number": "Safe contact number",
                "safe_to_call": "When it is safe to call",
                "safety_plan": "Safety plan", **dict(AREAS_OF_DISADVANTAGE)}
# The fields a deployment may keep off phones (PHONE_HIDDEN_FIELDS): the three kinds of detail
# kept off by default, and the free-text details and date of birth. The rest (names, district,
# status, choices, assignment) drive the phone's caseload, scope and forms, so they travel.
KEEPABLE_OFF_PHONES = ("current_address", "safe_contact_number", "safe_to_call", "safety_plan",
                       "aliases", "description", "agencies", "date_of_birth")
YES_NO = {"invalid": "Answer yes or no"}


def choices(app_config):
    """Every choice list a person's details use, as {field: [(value, label), ...]}."""
    lists = {name: [tuple(pair) for pair in app_config[key]] for name, key in CHOICE_SETTINGS.items()}
    lists.update(status=STATUSES, known_to_services=KNOWN_TO_SERVICES)
    return lists


def _values(app_config):
    return {name: [value for value, _label in pairs] for name, pairs in choices(app_config).items()}


class PersonSchema(Schema):
    """A person's details as a worker enters them (a name or only a description will do)."""

    DISTRICTS = default_config.districts(vars(default_config))
    CHOICES = _values(vars(default_config))

    display_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120,
                                 error="Enter a name or description of 120 characters or fewer"),
        error_messages=message("Enter the person's name or a description"))
    aliases = fields.String(allow_none=True, validate=validate.Length(
        max=300, error="Other names must be 300 characters or fewer"))
    description = fields.String(allow_none=True, validate=validate.Length(
        max=500, error="The description must be 500 characters or fewer"))
    district = fields.String(required=True, error_messages=message("Choose the district"))
    # Who the person's trusted person is (a user id). Only coordinators may set it: see authorize.
    trusted_person_id = fields.Integer(allow_none=True, strict=False,
                                       validate=validate.Range(min=1, max=2**63 - 1))
    # The team sharing the person's caseload; set from the creator's team, changed by coordinators.
    team = fields.String(allow_none=True, validate=validate.Length(
        max=120, error="The team must be 120 characters or fewer"))
    date_of_birth = fields.String(allow_none=True)
    age_band = fields.String(allow_none=True)
    gender = fields.String(allow_none=True)
    ethnicity = fields.String(allow_none=True)
    homelessness = fields.Boolean(allow_none=True, error_messages=YES_NO)
    mental_health = fields.Boolean(allow_none=True, error_messages=YES_NO)
    offending = fields.Boolean(allow_none=True, error_messages=YES_NO)
    substance_misuse = fields.Boolean(allow_none=True, error_messages=YES_NO)
    domestic_abuse = fields.Boolean(allow_none=True, error_messages=YES_NO)
    known_to_services = fields.String(allow_none=True)
    housing_situation = fields.String(allow_none=True)
    agencies = fields.String(allow_none=True, validate=validate.Length(
        max=1000, error="The agencies must be 1000 characters or fewer"))
    status = fields.String(allow_none=True)
    engaged_on = fields.String(allow_none=True)
    exit_destination = fields.String(allow_none=True)
    # Kept off phones by default (PHONE_HIDDEN_FIELDS): changed through an online-only form.
    current_address = fields.String(allow_none=True, validate=validate.Length(
        max=500, error="The current address must be 500 characters or fewer"))
    safe_contact_number = fields.String(allow_none=True, validate=validate.Regexp(
        r"^\+?[0-9 ()-]{6,30}$",
        error="Enter a phone number of digits, spaces and brackets, like 07700 900123"))
    safe_to_call = fields.String(allow_none=True, validate=validate.Length(
        max=200, error="When it is safe to call must be 200 characters or fewer"))
    safety_plan = fields.String(allow_none=True, validate=validate.Length(
        max=5000, error="The safety plan must be 5000 characters or fewer"))

    @validates("display_name")
    def _not_blank(self, value, data_key):
        if not value.strip():
            raise ValidationError("Enter the person's name or a description")

    @validates("district")
    def _known_district(self, value, data_key):
        if value not in self.DISTRICTS:
            raise ValidationError("Choose a district from the list")

    @validates("date_of_birth", "engaged_on")
    def _dates(self, value, data_key):
        if value is not None:
            past_day(value)

    @validates("age_band", "gender", "ethnicity", "known_to_services", "housing_situation",
               "status", "exit_destination")
    def _from_the_list(self, value, data_key):
        if value is not None and value not in self.CHOICES[data_key]:
            raise ValidationError("Choose one from the list")

    @validates_schema
    def _whole_record(self, data, partial=None, **kwargs):
        """Rules across fields, for a whole record (an update is checked merged with the stored
        record, in `authorize`)."""
        if not partial:
            errors = record_errors(data)
            if errors:
                raise ValidationError(errors)


def record_errors(record):
    """Errors of a whole person record across fields ({} if none)."""
    errors = {}
    if record.get("status") == "closed" and not record.get("exit_destination"):
        errors["exit_destination"] = ["Choose where the person went when their support closed"]
    return errors


def schema_for(app_config) -> type[PersonSchema]:
    """PersonSchema bound to this deployment's districts and choice lists."""
    return bind(PersonSchema, DISTRICTS=default_config.districts(app_config),
                CHOICES=_values(app_config))


def kept_off_phones(app_config) -> frozenset:
    """The person fields this deployment keeps off phones (PHONE_HIDDEN_FIELDS), checked when the
    registry is built: a name outside KEEPABLE_OFF_PHONES is a configuration error, never a field
    silently sent."""
    names = frozenset(app_config.get("PHONE_HIDDEN_FIELDS", default_config.PHONE_HIDDEN_FIELDS))
    refused = sorted(names - set(KEEPABLE_OFF_PHONES))
    if refused:
        raise ValueError(f"PHONE_HIDDEN_FIELDS: {', '.join(refused)} cannot be kept off phones"
                         f" (only {', '.join(KEEPABLE_OFF_PHONES)})")
    return names


def _check_assignment(db, actor, op, fields_):
    """What the coordinator's assign form offers is what the sync endpoint accepts: a trusted
    person who is an active caseworker of the coordinator's area, and a team of that area."""
    if fields_.get("trusted_person_id") is not None:
        if actor.role != "coordinator":
            refuse("Only a coordinator can choose a person's trusted person", "trusted_person_id")
        offered = {row["id"] for row in users.trusted_person_choices(db, actor.area)}
        if fields_["trusted_person_id"] not in offered:
            refuse("Choose a trusted person from the list", "trusted_person_id")
    if op == "update" and "team" in fields_:
        if actor.role != "coordinator":
            refuse("Only a coordinator can change a person's team", "team")
        if fields_["team"] is not None and fields_["team"] not in users.team_choices(db, actor.area):
            refuse("Choose a team from the list", "team")


def record_type(app_config) -> sync.RecordType:
    """The `person` record type for this deployment."""
    schema_class = schema_for(app_config)

    def authorize(db, actor, op, scope, fields_, current):
        if not access.writes_casework(actor):
            raise sync.Refusal("Your account cannot record casework")
        if op == "restore":
            if actor.role != "coordinator" or current.get("area") != actor.area:
                refuse("Only the coordinator of the person's area can restore their record")
            return
        if op != "create" and not access.can_see_person(db, actor, scope):
            raise sync.Refusal("You cannot change this person's record")
        if op == "delete" and actor.role != "coordinator":
            refuse("Only a coordinator can remove a person's record (a merge, or one made in error)")
        _check_assignment(db, actor, op, fields_)
        if op == "update":
            errors = record_errors({**current, **fields_})
            if errors:
                raise sync.Refusal("Some fields need attention.", errors)

    def derive(db, actor, op, fields_, current):
        derived = {}
        if "district" in fields_:
            derived["area"] = default_config.area_of(app_config, fields_["district"])
        if op == "create":
            derived.update(team=actor.team, created_by=actor.id, created_at=now_iso())
            if not fields_.get("status"):
                derived["status"] = "first_contact"
        if "status" in fields_:
            was_closed = bool(current) and current.get("status") == "closed"
            if fields_["status"] == "closed" and not was_closed:
                derived["closed_at"] = now_iso()
            elif fields_["status"] != "closed":
                derived["closed_at"] = None
        return derived

    return sync.RecordType(name="person", table="person", schema=schema_class, append_only=False,
                           scope_field=None, authorize=authorize, derive=derive,
                           kept_off_phones=kept_off_phones(app_config))

