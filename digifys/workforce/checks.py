"""The rules a shift swap must keep: cover, at least 11 hours of daily rest, licences.

`check_swap` returns None when the swap may go ahead, else a `Reason` (a code and parameters)
that `reasons.render_reason` turns into words in the reader's language. Parameters are values
(names, ISO instants, numbers), never translated text (see `core.codes`).
"""

import datetime
import itertools

from django.utils import timezone

from digifys.scheduling.models import Absence

from . import licences
from .models import Shift
from .reasons import Reason

MIN_REST = datetime.timedelta(hours=11)
NEIGHBOURS = datetime.timedelta(days=2)


def rest_problem(staff, shifts: list) -> Reason | None:
    """The first pair of STAFF's SHIFTS (any order) closer than 11 hours, as a Reason."""
    ordered = sorted(shifts, key=lambda s: s.starts_at)
    for before, after in itertools.pairwise(ordered):
        gap = after.starts_at - before.ends_at
        params = {
            "name": staff.name,
            "end": before.ends_at.isoformat(),
            "start": after.starts_at.isoformat(),
        }
        if gap < datetime.timedelta(0):
            return Reason("overlap", params)
        if gap < MIN_REST:
            hours = round(gap.total_seconds() / 3600, 1)
            return Reason("rest", {**params, "hours": int(hours) if hours.is_integer() else hours})
    return None


def _takes(staff, shift) -> Reason | None:
    """Can STAFF take SHIFT as far as absences and licences go?"""
    from .location import place_of

    zone = place_of(staff, shift.starts_at.date()).time_zone
    day = timezone.localtime(shift.starts_at, timezone=_zone(zone)).date()
    last = timezone.localtime(shift.ends_at - datetime.timedelta(minutes=1), _zone(zone)).date()
    params = {"name": staff.name, "day": day.isoformat(), "start": shift.starts_at.isoformat()}
    if Absence.objects.filter(staff=staff, starts_on__lte=last, ends_on__gte=day).exists():
        return Reason("absent", params)
    if not licences.licence_valid(staff, on=day):
        return Reason("licence", params)
    return None


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def check_swap(*, proposer, counterpart, shift, counter_shift=None, now=None) -> Reason | None:
    """Would the swap keep cover, daily rest and licences? None if so, else the first reason."""
    now = now or timezone.now()
    if proposer.pk == counterpart.pk:
        return Reason("same_person", {})
    moves = [(shift, proposer, counterpart)]
    if counter_shift is not None:
        moves.append((counter_shift, counterpart, proposer))
    for moved, holder, _taker in moves:
        if moved.staff_id != holder.pk:
            return Reason("not_yours", {"name": holder.name, "start": moved.starts_at.isoformat()})
        if moved.starts_at <= now:
            return Reason("started", {"start": moved.starts_at.isoformat()})
    for moved, _holder, taker in moves:
        problem = _takes(taker, moved)
        if problem:
            return problem
    # The rota around the swap, as it would be afterwards.
    moved_ids = {m.pk for m, _h, _t in moves}
    for person in (proposer, counterpart):
        gained = [m for m, _h, t in moves if t.pk == person.pk]
        window_start = min(m.starts_at for m, _h, _t in moves) - NEIGHBOURS
        window_end = max(m.ends_at for m, _h, _t in moves) + NEIGHBOURS
        kept = list(
            Shift.objects.filter(
                staff=person, starts_at__lt=window_end, ends_at__gt=window_start
            ).exclude(pk__in=moved_ids)
        )
        problem = rest_problem(person, kept + gained)
        if problem:
            return problem
    return None
