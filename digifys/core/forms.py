"""Form helpers shared by every app: service errors onto forms, and bounded dates and numbers.

Dates and numbers are bounded where they are parsed: a date in year 1 or 9999 is valid Python,
but moving it to UTC or adding a day overflows (OverflowError, a 500), and an integer beyond
64 bits overflows the database. Every date, date-time and integer a user can type goes through
`DateField`, `DateTimeField`, `IntegerField`, `parse_date` or `parse_id` below, which refuse
such values with a translated message.
"""

import datetime
import re

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Wide enough for birth dates of the oldest residents and any plan or booking; narrow enough that
# time-zone arithmetic (± a few days) never leaves Python's date range.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
# The largest value a PostgreSQL bigint (and SQLite integer) column holds.
LARGEST_ID = 2**63 - 1

DATE_RANGE_MESSAGE = _("Enter a date between %(earliest)s and %(latest)s.")
_DIGITS = re.compile(r"[0-9]{1,19}")


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto FORM, field by field where the field exists."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _check_date_range(day: datetime.date) -> None:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            DATE_RANGE_MESSAGE,
            code="date_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


def parse_date(text: str) -> datetime.date | None:
    """Return the ISO date in TEXT (None if empty); ValidationError if invalid or out of range."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_("Write the date as YYYY-MM-DD."), code="invalid") from None
    _check_date_range(day)
    return day


def parse_id(text: str) -> int | None:
    """Return TEXT as a database id (ASCII digits, fits in 64 bits), or None if it is not one."""
    text = (text or "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= LARGEST_ID else None


class DateField(forms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE."""

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None:
            _check_date_range(day)
        return day


class DateTimeField(forms.DateTimeField):
    """A date and time whose date lies between EARLIEST_DATE and LATEST_DATE."""

    def to_python(self, value):
        try:
            moment = super().to_python(value)
        except OverflowError:
            _check_date_range(datetime.date.min)
        if moment is not None:
            _check_date_range(moment.date())
        return moment


class IntegerField(forms.IntegerField):
    """An integer that fits a 64-bit database column (on top of any bounds given).

    The 64-bit bound is a validator, not `min_value`/`max_value`, so it adds no `min`/`max`
    attributes to the input (those stay as each form sets them).
    """

    default_validators = [
        validators.MinValueValidator(-LARGEST_ID),
        validators.MaxValueValidator(LARGEST_ID),
    ]


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids beyond 64 bits before they reach the database.

    Django's `__in` lookup passes every submitted value to the database, where an integer beyond
    64 bits overflows (a 500); such a value is refused as an invalid choice instead.
    """

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        if key == "pk":
            for item in value:
                if isinstance(item, str) and parse_id(item) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": item},
                    )
        return super()._check_values(value)
