"""Where a clinician works on a given day: the one function zone and holiday readers go through.

`place_of(staff, day)` returns the time zone, country, subdivision and city that apply to STAFF
on DAY: the profile's own, or those of an approved `WorkElsewhere` period in force that day. The
zone always follows the period; the holiday calendar (country, subdivision, city) follows only
when the period says the contract makes the place's holidays apply (`holidays_follow`).

Readers: `core.time.zone_of`, `scheduling.availability` (is_working, is_public_holiday,
local_holidays) and the iCalendar feed. They are called very often (routing, the planner), so
the approved periods are held in memory per process and reloaded when a version stamp in the
Django cache changes (bumped on every save or delete of a period, see `signals`); another
process sees a change within `CHECK_SECONDS`. While the cache (Redis) is down, every process
reads the periods from the database at each check instead: consults are still routed.
"""

import dataclasses
import datetime
import logging
import threading
import time
import uuid

from django.core.cache import cache

log = logging.getLogger(__name__)

VERSION_KEY = "workforce:work-elsewhere-version"
CHECK_SECONDS = 1.0
STOCKHOLM_NAME = "Europe/Stockholm"


@dataclasses.dataclass(frozen=True)
class Place:
    time_zone: str
    country: str
    subdivision: str
    city: str
    period_id: int | None = None


_lock = threading.Lock()
_state: dict = {"version": None, "checked": 0.0, "rows": {}}


def _own(staff) -> Place:
    return Place(
        time_zone=getattr(staff, "time_zone", "") or STOCKHOLM_NAME,
        country=getattr(staff, "work_country", "") or "SE",
        subdivision=getattr(staff, "work_subdivision", "") or "",
        city=getattr(staff, "work_city", "") or "",
    )


def _load() -> dict[int, list[tuple]]:
    from .models import WorkElsewhere

    rows: dict[int, list[tuple]] = {}
    for period in WorkElsewhere.objects.filter(status=WorkElsewhere.Status.APPROVED).values_list(
        "staff_id",
        "starts_on",
        "ends_on",
        "time_zone",
        "country",
        "subdivision",
        "city",
        "holidays_follow",
        "pk",
    ):
        rows.setdefault(period[0], []).append(period[1:])
    return rows


def _periods() -> dict[int, list[tuple]]:
    now = time.monotonic()
    with _lock:
        if _state["version"] is not None and now - _state["checked"] < CHECK_SECONDS:
            return _state["rows"]
        try:
            version = cache.get(VERSION_KEY)
            if version is None:
                version = uuid.uuid4().hex
                cache.set(VERSION_KEY, version, None)
        except Exception:  # the shared cache (Redis) is down: routing must go on without it
            log.warning("cache unavailable: work-elsewhere periods read from the database")
            # Matches no stamp: read now and again at each check until the cache is back.
            version = "uncached-" + uuid.uuid4().hex
        if version != _state["version"]:
            _state["rows"] = _load()
            _state["version"] = version
        _state["checked"] = now
        return _state["rows"]


def forget(*, known_empty: bool = False) -> None:
    """Drop what this process holds and tell the others (a period was saved or deleted).

    KNOWN_EMPTY (tests): the caller knows no period is approved, e.g. an empty test database.
    """
    version = uuid.uuid4().hex
    try:
        cache.set(VERSION_KEY, version, None)
    except Exception:  # Redis down: the other processes read from the database meanwhile
        log.warning("cache unavailable: other processes see the change when it is back")
    with _lock:
        if known_empty:
            _state.update(version=version, checked=time.monotonic(), rows={})
        else:
            _state.update(version=None, checked=0.0, rows={})


def place_of(staff, day: datetime.date | None = None) -> Place:
    """Return the place STAFF works at on DAY (default today, Stockholm)."""
    own = _own(staff)
    staff_id = getattr(staff, "pk", None)
    if staff_id is None:
        return own
    periods = _periods().get(staff_id)
    if not periods:
        return own
    if day is None:
        from django.utils import timezone

        day = timezone.localdate()
    for starts_on, ends_on, zone, country, subdivision, city, follow, pk in periods:
        if starts_on <= day <= ends_on:
            if follow:
                return Place(zone, country, subdivision, city, pk)
            return dataclasses.replace(own, time_zone=zone, period_id=pk)
    return own


def zone_name_of(staff, day: datetime.date | None = None) -> str:
    return place_of(staff, day).time_zone
