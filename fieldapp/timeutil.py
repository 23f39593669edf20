"""Server timestamps and the programme's calendar.

Every time the server stores (the app's tables and the sync engine's alike) is UTC in one format,
'YYYY-MM-DDTHH:MM:SSZ', so that text order is time order in every SQL comparison and sort. Dates
people work by (weeks, months, "today", the days of a share) are dates in PROGRAMME_TIMEZONE.
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def timestamp(moment: datetime) -> str:
    """An aware datetime as a server timestamp (UTC, 'YYYY-MM-DDTHH:MM:SSZ')."""
    return moment.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)


def now_iso(delta: timedelta | None = None) -> str:
    """Now (plus `delta`) as a server timestamp."""
    return timestamp(datetime.now(timezone.utc) + (delta or timedelta()))


def parse_timestamp(text: str) -> datetime:
    """A server timestamp as an aware UTC datetime."""
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)


def programme_zone(app_config) -> ZoneInfo:
    """The programme's time zone (PROGRAMME_TIMEZONE)."""
    return ZoneInfo(app_config["PROGRAMME_TIMEZONE"])


def programme_today(app_config) -> date:
    """Today's date where the programme works."""
    return datetime.now(programme_zone(app_config)).date()
