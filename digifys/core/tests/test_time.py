"""The time helpers: one Stockholm zone, each person's own zone and the "your time" label."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from digifys.core import time
from digifys.scheduling import availability
from digifys.testing.world import make_user

CANARY = ZoneInfo("Atlantic/Canary")
MADRID = ZoneInfo("Europe/Madrid")
WINTER_NOON = datetime.datetime(2026, 1, 14, 11, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_zone_of_is_the_staff_members_own_zone(world):
    assert time.zone_of(world.physician_spain) == MADRID
    assert time.zone_of(world.physician_spain.staff_profile) == MADRID
    assert time.zone_of(world.nurse_mala) == time.STOCKHOLM


@pytest.mark.django_db
def test_zone_of_falls_back_to_stockholm_without_a_profile_or_a_valid_zone(world):
    assert time.zone_of(make_user("no.profile")) == time.STOCKHOLM
    profile = world.physician_spain.staff_profile
    profile.time_zone = "Europe/Malaga"  # not an IANA zone
    assert time.zone_of(profile) == time.STOCKHOLM
    profile.time_zone = ""
    assert time.zone_of(profile) == time.STOCKHOLM


@pytest.mark.django_db
def test_only_physicians_get_their_own_zone_shown(world):
    assert time.physician_zone(world.physician_spain) == MADRID
    assert time.physician_zone(world.nurse_mala) is None
    assert time.physician_zone(world.coordinator) is None


def test_the_label_names_the_own_time_only_when_the_clock_differs():
    assert time.own_time_label(WINTER_NOON, time.STOCKHOLM) == ""
    assert time.own_time_label(WINTER_NOON, MADRID) == ""  # Madrid keeps Stockholm's clock
    with translation.override("en"):
        assert time.own_time_label(WINTER_NOON, CANARY) == "11:00 your time (Atlantic/Canary)"
    assert time.clock_differs(WINTER_NOON, CANARY)
    assert not time.clock_differs(WINTER_NOON, MADRID)


def test_local_to_utc_is_one_function_also_reachable_from_scheduling():
    assert availability.local_to_utc is time.local_to_utc
    day = datetime.date(2026, 1, 14)
    assert time.local_to_utc(day, datetime.time(12, 0), time.STOCKHOLM_NAME) == WINTER_NOON


@pytest.mark.django_db
def test_the_round_page_shows_a_physician_abroad_their_own_clock(world, login):
    from digifys.rounds.tests.helpers import make_round

    occurrence = make_round(world)
    profile = world.physician_spain.staff_profile
    profile.time_zone = "Atlantic/Canary"  # always one hour behind Stockholm
    profile.save(update_fields=["time_zone"])
    url = reverse("rounds:detail", args=[occurrence.pk])
    local = occurrence.starts_at.astimezone(CANARY).strftime("%H:%M")
    page = login(world.physician_spain, language="en").get(url).content.decode()
    assert f"{local} your time (Atlantic/Canary)" in page
    page = login(world.nurse_mala, language="en").get(url).content.decode()
    assert "your time" not in page
