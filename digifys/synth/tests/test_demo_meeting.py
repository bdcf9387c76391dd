"""The demo region books a family meeting today and invites the persona relative by name."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from digifys.accounts.models import User
from digifys.core.time import STOCKHOLM
from digifys.notifications.models import Notification
from digifys.scheduling.models import Booking
from digifys.synth.region import generate_region
from digifys.visits.models import Participant, Room

pytestmark = pytest.mark.django_db

# The demo is generated "now": a weekday afternoon, the meeting's room open while it is shown.
NOW = datetime.datetime(2026, 11, 26, 14, 7, tzinfo=STOCKHOLM)


def test_the_demo_relative_is_invited_to_todays_family_meeting_and_sees_join(login):
    with time_machine.travel(NOW, tick=False):
        generate_region(seed=3, scale=40, now=NOW)
        relative = User.objects.get(username="anhorig")
        meeting = Booking.objects.get(kind=Booking.Kind.FAMILY_MEETING)
        assert meeting.starts_at.astimezone(STOCKHOLM).date() == NOW.date()
        assert meeting.resident == relative.relative_links.get().resident
        room = Room.objects.get(booking=meeting)
        participant = Participant.objects.get(room=room, user=relative)
        assert (participant.role, participant.status) == ("relative", "invited")
        assert Notification.objects.filter(recipient=relative).exists()
        page = login(relative, language="en").get(reverse("relatives:home")).content.decode()
    join = reverse("visits:relative_room", args=[room.pk])
    assert f'href="{join}"' in page
    assert ">Join</a>" in page


def test_a_region_generated_for_a_past_day_books_the_meeting_without_inviting():
    generate_region(seed=3, scale=40, now=NOW)  # real time is later: the room has closed
    meeting = Booking.objects.get(kind=Booking.Kind.FAMILY_MEETING)
    assert Room.objects.filter(booking=meeting).exists()
    assert not Participant.objects.filter(room__booking=meeting).exists()
