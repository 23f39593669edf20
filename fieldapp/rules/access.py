"""Who may see which people, and which of their records: the one place the rule lives.

Every view, export and the sync pull use it (README: Roles and access). A person's id is the sync
scope of all their records, so "may see the person" decides what reaches a phone.

- An admin manages users and reads the audit trail, and sees nobody's casework.
- A coordinator sees everybody in their area.
- An outreach worker, peer mentor or trusted person sees the people whose trusted person they are,
  the people of their team, and people shared with them for a time (a `person_share` row in force:
  starts_at <= now < ends_at, not revoked).
- A partner agency worker sees only the people whose current consent (the latest live consent
  record) shares with their agency and is not withdrawn; of those records, only the kinds in
  PARTNER_RECORD_TYPES, and they write nothing.
Deleted people are seen by nobody.
"""

from datetime import timedelta

from ..timeutil import now_iso

# What a partner agency worker may read of a person whose consent shares with their agency: the
# details, contacts and consent, and risk markers (staff safety: a partner's worker meeting the
# person needs to know of a dog, weapons or needles as much as ours; it overrides the rule that
# keeps NDT risk levels from them, and a marker is a short practical note, not an assessment).
# Not assessments (NDT risk levels, Star notes), peer sessions or anything added later unless it
# is named here.
PARTNER_RECORD_TYPES = frozenset({"person", "contact", "consent", "risk_marker"})
# Record types that never travel to phones: audit records of offline views, and lone-working
# visits and check-ins (a worker's own safety timer, not casework about a person: the worker's
# phone shows its visit from the /safety page and its outbox; coordinators see escalations online).
NEVER_PULLED = frozenset({"view", "visit", "check_in"})
# Record types that are their own sync scope and name no person: the directory of services,
# which every caseworker reads (visible_scopes), barriers, lessons and count-night tallies, which
# nobody's pull carries (their scopes are never visible) and which pages read online; and risk
# markers on places, which the area's caseworkers read (visible_scopes).
NOT_ABOUT_PEOPLE = frozenset({"directory_entry", "barrier", "lesson", "tally", "place_marker"})


def _get(user, name):
    """Read `name` from a User object or a user row dict."""
    if isinstance(user, dict):
        return user.get(name)
    return getattr(user, name, None)


def current_consent_sql(alias="person"):
    """SQL for the id of a person's current consent: the latest live consent record by the date
    it was given (then by when it was recorded)."""
    return (f"(SELECT k.id FROM consent k WHERE k.person_id = {alias}.id AND k.deleted = 0"
            " ORDER BY k.given_on DESC, k.created_at DESC, k.rowid DESC LIMIT 1)")


def person_filter(user, alias="person", now=None):
    """A SQL condition (and its parameters) selecting the people `user` may see."""
    role = _get(user, "role")
    if role == "coordinator":
        return f"({alias}.deleted = 0 AND {alias}.area = ?)", [_get(user, "area")]
    if role == "partner_agency":
        agency = _get(user, "agency")
        if not agency:
            return "0", []
        return (
            f"({alias}.deleted = 0 AND EXISTS (SELECT 1 FROM consent c"
            f" WHERE c.id = {current_consent_sql(alias)}"
            " AND COALESCE(c.withdrawn, 0) = 0 AND c.withdrawn_on IS NULL"
            " AND EXISTS (SELECT 1 FROM json_each(c.share_with) WHERE json_each.value = ?)))",
            [agency],
        )
    if role in ("outreach_worker", "peer_mentor", "trusted_person"):
        now = now or now_iso()
        return (
            f"({alias}.deleted = 0 AND ({alias}.trusted_person_id = ? OR {alias}.team = ?"
            f" OR {alias}.id IN (SELECT s.person_id FROM person_share s WHERE s.user_id = ?"
            " AND s.revoked_at IS NULL AND s.starts_at <= ? AND s.ends_at > ?)))",
            [_get(user, "id"), _get(user, "team"), _get(user, "id"), now, now],
        )
    return "0", []  # admin, or a role this module does not know: nobody


def visible_person_ids(db, user, closed_before=None):
    """The ids (strings) of every person `user` may see; with `closed_before` (a timestamp),
    less those whose support closed before it (phone_scopes). One query through the indexes of
    the person filter: the cutoff is asked only of the people the user may see, not of the
    whole person table (a scan of every closed person made every pull grow with the store)."""
    condition, params = person_filter(user)
    if closed_before is not None:
        # COALESCE: someone with no status or no closing date is kept, as they always were.
        condition += " AND NOT COALESCE(person.status = 'closed' AND person.closed_at < ?, 0)"
        params = [*params, closed_before]
    return {row["id"] for row in db.query(f"SELECT id FROM person WHERE {condition}", params)}


def visible_scopes(db, user, closed_before=None):
    """The sync scopes `user` may receive: a person's id is the scope of all their records; a
    caseworker also receives every live entry of the directory of services (each its own scope),
    so it is on every phone, and the risk markers on places of their area. `closed_before` as
    for visible_person_ids."""
    scopes = visible_person_ids(db, user, closed_before)
    if writes_casework(user):
        scopes |= {row[0] for row in db.execute("SELECT id FROM directory_entry WHERE deleted = 0")}
        # Risk markers on places of the caseworker's area (records/place_marker.py), live or not:
        # a retired one travels too, so the phone stops showing it.
        scopes |= {row[0] for row in db.execute(
            "SELECT id FROM place_marker WHERE deleted = 0 AND area = ?", [_get(user, "area")])}
    return scopes


def phone_cutoff(app_config):
    """The timestamp before which a closed person is off every phone (`PHONE_CLOSED_DAYS`;
    rules/retention.py says why)."""
    return now_iso(-timedelta(days=app_config["PHONE_CLOSED_DAYS"]))


def phone_scopes(db, user, closed_before):
    """The sync scopes `user`'s phone receives: those they may see, less people whose support
    closed before `closed_before` (a timestamp): those stay on the server, off every phone."""
    return visible_scopes(db, user, closed_before)


def can_see_person(db, user, person_id):
    """True if `user` may see the person with this id (and the person exists, not deleted)."""
    condition, params = person_filter(user)
    rows = db.execute(f"SELECT 1 FROM person WHERE id = ? AND {condition}", [person_id, *params])
    return rows.fetchone() is not None


def can_see_record_type(user, type_name):
    """True if `user` may read records of this type about a person they may see (pages and the
    sync pull alike). A partner agency worker sees only PARTNER_RECORD_TYPES."""
    if type_name in NEVER_PULLED:
        return False
    if _get(user, "role") == "partner_agency":
        return type_name in PARTNER_RECORD_TYPES
    return True


def can_see_kept_off_phones(db, user, person_id):
    """True if `user` may see a person's details kept off phones (PHONE_HIDDEN_FIELDS: an address,
    a safe number, a safety plan), online only: a caseworker who may see the person. A partner
    agency worker reads only what consent shares, and these are not among it."""
    return writes_casework(user) and can_see_person(db, user, person_id)


def writes_casework(user):
    """True if `user` may record casework at all (partner agency workers and admins may not)."""
    return _get(user, "role") in ("outreach_worker", "peer_mentor", "trusted_person", "coordinator")


def conflict_parties(engine, conflict) -> set:
    """The user ids involved in a conflict: who entered the value not kept, and who set the value
    the server kept (from the record's version history up to the conflict)."""
    involved = {conflict["actor_id"]}
    kept = conflict["server_value"]
    setter, previous = None, object()
    for version in engine.history(conflict["type"], conflict["record_id"]):
        if version["stored_at"] > conflict["created_at"]:
            break
        value = version["fields"].get(conflict["field"])
        if value != previous and value == kept:
            setter = version["actor_id"]
        previous = value
    if setter is not None:
        involved.add(setter)
    return involved


def can_resolve_conflict(engine, user, conflict) -> bool:
    """A conflict is resolved ("Keep this", or "Use the other value") by the workers involved (who
    entered the value not kept, who set the value kept), the person's trusted person, or the
    coordinator of their area; by nobody else, and never by someone who may not read that kind
    of record or does no casework. The engine asks this too, when an update adopts a value."""
    if not writes_casework(user) or not can_see_record_type(user, conflict["type"]):
        return False
    if not can_see_person(engine.db, user, conflict["scope"]):
        return False
    if _get(user, "role") == "coordinator":
        return True
    person = engine.db.execute("SELECT trusted_person_id FROM person WHERE id = ?",
                               [conflict["scope"]]).fetchone()
    if person is not None and person[0] == _get(user, "id"):
        return True
    return _get(user, "id") in conflict_parties(engine, conflict)


def shares_in_force(db, person_id, now=None):
    """The shares of a person with individual workers in force now, with each worker's name."""
    now = now or now_iso()
    return list(db.query(
        """SELECT s.*, COALESCE(u.display_name, u.username) AS user_name
           FROM person_share s JOIN user u ON u.id = s.user_id
           WHERE s.person_id = ? AND s.revoked_at IS NULL AND s.starts_at <= ? AND s.ends_at > ?
           ORDER BY s.ends_at""", [person_id, now, now]))


def measure_areas(user, app_config) -> list:
    """The areas whose measures and returns `user` may read: a coordinator their own area; a
    manager (read-only, README: Roles and access) and an admin every area; anyone else none.
    Measures are counts over people, never a person's casework."""
    role = _get(user, "role")
    if role == "coordinator":
        area = _get(user, "area")
        return [area] if area in app_config["AREAS"] else []
    if role in ("manager", "admin"):
        return list(app_config["AREAS"])
    return []


def may_export_people(user) -> bool:
    """True if `user` may take the de-identified per-person return (one row per person, under a
    pseudonymous id): a coordinator (their area) and a manager (every area), whose work the
    returns are. Not an admin, who sees nobody's casework, nor anyone else."""
    return _get(user, "role") in ("coordinator", "manager")


def area_people_filter(areas, alias="person"):
    """A SQL condition (and parameters) selecting the live people of `areas` (a list; none
    selects nobody): what every measure counts over. A person merged into another is deleted
    (counted once, as the one kept); a person who moved to another area counts there."""
    areas = list(areas)
    if not areas:
        return "0", []
    return (f"({alias}.deleted = 0 AND {alias}.area IN ({','.join('?' * len(areas))}))", areas)


def barrier_filter(user, alias="b"):
    """A SQL condition (and parameters) selecting the live barriers `user` may see: a coordinator
    their area's, any other caseworker the ones they logged; nobody else any (a manager reads
    only the counts, on the measures page)."""
    role = _get(user, "role")
    if role == "coordinator":
        return f"({alias}.deleted = 0 AND {alias}.area = ?)", [_get(user, "area")]
    if writes_casework(user):
        return f"({alias}.deleted = 0 AND {alias}.logged_by = ?)", [_get(user, "id")]
    return "0", []
