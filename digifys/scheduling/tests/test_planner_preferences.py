"""The week planner respects clinicians' preferences (issue 15 section 3): "cannot work" hours are
never planned and are named in the explanation, preferred units weigh in within a tier, a physician
whose licence is blocked is not planned, and a work-from-elsewhere period sets the zone of the
planned week."""

import datetime

import pytest
from django.utils import translation

from digifys.scheduling.planner.engine import Clinician, Item, Window, optimise

WEEK = datetime.date(2026, 12, 14)  # Monday of week 51; no Spanish or Swedish holiday in it


@pytest.fixture
def monday(world):
    import time_machine

    from digifys.core.time import STOCKHOLM

    with time_machine.travel(datetime.datetime(2026, 12, 10, 12, tzinfo=STOCKHOLM), tick=False):
        yield WEEK


def _windows_of(problem, staff):
    (clinician,) = [c for c in problem.clinicians if c.id == str(staff.pk)]
    return clinician, [(w.start, w.end) for w in clinician.windows]


def _cannot(staff, weekday, starts, ends):
    from digifys.workforce.models import HourPreference

    HourPreference.objects.create(
        staff=staff, kind=HourPreference.Kind.CANNOT, weekday=weekday, starts=starts, ends=ends
    )


@pytest.mark.django_db
def test_cannot_work_hours_are_not_free_time(world, monday):
    from digifys.scheduling.plan_inputs import collect
    from digifys.testing.world import give_hours

    david = world.other_physician.staff_profile  # Lycksele, Stockholm's clock
    give_hours(david, datetime.time(8), datetime.time(16), weekdays=range(5))
    _cannot(david, 1, datetime.time(8), datetime.time(12))  # Tuesdays until noon
    _, windows = _windows_of(collect(week_start=monday), david)
    tuesday = 1440
    assert (tuesday + 8 * 60, tuesday + 16 * 60) not in windows
    assert (tuesday + 12 * 60, tuesday + 16 * 60) in windows
    assert (8 * 60, 16 * 60) in windows  # Monday untouched


@pytest.mark.django_db
def test_a_round_in_the_named_physicians_cannot_hours_names_the_reason(world, monday):
    from digifys.rounds.models import RoundSlot
    from digifys.scheduling import plan_explanations, planning
    from digifys.scheduling.models import PlanItem
    from digifys.testing.world import assign, give_hours

    carmen = world.physician_spain.staff_profile  # Málaga
    david = world.other_physician.staff_profile
    give_hours(carmen, datetime.time(8), datetime.time(16), weekdays=range(5))
    give_hours(david, datetime.time(8), datetime.time(16), weekdays=range(5))
    _cannot(carmen, 1, datetime.time(8), datetime.time(12))
    assign(world.resident_mala, david, "deputy")
    RoundSlot.objects.create(
        unit=world.unit_mala, weekday=1, starts=datetime.time(9), ends=datetime.time(10),
        physician=carmen,
    )  # fmt: skip
    plan = planning.propose_plan(actor=world.coordinator, week_start=monday, time_limit=2)
    item = plan.items.get(kind=PlanItem.Kind.ROUND)
    assert (item.clinician, item.tier) == (david, PlanItem.Tier.DEPUTY)
    assert item.reasons == [{"code": "cannot", "params": {"role": "named", "name": carmen.name}}]
    with translation.override("en"):
        (line,) = plan_explanations.explain(item, {})
    assert "has said they cannot work then" in line and carmen.name in line
    with translation.override("es"):
        (line,) = plan_explanations.explain(item, {})
    assert "no puede trabajar" in line
    with translation.override("sv"):
        (line,) = plan_explanations.explain(item, {})
    assert "inte kan arbeta" in line


def test_a_preferred_unit_weighs_in_within_a_tier_never_across_tiers():
    day = Window(8 * 60, 16 * 60)
    later = Window(12 * 60, 16 * 60)
    # Two team members: "early" is free sooner, "fond" prefers the item's unit.
    early = Clinician("early", "north", frozenset({"sv"}), (day,))
    fond = Clinician("fond", "north", frozenset({"sv"}), (later,), preferred_units=frozenset({"7"}))
    item = Item("review:1", "follow_up", 30, 0, 1440, named="away", team="north", unit="7")
    away = Clinician("away", "north", frozenset({"sv"}), ())
    plan = optimise([item], [away, early, fond], time_limit=2, workers=1)
    assert (plan.assignments[item.id].clinician_id, plan.assignments[item.id].tier) == (
        "fond",
        "team",
    )
    # A locum who prefers the unit never goes before the team.
    locum = Clinician(
        "locum",
        "agency",
        frozenset({"sv"}),
        (day,),
        is_locum=True,
        preferred_units=frozenset({"7"}),
    )
    plan = optimise([item], [away, early, locum], time_limit=2, workers=1)
    assert plan.assignments[item.id].clinician_id == "early"
    # Nor before the named physician.
    named = Clinician("away", "north", frozenset({"sv"}), (later,))
    plan = optimise([item], [named, early, fond], time_limit=2, workers=1)
    assert plan.assignments[item.id].tier == "named"


@pytest.mark.django_db
def test_a_physician_whose_licence_is_blocked_is_not_planned(world, monday):
    from digifys.clinicians.models import Clinician as Register
    from digifys.rounds.models import RoundSlot
    from digifys.scheduling import plan_explanations, planning
    from digifys.scheduling.models import PlanItem
    from digifys.scheduling.plan_inputs import collect
    from digifys.testing.world import assign, give_hours

    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    give_hours(carmen, datetime.time(8), datetime.time(16), weekdays=range(5))
    give_hours(david, datetime.time(8), datetime.time(16), weekdays=range(5))
    Register.objects.create(
        staff=carmen, recruitment_status=Register.Recruitment.ACTIVE,
        licence_status=Register.Licence.WITHDRAWN, licence_number="W1",
    )  # fmt: skip
    clinician, _ = _windows_of(collect(week_start=monday), carmen)
    assert clinician.licensed is False
    assign(world.resident_mala, david, "deputy")
    RoundSlot.objects.create(
        unit=world.unit_mala, weekday=1, starts=datetime.time(9), ends=datetime.time(10),
        physician=carmen,
    )  # fmt: skip
    plan = planning.propose_plan(actor=world.coordinator, week_start=monday, time_limit=2)
    assert not plan.items.filter(clinician=carmen).exists()
    item = plan.items.get(kind=PlanItem.Kind.ROUND)
    assert item.clinician == david
    assert item.reasons == [
        {"code": "unlicensed", "params": {"role": "named", "name": carmen.name}}
    ]
    with translation.override("en"):
        (line,) = plan_explanations.explain(item, {})
    assert "has no Swedish licence" in line


@pytest.mark.django_db
def test_working_from_elsewhere_for_the_planned_week_gives_windows_in_that_zone(world, monday):
    # Europe/Madrid keeps Stockholm's clock, so the test takes the Canaries (an hour behind):
    # a Lycksele physician working from Gran Canaria the planned week works 08-16 there.
    from digifys.scheduling.plan_inputs import collect
    from digifys.testing.world import give_hours
    from digifys.workforce.models import WorkElsewhere

    david = world.other_physician.staff_profile
    give_hours(david, datetime.time(8), datetime.time(16), weekdays=range(5))
    WorkElsewhere.objects.create(
        staff=david, place=WorkElsewhere.Place.HOME, starts_on=monday,
        ends_on=monday + datetime.timedelta(days=6), time_zone="Atlantic/Canary", country="ES",
        subdivision="CN", status=WorkElsewhere.Status.APPROVED,
    )  # fmt: skip
    _, windows = _windows_of(collect(week_start=monday), david)
    assert (9 * 60, 17 * 60) in windows  # 08-16 Canary time is 09-17 in Stockholm
    assert (8 * 60, 16 * 60) not in windows
