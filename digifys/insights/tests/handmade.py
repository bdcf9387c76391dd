"""A small hand-made world for the fact tables and figures, and direct computations on it.

`build(world)` adds to the test world (unit Malå, go-live 2026-02-01, six residents; unit
Storuman, no go-live, two residents) two months of physician contacts, bookings, consults with
escalations, relatives' messages, NEWS2 sets, nurse tasks, medication reviews, transfers and one
resident moving out. `direct(...)` computes every figure straight from those raw tables, item by
item, without the fact tables: the tests compare `figures.figure` with it.
"""

import datetime
import itertools
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from digifys.accounts.models import Role
from digifys.careteams.models import CareContact, PhysicianAssignment
from digifys.consults.models import Consult, ConsultMessage
from digifys.core.time import STOCKHOLM
from digifys.directory.models import Organisation
from digifys.insights.models import GoLive, HospitalTransfer
from digifys.medicationreviews.engine import twelve_months_after
from digifys.medicationreviews.models import MedicationReview
from digifys.messaging.models import Message
from digifys.orders.models import NurseTask, Order
from digifys.residents.models import Resident
from digifys.scheduling.models import Booking
from digifys.testing.world import make_org, make_relative, make_resident, make_staff
from digifys.vitals.models import Observation

FIRST = datetime.date(2026, 1, 1)
LAST = datetime.date(2026, 2, 28)
GO_LIVE = datetime.date(2026, 2, 1)
NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=STOCKHOLM)
KINDS = ["video", "consult", "physical", "round", "phone"]
URGENCIES = ["emergency", "urgent", "same_day", "next_round"]


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=STOCKHOLM)


@dataclass
class Hand:
    world: object
    mala: list
    storuman: list
    a: object  # physician in Spain, named for Malå
    b: object  # physician in Sweden, named for Storuman
    locum: object


def levels(hand) -> list[tuple[str, int]]:
    """(level, key) of every level of the hand-made world, from unit to nation."""
    w = hand.world
    return [
        ("unit", w.unit_mala.pk),
        ("unit", w.unit_storuman.pk),
        ("nursing_home", w.unit_mala.parent_id),
        ("municipality", w.mala.pk),
        ("municipality", w.storuman.pk),
        ("care_area", w.mala.parent_id),
        ("region", w.region.pk),
        ("nation", 0),
    ]


def build(world) -> Hand:
    a = world.physician_spain.staff_profile
    b = world.other_physician.staff_profile
    agency = make_org(Organisation.Kind.AGENCY, "Läkarbemanning AB", world.region)
    locum = make_staff("lars.locum", Role.PHYSICIAN, agency, is_locum=True)
    nurse = world.nurse_mala
    mala = [world.resident_mala, world.resident_mala_2] + [
        make_resident(world.unit_mala, room=str(3 + i)) for i in range(4)
    ]
    storuman = [world.resident_storuman, make_resident(world.unit_storuman, room="8")]
    for resident in mala + storuman:
        resident.moved_in_on = datetime.date(2025, 6, 1)
        resident.save()
    # The last Malå resident moves out on 10 February (resident-days end the day before).
    mala[-1].moved_out_on = datetime.date(2026, 2, 10)
    mala[-1].save()
    PhysicianAssignment.objects.all().delete()
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    for resident in mala:
        PhysicianAssignment.objects.create(
            resident=resident, physician=a, role="named", started_at=start
        )
    for resident in storuman:
        PhysicianAssignment.objects.create(
            resident=resident, physician=b, role="named", started_at=start
        )
    # Mid-February the fifth Malå resident gets B as named physician.
    PhysicianAssignment.objects.filter(resident=mala[4]).update(ended_at=at(2, 15, 0))
    PhysicianAssignment.objects.create(
        resident=mala[4], physician=b, role="named", started_at=at(2, 15, 0)
    )
    GoLive.objects.create(unit=world.unit_mala, went_live_on=GO_LIVE)

    # Physician contacts: before go-live more locums, after more of the named physician.
    for month in (1, 2):
        for i, resident in enumerate(mala):
            for n, day in enumerate((3, 10, 17, 24)):
                if month == 2 and resident == mala[-1] and day > 10:
                    continue
                who = [a, locum, b][(i + n) % 3] if month == 1 else [b, a, a, a][(i + n) % 4]
                CareContact.objects.create(
                    resident=resident,
                    clinician=who,
                    unit=resident.unit,
                    kind=KINDS[(i + n + month) % 5],
                    occurred_at=at(month, day, 9 + i, 5 * n),
                )
        for i, resident in enumerate(storuman):
            for n, day in enumerate((5, 19)):
                CareContact.objects.create(
                    resident=resident,
                    clinician=[b, locum][(i + n) % 2],
                    unit=resident.unit,
                    kind=KINDS[n],
                    occurred_at=at(month, day, 13 + i),
                )
    # A contact just before midnight UTC that is the next day in Stockholm.
    CareContact.objects.create(
        resident=mala[0],
        clinician=a,
        unit=world.unit_mala,
        kind="video",
        occurred_at=datetime.datetime(2026, 1, 31, 23, 30, tzinfo=datetime.UTC),
    )

    # Bookings (physician hours), distinct times per clinician.
    for month in (1, 2):
        for i, resident in enumerate(mala + storuman):
            who = [a, locum, b][(i + month) % 3]
            starts = at(month, 6 + i, 8 + i)
            Booking.objects.create(
                kind="video",
                clinician=who,
                resident=resident,
                unit=resident.unit,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(minutes=30 + 15 * (i % 3)),
                created_by=nurse,
            )
    cancelled = Booking.objects.create(
        kind="video",
        clinician=a,
        resident=mala[0],
        unit=world.unit_mala,
        starts_at=at(1, 28, 15),
        ends_at=at(1, 28, 16),
        created_by=nurse,
        cancelled_at=at(1, 27),
    )
    assert cancelled.cancelled_at

    # Consults: one per resident and month; urgency cycles; answered after varying minutes.
    def consult(resident, created, urgency, answered_after, escalations=()):
        minutes = settings.CONSULT_DEADLINE_MINUTES[urgency]
        item = Consult.objects.create(
            resident=resident,
            unit=resident.unit,
            created_by=nurse,
            created_at=created,
            urgency=urgency,
            situation="S",
            background="B",
            assessment="A",
            recommendation="R",
            status="answered" if answered_after is not None else "sent",
            assigned_to=a,
            routed_to="named",
            deadline_at=created + datetime.timedelta(minutes=minutes),
            answered_at=None
            if answered_after is None
            else created + datetime.timedelta(minutes=answered_after),
        )
        for code, when in escalations:
            ConsultMessage.objects.create(
                consult=item, kind="event", code=code, params={}, created_at=when
            )
        return item

    delays = [5, 25, 45, 400, 600, 3000, None, 12]
    for month in (1, 2):
        for i, resident in enumerate(mala + storuman):
            urgency = URGENCIES[(i + month) % 4]
            delay = delays[(i + 3 * month) % len(delays)]
            escalations = ()
            if i == 1:
                escalations = (("escalated", at(month, 8 + i, 12)),)
            if i == 2 and month == 1:
                escalations = (
                    ("escalated", at(month, 8 + i, 12)),
                    ("escalated_nobody", at(month, 8 + i, 13)),
                )
            consult(resident, at(month, 8 + i, 11), urgency, delay, escalations)
    # Several same-urgency consults in February at Malå so a week has a p90 to speak of.
    for i, resident in enumerate(mala[:5]):
        consult(resident, at(2, 18, 8 + i), "urgent", [10, 20, 31, 50, 15][i])

    # Relatives' messages.
    relatives = {}
    for i, resident in enumerate(mala + storuman):
        relatives[resident.pk] = make_relative(resident, f"rel{i}.hand", "Rel", f"Hand{i}", "child")
    answer_after = [60, 3000, None, 200, 100, 5000, 30, 90]
    for month in (1, 2):
        for i, resident in enumerate(mala + storuman):
            sent = at(month, 12 + i, 9)
            after = answer_after[(i + month) % len(answer_after)]
            Message.objects.create(
                resident=resident,
                unit=resident.unit,
                relative=relatives[resident.pk],
                text="Hej",
                sent_at=sent,
                deadline_at=sent + datetime.timedelta(days=2),
                answered_at=None if after is None else sent + datetime.timedelta(minutes=after),
                answer="" if after is None else "Svar",
                answered_by=None if after is None else nurse,
            )

    # NEWS2 sets: 3 (not counted), 5, 6, 7, 9 at various times.
    totals = [3, 5, 6, 7, 9, 5, 7, 8]
    for month in (1, 2):
        for i, resident in enumerate(mala + storuman):
            total = totals[(i + month) % len(totals)]
            Observation.objects.create(
                resident=resident,
                unit=resident.unit,
                recorded_by=nurse,
                measured_at=at(month, 2 + 3 * i, 7, 30),
                recorded_at=at(month, 2 + 3 * i, 7, 35),
                news2_total=total,
                news2_band="high" if total >= 7 else "medium",
            )
    # Tasks: due at various times, some late, one open, one cancelled.
    done_after = [10, 20, 45, None, 5, 90, 0, 31]
    for month in (1, 2):
        for i, resident in enumerate(mala + storuman):
            order = Order.objects.create(
                resident=resident,
                unit=resident.unit,
                ordered_by=a,
                kind="vitals",
                instructions="NEWS2",
                first_due_at=at(month, 4 + i, 8),
            )
            for n in range(2):
                due = at(month, 4 + i + n, 8)
                after = done_after[(i + n + month) % len(done_after)]
                status = "done" if after is not None else "open"
                if i == 0 and n == 1 and month == 1:
                    status = "cancelled"
                NurseTask.objects.create(
                    order=order,
                    resident=resident,
                    unit=resident.unit,
                    due_at=due,
                    status=status,
                    result="klart" if status == "done" else "",
                    completed_at=None
                    if after is None or status == "cancelled"
                    else due + datetime.timedelta(minutes=after),
                )
    # Medication reviews: a previous one in 2025 for most; the new one early or late.
    for i, resident in enumerate(mala + storuman):
        if i != 3:
            MedicationReview.objects.create(
                resident=resident,
                unit=resident.unit,
                kind="simple",
                performed_by=a,
                performed_on=datetime.date(2025, 1, 10 + 2 * i),
                findings="ok",
            )
        MedicationReview.objects.create(
            resident=resident,
            unit=resident.unit,
            kind="simple",
            performed_by=a,
            performed_on=datetime.date(2026, 1 + i % 2, 8 + 2 * i),
            findings="ok",
        )
    # Transfers: three in January, two in February (one at Storuman).
    transfer_rows = [
        (mala[0], at(1, 7, 22), "emergency", True, True),
        (mala[1], at(1, 15, 3), "admission", False, None),
        (mala[2], at(1, 29, 16), "emergency", False, False),
        (mala[3], at(2, 9, 4), "admission", True, True),
        (storuman[0], at(2, 20, 18), "emergency", True, None),
    ]
    for resident, when, kind, consult_first, avoidable in transfer_rows:
        HospitalTransfer.objects.create(
            resident=resident,
            unit=resident.unit,
            occurred_at=when,
            kind=kind,
            destination="Skellefteå lasarett",
            reason="x",
            consult_first=consult_first,
            recorded_by=nurse,
            avoidable=avoidable,
        )
    # Everything was entered when it happened (not today): the incremental refresh looks at
    # these times of entry.
    from django.db.models import F

    Resident.objects.update(created_at=datetime.datetime(2025, 5, 1, tzinfo=datetime.UTC))
    Booking.objects.update(created_at=F("starts_at"))
    Consult.objects.update(updated_at=F("created_at"))
    HospitalTransfer.objects.update(updated_at=F("occurred_at"), recorded_at=F("occurred_at"))
    for review in MedicationReview.objects.all():
        MedicationReview.objects.filter(pk=review.pk).update(
            created_at=datetime.datetime.combine(
                review.performed_on, datetime.time(12), tzinfo=STOCKHOLM
            )
        )
    return Hand(world=world, mala=mala, storuman=storuman, a=a, b=b, locum=locum)


# --- direct computations --------------------------------------------------------------------------


def day_of(moment):
    return moment.astimezone(STOCKHOLM).date()


CHANNEL = {
    "video": "video",
    "consult": "chat",
    "physical": "on_site",
    "round": "round",
    "phone": "phone",
}


def raw_items() -> dict[str, list]:
    """Per source: (unit, day, resident, payload) of every raw item, read from the tables."""
    items: dict[str, list] = defaultdict(list)
    for c in CareContact.objects.select_related("clinician").order_by("occurred_at", "pk"):
        named = (
            PhysicianAssignment.objects.filter(
                resident_id=c.resident_id, role="named", started_at__lt=c.occurred_at
            )
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=c.occurred_at))
            .order_by("started_at", "pk")
            .last()
        )
        items["contact"].append(
            (
                c.unit_id,
                day_of(c.occurred_at),
                c.resident_id,
                {
                    "clinician": c.clinician_id,
                    "locum": c.clinician.is_locum,
                    "channel": CHANNEL[c.kind],
                    "country": c.clinician.work_country,
                    "named": named is not None and named.physician_id == c.clinician_id,
                    "at": c.occurred_at,
                },
            )
        )
    for b in Booking.objects.filter(cancelled_at__isnull=True).select_related("clinician"):
        items["booking"].append(
            (
                b.unit_id,
                day_of(b.starts_at),
                b.resident_id,
                {
                    "hours": (b.ends_at - b.starts_at).total_seconds() / 3600,
                    "locum": b.clinician.is_locum,
                    "country": b.clinician.work_country,
                },
            )
        )
    for c in Consult.objects.all():
        deadline = c.created_at + datetime.timedelta(
            minutes=settings.CONSULT_DEADLINE_MINUTES[c.urgency]
        )
        minutes = None
        if c.answered_at:
            minutes = (c.answered_at - c.created_at).total_seconds() / 60
        items["consult"].append(
            (
                c.unit_id,
                day_of(c.created_at),
                c.resident_id,
                {
                    "urgency": c.urgency,
                    "within": bool(c.answered_at and c.answered_at <= deadline),
                    "minutes": minutes,
                },
            )
        )
    for m in ConsultMessage.objects.filter(code__startswith="escalated").select_related("consult"):
        items["escalation"].append(
            (m.consult.unit_id, day_of(m.created_at), m.consult.resident_id, {"reason": m.code})
        )
    for m in Message.objects.all():
        minutes = None
        if m.answered_at:
            minutes = (m.answered_at - m.sent_at).total_seconds() / 60
        items["message"].append(
            (
                m.unit_id,
                day_of(m.sent_at),
                m.resident_id,
                {
                    "within": bool(m.answered_at and m.answered_at <= m.deadline_at),
                    "minutes": minutes,
                },
            )
        )
    for o in Observation.objects.filter(news2_total__isnull=False):
        review = (
            CareContact.objects.filter(resident_id=o.resident_id, occurred_at__gte=o.measured_at)
            .order_by("occurred_at")
            .first()
        )
        minutes = None
        if review and review.occurred_at - o.measured_at <= datetime.timedelta(hours=24):
            minutes = (review.occurred_at - o.measured_at).total_seconds() / 60
        items["news2"].append(
            (
                o.unit_id,
                day_of(o.measured_at),
                o.resident_id,
                {"total": o.news2_total, "minutes": minutes},
            )
        )
    grace = datetime.timedelta(minutes=settings.TASK_OVERDUE_GRACE_MINUTES)
    for t in NurseTask.objects.exclude(status="cancelled"):
        items["task"].append(
            (
                t.unit_id,
                day_of(t.due_at),
                t.resident_id,
                {"on_time": bool(t.completed_at and t.completed_at <= t.due_at + grace)},
            )
        )
    for r in MedicationReview.objects.select_related("resident"):
        previous = (
            MedicationReview.objects.filter(resident=r.resident, performed_on__lt=r.performed_on)
            .order_by("-performed_on")
            .first()
        )
        if previous:
            due = twelve_months_after(previous.performed_on)
        elif r.resident.moved_in_on:
            due = r.resident.moved_in_on + datetime.timedelta(days=30)
        else:
            due = None
        items["review"].append(
            (
                r.unit_id,
                r.performed_on,
                r.resident_id,
                {"on_time": bool(due and r.performed_on <= due)},
            )
        )
    for t in HospitalTransfer.objects.all():
        items["transfer"].append(
            (
                t.unit_id,
                day_of(t.occurred_at),
                t.resident_id,
                {"kind": t.kind, "consult_first": t.consult_first, "avoidable": t.avoidable},
            )
        )
    for r in Resident.objects.all():
        left = min([d for d in (r.moved_out_on, r.deceased_on) if d], default=None)
        day = max(r.moved_in_on, FIRST)
        while day <= LAST and (left is None or day < left):
            items["resident_day"].append((r.unit_id, day, r.pk, {}))
            day += datetime.timedelta(days=1)
    return items


def _p90(values):
    ordered = sorted(values)
    return next(v for v in ordered if sum(1 for x in values if x <= v) >= 0.9 * len(values))


def _continuity(code, contacts):
    per_resident = defaultdict(list)
    for _u, _d, resident, p in sorted(contacts, key=lambda item: item[3]["at"]):
        per_resident[resident].append(p["clinician"])
    values, residents = [], set()
    for resident, visits in per_resident.items():
        n = len(visits)
        if n < 2:
            continue
        counts = Counter(visits)
        m = len(counts)
        value = {
            "upc": max(counts.values()) / n,
            "coc": (sum(x * x for x in counts.values()) - n) / (n * (n - 1)),
            "secon": sum(1 for x, y in itertools.pairwise(visits) if x == y) / (n - 1),
            "mmci": (1 - m / (n + 0.1)) / (1 - 1 / (n + 0.1)),
        }[code]
        values.append(value)
        residents.add(resident)
    return (statistics.fmean(values) if values else None), residents


def direct(code, dim, items, keep) -> tuple[float | None, set]:
    """Figure CODE (DIM) over the raw ITEMS that KEEP(unit, day) accepts: (value, residents)."""

    def sel(source, test=lambda p: True):
        return [i for i in items[source] if keep(i[0], i[1]) and test(i[3])]

    def people(selected):
        return {i[2] for i in selected}

    def ratio(selected, test):
        if not selected:
            return None, set()
        return sum(1 for i in selected if test(i[3])) / len(selected), people(selected)

    def count(selected, weight=lambda p: 1):
        if not selected:
            return None, set()
        return sum(weight(i[3]) for i in selected), people(selected)

    contacts = sel("contact")
    bookings = sel("booking")
    if code == "contacts":
        return count(contacts)
    if code == "named_share":
        return ratio(contacts, lambda p: p["named"])
    if code == "locum_share":
        return ratio(contacts, lambda p: p["locum"])
    if code in ("channel_share", "country_share"):
        field = "channel" if code == "channel_share" else "country"
        if not contacts:
            return None, set()
        return sum(1 for i in contacts if i[3][field] == dim) / len(contacts), people(contacts)
    if code in ("physician_hours", "locum_hours"):
        if not bookings:
            return None, set()
        if code == "physician_hours":
            return sum(i[3]["hours"] for i in bookings), people(bookings)
        return sum(i[3]["hours"] for i in bookings if i[3]["locum"]), people(bookings)
    if code in ("locum_hours_share", "hours_country_share"):
        total = sum(i[3]["hours"] for i in bookings)
        if not total:
            return None, set()
        if code == "locum_hours_share":
            part = sum(i[3]["hours"] for i in bookings if i[3]["locum"])
        else:
            part = sum(i[3]["hours"] for i in bookings if i[3]["country"] == dim)
        return part / total, people(bookings)
    if code.startswith("consult_"):
        selected = sel("consult", lambda p: p["urgency"] == dim)
        if code == "consult_within":
            return ratio(selected, lambda p: p["within"])
        minutes = [i[3]["minutes"] for i in selected if i[3]["minutes"] is not None]
        if not minutes:
            return None, set()
        value = statistics.median(minutes) if code == "consult_median" else _p90(minutes)
        return value, people(selected)
    if code == "escalations":
        return count(sel("escalation", lambda p: not dim or p["reason"] == dim))
    if code == "messages_within":
        return ratio(sel("message"), lambda p: p["within"])
    if code == "messages_median":
        selected = sel("message")
        minutes = [i[3]["minutes"] for i in selected if i[3]["minutes"] is not None]
        return (statistics.median(minutes), people(selected)) if minutes else (None, set())
    if code.startswith("news2_"):
        selected = sel("news2", lambda p: p["total"] >= int(dim))
        if code == "news2_events":
            return count(selected)
        if code == "news2_reviewed":
            return ratio(selected, lambda p: p["minutes"] is not None)
        minutes = [i[3]["minutes"] for i in selected if i[3]["minutes"] is not None]
        return (statistics.median(minutes), people(selected)) if minutes else (None, set())
    if code == "tasks_on_time":
        return ratio(sel("task"), lambda p: p["on_time"])
    if code == "reviews_on_time":
        return ratio(sel("review"), lambda p: p["on_time"])
    if code == "transfers":
        return count(sel("transfer", lambda p: not dim or p["kind"] == dim))
    if code == "transfers_consult_first":
        return ratio(sel("transfer"), lambda p: p["consult_first"])
    if code == "transfers_avoidable":
        return ratio(
            sel("transfer", lambda p: p["avoidable"] is not None), lambda p: p["avoidable"]
        )
    if code == "resident_days":
        return count(sel("resident_day"))
    if code == "transfers_per_1000":
        days = sel("resident_day")
        if not days:
            return None, set()
        return 1000 * len(sel("transfer")) / len(days), people(days)
    if code in ("upc", "coc", "secon", "mmci"):
        return _continuity(code, contacts)
    raise AssertionError(code)


ALL_CODES = [
    "contacts",
    "named_share",
    "locum_share",
    "channel_share:video",
    "channel_share:chat",
    "channel_share:on_site",
    "channel_share:round",
    "channel_share:phone",
    "country_share:ES",
    "country_share:SE",
    "physician_hours",
    "locum_hours",
    "locum_hours_share",
    "hours_country_share:ES",
    "hours_country_share:SE",
    *[f"consult_{kind}:{u}" for u in URGENCIES for kind in ("within", "median", "p90")],
    "escalations",
    "escalations:escalated",
    "escalations:escalated_nobody",
    "messages_within",
    "messages_median",
    *[f"news2_{kind}:{t}" for t in ("5", "7") for kind in ("events", "reviewed", "review_median")],
    "tasks_on_time",
    "reviews_on_time",
    "transfers",
    "transfers:emergency",
    "transfers_consult_first",
    "transfers_avoidable",
    "transfers_per_1000",
    "resident_days",
    "upc",
    "coc",
    "secon",
    "mmci",
]
