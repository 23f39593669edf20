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


def names_of(person) -> list[tuple[list[str], str]]:
    """A person's names as tokens, each with how a match on it is described: their name, then
    every alias (" (alias)")."""
    names = [(name_tokens(person["display_name"]), "")]
    names += [(name_tokens(alias), " (alias)") for alias in aliases_of(person.get("aliases"))]
    return names


def _best_match(query_tokens, person, names=None):
    """(score, reason) of the closest of the person's names (`names_of`, if already known) to
    `query_tokens`, or None."""
    best = None
    for tokens, suffix in names if names is not None else names_of(person):
        found = name_similarity(query_tokens, tokens)
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


# Keys two names share when `name_similarity` may score them at least so much: a pair scoring 4
# (the same name) shares an "n" key, 3 (first name and surname) an "fl" key, 2 (the same first
# name, or an initial and the surname) an "f" or "i" key, 1 (a first name that begins the other)
# a "p" key (the first three letters).
KEY_SCORES = (("n", 4), ("fl", 3), ("f", 2), ("i", 2), ("p", 1))


def match_keys(names) -> dict[str, set[str]]:
    """The keys of each kind in KEY_SCORES of a person's names (`names_of`)."""
    keys = {kind: set() for kind, _score in KEY_SCORES}
    for tokens, _suffix in names:
        if not tokens:
            continue
        first, last = tokens[0], tokens[-1]
        keys["n"].add(" ".join(tokens))
        keys["f"].add(first)
        keys["p"].add(first[:3])
        if len(tokens) > 1:
            keys["fl"].add(f"{first} {last}")
            keys["i"].add(f"{first[0]} {last}")
    return keys


def possible_duplicates(db, user, limit=20) -> list[dict]:
    """Pairs of people `user` may see who may be one person: {"a", "b", "reason"}, closest first,
    then in the order they were registered: the same answer as comparing every pair, found
    through match keys, strongest first, stopping once `limit` pairs at least as close as any
    still unseen are known (an area of 6,000 people in milliseconds: bench/duplicates.py)."""
    condition, params = access.person_filter(user, alias="p")
    people = list(db.query(f"SELECT p.* FROM person p WHERE {condition} ORDER BY p.created_at",
                           params))
    names = [names_of(person) for person in people]
    buckets = {}
    for index, person_names in enumerate(names):
        for kind, values in match_keys(person_names).items():
            for value in values:
                buckets.setdefault((kind, value), []).append(index)
    found, seen = [], set()
    for score in sorted({score for _kind, score in KEY_SCORES}, reverse=True):
        kinds = {kind for kind, kind_score in KEY_SCORES if kind_score == score}
        in_buckets = [[] for _ in people]  # per person, the buckets of this score it is in
        for (kind, _value), members in buckets.items():
            if kind in kinds and len(members) > 1:
                for index in members:
                    in_buckets[index].append(members)
        enough = limit - sum(1 for entry in found if -entry[0] > score)
        at_score = 0
        # Pairs in the order of registration (i, then j): the first `enough` pairs found at this
        # score are the ones a full comparison would list first, so the scan may stop there.
        for i in range(len(people)):
            for j in sorted({j for members in in_buckets[i] for j in members if j > i}):
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                best = _best_match(names[i][0][0], people[j], names[j])
                if best:
                    found.append((-best[0], i, j, best[1]))
                    at_score += best[0] == score
            if at_score >= enough:
                break
        # Every pair scoring `score` or more that can be listed is known: enough is the answer.
        if sum(1 for entry in found if -entry[0] >= score) >= limit:
            break
    found.sort()
    return [{"a": people[i], "b": people[j], "reason": reason}
            for _score, i, j, reason in found[:limit]]
