"""The week planner's Django side: inputs, proposals, acceptance, edits and re-plans."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from digifys.core.time import STOCKHOLM
from digifys.scheduling import plan_explanations, planning
from digifys.scheduling.models import Absence, Booking, Plan, PlanItem, WorkRequest
from digifys.testing.world import assign, give_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def week():
    """Next week's Monday: wholly in the future, whatever the weekday today."""
    return planning.monday_of(timezone.localdate()) + datetime.timedelta(days=7)


@pytest.fixture
def planned(world, week):
    """Carmen (Málaga) is Greta's and Helge's named physician, David the deputy; both work."""
    spain = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    give_hours(spain, datetime.time(8), datetime.time(16), weekdays=range(5))
    give_hours(david, datetime.time(8), datetime.time(16), weekdays=range(5))
    for resident in (world.resident_mala, world.resident_mala_2):
        assign(resident, david, "deputy")
    assign(world.resident_storuman, david)
    return world


def _request(world, resident, week, *, days=(0, 4), minutes=60, language="sv"):
    return planning.create_work_request(
        actor=world.coordinator,
        resident=resident,
        kind=WorkRequest.Kind.FAMILY_MEETING,
        duration_minutes=minutes,
        earliest_on=week + datetime.timedelta(days=days[0]),
        deadline_on=week + datetime.timedelta(days=days[1]),
        language=language,
    )


def _vacation(staff, first, last):
    return Absence.objects.create(
        staff=staff, kind=Absence.Kind.VACATION, starts_on=first, ends_on=last
    )


def test_inputs_follow_hours_absences_and_bookings(planned, week):
    spain = planned.physician_spain.staff_profile
    _vacation(spain, week + datetime.timedelta(days=1), week + datetime.timedelta(days=1))
    monday_10 = planning.horizon_start_of(week) + datetime.timedelta(hours=10)
    Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=spain,
        resident=planned.resident_mala,
        unit=planned.unit_mala,
        starts_at=monday_10,
        ends_at=monday_10 + datetime.timedelta(minutes=30),
        created_by=planned.coordinator,
    )
    _request(planned, planned.resident_mala, week)
    items, clinicians, horizon_start = planning.build_problem(week_start=week)
    assert horizon_start == planning.horizon_start_of(week)
    windows = {c.id: c.windows for c in clinicians}[str(spain.pk)]
    # Madrid and Stockholm share a clock: 08–16 local is minutes 480–960 on Monday, less the
    # booking at 10:00; Tuesday is the vacation day; Wednesday starts at 2 × 1440 + 480.
    assert [(w.start, w.end) for w in windows[:3]] == [(480, 600), (630, 960), (3360, 3840)]
    (item,) = items
    assert item.named == str(spain.pk)
    assert item.deputy == str(planned.other_physician.staff_profile.pk)
    assert (item.earliest, item.deadline) == (0, 5 * 1440)


def test_vacation_sends_the_item_to_the_deputy_and_says_why(planned, week):
    spain = planned.physician_spain.staff_profile
    _vacation(spain, week - datetime.timedelta(days=2), week + datetime.timedelta(days=6))
    _request(planned, planned.resident_mala, week)
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    item = plan.items.get()
    assert item.clinician == planned.other_physician.staff_profile
    assert item.tier == PlanItem.Tier.DEPUTY
    assert item.named_status == "unavailable"
    lines = plan_explanations.explain(item, plan_explanations.absences_for([item], week))
    assert any("Carmen" in line and "→" in line for line in lines), lines
    assert any(line.startswith("Deadline") for line in lines), lines


def test_only_coordinators_plan(planned, week):
    with pytest.raises(PermissionDenied):
        planning.propose_plan(actor=planned.physician_spain, week_start=week)


def test_accept_books_and_marks_the_request_planned(planned, week):
    request = _request(planned, planned.resident_mala, week)
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    item = plan.items.get()
    assert item.tier == PlanItem.Tier.NAMED
    planning.accept_plan(actor=planned.coordinator, plan=plan)
    item.refresh_from_db()
    booking = item.booking
    assert booking.clinician == planned.physician_spain.staff_profile
    assert booking.kind == Booking.Kind.FAMILY_MEETING
    assert (booking.starts_at, booking.ends_at) == (item.starts_at, item.ends_at)
    request.refresh_from_db()
    assert request.status == WorkRequest.Status.PLANNED
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ACCEPTED


def test_a_refused_booking_changes_nothing(planned, week):
    _request(planned, planned.resident_mala, week)
    _request(planned, planned.resident_mala_2, week)
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    first = plan.items.order_by("starts_at").first()
    # Someone books the clinician at that time after the proposal.
    Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=first.clinician,
        resident=planned.resident_storuman,
        unit=planned.unit_storuman,
        starts_at=first.starts_at,
        ends_at=first.ends_at,
        created_by=planned.coordinator,
    )
    before = Booking.objects.count()
    with pytest.raises(ValidationError) as caught:
        planning.accept_plan(actor=planned.coordinator, plan=plan)
    assert "Nothing was booked" in caught.value.messages[0]
    assert first.resident.full_name in " ".join(caught.value.messages)
    assert Booking.objects.count() == before
    plan.refresh_from_db()
    assert plan.status == Plan.Status.PROPOSED
    assert not plan.items.filter(booking__isnull=False).exists()
    assert WorkRequest.objects.filter(status=WorkRequest.Status.OPEN).count() == 2


def test_edit_moves_an_item_and_refuses_overlap_and_absence(planned, week):
    _request(planned, planned.resident_mala, week)
    _request(planned, planned.resident_mala_2, week)
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    one, two = plan.items.order_by("starts_at")
    david = planned.other_physician.staff_profile
    wednesday_9 = planning.horizon_start_of(week) + datetime.timedelta(days=2, hours=9)
    moved = planning.edit_item(
        actor=planned.coordinator, item=one, clinician=david, starts_at=wednesday_9
    )
    assert (moved.clinician, moved.starts_at, moved.tier) == (david, wednesday_9, "deputy")
    assert moved.edited_by == planned.coordinator
    with pytest.raises(ValidationError) as caught:
        planning.edit_item(
            actor=planned.coordinator,
            item=two,
            clinician=david,
            starts_at=wednesday_9 + datetime.timedelta(minutes=30),
        )
    assert "already has" in caught.value.message_dict["starts_at"][0]
    _vacation(david, week + datetime.timedelta(days=3), week + datetime.timedelta(days=3))
    with pytest.raises(ValidationError) as caught:
        planning.edit_item(
            actor=planned.coordinator,
            item=two,
            clinician=david,
            starts_at=wednesday_9 + datetime.timedelta(days=1),
        )
    assert "away" in caught.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError):  # 20:00 is outside David's hours
        planning.edit_item(
            actor=planned.coordinator,
            item=two,
            clinician=david,
            starts_at=wednesday_9 + datetime.timedelta(hours=11),
        )


def test_replan_keeps_unaffected_items_and_moves_only_their_bookings(planned, week):
    _request(planned, planned.resident_mala, week)
    _request(planned, planned.resident_storuman, week)
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    planning.accept_plan(actor=planned.coordinator, plan=plan)
    greta = plan.items.get(resident=planned.resident_mala)
    inga = plan.items.get(resident=planned.resident_storuman)
    assert greta.clinician == planned.physician_spain.staff_profile
    assert inga.clinician == planned.other_physician.staff_profile
    # Carmen falls ill for the whole week.
    _vacation(planned.physician_spain.staff_profile, week, week + datetime.timedelta(days=6))
    new = planning.replan_after_absence(
        actor=planned.coordinator, plan=plan, reason="Carmen sick", time_limit=2
    )
    new_inga = new.items.get(resident=planned.resident_storuman)
    new_greta = new.items.get(resident=planned.resident_mala)
    assert new_inga.kept and new_inga.booking_id == inga.booking_id
    assert not new_greta.kept
    assert new_greta.clinician == planned.other_physician.staff_profile
    assert new_greta.tier == PlanItem.Tier.DEPUTY
    planning.accept_plan(actor=planned.coordinator, plan=new)
    assert Booking.objects.get(pk=greta.booking_id).cancelled_at is not None
    assert Booking.objects.get(pk=inga.booking_id).cancelled_at is None
    new_greta.refresh_from_db()
    assert new_greta.booking.clinician == planned.other_physician.staff_profile
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUPERSEDED


def test_interpreter_explained_when_nobody_speaks_the_language(planned, week):
    _request(planned, planned.resident_mala, week, language="fi")
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    item = plan.items.get()
    assert item.interpreter
    lines = plan_explanations.explain(item, {})
    # Nothing books an interpreter (issue 12 §4 item 18): the text says only what is true.
    assert "No Finnish speaker free → needs an interpreter (not booked)" in lines, lines
    assert not any("interpreter booked" in line for line in lines), lines


def test_rounds_are_planned_and_get_their_physician(planned, week):
    from digifys.rounds.models import Round, RoundSlot

    spain = planned.physician_spain.staff_profile
    RoundSlot.objects.create(
        unit=planned.unit_mala,
        weekday=1,
        starts=datetime.time(9),
        ends=datetime.time(11),
        physician=spain,
    )
    _vacation(spain, week + datetime.timedelta(days=1), week + datetime.timedelta(days=1))
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    item = plan.items.get(kind=PlanItem.Kind.ROUND)
    assert item.clinician == planned.other_physician.staff_profile
    assert item.starts_at.astimezone(STOCKHOLM).time() == datetime.time(9)
    planning.accept_plan(actor=planned.coordinator, plan=plan)
    assert Round.objects.get(pk=item.round_id).physician == planned.other_physician.staff_profile


def test_demo_seeds_open_requests(world):
    import random

    from digifys.scheduling.demo import seed_work_requests

    made = seed_work_requests(now=timezone.now(), rng=random.Random(5), count=2)
    assert len(made) == 2
    assert all(r.status == WorkRequest.Status.OPEN and r.deadline_on > r.earliest_on for r in made)
    assert {r.requested_by for r in made} <= {world.nurse_mala, world.nurse_storuman}


def test_an_accepted_week_is_re_planned_not_proposed_again(planned, week):
    _request(planned, planned.resident_mala, week)
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    planning.accept_plan(actor=planned.coordinator, plan=plan)
    with pytest.raises(ValidationError, match="Re-plan"):
        planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)


def test_moving_a_kept_item_in_a_re_plan_moves_its_booking(planned, week):
    _request(planned, planned.resident_storuman, week)
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    planning.accept_plan(actor=planned.coordinator, plan=plan)
    old_booking = plan.items.get().booking
    new = planning.replan_after_absence(
        actor=planned.coordinator, plan=plan, reason="check", time_limit=2
    )
    inga = new.items.get()
    assert inga.kept and inga.booking == old_booking
    later = old_booking.starts_at + datetime.timedelta(minutes=30)  # overlaps the old booking
    planning.edit_item(
        actor=planned.coordinator, item=inga, clinician=old_booking.clinician, starts_at=later
    )
    planning.accept_plan(actor=planned.coordinator, plan=new)
    old_booking.refresh_from_db()
    assert old_booking.cancelled_at is not None
    inga.refresh_from_db()
    assert inga.booking.starts_at == later and inga.booking.cancelled_at is None
