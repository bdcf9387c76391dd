"""The virtual clinic's monthly on-duty rota: the database turned into `rota_engine` inputs.

Cover is 24/7 in three shifts on Stockholm's clock (07-15, 15-23, 23-07 the next morning; on the
nights the clocks change the night shift lasts 7 or 9 real hours). Who can take a shift: the
virtual clinic's active physicians. A shift is out of reach while they are away (`Absence`) or
without a valid licence (`licences.licence_valid`); hours they cannot or prefer to work
(`HourPreference`, in the zone they work in that day, see `location.place_of`) and their weekly
maximum (`Preference`) shape the rest. Shifts that have begun are kept as they are; one in
progress that nobody holds is staffed like the coming ones.
"""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.utils import timezone

from digifys.core.time import STOCKHOLM
from digifys.directory.models import Organisation, StaffProfile
from digifys.scheduling.models import Absence

from . import licences, rota_engine
from .location import place_of
from .models import HourPreference, Preference, Shift

SHIFT_TIMES = (datetime.time(7), datetime.time(15), datetime.time(23))
DEFAULT_MAX_HOURS = 40
UTC = datetime.UTC


def first_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def days_of(month: datetime.date) -> list[datetime.date]:
    day, end, days = month, next_month(month), []
    while day < end:
        days.append(day)
        day += datetime.timedelta(days=1)
    return days


def shift_intervals(month: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The month's shifts as (start, end) UTC instants, in order."""
    out = []
    for day in days_of(month):
        starts = [datetime.datetime.combine(day, t, tzinfo=STOCKHOLM) for t in SHIFT_TIMES]
        ends = [
            *starts[1:],
            datetime.datetime.combine(day + datetime.timedelta(days=1), SHIFT_TIMES[0], STOCKHOLM),
        ]
        out.extend(
            (s.astimezone(UTC), e.astimezone(UTC)) for s, e in zip(starts, ends, strict=True)
        )
    return out


def rota_clinicians():
    """Who the rota is built from: the virtual clinic's active physicians."""
    return (
        StaffProfile.objects.filter(
            profession=StaffProfile.Profession.PHYSICIAN,
            user__is_active=True,
            employer__kind=Organisation.Kind.VIRTUAL_CLINIC,
        )
        .select_related("user")
        .order_by("pk")
    )


def _hours_touch(windows, start_local: datetime.datetime, end_local: datetime.datetime) -> bool:
    """Does [START_LOCAL, END_LOCAL) share an hour with one of WINDOWS (weekday, from, until)?"""
    moment = start_local
    while moment < end_local:
        for weekday, starts, ends in windows:
            if moment.weekday() != weekday:
                continue
            clock = moment.time()
            if starts <= clock and (ends == datetime.time(0) or clock < ends):
                return True
        moment += datetime.timedelta(minutes=30)
    return False


def _hours_within(windows, start_local: datetime.datetime, end_local: datetime.datetime) -> bool:
    moment = start_local
    while moment < end_local:
        if not _hours_touch(windows, moment, moment + datetime.timedelta(minutes=1)):
            return False
        moment += datetime.timedelta(minutes=30)
    return True


def engine_inputs(month: datetime.date, *, required: int = 1, now=None):
    """Return (slots, people, intervals, staff_by_id, fixed) for MONTH.

    FIXED: {slot id: [staff ids]} of shifts that have begun (kept, not re-solved).
    """
    now = now or timezone.now()
    intervals = shift_intervals(month)
    origin = intervals[0][0]
    slots = []
    for index, (start, end) in enumerate(intervals):
        local = start.astimezone(STOCKHOLM)
        week = local.isocalendar()
        slots.append(
            rota_engine.Slot(
                id=index,
                start=int((start - origin).total_seconds() // 60),
                end=int((end - origin).total_seconds() // 60),
                week=week.year * 100 + week.week,
                required=required,
            )
        )
    staff = list(rota_clinicians())
    first, last = month - datetime.timedelta(days=1), next_month(month)
    absences = defaultdict(list)
    for absence in Absence.objects.filter(staff__in=staff, starts_on__lte=last, ends_on__gte=first):
        absences[absence.staff_id].append(absence)
    hours = defaultdict(lambda: {"prefer": [], "cannot": []})
    for pref in HourPreference.objects.filter(staff__in=staff):
        hours[pref.staff_id][pref.kind].append((pref.weekday, pref.starts, pref.ends))
    maxima = dict(
        Preference.objects.filter(staff__in=staff).values_list(
            "staff_id", "max_on_duty_hours_per_week"
        )
    )
    people = []
    for person in staff:
        away, cannot, prefer = set(), set(), set()
        licensed = {}
        for slot, (start, end) in zip(slots, intervals, strict=True):
            zone = ZoneInfo(place_of(person, start.date()).time_zone)
            local_start, local_end = start.astimezone(zone), end.astimezone(zone)
            day, last_day = local_start.date(), (local_end - datetime.timedelta(minutes=1)).date()
            if any(a.starts_on <= last_day and a.ends_on >= day for a in absences[person.pk]):
                away.add(slot.id)
                continue
            if day not in licensed:
                licensed[day] = licences.licence_valid(person, on=day)
            if not licensed[day]:
                away.add(slot.id)
                continue
            if _hours_touch(hours[person.pk]["cannot"], local_start, local_end):
                cannot.add(slot.id)
            elif hours[person.pk]["prefer"] and _hours_within(
                hours[person.pk]["prefer"], local_start, local_end
            ):
                prefer.add(slot.id)
        people.append(
            rota_engine.Person(
                id=person.pk,
                max_week_minutes=maxima.get(person.pk, DEFAULT_MAX_HOURS) * 60,
                away=frozenset(away),
                cannot=frozenset(cannot),
                prefer=frozenset(prefer),
            )
        )
    fixed = {}
    held_before = defaultdict(list)
    for shift in Shift.objects.filter(rota__month=month, starts_at__lte=now, staff__isnull=False):
        for slot, (start, _end) in zip(slots, intervals, strict=True):
            if start == shift.starts_at:
                fixed.setdefault(slot.id, []).append(shift.staff_id)
                held_before[shift.staff_id].append(slot)
    if fixed or now > intervals[0][0]:
        # Begun shifts are not re-solved; what they imply for rest and weekly hours stays.
        # A shift in progress that nobody holds yet is still staffed (from now on).
        future = [
            s
            for s, (_start, end) in zip(slots, intervals, strict=True)
            if end > now and s.id not in fixed
        ]
        blocked = defaultdict(set)
        for pid, held in held_before.items():
            for a, b in rota_engine.conflicts(held + future):
                if a in {h.id for h in held} and b not in {h.id for h in held}:
                    blocked[pid].add(b)
        for person in people:
            person.away = frozenset(person.away | blocked[person.id])
            spent = defaultdict(int)
            for slot in held_before[person.id]:
                spent[slot.week] += slot.minutes
            if spent:
                # The weekly maximum left after begun shifts: at worst nothing in that week.
                person.max_week_minutes = max(0, person.max_week_minutes - max(spent.values()))
        slots = future
    return slots, people, intervals, {s.pk: s for s in staff}, fixed
