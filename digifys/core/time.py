"""Time zones and wall-clock times: the unit's clock (Stockholm) and each clinician's own.

Residents, units, ward rounds and deadlines live on Stockholm time. Physicians may work from
Spain (Europe/Madrid, Atlantic/Canary), so pages show them their own clock beside Stockholm's
when the two differ (`StaffProfile.time_zone`). Instants are stored in UTC; a time typed by a
person is a wall-clock time in some zone and becomes an instant through `local_to_utc`.
"""

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext

STOCKHOLM_NAME = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(STOCKHOLM_NAME)


def zone_name_of(person, day: datetime.date | None = None) -> str:
    """Return the IANA name of PERSON's zone on DAY (default today).

    For a staff member this is where they work that day: an approved period of working from
    elsewhere (`digifys.workforce.location.place_of`) overrides the profile's own zone.
    """
    profile = getattr(person, "staff_profile", person)
    if hasattr(profile, "work_country"):
        from digifys.workforce.location import place_of  # workforce imports core at load

        return place_of(profile, day).time_zone
    return getattr(profile, "time_zone", "") or STOCKHOLM_NAME


def zone_of(person, day: datetime.date | None = None) -> ZoneInfo:
    """Return the own time zone of PERSON (a User or a StaffProfile) on DAY; Stockholm if unset."""
    try:
        return ZoneInfo(zone_name_of(person, day) or STOCKHOLM_NAME)
    except (ZoneInfoNotFoundError, ValueError):
        return STOCKHOLM


def physician_zone(user) -> ZoneInfo | None:
    """Return a physician's own zone (they may work abroad); None for other roles."""
    from digifys.accounts.models import Role  # accounts imports nothing from core at load

    if getattr(user, "role", None) != Role.PHYSICIAN:
        return None
    return zone_of(user)


def clock_differs(when: datetime.datetime, zone: ZoneInfo) -> bool:
    """True when the wall clock in ZONE at WHEN is not Stockholm's (e.g. on the Canaries)."""
    return when.astimezone(zone).utcoffset() != when.astimezone(STOCKHOLM).utcoffset()


def own_time_label(when: datetime.datetime, zone: ZoneInfo) -> str:
    """Return "10:00 your time (Atlantic/Canary)" for WHEN in ZONE, or "" on Stockholm's clock."""
    if not clock_differs(when, zone):
        return ""
    return gettext("%(time)s your time (%(zone)s)") % {
        "time": when.astimezone(zone).strftime("%H:%M"),
        "zone": zone.key,
    }


def local_to_utc(day: datetime.date, time: datetime.time, zone: str) -> datetime.datetime:
    """Return the instant (aware, UTC) at which the wall clock in ZONE shows DAY TIME.

    Raises ValueError when that local time does not exist (the spring daylight-saving gap, e.g.
    2026-03-29 02:30 in Europe/Stockholm) or ZONE is not an IANA time zone. In the autumn fold,
    where the local time happens twice (2026-10-25 02:30 in Europe/Stockholm), the earlier instant
    is returned (still summer time: 00:30 UTC, not 01:30 UTC), whatever `time.fold` says.
    """
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise TypeError(f"day must be a date, not {type(day).__name__}")
    if not isinstance(time, datetime.time):
        raise TypeError(f"time must be a time, not {type(time).__name__}")
    if time.tzinfo is not None:
        raise ValueError("time must be a local wall-clock time without tzinfo")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(gettext("Unknown time zone: %(zone)s") % {"zone": zone}) from error
    wall = datetime.datetime.combine(day, time.replace(fold=0))
    instant = wall.replace(tzinfo=tz).astimezone(datetime.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        raise ValueError(
            gettext(
                "%(day)s %(time)s does not exist in %(zone)s: the clocks are put forward "
                "for daylight saving time."
            )
            % {"day": day.isoformat(), "time": time.strftime("%H:%M"), "zone": zone}
        )
    return instant
