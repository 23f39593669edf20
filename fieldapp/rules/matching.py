"""Possible matches before registering someone, and possible duplicates for the coordinator.

Matching is deliberately simple and explainable ("Same first name"), over the people the worker
may see only: ignoring case, accents and punctuation; a whole-name match, the same first name, an
initial with the same surname, or a first name that begins the other (Dan, Daniel); and the
person's aliases too. Merging the two records of one person is fieldapp/rules/merging.py.
"""

import json
import re
import unicodedata

from . import access

def name_tokens(text) -> list[str]:
    """A name as lower-case words, without accents or punctuation: "Dan O'Neil." -> dan, oneil."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`]", "", text)
    return re.sub(r"[^\w]+", " ", text).split()


def aliases_of(value) -> list[str]:
    """A person's aliases from the `aliases` column: a JSON list, or text split on , ; or lines."""
    if not value:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        parsed = json.loads(value)
        if isinstance(parsed, list):
            return [str(v) for v in parsed]
    except (TypeError, ValueError):
        pass
    return [part for part in re.split(r"[,;\n]", str(value)) if part.strip()]


def name_similarity(a, b):
    """(score, reason) when two names may be the same person, else None. Higher is closer."""
    a, b = name_tokens(a) if isinstance(a, str) else a, name_tokens(b) if isinstance(b, str) else b
    if not a or not b:
        return None
    if a == b:
        return 4, "Same name"
    first_a, first_b = a[0], b[0]
    if first_a == first_b:
        if len(a) > 1 and len(b) > 1 and a[-1] == b[-1]:
            return 3, "Same first name and surname"
        return 2, "Same first name"
    if (len(first_a) == 1 or len(first_b) == 1) and first_a[0] == first_b[0]:
        if len(a) > 1 and len(b) > 1 and a[-1] == b[-1]:
            return 2, "Same initial and surname"
        return None
    shorter, longer = sorted((first_a, first_b), key=len)
    if len(shorter) >= 3 and longer.startswith(shorter):
        return 1, "Similar first name"
    return None


def _best_match(query_tokens, person):
    names = [(person["display_name"], "")]
    names += [(alias, " (alias)") for alias in aliases_of(person.get("aliases"))]
    best = None
    for name, suffix in names:
        found = name_similarity(query_tokens, name_tokens(name))
        if found and (best is None or found[0] > best[0]):
            best = (found[0], found[1] + suffix)
    return best


def possible_matches(db, user, display_name, district=None, limit=10) -> list[dict]:
    """People `user` may see who may be the person called `display_name`, closest first (the
    same district ranks higher). Each is the person row with `reason` added."""
    tokens = name_tokens(display_name)
    if not tokens or len("".join(tokens)) < 2:
        return []
    condition, params = access.person_filter(user, alias="p")
    found = []
    for person in db.query(f"SELECT p.* FROM person p WHERE {condition}", params):
        best = _best_match(tokens, person)
        if best:
            near = 1 if district and person["district"] == district else 0
            found.append((best[0], near, person["display_name"].lower(), {**person, "reason": best[1]}))
    found.sort(key=lambda item: (-item[0], -item[1], item[2]))
    return [item[3] for item in found[:limit]]


def possible_duplicates(db, user, limit=20) -> list[dict]:
    """Pairs of people `user` may see who may be one person: {"a", "b", "reason"}, closest first."""
    condition, params = access.person_filter(user, alias="p")
    people = list(db.query(f"SELECT p.* FROM person p WHERE {condition} ORDER BY p.created_at",
                           params))
    pairs = []
    for i, a in enumerate(people):
        tokens = name_tokens(a["display_name"])
        for b in people[i + 1:]:
            best = _best_match(tokens, b)
            if best:
                pairs.append((best[0], {"a": a, "b": b, "reason": best[1]}))
    pairs.sort(key=lambda item: -item[0])
    return [pair for _score, pair in pairs[:limit]]
