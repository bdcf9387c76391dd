"""The rules a shift swap must keep: cover, at least 11 hours of daily rest, licences.

`check_swap` returns None when the swap may go ahead, else a `Reason` (a code and parameters)
that `render_reason` turns into words in the reader's language. Parameters are values (names,
ISO instants, numbers), never translated text (see `core.codes`).
"""

import dataclasses
import datetime
import itertools

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from digifys.core.codes import Phrase, render
from digifys.core.time import STOCKHOLM
from digifys.scheduling.models import Absence

from . import licences
from .models import Shift

MIN_REST = datetime.timedelta(hours=11)
NEIGHBOURS = datetime.timedelta(days=2)


def _when(value) -> str:
    instant = parse_datetime(value) if isinstance(value, str) else value
    if instant is None:
        return str(value)
    return formats.date_format(instant.astimezone(STOCKHOLM), "DATETIME_FORMAT")


def _number(value) -> str:
    return formats.localize(value)


REASONS = {
    "not_yours": Phrase(
        gettext_noop("%(name)s does not hold the shift starting %(start)s."),
        formats={"start": _when},
    ),
    "started": Phrase(
        gettext_noop("The shift starting %(start)s has already begun; it cannot be swapped."),
        formats={"start": _when},
    ),
    "same_person": Phrase(gettext_noop("A swap needs two different clinicians.")),
    "absent": Phrase(
        gettext_noop(
            "Cover would break: %(name)s is registered as away on %(day)s and cannot take the "
            "shift starting %(start)s."
        ),
        formats={"start": _when},
    ),
    "licence": Phrase(
        gettext_noop(
            "%(name)s has no valid licence on %(day)s and may not take the shift starting "
            "%(start)s."
        ),
        formats={"start": _when},
    ),
    "rest": Phrase(
        gettext_noop(
            "Daily rest would break: %(name)s would have only %(hours)s hours between the shift "
            "ending %(end)s and the one starting %(start)s; at least 11 hours are required."
        ),
        formats={"end": _when, "start": _when, "hours": _number},
    ),
    "overlap": Phrase(
        gettext_noop(
            "%(name)s would hold two shifts at once: the one ending %(end)s and the one "
            "starting %(start)s."
        ),
        formats={"end": _when, "start": _when},
    ),
}


@dataclasses.dataclass(frozen=True)
class Reason:
    code: str
    params: dict

    @property
    def text(self) -> str:
        return render_reason(self.code, self.params)


def render_reason(code: str, params: dict | None) -> str:
    if not code:
        return ""
    return render(REASONS, code, params or {}, "")


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
