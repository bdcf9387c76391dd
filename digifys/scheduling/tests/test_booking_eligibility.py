"""Issue 12 §4 item 17: bookings follow "digital care only for Västerbotten's residents".

The rule is the one of issue 19 item 2 (`consults.routing.may_serve`): a resident registered
outside Västerbotten without another documented entitlement keeps the bedside care and the
region's physicians working in Sweden, but the virtual clinic's physicians abroad take no new
care actions for them — so they cannot be booked for the resident either.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from digifys.residents.services import change_registration
from digifys.scheduling import services
from digifys.scheduling.models import Booking
from digifys.testing.world import give_hours

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
TUESDAY_8 = datetime.datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # 10:00 in Stockholm


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff(world):
    """Carmen works in Málaga, David in Lycksele; both 08:00–17:00 local time."""
    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    give_hours(carmen, datetime.time(8), datetime.time(17))
    give_hours(david, datetime.time(8), datetime.time(17))
    return carmen, david


@pytest.fixture
def moved(world):
    change_registration(
        actor=world.coordinator, resident=world.resident_mala, municipality_code="0180"
    )
    world.resident_mala.refresh_from_db()
    assert not world.resident_mala.is_eligible
    return world.resident_mala


def _book(world, clinician, resident):
    return services.book(
        actor=world.nurse_mala,
        clinician=clinician,
        resident=resident,
        kind=Booking.Kind.VIDEO,
        starts_at=TUESDAY_8,
        ends_at=TUESDAY_8 + datetime.timedelta(minutes=30),
        reason="Uppföljning efter fall",
    )


def test_a_physician_abroad_cannot_be_booked_for_a_resident_registered_elsewhere(
    world, staff, moved
):
    carmen, _ = staff
    with pytest.raises(ValidationError) as caught:
        _book(world, carmen, moved)
    assert "clinician" in caught.value.message_dict
    (message,) = caught.value.message_dict["clinician"]
    assert "not registered in Västerbotten" in message
    assert "abroad" in message
    assert not Booking.objects.exists()


def test_a_physician_in_sweden_can_still_be_booked_for_that_resident(world, staff, moved):
    _, david = staff
    booking = _book(world, david, moved)
    assert booking.clinician == david


def test_an_eligible_resident_is_unaffected(world, staff):
    carmen, _ = staff
    booking = _book(world, carmen, world.resident_mala)
    assert booking.clinician == carmen


def test_the_booking_page_says_why_and_keeps_what_was_typed(world, staff, moved, login):
    carmen, _ = staff
    client = login(world.nurse_mala, language="en")
    url = reverse("scheduling:book", kwargs={"resident_pk": moved.pk})
    response = client.post(
        url,
        {
            "clinician": carmen.pk,
            "kind": Booking.Kind.VIDEO,
            "day": "2026-06-02",
            "starts_at": "10:15",
            "duration": "30",
            "note": "Med tolk",
            "reason": "Uppföljning efter fall",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "not registered in Västerbotten" in html
    assert 'value="10:15"' in html
    assert "Med tolk" in html
    assert not Booking.objects.exists()
    client = login(world.nurse_mala, language="sv")
    html = client.post(
        url,
        {
            "clinician": carmen.pk,
            "kind": Booking.Kind.VIDEO,
            "day": "2026-06-02",
            "starts_at": "10:15",
            "duration": "30",
            "note": "Med tolk",
            "reason": "Uppföljning efter fall",
        },
    ).content.decode()
    assert "Västerbotten" in html and "utomlands" in html
