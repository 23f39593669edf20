"""Who may see which people: the one place the rule lives.

Every view and the sync pull use it. An admin manages users and does no casework, so sees nobody; a
coordinator sees everybody in their area; every other role sees the people whose trusted person they
are and the people shared with their team. Deleted people are seen by nobody.
"""


def _get(user, name):
    """Read `name` from a User object or a user row dict."""
    if isinstance(user, dict):
        return user.get(name)
    return getattr(user, name, None)


def person_filter(user, alias="person"):
    """A SQL condition (and its parameters) selecting the people `user` may see."""
    role = _get(user, "role")
    if role == "admin" or role is None:
        return "0", []
    if role == "coordinator":
        return f"({alias}.deleted = 0 AND {alias}.area = ?)", [_get(user, "area")]
    return (
        f"({alias}.deleted = 0 AND ({alias}.trusted_person_id = ? OR {alias}.team = ?))",
        [_get(user, "id"), _get(user, "team")],
    )


def visible_person_ids(db, user):
    """The ids (strings) of every person `user` may see."""
    condition, params = person_filter(user)
    return {row["id"] for row in db.query(f"SELECT id FROM person WHERE {condition}", params)}


def visible_scopes(db, user):
    """The sync scopes `user` may receive: a person's id is the scope of all their records."""
    return visible_person_ids(db, user)


def can_see_person(db, user, person_id):
    """True if `user` may see the person with this id (and the person exists, not deleted)."""
    condition, params = person_filter(user)
    rows = db.execute(f"SELECT 1 FROM person WHERE id = ? AND {condition}", [person_id, *params])
    return rows.fetchone() is not None
