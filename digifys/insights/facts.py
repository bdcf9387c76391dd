"""The daily fact tables (issue #16 §3): one row per unit × day × measure (× dimension).

`refresh_facts(start, end, units=None)` rebuilds the rows of the days that changed since the last
run (the watermark, `FactWatermark`), or of every day in the range with `full=True`: for each
run of consecutive days it reads every source once and, in one transaction, replaces the rows
of each unit-day whose rows came out different from the stored ones (a full build replaces
them all); then the rollups of the units and months whose rows changed (`rollups.py`): the
nightly increment recomputes the look-back's days but rewrites, and rolls up again, only what
changed; then the figures page's default views of those rollups (`precomputed.py`). Running it
twice gives the same rows (idempotent). The dashboards read only `DailyFact` and
the rollups built from it (`figures.py`).

Days are Stockholm calendar days; a row belongs to the unit its source record names (the
`unit` of the contact, consult, observation, task, review, message, booking or transfer; for
resident-days the resident's unit now).

Measures (numerator / denominator; `samples` in minutes unless said otherwise):

- `contacts`: physician contacts (`careteams.CareContact`); samples: [resident, clinician,
  named (1 when the clinician was the resident's named physician then)] in chronological order,
  from which `figures` computes the continuity indices and a physician's own figures.
- `named_contacts`: contacts with the resident's named physician at the time / contacts.
- `locum_contacts`: contacts with a locum / contacts.
- `contacts_by_channel` (dimension video, chat (consult answer), on_site (physical visit),
  round (ward round), phone): contacts through the channel (divide by `contacts`).
- `contacts_by_country` (dimension ISO country): contacts by a physician working that day in
  the country (`workforce.location.place_of`; divide by `contacts`).
- `physician_hours`: booked hours of locum physicians / booked physician hours
  (`scheduling.Booking`, not cancelled, by the day it starts).
- `hours_by_country` (dimension country): booked physician hours from the country (divide by
  the denominator of `physician_hours`).
- `consult_response` (dimension urgency): consults answered within the deadline of their
  urgency (`settings.CONSULT_DEADLINE_MINUTES` from when the consult was sent, not the later
  deadlines of escalations) / consults sent that day; samples: response times of those answered.
- `escalations` (dimension `escalated` — to the next physician — or `escalated_nobody` — nobody
  else on duty): escalation events that day.
- `relative_messages`: relatives' messages answered by their answer deadline / messages sent
  that day; samples: answer times.
- `news2_events` (dimension `5` for NEWS2 ≥ 5, `7` for ≥ 7; a 7 is in both): sets of vital signs
  reviewed by a physician (a `CareContact` with the resident) within `REVIEW_HOURS` / sets;
  samples: time to that review.
- `tasks_on_time`: nurse tasks completed by their due time plus
  `settings.TASK_OVERDUE_GRACE_MINUTES` / tasks due that day (not cancelled).
- `medication_reviews_on_time`: reviews made by their due date / reviews made that day. Due:
  12 months after the resident's previous review (`medicationreviews.engine.twelve_months_after`),
  or `engine.MOVE_IN_DAYS` after moving in for the first; a first review without a known move-in
  date is not counted on time. (The engine's earlier dates for drug-related problems are not
  applied here.)
- `transfers` (dimension `admission` or `emergency`): hospital transfers and emergency visits.
- `transfers_consult_first`: transfers preceded by a digital consult / transfers.
- `transfers_avoidable`: transfers judged avoidable / transfers judged.
- `resident_days`: residents living on the unit that day (from moving in to moving out or death).

What "changed since the last run" means (`dirty_days`): every day from `LOOKBACK_DAYS` before the
watermark to today, plus the days of consults changed since (`updated_at`), messages sent or
answered since, tasks completed since, orders cancelled since, observations recorded since
(`recorded_at`, so sets entered afterwards are found), medication reviews documented since
(and the later reviews of those residents, whose due dates follow), bookings made or cancelled
since, transfers changed since, and residents registered since (from their move-in day). A care
contact has no time of entry: contacts entered more than `LOOKBACK_DAYS` after they happened are
picked up by `refresh_insights --full` (or `--since`).
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from digifys.careteams.models import CareContact, PhysicianAssignment
from digifys.consults.models import Consult, ConsultMessage
from digifys.core.time import STOCKHOLM, STOCKHOLM_NAME
from digifys.directory.models import StaffProfile
from digifys.medicationreviews.engine import MOVE_IN_DAYS, twelve_months_after
from digifys.medicationreviews.models import MedicationReview
from digifys.messaging.models import Message
from digifys.orders.models import NurseTask, Order
from digifys.residents.models import Resident
from digifys.scheduling.models import Booking
from digifys.vitals.models import Observation
from digifys.workforce.location import place_of

from .bulk import insert_rows
from .measures import (  # noqa: F401 (re-exported: facts.CONTACTS …)
    CONSULT_RESPONSE,
    CONTACTS,
    CONTACTS_BY_CHANNEL,
    CONTACTS_BY_COUNTRY,
    ESCALATIONS,
    HOURS_BY_COUNTRY,
    LOCUM_CONTACTS,
    MEASURES,
    MEDICATION_REVIEWS_ON_TIME,
    NAMED_CONTACTS,
    NEWS2_EVENTS,
    ONE_DAY,
    PHYSICIAN_HOURS,
    RELATIVE_MESSAGES,
    RESIDENT_DAYS,
    TASKS_ON_TIME,
    TRANSFERS,
    TRANSFERS_AVOIDABLE,
    TRANSFERS_CONSULT_FIRST,
)
from .models import DailyFact, FactWatermark, HospitalTransfer

CHANNEL_OF_KIND = {
    CareContact.Kind.VIDEO: "video",
    CareContact.Kind.CONSULT: "chat",
    CareContact.Kind.PHYSICAL: "on_site",
    CareContact.Kind.ROUND: "round",
    CareContact.Kind.PHONE: "phone",
}
ESCALATION_CODES = ("escalated", "escalated_nobody")
NEWS2_THRESHOLDS = (5, 7)
REVIEW_HOURS = 24
LOOKBACK_DAYS = 3
WATERMARK_KEY = "facts"
FACT_COLUMNS = (
    "unit_id",
    "day",
    "measure",
    "dimension",
    "numerator",
    "denominator",
    "residents",
    "resident_ids",
    "samples",
)


def local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(STOCKHOLM).date()


def day_start(day: datetime.date) -> datetime.datetime:
    """Stockholm midnight at the start of DAY (aware)."""
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=STOCKHOLM)


def _minutes(delta: datetime.timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


@dataclass
class _Cell:
    numerator: float = 0.0
    denominator: float = 0.0
    residents: set = field(default_factory=set)
    samples: list = field(default_factory=list)


class _Cells(defaultdict):
    def __init__(self):
        super().__init__(_Cell)

    def add(
        self, unit, day, measure, dimension="", *, num=0.0, den=0.0, resident=None, sample=None
    ):
        cell = self[(unit, day, measure, dimension)]
        cell.numerator += num
        cell.denominator += den
        if resident is not None:
            cell.residents.add(resident)
        if sample is not None:
            cell.samples.append(sample)


# --- the sources -------------------------------------------------------------------------------


def _filter_units(queryset, units, field_name="unit_id"):
    return queryset if units is None else queryset.filter(**{f"{field_name}__in": units})


def _named_intervals(resident_ids, start, end) -> dict[int, list[tuple]]:
    """Per resident: (started_at, ended_at, physician) of named-physician assignments in force."""
    rows = (
        PhysicianAssignment.objects.filter(
            resident_id__in=resident_ids,
            role=PhysicianAssignment.Role.NAMED,
            started_at__lt=end,
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
        .order_by("started_at", "pk")
        .values_list("resident_id", "started_at", "ended_at", "physician_id")
    )
    result: dict[int, list[tuple]] = defaultdict(list)
    for resident_id, started_at, ended_at, physician_id in rows:
        result[resident_id].append((started_at, ended_at, physician_id))
    return result


def named_at(intervals: list[tuple], moment: datetime.datetime) -> int | None:
    """The named physician as the assignments stood just before MOMENT (the latest wins)."""
    physician = None
    for started_at, ended_at, physician_id in intervals:
        if started_at < moment and (ended_at is None or ended_at >= moment):
            physician = physician_id
    return physician


class _Places:
    """The work country of each clinician per day (`workforce.location.place_of`), cached."""

    def __init__(self):
        self._staff: dict[int, SimpleNamespace] = {}
        self._cache: dict[tuple[int, datetime.date], str] = {}

    def load(self, ids: Iterable[int]) -> None:
        missing = set(ids) - set(self._staff)
        for pk, zone, country, subdivision, city in StaffProfile.objects.filter(
            pk__in=missing
        ).values_list("pk", "time_zone", "work_country", "work_subdivision", "work_city"):
            self._staff[pk] = SimpleNamespace(
                pk=pk,
                time_zone=zone,
                work_country=country,
                work_subdivision=subdivision,
                work_city=city,
            )

    def country(self, staff_id: int, day: datetime.date) -> str:
        key = (staff_id, day)
        if key not in self._cache:
            staff = self._staff.get(staff_id)
            self._cache[key] = place_of(staff, day).country if staff else "SE"
        return self._cache[key]


def _contacts(cells, start, end, units, places):
    rows = list(
        _filter_units(
            CareContact.objects.filter(occurred_at__gte=start, occurred_at__lt=end), units
        )
        .order_by("occurred_at", "pk")
        .values_list(
            "resident_id", "unit_id", "clinician_id", "clinician__is_locum", "kind", "occurred_at"
        )
    )
    named = _named_intervals({row[0] for row in rows}, start, end)
    places.load({row[2] for row in rows})
    for resident, unit, clinician, is_locum, kind, at in rows:
        day = local_day(at)
        is_named = named_at(named.get(resident, []), at) == clinician
        sample = [resident, clinician, int(is_named)]
        cells.add(unit, day, CONTACTS, num=1, den=1, resident=resident, sample=sample)
        cells.add(unit, day, NAMED_CONTACTS, num=int(is_named), den=1, resident=resident)
        cells.add(unit, day, LOCUM_CONTACTS, num=int(is_locum), den=1, resident=resident)
        channel = CHANNEL_OF_KIND.get(kind, kind)
        cells.add(unit, day, CONTACTS_BY_CHANNEL, channel, num=1, resident=resident)
        country = places.country(clinician, day)
        cells.add(unit, day, CONTACTS_BY_COUNTRY, country, num=1, resident=resident)


def _bookings(cells, start, end, units, places):
    rows = list(
        _filter_units(
            Booking.objects.filter(
                starts_at__gte=start,
                starts_at__lt=end,
                cancelled_at__isnull=True,
                clinician__profession=StaffProfile.Profession.PHYSICIAN,
            ),
            units,
        ).values_list(
            "unit_id", "resident_id", "clinician_id", "clinician__is_locum", "starts_at", "ends_at"
        )
    )
    places.load({row[2] for row in rows})
    for unit, resident, clinician, is_locum, starts_at, ends_at in rows:
        day = local_day(starts_at)
        hours = (ends_at - starts_at).total_seconds() / 3600
        cells.add(
            unit, day, PHYSICIAN_HOURS, num=hours if is_locum else 0, den=hours, resident=resident
        )
        country = places.country(clinician, day)
        cells.add(unit, day, HOURS_BY_COUNTRY, country, num=hours, resident=resident)


def _consults(cells, start, end, units):
    deadlines = settings.CONSULT_DEADLINE_MINUTES
    rows = _filter_units(
        Consult.objects.filter(created_at__gte=start, created_at__lt=end), units
    ).values_list("unit_id", "resident_id", "urgency", "created_at", "answered_at")
    for unit, resident, urgency, created_at, answered_at in rows:
        deadline = created_at + datetime.timedelta(minutes=deadlines.get(urgency, 0))
        within = answered_at is not None and answered_at <= deadline
        sample = _minutes(answered_at - created_at) if answered_at is not None else None
        cells.add(
            unit,
            local_day(created_at),
            CONSULT_RESPONSE,
            urgency,
            num=int(within),
            den=1,
            resident=resident,
            sample=sample,
        )
    events = _filter_units(
        ConsultMessage.objects.filter(
            code__in=ESCALATION_CODES, created_at__gte=start, created_at__lt=end
        ),
        units,
        "consult__unit_id",
    ).values_list("consult__unit_id", "consult__resident_id", "code", "created_at")
    for unit, resident, code, at in events:
        cells.add(unit, local_day(at), ESCALATIONS, code, num=1, resident=resident)


def _messages(cells, start, end, units):
    rows = _filter_units(
        Message.objects.filter(sent_at__gte=start, sent_at__lt=end), units
    ).values_list("unit_id", "resident_id", "sent_at", "deadline_at", "answered_at")
    for unit, resident, sent_at, deadline_at, answered_at in rows:
        within = answered_at is not None and answered_at <= deadline_at
        sample = _minutes(answered_at - sent_at) if answered_at is not None else None
        cells.add(
            unit,
            local_day(sent_at),
            RELATIVE_MESSAGES,
            num=int(within),
            den=1,
            resident=resident,
            sample=sample,
        )


def _news2(cells, start, end, units):
    rows = list(
        _filter_units(
            Observation.objects.filter(
                measured_at__gte=start, measured_at__lt=end, news2_total__gte=NEWS2_THRESHOLDS[0]
            ),
            units,
        )
        .order_by("measured_at", "pk")
        .values_list("unit_id", "resident_id", "measured_at", "news2_total")
    )
    if not rows:
        return
    window = datetime.timedelta(hours=REVIEW_HOURS)
    contacts: dict[int, list[datetime.datetime]] = defaultdict(list)
    for resident, at in (
        CareContact.objects.filter(
            resident_id__in={row[1] for row in rows},
            occurred_at__gte=start,
            occurred_at__lt=end + window,
        )
        .order_by("occurred_at")
        .values_list("resident_id", "occurred_at")
    ):
        contacts[resident].append(at)
    for unit, resident, measured_at, total in rows:
        review = next((at for at in contacts[resident] if at >= measured_at), None)
        reviewed = review is not None and review - measured_at <= window
        sample = _minutes(review - measured_at) if reviewed else None
        for threshold in NEWS2_THRESHOLDS:
            if total >= threshold:
                cells.add(
                    unit,
                    local_day(measured_at),
                    NEWS2_EVENTS,
                    str(threshold),
                    num=int(reviewed),
                    den=1,
                    resident=resident,
                    sample=sample,
                )


def _tasks(cells, start, end, units):
    grace = datetime.timedelta(minutes=settings.TASK_OVERDUE_GRACE_MINUTES)
    rows = (
        _filter_units(NurseTask.objects.filter(due_at__gte=start, due_at__lt=end), units)
        .exclude(status=NurseTask.Status.CANCELLED)
        .values_list("unit_id", "resident_id", "due_at", "completed_at")
    )
    for unit, resident, due_at, completed_at in rows:
        on_time = completed_at is not None and completed_at <= due_at + grace
        cells.add(
            unit, local_day(due_at), TASKS_ON_TIME, num=int(on_time), den=1, resident=resident
        )


def _reviews(cells, first_day, last_day, units):
    in_range = _filter_units(
        MedicationReview.objects.filter(performed_on__gte=first_day, performed_on__lte=last_day),
        units,
    )
    resident_ids = set(in_range.values_list("resident_id", flat=True))
    if not resident_ids:
        return
    moved_in = dict(Resident.objects.filter(pk__in=resident_ids).values_list("pk", "moved_in_on"))
    history = (
        MedicationReview.objects.filter(resident_id__in=resident_ids, performed_on__lte=last_day)
        .order_by("resident_id", "performed_on", "pk")
        .values_list("resident_id", "unit_id", "performed_on")
    )
    unit_set = None if units is None else set(units)
    for resident, reviews in itertools.groupby(history, key=lambda row: row[0]):
        previous = None
        for _r, unit, performed_on in reviews:
            if performed_on >= first_day and (unit_set is None or unit in unit_set):
                if previous is not None:
                    due = twelve_months_after(previous)
                elif moved_in.get(resident) is not None:
                    due = moved_in[resident] + datetime.timedelta(days=MOVE_IN_DAYS)
                else:
                    due = None
                on_time = due is not None and performed_on <= due
                cells.add(
                    unit,
                    performed_on,
                    MEDICATION_REVIEWS_ON_TIME,
                    num=int(on_time),
                    den=1,
                    resident=resident,
                )
            previous = performed_on


def _transfers(cells, start, end, units):
    rows = _filter_units(
        HospitalTransfer.objects.filter(occurred_at__gte=start, occurred_at__lt=end), units
    ).values_list("unit_id", "resident_id", "kind", "occurred_at", "consult_first", "avoidable")
    for unit, resident, kind, at, consult_first, avoidable in rows:
        day = local_day(at)
        cells.add(unit, day, TRANSFERS, kind, num=1, resident=resident)
        cells.add(
            unit, day, TRANSFERS_CONSULT_FIRST, num=int(consult_first), den=1, resident=resident
        )
        if avoidable is not None:
            cells.add(unit, day, TRANSFERS_AVOIDABLE, num=int(avoidable), den=1, resident=resident)


def _resident_intervals(first_day, last_day, units):
    """(unit, resident, first, last) of each resident's days on their unit within the range."""
    residents = _filter_units(Resident.objects.filter(unit__isnull=False), units).values_list(
        "pk", "unit_id", "moved_in_on", "created_at", "moved_out_on", "deceased_on"
    )
    for resident, unit, moved_in_on, created_at, moved_out_on, deceased_on in residents:
        arrived = moved_in_on or local_day(created_at)
        left = min((d for d in (moved_out_on, deceased_on) if d is not None), default=None)
        first = max(arrived, first_day)
        last = last_day if left is None else min(last_day, left - ONE_DAY)
        if first <= last:
            yield unit, resident, first, last


def _resident_days_python(first_day, last_day, units):
    """(unit, day, sorted resident ids) from the residents' intervals: one sweep per unit."""
    arrivals: dict[int, dict[datetime.date, list[int]]] = defaultdict(lambda: defaultdict(list))
    departures: dict[int, dict[datetime.date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for unit, resident, first, last in _resident_intervals(first_day, last_day, units):
        arrivals[unit][first].append(resident)
        departures[unit][last + ONE_DAY].append(resident)
    for unit, coming in arrivals.items():
        going = departures[unit]
        present: set[int] = set()
        day = min(coming)
        last = max(going) - ONE_DAY
        while day <= last:
            present.update(coming.get(day, ()))
            present.difference_update(going.get(day, ()))
            if present:
                yield unit, day, sorted(present)
            day += ONE_DAY


_RESIDENT_DAYS_SQL = """
SELECT r.{unit}, d.day::date, array_agg(r.{pk} ORDER BY r.{pk})
FROM {table} r
CROSS JOIN LATERAL generate_series(
    GREATEST(COALESCE(r.{moved_in}, (r.{created} AT TIME ZONE %(zone)s)::date), %(first)s::date),
    LEAST(%(last)s::date, LEAST(r.{moved_out}, r.{deceased}) - 1),
    interval '1 day'
) AS d(day)
WHERE r.{unit} IS NOT NULL {only_units}
GROUP BY r.{unit}, d.day
"""


def _resident_days_postgresql(first_day, last_day, units):
    """The same rows as `_resident_days_python`, set-based in PostgreSQL (generate_series)."""
    column = {f.name: connection.ops.quote_name(f.column) for f in Resident._meta.concrete_fields}
    sql = _RESIDENT_DAYS_SQL.format(
        table=connection.ops.quote_name(Resident._meta.db_table),
        unit=column["unit"],
        pk=column["id"],
        moved_in=column["moved_in_on"],
        created=column["created_at"],
        moved_out=column["moved_out_on"],
        deceased=column["deceased_on"],
        only_units="" if units is None else f"AND r.{column['unit']} = ANY(%(units)s)",
    )
    params = {"zone": STOCKHOLM_NAME, "first": first_day, "last": last_day, "units": units}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor.fetchall()


def _resident_days(cells, first_day, last_day, units):
    """Residents living on each unit each day, from their move-in/move-out intervals."""
    if connection.vendor == "postgresql":
        rows = _resident_days_postgresql(first_day, last_day, units)
    else:
        rows = _resident_days_python(first_day, last_day, units)
    for unit, day, ids in rows:
        cell = cells[(unit, day, RESIDENT_DAYS, "")]
        cell.numerator += len(ids)
        cell.residents.update(ids)


def compute(first_day: datetime.date, last_day: datetime.date, units=None) -> _Cells:
    """Every fact of the days FIRST_DAY..LAST_DAY (inclusive) for UNITS (None: all)."""
    cells = _Cells()
    start, end = day_start(first_day), day_start(last_day + ONE_DAY)
    places = _Places()
    _contacts(cells, start, end, units, places)
    _bookings(cells, start, end, units, places)
    _consults(cells, start, end, units)
    _messages(cells, start, end, units)
    _news2(cells, start, end, units)
    _tasks(cells, start, end, units)
    _reviews(cells, first_day, last_day, units)
    _transfers(cells, start, end, units)
    _resident_days(cells, first_day, last_day, units)
    return cells


# --- which days, and the write -------------------------------------------------------------------


def _days_of(moments: Iterable[datetime.datetime]) -> set[datetime.date]:
    return {local_day(moment) for moment in moments if moment is not None}


def dirty_days(since: datetime.datetime, today: datetime.date) -> set[datetime.date]:
    """The days whose facts may have changed since SINCE (see the module docstring)."""
    days: set[datetime.date] = set()
    day = local_day(since) - datetime.timedelta(days=LOOKBACK_DAYS)
    while day <= today:
        days.add(day)
        day += ONE_DAY
    days |= _days_of(
        Consult.objects.filter(updated_at__gte=since).values_list("created_at", flat=True)
    )
    days |= _days_of(
        Message.objects.filter(Q(sent_at__gte=since) | Q(answered_at__gte=since)).values_list(
            "sent_at", flat=True
        )
    )
    days |= _days_of(
        NurseTask.objects.filter(
            Q(completed_at__gte=since) | Q(order__in=Order.objects.filter(cancelled_at__gte=since))
        ).values_list("due_at", flat=True)
    )
    days |= _days_of(
        Observation.objects.filter(recorded_at__gte=since).values_list("measured_at", flat=True)
    )
    days |= _days_of(
        Booking.objects.filter(Q(created_at__gte=since) | Q(cancelled_at__gte=since)).values_list(
            "starts_at", flat=True
        )
    )
    days |= _days_of(
        HospitalTransfer.objects.filter(updated_at__gte=since).values_list("occurred_at", flat=True)
    )
    new_reviews = (
        MedicationReview.objects.filter(created_at__gte=since)
        .values("resident_id")
        .annotate(first=Min("performed_on"))
        .values_list("resident_id", "first")
    )
    for resident, first in new_reviews:
        days |= set(
            MedicationReview.objects.filter(
                resident_id=resident, performed_on__gte=first
            ).values_list("performed_on", flat=True)
        )
    for moved_in_on, created_at in Resident.objects.filter(created_at__gte=since).values_list(
        "moved_in_on", "created_at"
    ):
        day = moved_in_on or local_day(created_at)
        while day <= today:
            days.add(day)
            day += ONE_DAY
    return {day for day in days if day <= today}


def _runs(days: Iterable[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive days as (first, last) pairs."""
    runs: list[list[datetime.date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + ONE_DAY == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def earliest_day() -> datetime.date | None:
    """The first day with a recorded event (the start of a full build).

    Move-in dates do not count: a resident may have lived on the unit for years before the
    region recorded anything here, and resident-days before the first event would only dilute
    the rates per resident-day (transfers per 1,000 resident-days of a time with no record of
    transfers) and make a full build cost years of empty days. `refresh_insights --since`
    builds an earlier start when wanted."""
    candidates = [
        CareContact.objects.aggregate(m=Min("occurred_at"))["m"],
        Consult.objects.aggregate(m=Min("created_at"))["m"],
        Observation.objects.aggregate(m=Min("measured_at"))["m"],
        Booking.objects.aggregate(m=Min("starts_at"))["m"],
        Message.objects.aggregate(m=Min("sent_at"))["m"],
        NurseTask.objects.aggregate(m=Min("due_at"))["m"],
        HospitalTransfer.objects.aggregate(m=Min("occurred_at"))["m"],
    ]
    days = [local_day(moment) for moment in candidates if moment is not None]
    reviewed = MedicationReview.objects.aggregate(m=Min("performed_on"))["m"]
    if reviewed is not None:
        days.append(reviewed)
    return min(days) if days else None


def _stored_groups(first_day, last_day, units) -> tuple[dict, dict]:
    """The stored rows of the days, per (unit, day): {(measure, dimension): values} and pks."""
    rows = DailyFact.objects.filter(day__gte=first_day, day__lte=last_day)
    if units is not None:
        rows = rows.filter(unit_id__in=units)
    groups: dict[tuple, dict] = defaultdict(dict)
    pks: dict[tuple, list[int]] = defaultdict(list)
    for pk, unit, day, measure, dimension, *values in rows.values_list("pk", *FACT_COLUMNS):
        groups[(unit, day)][(measure, dimension)] = tuple(values)
        pks[(unit, day)].append(pk)
    return groups, pks


@transaction.atomic
def _rebuild(first_day, last_day, units, *, compare: bool = True) -> tuple[int, set[tuple]]:
    """Recompute the days' facts; write the (unit, day) groups whose rows changed.

    Returns the rows written and the changed (unit, day) pairs. COMPARE: read the stored rows
    and leave the unchanged groups alone (the nightly increment: most of the look-back's days
    come out the same, and only what changed needs new rollups); without it every group is
    deleted and written again (a full build)."""
    cells = compute(first_day, last_day, units)
    fresh: dict[tuple, dict] = defaultdict(dict)
    for (unit, day, measure, dimension), cell in cells.items():
        ids = sorted(cell.residents)
        fresh[(unit, day)][(measure, dimension)] = (
            cell.numerator,
            cell.denominator,
            len(ids),
            ids,
            cell.samples,
        )
    if compare:
        stored, pks = _stored_groups(first_day, last_day, units)
        changed = {g for g in stored.keys() | fresh.keys() if stored.get(g) != fresh.get(g)}
        stale = [pk for group in changed for pk in pks.get(group, ())]
        for start in range(0, len(stale), 5000):
            DailyFact.objects.filter(pk__in=stale[start : start + 5000]).delete()
    else:
        changed = set(fresh)
        stale = DailyFact.objects.filter(day__gte=first_day, day__lte=last_day)
        if units is not None:
            stale = stale.filter(unit_id__in=units)
        stale.delete()
    rows = [
        (unit, day, measure, dimension, numerator, denominator, residents, ids, samples)
        for (unit, day), group in fresh.items()
        if (unit, day) in changed
        for (measure, dimension), (numerator, denominator, residents, ids, samples) in group.items()
    ]
    insert_rows(DailyFact, FACT_COLUMNS, rows)
    return len(rows), changed


@dataclass(frozen=True)
class RefreshResult:
    days: int  # days recomputed
    rows: int  # fact rows written (those of the unit-days that changed)
    full: bool
    precomputed: int = 0  # the figures page's default series stored (`precomputed.py`)
    precompute_s: float = 0.0  # the time that took


CHUNK_DAYS = 31  # a long run of days is rebuilt a month at a time (bounded memory)


def refresh_facts(
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    units: Iterable[int] | None = None,
    *,
    full: bool = False,
    now: datetime.datetime | None = None,
) -> RefreshResult:
    """Rebuild the facts of the days in START..END touched since the last run (or all: FULL).

    START defaults to the first day with data, END to today (Stockholm). Without a watermark (the
    first run) every day is rebuilt. With UNITS only those units' rows are rebuilt and the
    watermark stays where it was (other units' days are not done); otherwise the watermark moves
    to NOW, the moment this run started reading, so a change made during the run is found again
    by the next one.
    """
    now = now or timezone.now()
    today = local_day(now)
    end = min(end or today, today)
    if start is None:
        start = earliest_day() or today
    units = None if units is None else sorted({int(unit) for unit in units})
    watermark = FactWatermark.objects.filter(key=WATERMARK_KEY).first()
    everything = {start + datetime.timedelta(days=n) for n in range((end - start).days + 1)}
    if full or watermark is None:
        days = everything
        full = True
    else:
        days = everything & dirty_days(watermark.refreshed_at, today)
    rows = 0
    touched: dict[datetime.date, set[int]] = defaultdict(set)  # month -> units whose days changed
    for first, last in _runs(days):
        chunk = first
        while chunk <= last:
            chunk_end = min(last, chunk + datetime.timedelta(days=CHUNK_DAYS - 1))
            written, changed = _rebuild(chunk, chunk_end, units, compare=not full)
            rows += written
            for unit, day in changed:
                touched[day.replace(day=1)].add(unit)
            chunk = chunk_end + ONE_DAY
    from . import precomputed, rollups  # rollups read this module's measures

    if full:
        rollups.rebuild(None)
    else:
        rollups.rebuild(set(touched), units=touched)
    if units is None:
        FactWatermark.objects.update_or_create(
            key=WATERMARK_KEY, defaults={"refreshed_at": now, "first_day": start}
        )
    # The figures page's default views of the new rollups (for the day the page is read).
    started = time.perf_counter()
    stored = precomputed.refresh()
    return RefreshResult(
        days=len(days),
        rows=rows,
        full=full,
        precomputed=stored,
        precompute_s=time.perf_counter() - started,
    )
