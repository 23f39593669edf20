"""What the person page shows: the person, one timeline of everything anyone recorded, the history
of their housing situation, and the people working with them. Plain functions, no Flask.
`get_person` applies access; the others expect the caller to have checked that the user may see
the person, and leave out the kinds of record the user may not read (access.can_see_record_type).

"One shared record, told once": contacts, assessments and Star readings, peer sessions, consent
and every change of details (from the person's version history) in one list, newest first, each
with who recorded it and when.
"""

from .. import instruments
from ..records import person as person_record
from ..records.barrier import STATUSES as BARRIER_STATUSES
from ..records.peer_session import MODES as PEER_MODES, purposes as peer_purposes
from ..rules import access, licence
from .assessments import assessments_for
from .barriers import barriers_for_person
from .consents import consent_lines, consents_for


# The path segment in place of a person's id for a blank form about someone registered on a phone
# whom the server has not got yet (README: Offline reading), and the name the blank form carries
# until the phone writes theirs in (static/page/pending-person.js).
ON_PHONE = "on-phone"
ON_PHONE_NAME = "\u27e8name\u27e9"


def person_on_phone(db):
    """A blank person for the forms a phone fills in for someone it registered offline: every
    column empty, the id `ON_PHONE`, the name `ON_PHONE_NAME`, version 1 (what the server gives a
    new person, so an edit queued behind their registration names the right base). Nobody's
    record: no access check or audit is needed to render it."""
    blank = {column: None for column in db["person"].columns_dict}
    return {**blank, "id": ON_PHONE, "display_name": ON_PHONE_NAME, "version": 1,
            "trusted_person_name": None}


def get_person(db, user, person_id):
    """The person with this id if `user` may see them, else None. Adds the trusted person's name."""
    condition, params = access.person_filter(user, alias="p")
    rows = list(
        db.query(
            f"""SELECT p.*, COALESCE(t.display_name, t.username) AS trusted_person_name
                FROM person p LEFT JOIN user t ON t.id = p.trusted_person_id
                WHERE p.id = ? AND {condition}""",
            [person_id, *params],
        )
    )
    return rows[0] if rows else None


def contacts_for(db, person_id):
    """A person's contacts, newest first, with the recording worker's name as `worker_name`."""
    return list(
        db.query(
            """SELECT c.*, COALESCE(u.display_name, u.username) AS worker_name
               FROM contact c LEFT JOIN user u ON u.id = c.worker_id
               WHERE c.person_id = ? AND c.deleted = 0
               ORDER BY c.contact_at DESC, c.recorded_at DESC""",
            [person_id],
        )
    )


def user_names(db):
    """Every user's name by id."""
    return {row["id"]: row["display_name"] or row["username"]
            for row in db.query("SELECT id, display_name, username FROM user")}


# What every page a phone may keep shows in place of a detail kept off phones (PHONE_HIDDEN_FIELDS).
NOT_ON_PHONES = "Not shown on phones"


def kept_off_phones(app_config) -> frozenset:
    """The person fields this deployment keeps off phones (checked: records/person.py)."""
    return person_record.kept_off_phones(app_config)


def kept_off_details(app_config, person) -> list[dict]:
    """The person's details kept off phones, for the online-only fragment and form: [{"name",
    "label", "value"}] in the order of FIELD_LABELS. Only for a caller that has checked
    access.can_see_kept_off_phones."""
    kept = kept_off_phones(app_config)
    return [{"name": name, "label": person_record.FIELD_LABELS[name], "value": person.get(name)}
            for name in person_record.KEEPABLE_OFF_PHONES if name in kept]


def for_phones(app_config, person) -> dict:
    """The person as a page a phone may keep shows them: each detail kept off phones is None
    (its row says NOT_ON_PHONES), so no template can print one by mistake."""
    return {**person, **{name: None for name in kept_off_phones(app_config)}}


def label_for(app_config, field, value, names=None):
    """A stored detail's value as the page shows it (choice labels, yes/no, a user's name)."""
    if value is None or value == "":
        return "Not recorded"
    if field in person_record.CHOICE_SETTINGS or field in ("status", "known_to_services"):
        return dict(person_record.choices(app_config)[field]).get(value, value)
    if field in dict(person_record.AREAS_OF_DISADVANTAGE):
        return "Yes" if value else "No"
    if field == "trusted_person_id":
        return (names or {}).get(value, "unknown")
    return str(value)


def detail_changes(db, engine, app_config, person_id, names=None):
    """Each stored version of a person's details as {"at", "by", "version", "changes": [(label,
    value shown)], "registered"}, newest first."""
    names = names if names is not None else user_names(db)
    kept = kept_off_phones(app_config)
    entries, before = [], {}
    for version in engine.history("person", person_id):
        now = version["fields"]
        changed = [k for k in now if k in person_record.FIELD_LABELS and now.get(k) != before.get(k)]
        if changed or version["version"] == 1:
            entries.append({
                "at": version["stored_at"], "by": names.get(version["actor_id"], "unknown"),
                "version": version["version"], "registered": version["version"] == 1,
                "fields": changed,
                # A detail kept off phones: that it changed, never its value (the page is kept).
                "changes": [(person_record.FIELD_LABELS[k],
                             NOT_ON_PHONES if k in kept and now.get(k) not in (None, "")
                             else label_for(app_config, k, now.get(k), names))
                            for k in changed if now.get(k) is not None or before.get(k) is not None]})
        before = now
    return list(reversed(entries))


def housing_history(changes):
    """Each change of housing situation (from `detail_changes`), newest first: {"at", "by", "value"}."""
    label = person_record.FIELD_LABELS["housing_situation"]
    return [{"at": entry["at"], "by": entry["by"], "value": value}
            for entry in changes for name, value in entry["changes"] if name == label]


def peer_sessions_for(db, person_id):
    """A person's peer sessions, newest first, with the mentor's name."""
    return list(db.query(
        """SELECT s.*, COALESCE(u.display_name, u.username) AS mentor_name
           FROM peer_session s LEFT JOIN user u ON u.id = s.mentor_id
           WHERE s.person_id = ? AND s.deleted = 0 ORDER BY s.session_on DESC""", [person_id]))


def timeline(db, engine, app_config, user, person_id):
    """Everything recorded about a person that `user` may read, newest first. Each entry:
    {"kind", "at", "by", "title", "lines": [text], "record": the row}."""
    entries = []
    types = dict(app_config["CONTACT_TYPES"])
    for contact in contacts_for(db, person_id):
        where = f"{contact['place']}, {contact['district']}"
        lines = [where + " · " + ("bedded down" if contact["bedded_down"] else "not bedded down")
                 + " · " + ("spoken to" if contact["spoken_to"] else "not spoken to")
                 + (f" · {contact['duration_minutes']} min"
                    if contact["duration_minutes"] is not None else "")]
        lines += [t for t in (contact["what_happened"],) if t]
        if contact["action"]:
            lines.append("Action: " + contact["action"])
        entries.append({"kind": "contact", "at": contact["contact_at"], "by": contact["worker_name"],
                        "title": "Contact: " + types.get(contact["contact_type"],
                                                         contact["contact_type"]),
                        "lines": lines, "record": contact})
    if access.can_see_record_type(user, "assessment"):
        entries += _assessment_entries(db, app_config, person_id)
    if access.can_see_record_type(user, "peer_session"):
        # Each stored code as the form words it (a code no longer offered stays as stored).
        modes, purposes = dict(PEER_MODES), dict(peer_purposes(app_config))
        for session in peer_sessions_for(db, person_id):
            minutes = session.get("duration_minutes")
            entries.append({
                "kind": "peer_session", "at": session.get("session_on") or "",
                "by": session.get("mentor_name"),
                "title": "Peer session" + (f" ({minutes} min)" if minutes else ""),
                "lines": [t for t in (modes.get(session.get("mode"), session.get("mode")),
                                      purposes.get(session.get("purpose"), session.get("purpose")),
                                      session.get("note")) if t], "record": session})
    if access.can_see_record_type(user, "barrier"):
        statuses = dict(BARRIER_STATUSES)
        for barrier in barriers_for_person(db, person_id):
            status = statuses.get(barrier["status"], barrier["status"])
            entries.append({"kind": "barrier", "at": barrier["noticed_on"],
                            "by": barrier["logged_by_name"],
                            "title": f"Barrier: {barrier['service']} ({status.lower()})",
                            "lines": [barrier["what_happened"]]
                            + ([f"What changed: {barrier['what_changed']}"]
                               if barrier.get("what_changed") else []),
                            "record": barrier})
    for record in consents_for(db, app_config, person_id):
        entries.append({"kind": "consent", "at": record["given_on"],
                        "by": record["recorded_by_name"],
                        "title": "Consent withdrawn" if record["is_withdrawal"] else "Consent recorded",
                        "lines": consent_lines(record), "record": record})
    for change in detail_changes(db, engine, app_config, person_id):
        entries.append({"kind": "details", "at": change["at"], "by": change["by"],
                        "title": "Registered" if change["registered"] else "Details changed",
                        "lines": [f"{name}: {value}" for name, value in change["changes"]
                                  if not change["registered"] or value != "Not recorded"],
                        "record": change})
    return sorted(entries, key=lambda e: e["at"] or "", reverse=True)


def last_contact(entries):
    """The newest contact among `timeline` entries (what the person page shows first, with its
    notes), or None. From the timeline the page builds anyway: no second query."""
    return next((entry for entry in entries if entry["kind"] == "contact"), None)


def _assessment_entries(db, app_config, person_id):
    catalog = instruments.catalog(app_config)
    licensed = licence.star_licensed(db)
    entries = []
    for row in assessments_for(db, [person_id], ("final", "not_done")):
        instrument = catalog.get(row["instrument"], row["instrument_version"])
        if instrument is None or (instrument.requires_licence and not licensed):
            continue
        if row["status"] == "not_done":
            title, lines = f"{instrument.short_name}: could not be done", [row["not_done_reason"] or ""]
        elif instrument.kind == "ndt":
            title, lines = f"{instrument.short_name} assessment", [
                f"Total {row['total']} of {row['max_total']}"]
        else:
            title, lines = f"{instrument.short_name} reading", []
        if row["from_paper"]:
            lines.append("Entered from paper")
        entries.append({"kind": "assessment", "at": row["assessed_on"], "by": row["assessor_name"],
                        "title": title, "lines": [t for t in lines if t], "record": row})
    return entries


def people_working_with(db, person):
    """The trusted person, the workers who recorded contacts, and the shares in force:
    [{"name", "role"}], trusted person first."""
    people = []
    if person.get("trusted_person_id"):
        people.append({"name": person.get("trusted_person_name") or "unknown",
                       "role": "Trusted person"})
    seen = {p["name"] for p in people}
    for row in db.query(
            """SELECT DISTINCT COALESCE(u.display_name, u.username) AS name, u.team AS team
               FROM contact c JOIN user u ON u.id = c.worker_id
               WHERE c.person_id = ? AND c.deleted = 0 ORDER BY name""", [person["id"]]):
        if row["name"] not in seen:
            seen.add(row["name"])
            people.append({"name": row["name"],
                           "role": "Recorded contacts" + (f" ({row['team']})" if row["team"] else "")})
    for share in access.shares_in_force(db, person["id"]):
        people.append({"name": share["user_name"],
                       "role": f"Shared with them until {share['ends_at'][:10]}"})
    return people
