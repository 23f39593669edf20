"""The directory of services as pages show it (README: Directory of services): plain functions.
Every caseworker may read every live entry; the same list reaches their phone by the sync pull."""

import json


def entries(db, search=None) -> list[dict]:
    """Live directory entries by name, with `districts` as a list; `search` keeps those whose
    name, offer, districts or address contain it (any case)."""
    rows = []
    for row in db.query("SELECT * FROM directory_entry WHERE deleted = 0 ORDER BY name COLLATE NOCASE"):
        row["districts"] = json.loads(row["districts"] or "[]")
        row["search_text"] = " ".join(str(row.get(k) or "") for k in (
            "name", "offers", "address", "how_to_refer")).lower() + " " + " ".join(row["districts"]).lower()
        rows.append(row)
    if search:
        words = search.lower().split()
        rows = [r for r in rows if all(w in r["search_text"] for w in words)]
    return rows


def entry(db, entry_id) -> dict | None:
    """One live directory entry, with `districts` as a list, or None."""
    row = db.execute("SELECT 1 FROM directory_entry WHERE id = ? AND deleted = 0", [entry_id]).fetchone()
    if row is None:
        return None
    found = db["directory_entry"].get(entry_id)
    found["districts"] = json.loads(found["districts"] or "[]")
    return found


def choices(db) -> list[tuple[str, str]]:
    """(id, name) of every live entry, by name: what a form offers to choose from."""
    return [(row[0], row[1]) for row in db.execute(
        "SELECT id, name FROM directory_entry WHERE deleted = 0 ORDER BY name COLLATE NOCASE")]
