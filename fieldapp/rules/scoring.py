"""Scoring rules for instruments: totals, stages, answer checks and when the next one is due.

Plain functions over an `Instrument` (fieldapp.instruments) and plain values: the marshmallow
schema, the sync hooks and the pages all call these, so a total is computed one way only.
"""

from datetime import date, timedelta


def is_complete(instrument, scores: dict) -> bool:
    """True when every domain of the instrument has a score."""
    return all(scores.get(key) is not None for key in instrument.domain_keys)


def weighted_total(instrument, scores: dict) -> int | None:
    """Sum of level × weight over every domain; None until every domain is scored."""
    if not is_complete(instrument, scores or {}):
        return None
    return sum(scores[d["key"]] * d["weight"] for d in instrument.domains)


def max_total(instrument) -> int:
    """The highest weighted total the instrument allows (48 for the NDT)."""
    return instrument.max * sum(d["weight"] for d in instrument.domains)


def _is_score(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def answer_errors(instrument, status: str, scores: dict, notes: dict, disagree: dict) -> dict:
    """Field errors for a record's answers against its instrument, as nested marshmallow messages
    ({"scores": {"housing": ["Choose a level from 0 to 4"]}}); {} when all is well.

    A final reading needs every domain; a draft may be partial; one that could not be done needs
    no scores. Per-area notes and disagreement flags belong to Star readings only.
    """
    errors: dict = {}
    word, low, high = instrument.word, instrument.min, instrument.max
    in_range = f"Choose a {word} from {low} to {high}"
    for key, value in (scores or {}).items():
        if instrument.domain(key) is None:
            errors.setdefault("scores", {})[key] = [f"This is not part of the {instrument.name}"]
        elif value is not None and not (_is_score(value) and low <= value <= high):
            errors.setdefault("scores", {})[key] = [in_range]
    if status == "final":
        for domain in instrument.domains:
            if (scores or {}).get(domain["key"]) is None:
                errors.setdefault("scores", {})[domain["key"]] = [
                    f"Choose a {word} for {domain['label'].lower()}"]
    for name, given, check, message in (
            ("notes", notes, lambda v: isinstance(v, str) and len(v) <= 2000,
             "Write a note of 2000 characters or fewer"),
            ("disagree", disagree, lambda v: isinstance(v, bool), "Answer yes or no")):
        values = {k: v for k, v in (given or {}).items() if v is not None and v != ""
                  and v is not False}
        if values and instrument.kind != "star":
            errors[name] = ["Notes and disagreement per area are recorded on Star readings only"]
            continue
        for key, value in values.items():
            if instrument.domain(key) is None:
                errors.setdefault(name, {})[key] = [f"This is not part of the {instrument.name}"]
            elif not check(value):
                errors.setdefault(name, {})[key] = [message]
    return errors


def change(latest: int | None, previous: int | None) -> dict | None:
    """How a total moved: {"figure": 4, "arrow": "↓", "direction": "down"}; None without both."""
    if latest is None or previous is None:
        return None
    difference = latest - previous
    if difference > 0:
        return {"figure": difference, "arrow": "↑", "direction": "up"}
    if difference < 0:
        return {"figure": -difference, "arrow": "↓", "direction": "down"}
    return {"figure": 0, "arrow": "→", "direction": "same"}


def due(last_on: str | None, cadence_days: int | None, today: date) -> dict:
    """When an instrument is next due, from the date of the last final or not-done one.

    {"state": "never" | "overdue" | "due" | "ok" | "none", "next_due": date or None}: "never"
    means due now (never done); "due" means due today; "none" means no cadence is set.
    """
    if not cadence_days:
        return {"state": "none", "next_due": None}
    if not last_on:
        return {"state": "never", "next_due": None}
    next_due = date.fromisoformat(last_on) + timedelta(days=cadence_days)
    if today > next_due:
        state = "overdue"
    elif today == next_due:
        state = "due"
    else:
        state = "ok"
    return {"state": state, "next_due": next_due}


def is_due(state: str) -> bool:
    """The one rule for "due" (caseload line, tag, group and person page alike): never done,
    overdue, or due today."""
    return state in ("never", "overdue", "due")
