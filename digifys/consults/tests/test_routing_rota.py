"""Consult routing reads the dated on-duty rota (issue 15 §3), not the weekly on-duty pattern.

The rota's shifts (with the swaps the coordinator approved) say who is on duty at the instant;
only on a day without any rota shift does the weekly pattern stand in, and the consult's thread
says which one decided (a code + parameters, rendered in the reader's language).
"""

import datetime

import pytest
import time_machine
from django.utils import translation

from digifys.accounts.models import Role
from digifys.consults import routing, services
from digifys.consults.events import EVENTS
from digifys.consults.models import Consult, ConsultMessage
from digifys.scheduling.models import Absence
from digifys.testing.world import give_hours, make_staff
from digifys.workforce import services as workforce
from digifys.workforce.models import SwapRequest
from digifys.workforce.tests.helpers import at, day_ahead, rota_for, shift

pytestmark = pytest.mark.django_db

DAY = (datetime.time(8, 0), datetime.time(17, 0))


@pytest.fixture
def clinic(world):
    """Named physician and deputy work weekdays 08-17; Olga has the weekly on-duty pattern
    (24/7); Pablo and Quentin are the clinic's physicians the rota uses."""
    named = world.physician_spain.staff_profile
    give_hours(named, *DAY, weekdays=range(5), works_on_holidays=False)
    olga, pablo, quentin = (
        make_staff(
            name,
            Role.PHYSICIAN,
            world.clinic,
            time_zone="Europe/Madrid",
            work_country="ES",
            work_subdivision="AN",
        )
        for name in ("olga.weekly", "pablo.rota", "quentin.rota")
    )
    give_hours(olga, datetime.time(0, 0), datetime.time(0, 0), on_call=True)
    return named, olga, pablo, quentin


def _night(days: int = 10) -> tuple[datetime.date, datetime.datetime]:
    """A night shift 23:00-07:00 starting DAYS ahead, and 02:30 inside it (Stockholm)."""
    day = day_ahead(days)
    return day, at(day + datetime.timedelta(days=1), 2) + datetime.timedelta(minutes=30)


def _send(world):
    return services.send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="urgent",
        situation="Greta andas snabbare sedan i natt.",
        background="Hjärtsvikt.",
        assessment="NEWS2 6.",
        recommendation="Bedömning inom 30 minuter.",
    )


def _reason(consult) -> ConsultMessage:
    return ConsultMessage.objects.get(consult=consult, code__startswith="route_")


def test_the_dated_rota_decides_who_is_on_duty_not_the_weekly_pattern(world, clinic):
    _named, olga, pablo, _quentin = clinic
    day, night = _night()
    rota = rota_for(world.coordinator)
    shift(rota, pablo, day, 23)
    with time_machine.travel(night, tick=False):
        consult = _send(world)
    assert (consult.assigned_to, consult.routed_to) == (pablo, Consult.RoutedTo.ON_DUTY)
    reason = _reason(consult)
    assert reason.code == routing.REASON_ROTA
    assert reason.params["name"] == pablo.name
    assert reason.params["start"] == at(day, 23).astimezone(datetime.UTC).isoformat()
    with translation.override("en"):
        text = EVENTS[reason.code](reason.params)
    assert text.startswith(f"{pablo.name} is on duty per the rota")
    assert olga not in routing.on_duty_clinic_physicians(night)


def test_an_approved_swap_changes_who_gets_the_consult(world, clinic):
    _named, _olga, pablo, quentin = clinic
    day, night = _night()
    rota = rota_for(world.coordinator)
    held = shift(rota, pablo, day, 23)
    with time_machine.travel(night, tick=False):
        assert routing.route(world.resident_mala).physician == pablo

    swap = workforce.propose_swap(proposer=pablo, counterpart=quentin, shift=held)
    swap = workforce.respond_swap(staff=quentin, swap=swap, accept=True)
    # Accepted by the colleague, not yet approved: the rota (and the routing) is unchanged.
    with time_machine.travel(night, tick=False):
        assert routing.route(world.resident_mala).physician == pablo
    swap = workforce.decide_swap(actor=world.coordinator, swap=swap, approve=True)
    assert swap.status == SwapRequest.Status.APPROVED

    with time_machine.travel(night, tick=False):
        consult = _send(world)
    assert (consult.assigned_to, consult.routed_to) == (quentin, Consult.RoutedTo.ON_DUTY)
    assert _reason(consult).params["name"] == quentin.name


def test_a_day_without_rota_falls_back_to_the_weekly_pattern_and_says_so(world, clinic):
    _named, olga, pablo, _quentin = clinic
    day, night = _night()
    # A rota exists for another month's day, not for this one.
    shift(rota_for(world.coordinator), pablo, day + datetime.timedelta(days=40), 23)
    with time_machine.travel(night, tick=False):
        consult = _send(world)
    assert (consult.assigned_to, consult.routed_to) == (olga, Consult.RoutedTo.ON_DUTY)
    reason = _reason(consult)
    assert reason.code == routing.REASON_WEEKLY
    assert reason.params == {"name": olga.name, "day": night.date().isoformat()}
    with translation.override("en"):
        assert "no rota for" in EVENTS[reason.code](reason.params)
    with translation.override("sv"):
        assert EVENTS[reason.code](reason.params) != EVENTS[reason.code].message


def test_a_gap_in_the_rota_is_not_filled_from_the_weekly_pattern(world, clinic):
    named, olga, pablo, _quentin = clinic
    day, night = _night()
    rota = rota_for(world.coordinator)
    # The rota covers the day but nobody holds the night: a gap, shown in red on the rota page.
    shift(rota, pablo, day, 7)
    shift(rota, None, day, 23)
    with time_machine.travel(night, tick=False):
        consult = _send(world)
    assert consult.assigned_to == named
    assert consult.routed_to == Consult.RoutedTo.NOBODY_ON_DUTY
    assert olga != consult.assigned_to


def test_a_rota_physician_registered_as_away_is_passed_over(world, clinic):
    _named, _olga, pablo, quentin = clinic
    day, night = _night()
    rota = rota_for(world.coordinator)
    shift(rota, pablo, day, 23)
    shift(rota, quentin, day, 23)
    Absence.objects.create(staff=pablo, kind="sick", starts_on=night.date(), ends_on=night.date())
    with time_machine.travel(night, tick=False):
        candidates = routing.candidates(world.resident_mala)
    assert [c.physician for c in candidates] == [quentin]


def test_the_named_physician_on_a_rota_shift_gets_it_as_named(world, clinic):
    named, _olga, pablo, _quentin = clinic
    day, night = _night()
    rota = rota_for(world.coordinator)
    shift(rota, named, day, 23)
    shift(rota, pablo, day, 23)
    with time_machine.travel(night, tick=False):
        consult = _send(world)
    assert (consult.assigned_to, consult.routed_to) == (named, Consult.RoutedTo.NAMED)
    assert _reason(consult).code == routing.REASON_ROTA


def test_working_from_elsewhere_moves_the_named_physicians_hours_next_to_the_rota(world, clinic):
    """Carmen works 08-17 on the clock of her place; an approved period on Gran Canaria (one
    hour behind Stockholm) means at 08:30 Stockholm she has not started and the rota's on-duty
    physician gets the consult; at 09:30 she does."""
    from digifys.workforce.models import WorkElsewhere

    named, _olga, pablo, _quentin = clinic
    day = day_ahead()
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    rota = rota_for(world.coordinator)
    shift(rota, pablo, day, 7)
    WorkElsewhere.objects.create(
        staff=named, place=WorkElsewhere.Place.HOME, starts_on=day, ends_on=day,
        time_zone="Atlantic/Canary", country="ES", subdivision="CN",
        status=WorkElsewhere.Status.APPROVED,
    )  # fmt: skip
    with time_machine.travel(at(day, 8) + datetime.timedelta(minutes=30), tick=False):
        first = routing.route(world.resident_mala)
    assert (first.physician, first.routed_to, first.reason) == (
        pablo, Consult.RoutedTo.ON_DUTY, routing.REASON_ROTA,
    )  # fmt: skip
    with time_machine.travel(at(day, 9) + datetime.timedelta(minutes=30), tick=False):
        second = routing.route(world.resident_mala)
    assert (second.physician, second.routed_to, second.reason) == (
        named, Consult.RoutedTo.NAMED, "",
    )  # fmt: skip
