"""Issue 12 §4 item 17: video rooms follow "digital care only for Västerbotten's residents".

The rule is the one of issue 19 item 2 (`consults.routing.may_serve`): for a resident registered
outside Västerbotten without another documented entitlement, the bedside care and physicians
working in Sweden carry on, but the virtual clinic's physicians abroad take no new care actions —
no video visit is opened with them as host, and they cannot join one about that resident.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from digifys.residents.services import change_registration
from digifys.scheduling.models import Booking
from digifys.visits import services
from digifys.visits.models import Room
from digifys.visits.tests.access_rows import _a_booking, _a_consult

pytestmark = pytest.mark.django_db


def _move_out(world):
    change_registration(
        actor=world.coordinator, resident=world.resident_mala, municipality_code="0180"
    )
    world.resident_mala.refresh_from_db()
    assert not world.resident_mala.is_eligible
    return world.resident_mala


def _booking_with(world, staff):
    start = timezone.now() + datetime.timedelta(minutes=5)
    return Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=staff,
        resident=world.resident_mala,
        unit=world.unit_mala,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        created_by=world.nurse_mala,
    )


def test_no_room_with_a_physician_abroad_for_a_resident_registered_elsewhere(world):
    consult = _a_consult(world)  # sent while eligible: Carmen in Málaga has it
    booking = _a_booking(world)
    _move_out(world)
    for actor in (world.physician_spain, world.nurse_mala):
        with pytest.raises(ValidationError) as caught:
            services.open_room_for_consult(actor=actor, consult=consult)
        assert "not registered in Västerbotten" in " ".join(caught.value.messages)
        with pytest.raises(ValidationError) as caught:
            services.open_room_for_booking(actor=actor, booking=booking)
        assert "abroad" in " ".join(caught.value.messages)
    assert not Room.objects.exists()


def test_a_physician_in_sweden_may_hold_the_video_visit(world):
    moved = _move_out(world)
    booking = _booking_with(world, world.other_physician.staff_profile)
    room = services.open_room_for_booking(actor=world.nurse_mala, booking=booking)
    assert room.resident == moved
    assert room.host == world.other_physician.staff_profile


def test_a_physician_abroad_cannot_join_a_room_opened_before_the_move(world):
    room = services.open_room_for_booking(
        actor=world.physician_spain,
        booking=_booking_with(world, world.physician_spain.staff_profile),
    )
    _move_out(world)
    with pytest.raises(services.JoinRefused) as caught:
        services.identify(room_id=room.pk, user=world.physician_spain)
    assert caught.value.code == services.FORBIDDEN
    assert "not registered in Västerbotten" in caught.value.message
    # The nurse at the bedside still may.
    assert services.identify(room_id=room.pk, user=world.nurse_mala).user == world.nurse_mala


def test_an_eligible_residents_rooms_are_unaffected(world):
    room = services.open_room_for_consult(actor=world.nurse_mala, consult=_a_consult(world))
    assert services.identify(room_id=room.pk, user=world.physician_spain).is_host


def test_the_page_says_why_the_video_visit_cannot_start(world, login):
    consult = _a_consult(world)
    _move_out(world)
    client = login(world.nurse_mala, language="en")
    response = client.post(reverse("visits:consult_room", args=[consult.pk]), follow=True)
    html = response.content.decode()
    assert "not registered in Västerbotten" in html
    client = login(world.nurse_mala, language="es")
    response = client.post(reverse("visits:consult_room", args=[consult.pk]), follow=True)
    assert "Västerbotten" in response.content.decode()
    assert "not registered" not in response.content.decode()
