"""Server timestamps: UTC, ISO 8601 with a Z, so that text order is time order."""

from datetime import datetime, timedelta, timezone


def now_iso(delta: timedelta | None = None) -> str:
    """Now (plus `delta`) in UTC as 'YYYY-MM-DDTHH:MM:SSZ'."""
    moment = datetime.now(timezone.utc) + (delta or timedelta())
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
