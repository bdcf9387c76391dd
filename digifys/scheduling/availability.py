"""Is a clinician working at a given instant? Working pattern, absences and public holidays.

Times are evaluated in the clinician's own time zone (`StaffProfile.time_zone`): a physician on
Gran Canaria working 09:00–17:00 works 10:00–18:00 Stockholm time. Public holidays come from the
`holidays` package for the work country and subdivision; in Sweden Midsommarafton, Julafton and
Nyårsafton (category `de_facto`) count as days off too (domain-spec §7, stack-notes §5).
"""

import datetime
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

from digifys.directory.models import StaffProfile

from .models import Absence, WorkingPattern

MIDNIGHT = datetime.time(0, 0)


@functools.lru_cache(maxsize=64)
def _holiday_calendar(country: str, subdivision: str, year: int) -> holidays.HolidayBase:
    categories = ("public", "de_facto") if country == "SE" else ("public",)
    return holidays.country_holidays(
        country,
        subdiv=subdivision or None,
        years=year,
        categories=categories,
        language="sv" if country == "SE" else "es",
    )


def is_public_holiday(staff: StaffProfile, day: datetime.date) -> bool:
    """Return True when DAY is a day off for everyone at STAFF's place of work."""
    country = staff.work_country or "SE"
    try:
        return day in _holiday_calendar(country, staff.work_subdivision or "", day.year)
    except NotImplementedError:
        return day in _holiday_calendar(country, "", day.year)


def _covers(pattern: WorkingPattern, local: datetime.datetime) -> bool:
    if pattern.weekday != local.weekday():
        return False
    moment = local.time()
    ends_at_midnight = pattern.ends == MIDNIGHT
    return pattern.starts <= moment and (ends_at_midnight or moment < pattern.ends)


def is_working(
    staff: StaffProfile,
    at: datetime.datetime | None = None,
    *,
    on_call: bool | None = None,
    patterns: Iterable[WorkingPattern] | None = None,
    absences: Iterable[Absence] | None = None,
) -> bool:
    """Return True when STAFF works at instant AT (default now).

    ON_CALL narrows to on-duty periods (True) or ordinary hours (False). PATTERNS and ABSENCES
    may be passed pre-fetched to avoid queries.
    """
    at = at or timezone.now()
    local = at.astimezone(ZoneInfo(staff.time_zone or "Europe/Stockholm"))
    today = local.date()
    if absences is None:
        absences = staff.absences.filter(starts_on__lte=today, ends_on__gte=today)
    if any(a.starts_on <= today <= a.ends_on for a in absences):
        return False
    if patterns is None:
        patterns = staff.working_patterns.all()
    holiday = None
    for pattern in patterns:
        if on_call is not None and pattern.on_call != on_call:
            continue
        if not _covers(pattern, local):
            continue
        if pattern.works_on_holidays:
            return True
        if holiday is None:
            holiday = is_public_holiday(staff, today)
        if not holiday:
            return True
    return False
