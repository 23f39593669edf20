"""Reading casework for the pages: plain functions over the database, no Flask.

Every function takes the user and applies `access.person_filter`, so no page can show a person the
user may not see.
"""

from . import access


def caseload(db, user, search=None):
    """The people `user` may see, most recent contact first (never-contacted people last).

    Each row has the person's fields plus `last_contact_at` and `last_contact_by` (a display name).
    `search` matches name, description or district, ignoring case.
    """
    condition, params = access.person_filter(user, alias="p")
    sql = f"""
        SELECT p.*, last.contact_at AS last_contact_at,
               COALESCE(u.display_name, u.username) AS last_contact_by
        FROM person p
        LEFT JOIN contact last ON last.id = (
            SELECT c.id FROM contact c WHERE c.person_id = p.id AND c.deleted = 0
            ORDER BY c.contact_at DESC, c.recorded_at DESC LIMIT 1)
        LEFT JOIN user u ON u.id = last.worker_id
        WHERE {condition}
    """
    if search and search.strip():
        like = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql += (
            " AND (p.display_name LIKE ? ESCAPE '\\' OR p.description LIKE ? ESCAPE '\\'"
            " OR p.district LIKE ? ESCAPE '\\')"
        )
        params = [*params, like, like, like]
    sql += " ORDER BY last.contact_at IS NULL, last.contact_at DESC, p.created_at DESC, p.display_name"
    return list(db.query(sql, params))


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


def trusted_person_choices(db, area):
    """Active caseworkers a coordinator may choose as a trusted person in `area`."""
    return list(
        db.query(
            """SELECT id, COALESCE(display_name, username) AS name, team FROM user
               WHERE active = 1 AND role IN ('outreach_worker', 'peer_mentor', 'trusted_person')
                 AND (area = ? OR area IS NULL) ORDER BY name""",
            [area],
        )
    )


def open_conflicts(db, person_id):
    """Unresolved conflicts on a person's records: a field two workers changed differently while
    offline. The value kept is the one already on the server; the other is shown until resolved.
    """
    import json

    rows = db.query(
        """SELECT k.*, COALESCE(u.display_name, u.username) AS actor_name
           FROM sync_conflict k LEFT JOIN user u ON u.id = k.actor_id
           WHERE k.scope = ? AND k.resolved_at IS NULL ORDER BY k.id""",
        [person_id],
    )
    return [{**row, "server_value": json.loads(row["server_value"]),
             "incoming_value": json.loads(row["incoming_value"])} for row in rows]


def _assessment_row(row):
    import json

    row = dict(row)
    for name in ("scores", "notes", "disagree"):
        row[name] = json.loads(row[name]) if row.get(name) else {}
    row["from_paper"] = bool(row.get("from_paper"))
    return row


def assessments_for(db, person_ids, statuses=None):
    """The assessments and Star readings of these people (callers check access), oldest first
    by date, with scores, notes and disagreement as dicts and the assessor's name.
    `statuses` limits them, e.g. ("final",) for what counts in reports."""
    person_ids = list(person_ids)
    if not person_ids:
        return []
    sql = f"""SELECT a.*, COALESCE(u.display_name, u.username) AS assessor_name
              FROM assessment a LEFT JOIN user u ON u.id = a.assessor_id
              WHERE a.deleted = 0 AND a.person_id IN ({",".join("?" * len(person_ids))})"""
    params = list(person_ids)
    if statuses:
        sql += f" AND a.status IN ({','.join('?' * len(statuses))})"
        params += list(statuses)
    sql += " ORDER BY a.assessed_on, a.created_at"
    return [_assessment_row(row) for row in db.query(sql, params)]


def get_assessment(db, person_id, assessment_id):
    """One assessment of this person (not deleted), or None. Callers check access to the person."""
    rows = list(db.query("SELECT * FROM assessment WHERE id = ? AND person_id = ? AND deleted = 0",
                         [assessment_id, person_id]))
    return _assessment_row(rows[0]) if rows else None
