"""Working days: weekdays that are not bank holidays where the programme works (README:
Safeguarding, "Overdue"). Used for the time a safeguarding lead has to decide a concern.

Bank holidays come from the `holidays` package (England and Wales share theirs: `BANK_HOLIDAYS`
"GB-ENG" by default; "GB-SCT" or "GB-NIR" for a deployment elsewhere, None for weekends only),
plus any dates a deployment lists in `EXTRA_NON_WORKING_DAYS` (e.g. a one-off bank holiday the
package does not know yet). Dates are the programme's (PROGRAMME_TIMEZONE).
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from ..timeutil import programme_zone


@lru_cache(maxsize=8)
def _bank_holidays(calendar: str | None) -> holidays.HolidayBase | dict:
    """The holiday calendar named "COUNTRY-SUBDIVISION" (or "COUNTRY"), years filled on demand."""
    if not calendar:
        return {}
    country, _, subdivision = calendar.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)


def is_working_day(app_config, day: date) -> bool:
    """True for a Monday to Friday that is neither a bank holiday nor a listed non-working day."""
    if day.weekday() >= 5:
        return False
    if day.isoformat() in set(app_config.get("EXTRA_NON_WORKING_DAYS") or ()):
        return False
    return day not in _bank_holidays(app_config.get("BANK_HOLIDAYS"))


def add_working_days(app_config, moment: datetime, days: int) -> datetime:
    """`moment` plus `days` working days, at the same local time of day. A moment on a day that
    is not a working day counts from the start (00:00) of the next working day, so a concern
    raised on a Saturday has the whole of Monday. Returns an aware datetime in the programme's
    zone (clock changes keep the wall-clock time)."""
    zone = programme_zone(app_config)
    local = moment.astimezone(zone)
    day, at = local.date(), local.timetz().replace(tzinfo=None)
    if not is_working_day(app_config, day):
        while not is_working_day(app_config, day):
            day += timedelta(days=1)
        at = time(0, 0)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(app_config, day):
            counted += 1
    return datetime.combine(day, at, tzinfo=zone)
