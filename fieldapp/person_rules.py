"""The `person` record type: a person's details, how they are checked and who may change them.

One shared record, told once: names and aliases, date of birth or age band, equality monitoring
(gender, ethnicity, each with "Prefer not to say"), the five areas of disadvantage, whether they
were known to services when first met, housing situation (its history comes from the engine's
version history), the agencies working with them, and where they are in the programme (status,
engaged on, exit destination). Every change travels as a `person` update mutation and merges
field by field in the sync engine; a field two workers changed differently offline is a conflict
(README: Roles and access, "Conflicts").

The choice lists are settings (DEFAULTS below; a deployment overrides any in instance/config.py).
"""

import json
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

import sync

from . import access, accounts, config as default_config
from .timeutil import now_iso

DEFAULTS = {
    "AGE_BANDS": [("18-24", "18 to 24"), ("25-34", "25 to 34"), ("35-44", "35 to 44"),
                  ("45-54", "45 to 54"), ("55-64", "55 to 64"), ("65+", "65 or over"),
                  ("unknown", "Not known")],
    "GENDERS": [("woman", "Woman"), ("man", "Man"), ("non_binary", "Non-binary"),
                ("another_way", "In another way"), ("prefer_not_to_say", "Prefer not to say")],
    # The 2021 Census's high-level groups, with Gypsy, Irish Traveller and Roma apart.
    "ETHNICITIES": [("asian", "Asian or Asian British"),
                    ("black", "Black, Black British, Caribbean or African"),
                    ("mixed", "Mixed or multiple ethnic groups"),
                    ("white_british", "White: English, Welsh, Scottish, Northern Irish or British"),
                    ("white_irish", "White: Irish"),
                    ("gypsy_traveller_roma", "White: Gypsy, Irish Traveller or Roma"),
                    ("white_other", "Any other White background"),
                    ("other", "Another ethnic group"),
                    ("prefer_not_to_say", "Prefer not to say")],
    "HOUSING_SITUATIONS": [("rough_sleeping", "Rough sleeping"), ("sofa_surfing", "Sofa surfing"),
                           ("temporary_accommodation", "Temporary accommodation"),
                           ("supported_accommodation", "Supported accommodation"),
                           ("hostel", "Hostel"), ("prison", "Prison"), ("hospital", "Hospital"),
                           ("settled_tenancy", "Settled tenancy"), ("other", "Other")],
    "EXIT_DESTINATIONS": [("settled_housing", "Settled housing"),
                          ("supported_housing", "Supported housing"),
                          ("another_service", "Support passed to another service"),
                          ("moved_away", "Moved out of the area"), ("custody", "Prison"),
                          ("hospital", "Hospital"), ("stopped_engaging", "Stopped engaging"),
                          ("died", "Died"), ("other", "Other")],
    # Partner agencies a person's consent may share with: id -> name. A partner agency worker's
    # account names one of these ids.
    "PARTNER_AGENCIES": {"dwp-fenland": "DWP Jobcentre Wisbech",
                         "cgl": "Change Grow Live (drug and alcohol)",
                         "probation-fenland": "Probation Fenland",
                         "cpft": "Mental health (CPFT)"},
    # The caseload lists first whoever has had no contact for this many days.
    "NO_CONTACT_DAYS": 14,
    # ... and whoever was assigned to the worker (as trusted person) in the last this many days.
    "NEWLY_ASSIGNED_DAYS": 7,
}
STATUSES = [("first_contact", "First contact"), ("referred", "Referred"), ("engaged", "Engaged"),
            ("closed", "Closed")]
KNOWN_TO_SERVICES = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")]
AREAS_OF_DISADVANTAGE = [("homelessness", "Homelessness"), ("mental_health", "Mental ill-health"),
                         ("offending", "Offending"), ("substance_misuse", "Substance misuse"),
                         ("domestic_abuse", "Domestic abuse")]
CHOICE_SETTINGS = {"age_band": "AGE_BANDS", "gender": "GENDERS", "ethnicity": "ETHNICITIES",
                   "housing_situation": "HOUSING_SITUATIONS", "exit_destination": "EXIT_DESTINATIONS"}
# Labels for the person page and the history of changes.
FIELD_LABELS = {"display_name": "Name", "aliases": "Other names", "description": "Description",
                "date_of_birth": "Date of birth", "age_band": "Age band", "gender": "Gender",
                "ethnicity": "Ethnicity", "district": "District",
                "known_to_services": "Known to services when first met",
                "housing_situation": "Housing situation", "agencies": "Agencies working with them",
                "status": "Status", "engaged_on": "Engaged on", "exit_destination": "Exit destination",
                "trusted_person_id": "Trusted person", **dict(AREAS_OF_DISADVANTAGE)}


def setting(app_config, name):
    """A setting from the app's config, or its default here."""
    value = app_config.get(name) if hasattr(app_config, "get") else None
    return DEFAULTS[name] if value is None else value


def choices(app_config):
    """Every choice list a person's details use, as {field: [(value, label), ...]}."""
    lists = {name: list(setting(app_config, key)) for name, key in CHOICE_SETTINGS.items()}
    lists.update(status=STATUSES, known_to_services=KNOWN_TO_SERVICES)
    return lists


def _message(text):
    return {"required": text, "null": text}


def date_error(value, *, past_only=True):
    """The message for a bad YYYY-MM-DD date, or None."""
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        return "Enter the date as year-month-day"
    if len(value) != 10 or day.year < 1900:
        return "Enter a real date as year-month-day"
    if past_only and day > date.today():
        return "The date cannot be in the future"
    return None


def _choice(setting_name, message):
    return fields.String(allow_none=True, metadata={"choices": setting_name},
                         error_messages={"invalid": message})


class PersonSchema(Schema):
    """A person's details as a worker enters them (a name or only a description will do)."""

    DISTRICTS = default_config.districts({"AREAS": default_config.AREAS})
    CHOICES = {name: [v for v, _l in values] for name, values in choices({}).items()}

    display_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120,
                                 error="Enter a name or description of 120 characters or fewer"),
        error_messages=_message("Enter the person's name or a description"))
    aliases = fields.String(allow_none=True, validate=validate.Length(
        max=300, error="Other names must be 300 characters or fewer"))
    description = fields.String(allow_none=True, validate=validate.Length(
        max=500, error="The description must be 500 characters or fewer"))
    district = fields.String(required=True, error_messages=_message("Choose the district"))
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
    homelessness = fields.Boolean(allow_none=True, error_messages={"invalid": "Answer yes or no"})
    mental_health = fields.Boolean(allow_none=True, error_messages={"invalid": "Answer yes or no"})
    offending = fields.Boolean(allow_none=True, error_messages={"invalid": "Answer yes or no"})
    substance_misuse = fields.Boolean(allow_none=True, error_messages={"invalid": "Answer yes or no"})
    domestic_abuse = fields.Boolean(allow_none=True, error_messages={"invalid": "Answer yes or no"})
    known_to_services = fields.String(allow_none=True)
    housing_situation = fields.String(allow_none=True)
    agencies = fields.String(allow_none=True, validate=validate.Length(
        max=1000, error="The agencies must be 1000 characters or fewer"))
    status = fields.String(allow_none=True)
    engaged_on = fields.String(allow_none=True)
    exit_destination = fields.String(allow_none=True)

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
        if value is not None and (error := date_error(value)):
            raise ValidationError(error)

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


def person_schema_for(app_config):
    """PersonSchema bound to this deployment's districts and choice lists."""
    lists = {name: [v for v, _l in values] for name, values in choices(app_config).items()}
    return type("PersonSchema", (PersonSchema,), {
        "DISTRICTS": default_config.districts(app_config), "CHOICES": lists})


def _check_trusted_person(db, actor, fields_):
    if fields_.get("trusted_person_id") is None:
        return
    if actor.role != "coordinator":
        message = "Only a coordinator can choose a person's trusted person"
        raise sync.Refusal(message, {"trusted_person_id": [message]})
    user = accounts.get_user(db, fields_["trusted_person_id"])
    if user is None or not user["active"] or user["role"] not in accounts.CASEWORK_ROLES:
        message = "Choose a trusted person from the list"
        raise sync.Refusal(message, {"trusted_person_id": [message]})


def person_type(app_config) -> sync.RecordType:
    """The `person` record type for this deployment."""
    schema_class = person_schema_for(app_config)

    def authorize(db, actor, op, scope, fields_, current):
        if not access.writes_casework(actor):
            raise sync.Refusal("Your account cannot record casework")
        if op != "create" and not access.can_see_person(db, actor, scope):
            raise sync.Refusal("You cannot change this person's record")
        _check_trusted_person(db, actor, fields_)
        if op == "update" and "team" in fields_ and actor.role != "coordinator":
            message = "Only a coordinator can change a person's team"
            raise sync.Refusal(message, {"team": [message]})
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
        elif op == "update" and current is not None:
            resolve_adopted(db, actor, current["id"], fields_)
        return derived

    return sync.RecordType(name="person", table="person", schema=schema_class, append_only=False,
                           scope_field=None, authorize=authorize, derive=derive)


# ----------------------------------------------------------------------------- conflicts
def resolve_adopted(db, actor, person_id, changed):
    """Mark resolved the open conflicts on a person's details whose other value has now been
    applied ("Use the other value" queues exactly that update). Runs inside the engine's
    transaction for the update, so the change and the resolution are stored together."""
    for row in db.execute(
            "SELECT id, field, incoming_value FROM sync_conflict WHERE type = 'person'"
            " AND record_id = ? AND resolved_at IS NULL", [person_id]).fetchall():
        conflict_id, field, incoming = row
        if field in changed and json.loads(incoming) == changed[field]:
            db.execute("UPDATE sync_conflict SET resolved_at = ?, resolved_by = ? WHERE id = ?",
                       [now_iso(), actor.id, conflict_id])


def conflict_parties(db, conflict):
    """The user ids involved in a conflict: who entered the value not kept, and who set the value
    the server kept (from the record's version history)."""
    involved = {conflict["actor_id"]}
    rows = db.execute(
        "SELECT version, fields, actor_id FROM sync_history WHERE type = ? AND record_id = ?"
        " AND stored_at <= ? ORDER BY version", [conflict["type"], conflict["record_id"],
                                                 conflict["created_at"]]).fetchall()
    kept = conflict["server_value"]
    setter, previous = None, object()
    for _version, fields_json, actor_id in rows:
        value = json.loads(fields_json).get(conflict["field"])
        if value != previous and value == kept:
            setter = actor_id
        previous = value
    if setter is not None:
        involved.add(setter)
    return involved


def keep_server_value(db, user, person_id, conflict_id):
    """Resolve a conflict by keeping the value on the server ("Keep this"). Returns False if there
    is no such open conflict or `user` may not resolve it. An online action: it needs the
    server's current view of the conflict."""
    with db.conn:
        rows = list(db.query("SELECT * FROM sync_conflict WHERE id = ? AND scope = ?"
                             " AND resolved_at IS NULL", [conflict_id, person_id]))
        if not rows:
            return False
        conflict = {**rows[0], "server_value": json.loads(rows[0]["server_value"])}
        if not access.can_resolve_conflict(user, conflict, conflict_parties(db, conflict)):
            return False
        db.execute("UPDATE sync_conflict SET resolved_at = ?, resolved_by = ? WHERE id = ?",
                   [now_iso(), user.id, conflict_id])
    return True
