"""Reads of the workforce app: preferences for the planner, the month's rota, gaps, swaps."""

import dataclasses
import datetime
import statistics
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from digifys.core.time import STOCKHOLM
from digifys.scheduling.models import Absence

from . import licences, rota
from .location import place_of
from .models import HourPreference, Preference, RotaMonth, Shift, SwapRequest, WorkElsewhere


@dataclasses.dataclass(frozen=True)
class PlannerPreferences:
    """What the week planner may read about one clinician (all times in the clinician's zone)."""

    staff_id: int
    max_on_duty_hours_per_week: int | None
    preferred_unit_ids: frozenset
    prefer: tuple  # (weekday, from, until)
    cannot: tuple

    def cannot_work(self, local: datetime.datetime) -> bool:
        """True when LOCAL (wall-clock time in their zone) is in hours they cannot work."""
        clock = local.time()
        return any(
            weekday == local.weekday()
            and starts <= clock
            and (ends == datetime.time(0) or clock < ends)
            for weekday, starts, ends in self.cannot
        )


def planner_preferences(staff_ids) -> dict[int, PlannerPreferences]:
    """Preferences of STAFF_IDS for the week planner (digifys/scheduling/planner): three queries.

    The planner should leave out "cannot" hours from a clinician's free windows and may rank a
    clinician higher for items of their preferred units.
    """
    staff_ids = list(staff_ids)
    maxima, units = {}, defaultdict(set)
    for pref in Preference.objects.filter(staff_id__in=staff_ids).prefetch_related(
        "preferred_units"
    ):
        maxima[pref.staff_id] = pref.max_on_duty_hours_per_week
        units[pref.staff_id] = {u.pk for u in pref.preferred_units.all()}
    hours = defaultdict(lambda: {"prefer": [], "cannot": []})
    for row in HourPreference.objects.filter(staff_id__in=staff_ids):
        hours[row.staff_id][row.kind].append((row.weekday, row.starts, row.ends))
    return {
        pk: PlannerPreferences(
            staff_id=pk,
            max_on_duty_hours_per_week=maxima.get(pk),
            preferred_unit_ids=frozenset(units[pk]),
            prefer=tuple(hours[pk]["prefer"]),
            cannot=tuple(hours[pk]["cannot"]),
        )
        for pk in staff_ids
    }


def own_units(staff):
    """Units a clinician can prefer: assigned units, units of their panel, those already chosen;
    every active unit when they have none."""
    from digifys.careteams.models import PhysicianAssignment
    from digifys.directory.models import Organisation

    ids = set(staff.units.values_list("pk", flat=True))
    ids |= set(
        PhysicianAssignment.objects.filter(physician=staff, ended_at__isnull=True).values_list(
            "resident__unit_id", flat=True
        )
    )
    ids |= set(Preference.objects.filter(staff=staff).values_list("preferred_units__pk", flat=True))
    ids.discard(None)
    units = Organisation.objects.units().active().select_related("parent")
    return (units.filter(pk__in=ids) if ids else units).order_by("parent__name", "name")


def calendar_shifts(staff, since: datetime.datetime):
    """STAFF's on-duty shifts ending after SINCE (the iCalendar feed and the calendar)."""
    return (
        Shift.objects.filter(staff=staff, ends_at__gte=since)
        .select_related("rota")
        .order_by("starts_at")[:500]
    )


# --- the month's rota -----------------------------------------------------------------------------


@dataclasses.dataclass
class Cell:
    shifts: list
    problem: str  # "" when covered
    past: bool


def _problems(shifts: list[Shift]) -> dict[int, str]:
    """{shift pk: why nobody will really be on duty} for staffed shifts whose holder is away or
    has no valid licence that day; unstaffed shifts are marked by the page itself."""
    staffed = [s for s in shifts if s.staff_id]
    if not staffed:
        return {}
    first = min(s.starts_at for s in staffed).date() - datetime.timedelta(days=1)
    last = max(s.ends_at for s in staffed).date() + datetime.timedelta(days=1)
    away = defaultdict(list)
    for absence in Absence.objects.filter(
        staff_id__in={s.staff_id for s in staffed}, starts_on__lte=last, ends_on__gte=first
    ):
        away[absence.staff_id].append(absence)
    out = {}
    licensed = {}
    for shift in staffed:
        zone = ZoneInfo(place_of(shift.staff, shift.starts_at.date()).time_zone)
        day = shift.starts_at.astimezone(zone).date()
        for absence in away[shift.staff_id]:
            if absence.starts_on <= day <= absence.ends_on:
                out[shift.pk] = ("away", shift.staff.name, absence.get_kind_display())
                break
        else:
            key = (shift.staff_id, day)
            if key not in licensed:
                licensed[key] = licences.licence_valid(shift.staff, on=day)
            if not licensed[key]:
                out[shift.pk] = ("licence", shift.staff.name, "")
    return out


def month_rota(month: datetime.date, *, now=None) -> dict:
    """The month's rota as rows of days × shifts, its gaps and the fairness of the load."""
    now = now or timezone.now()
    rota_month = RotaMonth.objects.filter(month=month).select_related("built_by").first()
    shifts = (
        list(rota_month.shifts.select_related("staff__user").order_by("starts_at", "pk"))
        if rota_month
        else []
    )
    problems = _problems(shifts)
    by_start = defaultdict(list)
    for shift in shifts:
        by_start[shift.starts_at].append(shift)
    rows = []
    gaps = 0
    future_gaps = 0
    intervals = rota.shift_intervals(month)
    for index in range(0, len(intervals), 3):
        day = intervals[index][0].astimezone(STOCKHOLM).date()
        cells = []
        for start, end in intervals[index : index + 3]:
            held = by_start.get(start, [])
            reasons = [problems[s.pk] for s in held if s.pk in problems]
            unstaffed = [s for s in held if not s.staff_id]
            missing = (rota_month.required if rota_month else 1) - len(
                [s for s in held if s.staff_id and s.pk not in problems]
            )
            problem = ""
            # Gaps count from now on ("before they happen"); a past cell was either worked or
            # lies before the rota was built.
            if rota_month and missing > 0 and end > now:
                problem = "gap"
                gaps += 1
                future_gaps += start > now
            cells.append(
                {
                    "start": start,
                    "end": end,
                    "shifts": [s for s in held if s.staff_id],
                    "unstaffed": len(unstaffed),
                    "reasons": reasons,
                    "problem": problem,
                    "past": end <= now,
                }
            )
        rows.append({"day": day, "cells": cells})
    hours = defaultdict(float)
    for shift in shifts:
        if shift.staff_id:
            hours[shift.staff] += shift.hours
    for person in rota.rota_clinicians():
        hours.setdefault(person, 0.0)
    load = sorted(hours.items(), key=lambda item: (-item[1], item[0].name))
    values = [h for _p, h in load]
    spread = {
        "max_minus_min": round(max(values) - min(values), 1) if values else 0.0,
        "stdev": round(statistics.pstdev(values), 1) if values else 0.0,
        "mean": round(statistics.fmean(values), 1) if values else 0.0,
    }
    return {
        "rota": rota_month,
        "rows": rows,
        "gaps": gaps,
        "future_gaps": future_gaps,
        "load": load,
        "spread": spread,
        "covered": bool(rota_month) and gaps == 0,
    }


def upcoming_shifts(staff, *, now=None):
    now = now or timezone.now()
    return list(Shift.objects.filter(staff=staff, starts_at__gt=now).order_by("starts_at")[:200])


SWAP_HORIZON_DAYS = 70


def swappable_shifts(staff, *, now=None):
    """Colleagues' upcoming shifts STAFF could take in return (held, not yet begun)."""
    now = now or timezone.now()
    # Not sliced: the form validates a choice by filtering this queryset.
    return (
        Shift.objects.filter(
            starts_at__gt=now,
            starts_at__lt=now + datetime.timedelta(days=SWAP_HORIZON_DAYS),
            staff__isnull=False,
        )
        .exclude(staff=staff)
        .select_related("staff__user")
        .order_by("starts_at")
    )


def swaps_of(staff):
    return (
        SwapRequest.objects.filter(Q(proposer=staff) | Q(counterpart=staff))
        .select_related("proposer__user", "counterpart__user", "shift", "counter_shift")
        .order_by("-created_at")[:100]
    )


def swaps_waiting_for_coordinator():
    return (
        SwapRequest.objects.filter(status=SwapRequest.Status.ACCEPTED)
        .select_related("proposer__user", "counterpart__user", "shift", "counter_shift")
        .order_by("shift__starts_at")
    )


def elsewhere_of(staff):
    return WorkElsewhere.objects.filter(staff=staff).select_related("branch", "decided_by")


def elsewhere_requests():
    return WorkElsewhere.objects.select_related("staff__user", "branch", "decided_by").order_by(
        "status", "starts_on"
    )


@dataclasses.dataclass(frozen=True)
class DutyAt:
    """The dated rota at one instant, for consult routing (issue 15 §3: the rota, not the
    weekly on-duty pattern, says who is on duty)."""

    has_rota: bool  # a rota shift starts on the instant's (Stockholm) day or holds the instant
    day: datetime.date  # that day
    shifts: tuple  # the staffed shifts that hold the instant (swaps approved are in)

    def shift_of(self, staff_id: int) -> Shift | None:
        return next((s for s in self.shifts if s.staff_id == staff_id), None)


def duty_at(at: datetime.datetime) -> DutyAt:
    """Who the dated rota puts on duty at instant AT, and whether the rota covers AT.

    The rota covers AT when one of its shifts starts on AT's (Stockholm) day or holds AT (the
    last night of a built month runs into the next month's first morning; the rest of that
    morning has no rota). A shift swap approved by the coordinator has already moved the shift
    (`Shift.staff`), so the answer includes it; a covered instant whose shifts all lack a holder
    is a gap in the rota (has_rota is still True: nobody is on duty, the weekly pattern does not
    step in).
    """
    day = at.astimezone(STOCKHOLM).date()
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=STOCKHOLM)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(0), tzinfo=STOCKHOLM
    )
    holding = Shift.objects.filter(starts_at__lte=at, ends_at__gt=at)
    has_rota = Shift.objects.filter(
        Q(starts_at__lte=at, ends_at__gt=at) | Q(starts_at__gte=start, starts_at__lt=end)
    ).exists()
    shifts = ()
    if has_rota:
        shifts = tuple(
            holding.filter(staff__isnull=False)
            .select_related("staff__user")
            .order_by("starts_at", "pk")
        )
    return DutyAt(has_rota=has_rota, day=day, shifts=shifts)
