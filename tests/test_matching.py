"""Possible duplicates found through match keys are exactly those the full comparison of every
pair finds (hypothesis), so the coordinator's merge page can list an area of thousands quickly."""

from hypothesis import given, settings, strategies as st
from sqlite_utils import Database

from fieldapp.migrations import migrate
from fieldapp.rules import matching

AREA = "Fenland and East Cambridgeshire"
NAMES = st.lists(st.sampled_from(["Dan", "Daniel", "D", "Danny", "Dani", "Kerry", "K", "Kez",
                                  "Sam", "Samantha", "S", "Lee", "Leon", "Le", "Woman in green",
                                  "Woman", "O'Neil", "Oneil"]), min_size=1, max_size=3).map(" ".join)
PEOPLE = st.lists(st.tuples(NAMES, st.lists(NAMES, max_size=2)), max_size=25)


def every_pair(people):
    """The comparison of every pair, as the merge page made it before match keys."""
    pairs = []
    for i, a in enumerate(people):
        tokens = matching.name_tokens(a["display_name"])
        for b in people[i + 1:]:
            best = matching._best_match(tokens, b)
            if best:
                pairs.append((best[0], (a["id"], b["id"], best[1])))
    pairs.sort(key=lambda item: -item[0])
    return [pair for _score, pair in pairs]


@settings(max_examples=150, deadline=None)
@given(PEOPLE, st.sampled_from([1, 5, 10_000]))
def test_match_keys_find_exactly_the_pairs_every_comparison_finds(people, limit):
    db = Database(memory=True)
    migrate(db)
    for n, (name, aliases) in enumerate(people):
        db["person"].insert({"id": f"p{n:03}", "version": 1, "deleted": 0, "scope": f"p{n:03}",
                             "display_name": name, "aliases": ", ".join(aliases) or None,
                             "district": "Fenland", "area": AREA, "created_at": f"2026-01-01T00:00:{n:02}Z"})
    rows = list(db.query("SELECT * FROM person ORDER BY created_at"))
    found = matching.possible_duplicates(db, {"role": "coordinator", "area": AREA}, limit=limit)
    assert [(p["a"]["id"], p["b"]["id"], p["reason"]) for p in found] == every_pair(rows)[:limit]
