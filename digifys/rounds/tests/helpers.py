"""Builders shared by the ward round tests."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from digifys.careteams.models import CareContact
from digifys.consults.models import Consult
from digifys.rounds.models import Round, RoundSlot


def _stockholm_day(instant: datetime.datetime) -> datetime.date:
    return instant.astimezone(ZoneInfo("Europe/Stockholm")).date()


def make_round(world, *, status=Round.Status.PLANNED, hours_ahead: int = 1, **slot_extra):
    """A slot for Malå with the named physician and one occurrence starting soon."""
    values = {
        "unit": world.unit_mala,
        "weekday": RoundSlot.Weekday.TUESDAY,
        "starts": datetime.time(9, 0),
        "ends": datetime.time(11, 0),
        "physician": world.physician_spain.staff_profile,
    }
    values.update(slot_extra)
    slot = RoundSlot.objects.create(**values)
    now = timezone.now()
    starts_at = now + datetime.timedelta(hours=hours_ahead)
    if hours_ahead < 24 and _stockholm_day(starts_at) != _stockholm_day(now):
        # Late in the evening "in an hour" is tomorrow, which would need a reschedule to start.
        starts_at = now
    return Round.objects.create(
        slot=slot,
        unit=world.unit_mala,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        physician=world.physician_spain.staff_profile,
        status=status,
        started_at=timezone.now() if status == Round.Status.IN_PROGRESS else None,
    )


def recent_contact(world, resident, *, days_ago: int = 3):
    """A physician contact a few days ago, so the resident is not on the agenda for that."""
    return CareContact.objects.create(
        resident=resident,
        clinician=world.physician_spain.staff_profile,
        unit=resident.unit,
        kind=CareContact.Kind.VIDEO,
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def make_consult(world, resident, *, urgency="next_round", status="sent"):
    now = timezone.now()
    return Consult.objects.create(
        resident=resident,
        unit=resident.unit,
        created_by=world.nurse_mala,
        urgency=urgency,
        situation="Hosta sedan tre dagar",
        background="KOL",
        assessment="Opåverkad",
        recommendation="Bedömning vid rond",
        status=status,
        assigned_to=world.physician_spain.staff_profile,
        routed_to="named",
        deadline_at=now + datetime.timedelta(days=2),
        close_reason="Klar" if status == "closed" else "",
    )
