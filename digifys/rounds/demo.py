"""Demo data for ward rounds: one weekly slot per unit, and this and next week's rounds."""

import datetime

from django.db.models import Count

from digifys.careteams.models import PhysicianAssignment
from digifys.core.time import STOCKHOLM
from digifys.directory.models import Organisation
from digifys.residents.models import Resident

from . import services
from .models import Round, RoundSlot

TIMES = ((datetime.time(9, 0), datetime.time(11, 0)), (datetime.time(13, 0), datetime.time(15, 0)))


def seed_round_slots(*, now: datetime.datetime, agendas_for_units: int = 60) -> list[Round]:
    """Give every active unit a weekly slot with its named physician; schedule two weeks.

    Idempotent: a unit that already has a slot keeps it. Returns the scheduled rounds. The
    agendas of the first AGENDAS_FOR_UNITS units' rounds are built now (the whole demo region);
    the rest are built when somebody opens the round, so a 100,000-resident region stays quick.
    """
    units = list(
        Organisation.objects.units()
        .active()
        .exclude(pk__in=RoundSlot.objects.values("unit"))
        .order_by("parent__name", "name", "pk")
        .values_list("pk", flat=True)
    )
    physicians = _named_physician_per_unit()
    RoundSlot.objects.bulk_create(
        RoundSlot(
            unit_id=unit_id,
            weekday=index % 5,  # Monday to Friday, spread over the week
            starts=TIMES[(index // 5) % 2][0],
            ends=TIMES[(index // 5) % 2][1],
            physician_id=physicians.get(unit_id),
        )
        for index, unit_id in enumerate(units)
    )
    today = now.astimezone(STOCKHOLM).date()
    monday = today - datetime.timedelta(days=today.weekday())
    first = datetime.datetime.combine(monday, datetime.time(0, 0), tzinfo=STOCKHOLM)
    last = datetime.datetime.combine(
        monday + datetime.timedelta(days=14), datetime.time(0, 0), tzinfo=STOCKHOLM
    )
    rounds = services.schedule_rounds(
        actor=None, starts=first.astimezone(datetime.UTC), ends=last.astimezone(datetime.UTC)
    )
    with_agenda = set(
        Organisation.objects.units()
        .active()
        .order_by("parent__name", "name", "pk")
        .values_list("pk", flat=True)[:agendas_for_units]
    )
    for occurrence in rounds:
        if occurrence.unit_id in with_agenda:
            services.build_agenda(round=occurrence, now=now)
    return rounds


def _named_physician_per_unit() -> dict[int, int]:
    """Return, per unit, the physician named for most of its active residents (one query)."""
    rows = (
        PhysicianAssignment.objects.filter(
            resident__status=Resident.Status.ACTIVE,
            role=PhysicianAssignment.Role.NAMED,
            ended_at__isnull=True,
        )
        .values("resident__unit", "physician")
        .annotate(residents=Count("resident", distinct=True))
        .order_by("resident__unit", "-residents", "physician")
    )
    chosen: dict[int, int] = {}
    for row in rows:
        chosen.setdefault(row["resident__unit"], row["physician"])
    return chosen
