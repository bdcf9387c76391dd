"""Shift swaps (issue 15 §3): cover, 11 hours of daily rest and licences, then the coordinator."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from digifys.notifications.models import Notification
from digifys.scheduling.models import Absence
from digifys.workforce import licences, services
from digifys.workforce.models import Shift, SwapRequest

from .helpers import day_ahead, rota_for, shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(world):
    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    return carmen, david, rota_for(world.coordinator)


def test_a_swap_that_breaks_eleven_hours_of_rest_is_refused_with_the_reason(pair):
    carmen, david, rota = pair
    day = day_ahead()
    # David works the evening 15-23; Carmen offers him the next morning 07-15: 8 hours of rest.
    shift(rota, david, day, 15)
    morning = shift(rota, carmen, day + datetime.timedelta(days=1), 7)

    with pytest.raises(ValidationError) as refused:
        services.propose_swap(proposer=carmen, counterpart=david, shift=morning)

    message = refused.value.messages[0]
    assert "Daily rest would break" in message
    assert "David Doctor would have only 8 hours" in message
    assert "at least 11 hours" in message
    assert not SwapRequest.objects.exists()
    assert Shift.objects.get(pk=morning.pk).staff == carmen


def test_rest_is_checked_again_when_the_colleague_accepts(pair):
    carmen, david, rota = pair
    day = day_ahead()
    morning = shift(rota, carmen, day + datetime.timedelta(days=1), 7)
    swap = services.propose_swap(proposer=carmen, counterpart=david, shift=morning)
    # Meanwhile David got the evening before (10 hours before the morning at 07:00? 15-21).
    shift(rota, david, day, 15, hours=6)

    swap = services.respond_swap(staff=david, swap=swap, accept=True)

    assert swap.status == SwapRequest.Status.REFUSED
    assert swap.refusal_code == "rest"
    assert "only 10 hours" in swap.refusal_text
    assert Shift.objects.get(pk=morning.pk).staff == carmen


def test_an_exchange_keeps_rest_and_is_approved_by_the_coordinator(pair, world):
    carmen, david, rota = pair
    day = day_ahead()
    mine = shift(rota, carmen, day, 7)
    theirs = shift(rota, david, day + datetime.timedelta(days=3), 15)

    swap = services.propose_swap(
        proposer=carmen, counterpart=david, shift=mine, counter_shift=theirs
    )
    assert Notification.objects.filter(recipient=david.user, code="swap_proposed").exists()
    swap = services.respond_swap(staff=david, swap=swap, accept=True)
    assert swap.status == SwapRequest.Status.ACCEPTED
    assert Notification.objects.filter(
        recipient=world.coordinator, kind=Notification.Kind.SHIFT_SWAP, code="swap_to_approve"
    ).exists()

    swap = services.decide_swap(actor=world.coordinator, swap=swap, approve=True)

    assert swap.status == SwapRequest.Status.APPROVED
    assert Shift.objects.get(pk=mine.pk).staff == david
    assert Shift.objects.get(pk=theirs.pk).staff == carmen


def test_cover_breaks_when_the_colleague_is_away(pair):
    carmen, david, rota = pair
    day = day_ahead()
    mine = shift(rota, carmen, day, 7)
    Absence.objects.create(staff=david, kind=Absence.Kind.VACATION, starts_on=day, ends_on=day)

    with pytest.raises(ValidationError) as refused:
        services.propose_swap(proposer=carmen, counterpart=david, shift=mine)

    assert "Cover would break" in refused.value.messages[0]
    assert "registered as away" in refused.value.messages[0]


def test_a_colleague_without_a_valid_licence_cannot_take_the_shift(pair, monkeypatch):
    carmen, david, rota = pair
    mine = shift(rota, carmen, day_ahead(), 7)
    monkeypatch.setattr(licences, "licence_valid", lambda staff, on=None: staff.pk != david.pk)

    with pytest.raises(ValidationError) as refused:
        services.propose_swap(proposer=carmen, counterpart=david, shift=mine)

    assert "no valid licence" in refused.value.messages[0]


def test_a_coordinator_refusal_needs_a_reason_and_leaves_the_rota(pair, world):
    carmen, david, rota = pair
    mine = shift(rota, carmen, day_ahead(), 7)
    swap = services.propose_swap(proposer=carmen, counterpart=david, shift=mine)
    swap = services.respond_swap(staff=david, swap=swap, accept=True)

    with pytest.raises(ValidationError):
        services.decide_swap(actor=world.coordinator, swap=swap, approve=False, reason=" ")
    swap = services.decide_swap(
        actor=world.coordinator, swap=swap, approve=False, reason="David is new on nights"
    )

    assert swap.status == SwapRequest.Status.REFUSED
    assert swap.refusal_text == "David is new on nights"
    assert Shift.objects.get(pk=mine.pk).staff == carmen


def test_only_the_holder_can_offer_a_shift_and_not_one_that_has_begun(pair):
    carmen, david, rota = pair
    theirs = shift(rota, david, day_ahead(), 7)
    with pytest.raises(ValidationError, match="does not hold"):
        services.propose_swap(proposer=carmen, counterpart=david, shift=theirs)
    past = shift(rota, carmen, day_ahead(-2), 7)
    with pytest.raises(ValidationError, match="already begun"):
        services.propose_swap(proposer=carmen, counterpart=david, shift=past)


def test_the_ical_feed_follows_an_approved_swap(pair, world, client):
    from digifys.scheduling.services import feed_for

    carmen, david, rota = pair
    mine = shift(rota, carmen, day_ahead(), 7)
    swap = services.propose_swap(proposer=carmen, counterpart=david, shift=mine)
    swap = services.respond_swap(staff=david, swap=swap, accept=True)
    before = client.get(f"/scheduling/ics/{feed_for(carmen).token}.ics").content.decode()
    assert f"shift-{mine.pk}@digifys" in before

    services.decide_swap(actor=world.coordinator, swap=swap, approve=True)

    after_carmen = client.get(f"/scheduling/ics/{feed_for(carmen).token}.ics").content.decode()
    after_david = client.get(f"/scheduling/ics/{feed_for(david).token}.ics").content.decode()
    assert f"shift-{mine.pk}@digifys" not in after_carmen
    assert f"shift-{mine.pk}@digifys" in after_david


def test_the_rota_is_not_rebuilt_over_a_waiting_swap(pair, world):
    carmen, david, rota = pair
    mine = shift(rota, carmen, day_ahead(), 7)
    services.propose_swap(proposer=carmen, counterpart=david, shift=mine)

    with pytest.raises(ValidationError, match="waiting"):
        services.build_rota(actor=world.coordinator, month=rota.month, seconds=1)

    assert SwapRequest.objects.get().status == SwapRequest.Status.PROPOSED
