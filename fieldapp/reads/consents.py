"""A person's consent records as the pages show them, and their current consent.

The current consent is the latest live record by the date it was given, then by when it was
recorded (the same order as `rules/access.current_consent_sql`, which decides partner access).
Plain functions; callers have checked that the user may see the person.
"""

import json


def _row(row, agencies):
    row = dict(row)
    row["share_with"] = json.loads(row["share_with"]) if row.get("share_with") else []
    row["agency_names"] = [agencies.get(a, a) for a in row["share_with"]]
    row["recording"] = bool(row.get("recording"))
    row["is_withdrawal"] = bool(row.get("withdrawn") or row.get("withdrawn_on"))
    return row


def consents_for(db, app_config, person_id):
    """A person's consent records, current first, with the recorder's name."""
    agencies = app_config["PARTNER_AGENCIES"]
    rows = db.query(
        """SELECT k.*, COALESCE(u.display_name, u.username) AS recorded_by_name
           FROM consent k LEFT JOIN user u ON u.id = k.recorded_by
           WHERE k.person_id = ? AND k.deleted = 0
           ORDER BY k.given_on DESC, k.created_at DESC, k.rowid DESC""", [person_id])
    return [_row(row, agencies) for row in rows]


def current_consent(db, app_config, person_id):
    """The person's current consent (the latest live record), or None if none was recorded."""
    rows = consents_for(db, app_config, person_id)
    return rows[0] if rows else None


def consent_lines(record):
    """A consent record in words, for the timeline."""
    lines = [("Agrees" if record["recording"] else "Does not agree")
             + " to their information being recorded",
             "Shared with: " + (", ".join(record["agency_names"]) or "no partner agencies")]
    if record["withdrawn_on"]:
        lines.append(f"Withdrawn on {record['withdrawn_on']}")
    if record.get("note"):
        lines.append(record["note"])
    return lines
