"""Double bookings under concurrent requests: the database decides (PostgreSQL only)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone, translation

from digifys.scheduling import services
from digifys.scheduling.models import Booking
from digifys.testing.world import give_hours

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def _next_week_at_ten() -> datetime.datetime:
    soon = timezone.now() + datetime.timedelta(days=7)
    return soon.replace(hour=10, minute=0, second=0, microsecond=0)


def test_two_concurrent_requests_for_the_same_slot_exactly_one_succeeds(world):
    clinician = world.physician_spain.staff_profile
    give_hours(clinician, datetime.time(0), datetime.time(0))
    starts_at = _next_week_at_ten()
    barrier = threading.Barrier(2)
    outcomes = []

    def request(actor, resident):
        translation.activate("en")  # the language is per thread
        try:
            barrier.wait(timeout=10)
            booking = services.book(
                actor=actor,
                clinician=clinician,
                resident=resident,
                kind=Booking.Kind.VIDEO,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(minutes=30),
                reason="Veckovisit enligt plan",
            )
            outcomes.append(("booked", booking.pk))
        except ValidationError as error:
            outcomes.append(("refused", error.message_dict["starts_at"][0]))
        except Exception as error:  # reported by the assertion below
            outcomes.append(("error", repr(error)))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=request, args=(world.nurse_mala, world.resident_mala)),
        threading.Thread(target=request, args=(world.coordinator, world.resident_mala_2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["booked", "refused"], outcomes
    refusal = next(text for kind, text in outcomes if kind == "refused")
    assert "Carmen Doctor already has a booking" in refusal
    assert Booking.objects.active().count() == 1


def test_the_database_refuses_an_overlap_even_without_the_services_check(world):
    clinician = world.physician_spain.staff_profile
    starts_at = _next_week_at_ten()
    fields = {
        "clinician": clinician,
        "unit": world.unit_mala,
        "kind": Booking.Kind.VIDEO,
        "created_by": world.coordinator,
    }
    Booking.objects.create(
        resident=world.resident_mala,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        **fields,
    )
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        Booking.objects.create(
            resident=world.resident_mala_2,
            starts_at=starts_at + datetime.timedelta(minutes=15),
            ends_at=starts_at + datetime.timedelta(minutes=45),
            **fields,
        )
    # Back to back is fine, and so is an overlap with a cancelled booking.
    Booking.objects.create(
        resident=world.resident_mala_2,
        starts_at=starts_at + datetime.timedelta(minutes=30),
        ends_at=starts_at + datetime.timedelta(minutes=60),
        **fields,
    )
    Booking.objects.filter(starts_at=starts_at).update(cancelled_at=timezone.now())
    Booking.objects.create(
        resident=world.resident_mala_2,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        **fields,
    )
