"""Is a clinician working at a given instant? Working pattern, absences and public holidays.

Times are evaluated in the clinician's own time zone (`StaffProfile.time_zone`): a physician on
Gran Canaria working 09:00–17:00 works 10:00–18:00 Stockholm time. Public holidays come from the
`holidays` package for the work country and subdivision; in Sweden Midsommarafton, Julafton and
Nyårsafton (category `de_facto`) count as days off too (domain-spec §7, stack-notes §5). On top of
the package, local (municipal) and island days at the clinician's work place come from
`LocalHoliday` (seeded from `data/local_holidays.json`, kept by coordinators): e.g. Málaga's
19 August and 8 September, Gran Canaria's 8 September (Decreto 61/2025).

Daylight-saving time. `is_working` takes an instant (an aware datetime; naive ones are refused),
so the instant always exists; it is turned into the clinician's local wall-clock time and compared
with the pattern. Consequences, pinned by tests in `tests/test_availability.py`:
- Spring gap (Europe/Stockholm and Europe/Madrid 2026-03-29, 01:00 UTC: 02:00 → 03:00 local): no
  instant has a local time in 02:00–02:59, so a pattern 02:00–03:00 is not worked that day and a
  pattern 01:00–04:00 lasts two real hours (00:00–02:00 UTC).
- Autumn fold (2026-10-25, 01:00 UTC: 03:00 → 02:00 local): 02:00–02:59 local happens twice and
  both hours are covered, so a pattern 01:00–04:00 lasts four real hours (23:00–03:00 UTC).
- The Canary Islands switch at the same instant (01:00 → 02:00 WEST in spring), so a clinician on
  Gran Canaria is one hour behind Stockholm all year.
To turn a local time typed by a person into an instant use `local_to_utc` (in `core.time`,
re-exported here), which refuses times in the spring gap and picks the earlier instant in the
autumn fold.
"""

import datetime
import functools
import json
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

from digifys.core.time import STOCKHOLM_NAME, local_to_utc
from digifys.directory.models import StaffProfile
from digifys.workforce.location import place_of

from .models import Absence, LocalHoliday, WorkingPattern, place_key

LOCAL_HOLIDAYS_FILE = Path(__file__).resolve().parent / "data" / "local_holidays.json"

# `local_to_utc` lives in core.time; it stays importable from here for existing callers.
__all__ = ["is_public_holiday", "is_working", "local_to_utc"]

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


@functools.cache
def _islands() -> dict[str, tuple[str, ...]]:
    data = json.loads(LOCAL_HOLIDAYS_FILE.read_text(encoding="utf-8"))
    return {
        place_key(city): tuple(place_key(i) for i in islands)
        for city, islands in data["places"].items()
    }


def work_places(staff: StaffProfile, day: datetime.date | None = None) -> list[str]:
    """The place keys whose local holidays apply to STAFF (on DAY): the work city and its island.

    The place is `workforce.location.place_of`'s: a period of work from elsewhere whose contract
    makes the place's holidays apply moves the calendar with the clinician.
    """
    city = place_key(place_of(staff, day).city)
    if not city:
        return []
    return [city, *_islands().get(city, ())]


def local_holidays(
    staff: StaffProfile, start: datetime.date, end: datetime.date
) -> dict[datetime.date, str]:
    """Return {date: name} of the local and island holidays at STAFF's work place in START..END."""
    places = work_places(staff, start)
    if not places:
        return {}
    rows = LocalHoliday.objects.filter(
        country=place_of(staff, start).country, place_key__in=places, date__range=(start, end)
    ).values_list("date", "name")
    found: dict[datetime.date, str] = {}
    for day, name in rows:
        found.setdefault(day, name)
    return found


def is_public_holiday(staff: StaffProfile, day: datetime.date) -> bool:
    """Return True when DAY is a day off for everyone at STAFF's place of work.

    The subdivision is matched case-insensitively ("an" is Andalusia); an unknown subdivision
    falls back to the country's national holidays. Local and island days at the work city come
    on top (one query, only when the package has no holiday that day).
    """
    place = place_of(staff, day)
    country = place.country
    subdivision = (place.subdivision or "").strip().upper()
    try:
        if day in _holiday_calendar(country, subdivision, day.year):
            return True
    except NotImplementedError:
        if day in _holiday_calendar(country, "", day.year):
            return True
    return bool(local_holidays(staff, day, day))


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
    may be passed pre-fetched to avoid queries. AT must be aware: a naive datetime would be read
    in the process's time zone, so it is refused with ValueError. Patterns, absences and holidays
    are all evaluated on the clinician's local date and wall-clock time (see the module docstring
    for daylight-saving time).
    """
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("is_working needs an aware datetime (an instant), not a naive one")
    zone = place_of(staff, at.astimezone(datetime.UTC).date()).time_zone
    local = at.astimezone(ZoneInfo(zone or STOCKHOLM_NAME))
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
