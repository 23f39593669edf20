"""Validation pieces the casework schemas share (marshmallow 4: every check raises)."""

from datetime import date, timedelta

from marshmallow import ValidationError, pre_load


def iso_day(value) -> date:
    """A YYYY-MM-DD date as the phone sends it, or ValidationError with a message for the worker."""
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError("Enter the date as year-month-day") from None
    if len(value) != 10:
        raise ValidationError("Enter the date as year-month-day")
    return day


def recorded_day(value) -> date:
    """The day something was done: a valid date, not in the future (a day's grace for phone
    clocks and time zones, as for contacts)."""
    day = iso_day(value)
    if day > date.today() + timedelta(days=1):
        raise ValidationError("The date cannot be in the future")
    return day


class DropDerived:
    """Schema mixin: fields the server derives (named in `DERIVED`) are dropped from what a phone
    sends, never trusted and never refused."""

    DERIVED: tuple = ()

    @pre_load
    def _drop_derived(self, data, **kwargs):
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in self.DERIVED}
        return data
