"""Dates and times as people in the UK read them, on every page: "30 Nov 2026, 11:00",
"yesterday 23:10", "today 09:15", and "30 Nov 2026" for a day. One Jinja filter, `uk_date`, in
PROGRAMME_TIMEZONE (Europe/London by default, so summer times are BST); the phone's own dates
(queued items, offline cues) come from the same rules in static/dates.js, which also rewrites the
"today"/"yesterday" of a page the phone kept (`<time data-relative>`) against the phone's today.
Form values and data attributes keep ISO 8601: this is for display only.
"""

from datetime import date, datetime, timedelta, timezone

from flask import current_app

from ..timeutil import programme_zone

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: date) -> str:
    """A calendar day: "30 Nov 2026" (no leading zero, the month's three letters)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def moment_text(moment: datetime, zone, now: datetime | None = None) -> str:
    """An aware datetime in `zone`: "today 09:15", "yesterday 23:10", else "30 Nov 2026, 11:00"."""
    local = moment.astimezone(zone)
    today = (now or datetime.now(timezone.utc)).astimezone(zone).date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return f"today {clock}"
    if local.date() == today - timedelta(days=1):
        return f"yesterday {clock}"
    return f"{day_text(local.date())}, {clock}"


def _parse(value, zone):
    """A date, an aware datetime, or None for text that is neither (shown as it came). A time
    with no zone is a wall-clock time where the programme works (what a phone's
    datetime-local input sends, e.g. a contact's "when"); server timestamps end in Z."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    try:
        # Server timestamps ('...Z'), a phone's recorded_at (milliseconds), or a local minute.
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def uk_date(value) -> str:
    """The Jinja filter: a day or a moment (date, datetime or ISO text) as UK readers write it,
    in the programme's time zone; empty for nothing; anything unreadable as it came, so a page
    never fails on an odd value."""
    if value is None or value == "":
        return ""
    zone = programme_zone(current_app.config)
    parsed = _parse(value, zone)
    if parsed is None:
        return str(value)
    if not isinstance(parsed, datetime):
        return day_text(parsed)
    return moment_text(parsed, zone)


def init_app(app):
    """Register the filter, and the zone the phone's script formats in (`<html data-time-zone>`)."""
    app.add_template_filter(uk_date, "uk_date")
    app.add_template_global(lambda: app.config["PROGRAMME_TIMEZONE"], "time_zone")
