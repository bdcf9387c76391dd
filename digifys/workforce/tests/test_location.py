"""Working from elsewhere (issue 15 §3): zone and holidays follow an approved period."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from digifys.accounts.models import Role
from digifys.careteams.models import PhysicianAssignment
from digifys.core.time import zone_of
from digifys.scheduling.availability import is_public_holiday, is_working
from digifys.testing.world import give_hours, make_staff
from digifys.workforce import services
from digifys.workforce.location import place_of
from digifys.workforce.models import WorkElsewhere

pytestmark = pytest.mark.django_db

# 6 June, Sweden's national day, is a working day in Spain.
SWEDISH_NATIONAL_DAY = datetime.date(2027, 6, 6)


@pytest.fixture
def umea(world):
    region = world.coordinator.staff_profile.employer
    staff = make_staff(
        "ulla.umea", Role.PHYSICIAN, region, work_city="Umeå", time_zone="Europe/Stockholm"
    )
    return staff


@pytest.fixture
def malaga_branch(world):
    branch = world.physician_spain.staff_profile.employer  # the virtual clinic in Málaga
    branch.city = "Málaga"
    branch.save()
    return branch


def _apply(staff, branch, first, last, follow=True):
    return services.apply_work_elsewhere(
        staff=staff,
        place=WorkElsewhere.Place.BRANCH,
        branch=branch,
        starts_on=first,
        ends_on=last,
        holidays_follow=follow,
        today=first - datetime.timedelta(days=30),
    )


def test_an_approved_period_moves_zone_and_holidays_and_only_while_in_force(
    world, umea, malaga_branch
):
    first, last = datetime.date(2027, 6, 1), datetime.date(2027, 6, 30)
    period = _apply(umea, malaga_branch, first, last)
    # Pending: nothing changes yet.
    assert place_of(umea, first + datetime.timedelta(days=3)).time_zone == "Europe/Stockholm"
    assert is_public_holiday(umea, SWEDISH_NATIONAL_DAY)

    services.decide_work_elsewhere(actor=world.coordinator, period=period, approve=True)

    during = place_of(umea, SWEDISH_NATIONAL_DAY)
    assert (during.time_zone, during.country, during.subdivision, during.city) == (
        "Europe/Madrid",
        "ES",
        "AN",
        "Málaga",
    )
    assert zone_of(umea, SWEDISH_NATIONAL_DAY).key == "Europe/Madrid"
    assert not is_public_holiday(umea, SWEDISH_NATIONAL_DAY)  # Spain works on 6 June
    assert place_of(umea, last + datetime.timedelta(days=1)).time_zone == "Europe/Stockholm"
    assert is_public_holiday(umea, datetime.date(2028, 6, 6))


def test_without_the_contract_clause_only_the_zone_moves(world, umea, malaga_branch):
    period = _apply(
        umea, malaga_branch, datetime.date(2027, 6, 1), datetime.date(2027, 6, 30), follow=False
    )
    services.decide_work_elsewhere(actor=world.coordinator, period=period, approve=True)

    assert zone_of(umea, SWEDISH_NATIONAL_DAY).key == "Europe/Madrid"
    assert is_public_holiday(umea, SWEDISH_NATIONAL_DAY)  # still the Swedish calendar


def test_working_hours_are_read_on_the_clock_of_the_place(world, umea, malaga_branch):
    give_hours(umea, datetime.time(8), datetime.time(16), weekdays=range(7))
    day = datetime.date(2027, 6, 9)
    stockholm_0830 = datetime.datetime(2027, 6, 9, 8, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
    # Madrid keeps Stockholm's clock, so the branch is on the Canaries (one hour behind).
    malaga_branch.time_zone = "Atlantic/Canary"
    malaga_branch.save()
    period = _apply(umea, malaga_branch, day, day)
    services.decide_work_elsewhere(actor=world.coordinator, period=period, approve=True)
    stockholm_0930 = stockholm_0830 + datetime.timedelta(hours=1)

    assert not is_working(umea, stockholm_0830)  # 07:30 on Gran Canaria
    assert is_working(umea, stockholm_0930)
    assert is_working(umea, stockholm_0830 + datetime.timedelta(days=1))  # back in Umeå


def test_the_panel_stays_with_the_clinician(world, malaga_branch):
    carmen = world.physician_spain.staff_profile
    before = set(
        PhysicianAssignment.objects.filter(physician=carmen, ended_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    period = services.apply_work_elsewhere(
        staff=carmen,
        place=WorkElsewhere.Place.HOME,
        branch=None,
        starts_on=datetime.date(2027, 6, 1),
        ends_on=datetime.date(2027, 6, 30),
        holidays_follow=False,
        today=datetime.date(2027, 5, 1),
    )
    services.decide_work_elsewhere(actor=world.coordinator, period=period, approve=True)
    after = set(
        PhysicianAssignment.objects.filter(physician=carmen, ended_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    assert before and after == before


def test_a_refusal_needs_a_reason_and_changes_nothing(world, umea, malaga_branch):
    period = _apply(umea, malaga_branch, datetime.date(2027, 6, 1), datetime.date(2027, 6, 30))
    with pytest.raises(ValidationError):
        services.decide_work_elsewhere(actor=world.coordinator, period=period, approve=False)
    services.decide_work_elsewhere(
        actor=world.coordinator, period=period, approve=False, reason="Cover in June is thin"
    )
    period.refresh_from_db()
    assert period.status == WorkElsewhere.Status.REFUSED
    assert place_of(umea, SWEDISH_NATIONAL_DAY).time_zone == "Europe/Stockholm"


def test_bad_periods_are_refused_with_a_message(umea, malaga_branch):
    with pytest.raises(ValidationError) as error:
        services.apply_work_elsewhere(
            staff=umea,
            place=WorkElsewhere.Place.BRANCH,
            branch=None,
            starts_on=datetime.date(2027, 6, 30),
            ends_on=datetime.date(2027, 6, 1),
            holidays_follow=False,
            today=datetime.date(2027, 5, 1),
        )
    assert set(error.value.message_dict) == {"ends_on", "branch"}
    _apply(umea, malaga_branch, datetime.date(2027, 6, 1), datetime.date(2027, 6, 30))
    with pytest.raises(ValidationError, match="overlaps"):
        _apply(umea, malaga_branch, datetime.date(2027, 6, 20), datetime.date(2027, 7, 5))


def test_with_the_cache_down_periods_are_read_from_the_database(
    world, umea, malaga_branch, settings
):
    """Redis stopped (bench/faults.py): consults must still be routed, periods still saved."""
    import socket

    first, last = datetime.date(2027, 6, 1), datetime.date(2027, 6, 30)
    period = _apply(umea, malaga_branch, first, last)
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    services.decide_work_elsewhere(actor=world.coordinator, period=period, approve=True)
    assert place_of(umea, SWEDISH_NATIONAL_DAY).time_zone == "Europe/Madrid"
    assert place_of(umea, last + datetime.timedelta(days=1)).time_zone == "Europe/Stockholm"
