"""Server times as the engine stores them: UTC, 'YYYY-MM-DDTHH:MM:SSZ', so that text order is time
order and the engine's times compare correctly with the app's (which use the same form).

Databases written before this form was adopted hold '+00:00' times; the engine's migration
`store_times_with_z` (sync/store.py) rewrites them. Times the phone sends (`recorded_at`) are the
phone's own text, shown and never judged, so they are stored as sent and never rewritten.
"""

from datetime import datetime, timezone

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> datetime:
    """Now, as an aware UTC datetime: the engine's default clock."""
    return datetime.now(timezone.utc)


def stamp(moment: datetime) -> str:
    """`moment` as the engine stores it: to the second, in UTC, ending in Z."""
    return moment.astimezone(timezone.utc).strftime(FORMAT)


def parse(text: str) -> datetime:
    """A stored time back as an aware datetime; reads the Z form and the older '+00:00' form."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
