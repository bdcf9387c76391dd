"""The rest of the demo's before/after history: messages, NEWS2 events, nurse tasks, bookings.

:mod:`digifys.synth.history` writes the go-live dates, hospital transfers and consults over the
two years of history; this module adds, each from its own random stream (so every other table
stays as it was) and with bulk inserts, the sources the other figures of the region's dashboard
(`insights.figures`) read, with the differences the pilot is meant to make:

* **Relatives' messages** (`messaging.Message`, all answered by a nurse of the unit): about one
  per 40 resident-days before go-live and one per 18 after (the relatives' portal makes writing
  easy); answered in a median of about 30 hours before and 5 hours after, against the deadline
  of `RELATIVE_MESSAGE_ANSWER_WORKING_DAYS` working days in the unit's calendar. Relatives with
  a login (the personas) keep only their hand-written conversation (`messaging.demo`).
* **NEWS2 events** (`vitals.Observation` with a total of 5 or more, scored by
  `vitals.news2.score_news2`): about one per 60 resident-days before and one per 50 after (more
  sets are measured). An event a physician reviewed lies shortly before one of the resident's
  physician contacts (a median of about 9 hours before it before go-live, 2 hours after); the
  others have no contact within `insights.facts.REVIEW_HOURS`. About 45 % are reviewed within a
  day before go-live and 90 % after.
* **Nurse tasks** (`orders.Order` and `orders.NurseTask`, all done): a physician's answer to
  about 60 % of the history's consults orders vital signs, a sample, a wound check or a
  medication change; the tasks are done within `TASK_OVERDUE_GRACE_MINUTES` of their due time
  about 72 % of the time before go-live and 94 % after.
* **Bookings** (`scheduling.Booking`): each past physical visit (30 minutes) and video visit
  (20 minutes) of the contact history is booked, so booked physician hours follow the contacts:
  mostly locums on site before go-live, the named physician by video after.

The last `RECENT_DAYS` days are left to :mod:`digifys.synth.loop`'s vital signs and the
hand-written demo stories. Like the history's consults, nothing is written above
`observations.LARGE_SCALE` residents (the benchmark region).
"""

from __future__ import annotations

import bisect
import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.db import connection

from digifys.careteams.models import CareContact
from digifys.core.time import STOCKHOLM
from digifys.messaging.calendar import days_off
from digifys.messaging.models import Message
from digifys.orders.models import NurseTask, Order
from digifys.residents.models import Relative
from digifys.scheduling.models import Booking
from digifys.vitals.models import Observation

from . import observations
from .history import event_days, unit_nurses
from .observations import OBSERVATION_FIELDS, ObservationBuilder
from .tables import Table, between

RECENT_DAYS = 4  # the last days (today included) are left to the loop and the demo stories
MINUTE = datetime.timedelta(minutes=1)

# Per resident-day, (before, after) go-live.
MESSAGE_RATE = (1 / 40, 1 / 18)
MESSAGE_ANSWER_HOURS = (30, 5)  # median; log-normal
MESSAGE_SPREAD = 0.9
MESSAGES = [
    (
        "Hej! Hur har mamma mått den här veckan? Hon lät trött i telefon.",
        "Hej! Hon har varit lite tröttare några dagar men äter bra. Vi hör av oss om något ändras.",
    ),
    (
        "Kan ni hälsa att vi kommer på söndag eftermiddag?",
        "Vi hälsar! Välkomna på söndag.",
    ),
    (
        "Har doktorn hunnit titta på hostan?",
        "Ja, läkaren bedömde hostan i går och den behöver ingen behandling just nu.",
    ),
    (
        "Pappa behöver nya glasögon, kan någon hjälpa till att boka tid hos optiker?",
        "Vi bokar en tid och ringer dig när vi vet datum.",
    ),
    (
        "Vi undrar om medicinerna har ändrats efter sjukhusbesöket.",
        "En medicin är utsatt efter läkarens genomgång. Ring gärna så berättar vi mer.",
    ),
]

NEWS2_REVIEWED_PER_CONTACT = (0.12, 0.22)  # a reviewed event before a contact
NEWS2_UNREVIEWED_RATE = (0.009, 0.002)  # events no physician saw within a day
NEWS2_REVIEW_HOURS = (9, 2)  # median time from the event to the contact; log-normal
NEWS2_SPREAD = 0.7
REVIEW_WINDOW = datetime.timedelta(hours=24)  # `insights.facts.REVIEW_HOURS`
EVENT_NOTES = [
    "Andas snabbare och är varm, bedömning begärd.",
    "Trött och svårväckt på morgonen.",
    "Feber och frossa sedan natten.",
    "",
]

ORDER_SHARE = 0.6  # consults whose answer comes with an order
ORDERS = [  # (kind, instructions, every hours, for days)
    ("vitals", "Kontrollera vitalparametrar var 4:e timme i 1 dygn.", 4, 1),
    ("sample", "Ta CRP och urinsticka.", None, None),
    ("wound", "Inspektera såret och byt förband dagligen i 3 dagar.", 24, 3),
    ("medication", "Sätt ut kvällsdosen av furosemid från i dag.", None, None),
]
TASK_RESULTS = {
    "vitals": "Kontrollerat, oförändrat.",
    "sample": "CRP 12. Urinsticka utan anmärkning.",
    "wound": "Såret rent, förband bytt.",
    "medication": "Utsatt enligt ordination.",
}
TASKS_ON_TIME = (0.72, 0.94)
LATE_MEDIAN_MINUTES = 120

BOOKED_MINUTES = {CareContact.Kind.PHYSICAL: 30, CareContact.Kind.VIDEO: 20}
BOOKING_KIND = {
    CareContact.Kind.PHYSICAL: Booking.Kind.PHYSICAL,
    CareContact.Kind.VIDEO: Booking.Kind.VIDEO,
}


def create_care_rows(b) -> dict[str, int]:
    """Write the four sources' history; return how many rows of each."""
    if b.scale > observations.LARGE_SCALE:
        return {}
    return {
        "messages": create_message_rows(b),
        "news2_events": create_news2_rows(b),
        "tasks": create_task_rows(b),
        "bookings": create_booking_rows(b),
    }


def _stay(b, person) -> tuple[int, int]:
    """The first and the end day (exclusive) of a resident's stay within the history, before
    the recent days."""
    first = max(-b.history_days, person.moved_in_k + 1)
    end = person.left_k if not person.active else 0
    return first, min(end, 1 - RECENT_DAYS)


def _era(b, person, day: int) -> int:
    return 0 if day < b.go_live_k[person.unit] else 1


# --- relatives' messages -------------------------------------------------------------------------


def create_message_rows(b) -> int:
    rng = random.Random(f"messages-{b.seed}")
    nurses = unit_nurses(b)
    writers: dict[int, list[int]] = {}
    for resident, relative in (
        Relative.objects.filter(user__isnull=True).order_by("pk").values_list("resident_id", "pk")
    ):
        writers.setdefault(resident, []).append(relative)
    deadlines = _Deadlines(b)
    table = Table(
        Message,
        [
            "resident",
            "unit",
            "relative",
            "text",
            "sent_at",
            "deadline_at",
            "read_at",
            "read_by",
            "answer",
            "answered_at",
            "answered_by",
        ],
    )
    adapt = b._adapt_instant
    for index, person in enumerate(b.people):
        relatives = writers.get(b.resident_ids[index])
        if not relatives:
            continue
        first, end = _stay(b, person)
        for day in event_days(rng, first, end, b.go_live_k[person.unit], MESSAGE_RATE):
            era = _era(b, person, day)
            minute = between(rng, 7 * 60, 22 * 60)
            sent = b.instant(day, minute)
            hours = rng.lognormvariate(0, MESSAGE_SPREAD) * MESSAGE_ANSWER_HOURS[era]
            answered = sent + datetime.timedelta(hours=max(0.2, hours))
            if answered >= b.now:
                continue
            read = sent + (answered - sent) * (0.3 + 0.6 * rng.random())
            nurse = rng.choice(nurses[person.unit])
            text, answer = rng.choice(MESSAGES)
            table.add(
                (
                    b.resident_ids[index],
                    b.units[person.unit].org.pk,
                    relatives[int(rng.random() * len(relatives))],
                    text,
                    adapt(sent),
                    adapt(deadlines.of(person.unit, day, minute)),
                    adapt(read),
                    nurse,
                    answer,
                    adapt(answered),
                    nurse,
                )
            )
    table.flush()
    return table.count


class _Deadlines:
    """The answer deadline of a message sent on day K at MINUTE, as `messaging.calendar`
    computes it, with each unit's days off read once for the whole history."""

    def __init__(self, b) -> None:
        self.b = b
        self.off: dict[int, set] = {}
        self.days: dict[tuple[int, int], int] = {}

    def of(self, unit: int, k: int, minute: int) -> datetime.datetime:
        b = self.b
        target = self.days.get((unit, k))
        if target is None:
            off = self.off.get(unit)
            if off is None:
                first, last = b.date(-b.history_days - 1), b.today + datetime.timedelta(days=60)
                off = self.off[unit] = days_off(b.units[unit].org, first, last)
            target, counted = k, 0
            while counted < settings.RELATIVE_MESSAGE_ANSWER_WORKING_DAYS:
                target += 1
                day = b.date(target)
                if day.weekday() < 5 and day not in off:
                    counted += 1
            self.days[(unit, k)] = target
        return b.instant(target, minute)


# --- NEWS2 events --------------------------------------------------------------------------------


class _Scorer:
    """`ObservationBuilder`'s vital signs and NEWS2 scoring, on this module's random stream."""

    _values = ObservationBuilder._values
    weight = staticmethod(ObservationBuilder.weight)

    def __init__(self, rng, ops) -> None:
        self.rng = rng
        self.adapt_json = ops.adapt_json_value
        self.json_cache: dict[tuple, object] = {}
        self.temperatures = {t: Decimal(t) / 10 for t in range(340, 420)}

    def event(self, base) -> tuple:
        """A set of vital signs with a NEWS2 total of 5 or more."""
        amp = 0.3 + 0.3 * self.rng.random()
        for _attempt in range(60):
            values = self._values(base, False, morning=False, severity=1.0, amp=amp)
            if values[14] is not None and values[14] >= 5:
                return values
            amp += 0.05
        raise AssertionError("no NEWS2 of 5 or more")

    def calm(self, base) -> tuple:
        """A set of vital signs back in the low band (NEWS2 0–4, no single parameter of 3)."""
        for _attempt in range(60):
            values = self._values(base, False, morning=False)
            if values[16] == "low":
                return values
        raise AssertionError("no low NEWS2")


def _contacts_by_resident() -> dict[int, list[datetime.datetime]]:
    contacts: dict[int, list[datetime.datetime]] = {}
    for resident, at in CareContact.objects.order_by("occurred_at").values_list(
        "resident_id", "occurred_at"
    ):
        contacts.setdefault(resident, []).append(at)
    return contacts


def create_news2_rows(b) -> int:
    rng = random.Random(f"news2-{b.seed}")
    scorer = _Scorer(rng, connection.ops)
    nurses = unit_nurses(b)
    contacts = _contacts_by_resident()
    table = Table(Observation, OBSERVATION_FIELDS)
    adapt = b._adapt_instant
    for index, person in enumerate(b.people):
        resident_id = b.resident_ids[index]
        unit_id = b.units[person.unit].org.pk
        first, end = _stay(b, person)
        start, stop = b.instant(first, 0), b.instant(end, 0)
        times = contacts.get(resident_id, [])
        base = (
            15 + int(rng.random() * 4),
            94 + int(rng.random() * 4),
            112 + int(rng.random() * 40),
            60 + int(rng.random() * 20),
            62 + int(rng.random() * 26),
            364 + int(rng.random() * 8),
            450 + int(rng.random() * 400),
        )
        events = []
        for position, contact in enumerate(times):  # reviewed: shortly before a contact
            era = _era(b, person, (contact.astimezone(STOCKHOLM).date() - b.today).days)
            if rng.random() >= NEWS2_REVIEWED_PER_CONTACT[era]:
                continue
            hours = rng.lognormvariate(0, NEWS2_SPREAD) * NEWS2_REVIEW_HOURS[era]
            measured = contact - datetime.timedelta(hours=min(max(hours, 0.2), 23.5))
            earlier = times[position - 1] if position else None
            if start <= measured < stop and (earlier is None or earlier < measured):
                events.append(measured)
        go_live = b.go_live_k[person.unit]
        # Not reviewed: no physician contact within a day.
        for day in event_days(rng, first, end, go_live, NEWS2_UNREVIEWED_RATE):
            measured = b.instant(day, between(rng, 0, 24 * 60 - 1))
            following = bisect.bisect_left(times, measured)
            if following == len(times) or times[following] - measured > REVIEW_WINDOW:
                events.append(measured)
        for measured in events:
            values = scorer.event(base)
            note = rng.choice(EVENT_NOTES)
            values = (*values[:13], note, *values[14:])
            # The set measured again after care, back in the low band: an old event is never a
            # resident's latest reading (the worklist would show it as a deterioration now).
            # Before the recent days, which are the loop's.
            again = min(measured + between(rng, 4 * 60, 20 * 60) * MINUTE, stop - MINUTE)
            if again <= measured:
                continue
            sets = [(measured, values), (again, scorer.calm(base))]
            for at, row in sets:
                recorder = nurses[person.unit][int(rng.random() * len(nurses[person.unit]))]
                recorded = at + between(rng, 1, 10) * MINUTE
                table.add(
                    (
                        resident_id,
                        unit_id,
                        adapt(at),
                        recorder,
                        adapt(recorded),
                        "manual",
                        *row,
                    )
                )
    table.flush()
    return table.count


# --- nurse tasks ---------------------------------------------------------------------------------


def create_task_rows(b) -> int:
    """Orders on the history's consults (`history.create_consult_rows`) and their tasks."""
    rng = random.Random(f"tasks-{b.seed}")
    nurses = unit_nurses(b)
    unit_index = {unit.org.pk: number for number, unit in enumerate(b.units)}
    grace = settings.TASK_OVERDUE_GRACE_MINUTES
    latest = b.now - datetime.timedelta(hours=2)
    orders, plans = [], []
    for consult in getattr(b, "history_consults", []):
        if rng.random() >= ORDER_SHARE:
            continue
        kind, instructions, every, days = ORDERS[int(rng.random() * len(ORDERS))]
        first_due = consult.answered_at + between(rng, 60, 180) * MINUTE
        count = 1 if every is None else days * 24 // every
        dues = [first_due + datetime.timedelta(hours=(every or 0) * n) for n in range(count)]
        dues = [due for due in dues if due < latest]
        if not dues:
            continue
        unit = unit_index[consult.unit.pk]
        era = 0 if consult.answered_at.date() < b.date(b.go_live_k[unit]) else 1
        orders.append(
            Order(
                resident_id=consult.resident_id,
                unit=consult.unit,
                consult=consult,
                ordered_by_id=consult.assigned_to_id,
                kind=kind,
                instructions=instructions,
                first_due_at=first_due,
                every_hours=every,
                for_days=days,
                created_at=consult.answered_at,
            )
        )
        plans.append((dues, era, unit))
    Order.objects.bulk_create(orders, batch_size=1000)
    table = Table(
        NurseTask,
        [
            "order",
            "resident",
            "unit",
            "due_at",
            "status",
            "completed_at",
            "completed_by",
            "result",
            "overdue_notified_at",
        ],
    )
    adapt = b._adapt_instant
    for order, (dues, era, unit) in zip(orders, plans, strict=True):
        for due in dues:
            if rng.random() < TASKS_ON_TIME[era]:
                done = due + between(rng, -30, grace) * MINUTE
                notified = None
            else:
                late = rng.lognormvariate(0, 0.8) * LATE_MEDIAN_MINUTES
                done = due + (grace + 1 + late) * MINUTE
                notified = adapt(due + (grace + 1) * MINUTE)
            table.add(
                (
                    order.pk,
                    order.resident_id,
                    order.unit.pk,
                    adapt(due),
                    NurseTask.Status.DONE.value,
                    adapt(min(done, b.now)),
                    nurses[unit][int(rng.random() * len(nurses[unit]))],
                    TASK_RESULTS[order.kind],
                    notified,
                )
            )
    table.flush()
    return table.count


# --- bookings ------------------------------------------------------------------------------------


def create_booking_rows(b) -> int:
    """A booking for each past physical and video visit of the contact history (one per
    physician and half hour; none over a booking that already exists)."""
    rng = random.Random(f"bookings-{b.seed}")
    before = b.instant(0, 0)
    taken: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    for clinician, starts_at, ends_at in Booking.objects.active().values_list(
        "clinician_id", "starts_at", "ends_at"
    ):
        taken.setdefault(clinician, []).append((starts_at, ends_at))
    slots: set[tuple[int, datetime.datetime]] = set()
    table = Table(
        Booking,
        [
            "kind",
            "clinician",
            "resident",
            "unit",
            "starts_at",
            "ends_at",
            "created_by",
            "created_at",
            "note",
            "cancel_reason",
        ],
    )
    adapt = b._adapt_instant
    coordinator = b.coordinator.pk
    for resident, clinician, unit, kind, at in (
        CareContact.objects.filter(kind__in=list(BOOKED_MINUTES), occurred_at__lt=before)
        .order_by("occurred_at", "pk")
        .values_list("resident_id", "clinician_id", "unit_id", "kind", "occurred_at")
    ):
        start = at.replace(minute=at.minute // 30 * 30, second=0, microsecond=0)
        end = start + BOOKED_MINUTES[kind] * MINUTE
        if (clinician, start) in slots or any(
            s < end and start < e for s, e in taken.get(clinician, ())
        ):
            continue
        slots.add((clinician, start))
        booked = start - datetime.timedelta(hours=between(rng, 2, 14 * 24))
        table.add(
            (
                BOOKING_KIND[kind],
                clinician,
                resident,
                unit,
                adapt(start),
                adapt(end),
                coordinator,
                adapt(booked),
                "",
                "",
            )
        )
    table.flush()
    return table.count
