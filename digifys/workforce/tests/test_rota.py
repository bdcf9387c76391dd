"""The monthly on-duty rota (issue 15 §3): full cover, rest, weekly maxima, preferences, gaps."""

import datetime
import itertools

import pytest
from django.utils import timezone

from digifys.accounts.models import Role
from digifys.core.time import STOCKHOLM
from digifys.scheduling.models import Absence
from digifys.testing.world import make_staff
from digifys.workforce import rota, rota_engine, selectors, services
from digifys.workforce.models import HourPreference, Preference, Shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic_team(world):
    clinic = world.physician_spain.staff_profile.employer
    extra = [
        make_staff(
            f"dr{i}.clinic",
            Role.PHYSICIAN,
            clinic,
            time_zone="Europe/Madrid",
            work_country="ES",
            work_subdivision="AN",
            work_city="Málaga",
        )
        for i in range(4)
    ]
    return [world.physician_spain.staff_profile, world.other_physician.staff_profile, *extra]


def _month():
    return rota.next_month(timezone.localdate().replace(day=1))


def test_the_rota_covers_every_hour_and_keeps_rest_and_weekly_maxima(world, clinic_team):
    night_owl, early_bird = clinic_team[0], clinic_team[1]
    # Carmen cannot work nights (23-07 Stockholm = 23-07 Madrid); David at most 24 h a week.
    for weekday in range(7):
        HourPreference.objects.create(
            staff=night_owl,
            kind="cannot",
            weekday=weekday,
            starts=datetime.time(23),
            ends=datetime.time(0),
        )
    Preference.objects.create(staff=early_bird, max_on_duty_hours_per_week=24)

    month, result = services.build_rota(actor=world.coordinator, month=_month(), seconds=10)

    shifts = list(Shift.objects.filter(rota=month).order_by("starts_at"))
    assert len(shifts) == 3 * len(rota.days_of(month.month))
    assert all(s.staff_id for s in shifts)
    assert result.gaps == {}
    by_person = {}
    for s in shifts:
        by_person.setdefault(s.staff_id, []).append(s)
    for held in by_person.values():
        for a, b in itertools.pairwise(held):
            assert b.starts_at - a.ends_at >= datetime.timedelta(hours=11)
    assert not [
        s for s in by_person.get(night_owl.pk, []) if s.starts_at.astimezone(STOCKHOLM).hour == 23
    ]
    weeks = {}
    for s in by_person.get(early_bird.pk, []):
        key = s.starts_at.isocalendar()[:2]
        weeks[key] = weeks.get(key, 0) + s.hours
    assert max(weeks.values(), default=0) <= 24
    view = selectors.month_rota(month.month)
    assert view["covered"] and view["gaps"] == 0
    assert view["spread"]["max_minus_min"] <= 24  # three shifts; the 24-hour clinician pulls


def test_gaps_show_before_they_happen(world, clinic_team):
    built, _result = services.build_rota(actor=world.coordinator, month=_month(), seconds=10)
    shift = Shift.objects.filter(rota=built).order_by("starts_at")[5]
    holder = shift.staff
    day = shift.starts_at.date()
    Absence.objects.create(staff=holder, kind=Absence.Kind.SICK, starts_on=day, ends_on=day)

    view = selectors.month_rota(built.month)

    assert not view["covered"]
    assert view["future_gaps"] >= 1
    cells = [c for row in view["rows"] for c in row["cells"] if c["problem"]]
    assert any(r[0] == "away" and r[1] == holder.name for c in cells for r in c["reasons"])


def test_too_few_clinicians_leave_named_gaps_instead_of_failing(world):
    # Two physicians cannot cover 168 hours a week at 40 hours each.
    built, result = services.build_rota(actor=world.coordinator, month=_month(), seconds=5)
    assert result.gaps
    assert Shift.objects.filter(rota=built, staff__isnull=True).count() == sum(result.gaps.values())
    assert selectors.month_rota(built.month)["gaps"] == len(result.gaps)


def test_the_optimiser_is_at_least_as_fair_as_the_greedy_baseline():
    slots = [
        rota_engine.Slot(id=i, start=i * 480, end=i * 480 + 480, week=i // 21) for i in range(42)
    ]
    people = [rota_engine.Person(id=p, max_week_minutes=48 * 60) for p in range(5)]
    people[0].cannot = frozenset(s.id for s in slots if s.id % 3 == 2)
    base = rota_engine.greedy(slots, people)
    best = rota_engine.solve(slots, people, seconds=5, hint=base)
    assert not best.gaps
    assert best.cannot_used == 0
    assert best.spread()["max_minus_min"] <= base.spread()["max_minus_min"]


def test_planner_preferences_are_readable_for_the_week_planner(world):
    carmen = world.physician_spain.staff_profile
    services.save_preferences(
        staff=carmen,
        max_hours=30,
        units=[world.unit_mala],
        hours=[("cannot", 2, datetime.time(12), datetime.time(14))],
    )
    prefs = selectors.planner_preferences([carmen.pk])[carmen.pk]
    assert prefs.max_on_duty_hours_per_week == 30
    assert prefs.preferred_unit_ids == {world.unit_mala.pk}
    assert prefs.cannot_work(datetime.datetime(2027, 6, 9, 12, 30))  # a Wednesday
    assert not prefs.cannot_work(datetime.datetime(2027, 6, 9, 14, 0))
