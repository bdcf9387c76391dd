"""Working days in a unit's calendar, for the answer deadline of relatives' messages.

A working day is a weekday that is not a public holiday of the unit's country (the `holidays`
package, as `scheduling.availability` uses it: in Sweden also Midsommarafton, Julafton and
Nyårsafton) nor a local holiday of the unit's city (`scheduling.LocalHoliday`).
"""

import datetime

from django.conf import settings

from digifys.core.time import local_to_utc
from digifys.directory.models import Organisation
from digifys.scheduling.availability import _holiday_calendar
from digifys.scheduling.models import LocalHoliday, place_key

# Far enough to pass any run of holidays (Christmas to Epiphany in Sweden).
_LOOKAHEAD_DAYS = 40


def days_off(unit: Organisation, start: datetime.date, end: datetime.date) -> set:
    country = unit.country or "SE"
    off = set()
    for year in range(start.year, end.year + 1):
        off.update(day for day in _holiday_calendar(country, "", year) if start <= day <= end)
    city = place_key(unit.city)
    if city:
        off.update(
            LocalHoliday.objects.filter(
                country=country, place_key=city, date__range=(start, end)
            ).values_list("date", flat=True)
        )
    return off


def add_working_days(unit: Organisation, start: datetime.date, days: int) -> datetime.date:
    """The date DAYS working days after START in UNIT's calendar (START itself not counted)."""
    end = start + datetime.timedelta(days=_LOOKAHEAD_DAYS + 2 * days)
    off = days_off(unit, start, end)
    day, counted = start, 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and day not in off:
            counted += 1
    return day


def answer_deadline(unit: Organisation, sent_at: datetime.datetime) -> datetime.datetime:
    """When a message sent at SENT_AT should be answered: the same clock time on the unit's
    wall clock, RELATIVE_MESSAGE_ANSWER_WORKING_DAYS working days later."""
    zone = unit.time_zone or "Europe/Stockholm"
    local = sent_at.astimezone(datetime.UTC).astimezone(_zone(zone))
    day = add_working_days(unit, local.date(), settings.RELATIVE_MESSAGE_ANSWER_WORKING_DAYS)
    clock = local.time().replace(tzinfo=None, fold=0)
    try:
        return local_to_utc(day, clock, zone)
    except ValueError:  # the spring daylight-saving gap: an hour later exists
        later = (datetime.datetime.combine(day, clock) + datetime.timedelta(hours=1)).time()
        return local_to_utc(day, later, zone)


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
