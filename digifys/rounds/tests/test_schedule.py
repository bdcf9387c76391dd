"""Scheduling ward round occurrences from recurring slots."""

import datetime
import itertools

import pytest

from digifys.rounds.models import Round, RoundSlot
from digifys.rounds.services import assign_round_physician, schedule_rounds

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def _slot(world, **extra):
    values = {
        "unit": world.unit_mala,
        "weekday": RoundSlot.Weekday.TUESDAY,
        "starts": datetime.time(9, 0),
        "ends": datetime.time(11, 0),
        "physician": world.physician_spain.staff_profile,
    }
    values.update(extra)
    return RoundSlot.objects.create(**values)


def test_rounds_follow_stockholm_wall_clock_across_dst(world):
    _slot(world)
    # Summer time ends 2026-10-25: the Tuesdays before and after.
    rounds = schedule_rounds(
        actor=None,
        starts=datetime.datetime(2026, 10, 19, tzinfo=UTC),
        ends=datetime.datetime(2026, 11, 2, tzinfo=UTC),
    )
    assert [r.starts_at for r in rounds] == [
        datetime.datetime(2026, 10, 20, 7, 0, tzinfo=UTC),
        datetime.datetime(2026, 10, 27, 8, 0, tzinfo=UTC),
    ]
    assert [r.ends_at.hour for r in rounds] == [9, 10]
    assert all(r.physician == world.physician_spain.staff_profile for r in rounds)
    assert all(r.unit == world.unit_mala for r in rounds)


def test_spring_dst_week(world):
    _slot(world, weekday=RoundSlot.Weekday.MONDAY)
    rounds = schedule_rounds(
        actor=None,
        starts=datetime.datetime(2026, 3, 23, tzinfo=UTC),
        ends=datetime.datetime(2026, 4, 6, tzinfo=UTC),
    )
    assert [r.starts_at for r in rounds] == [
        datetime.datetime(2026, 3, 23, 8, 0, tzinfo=UTC),
        datetime.datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
    ]


def test_every_other_week_counts_from_start_date(world):
    _slot(world, every_weeks=2, starts_on=datetime.date(2026, 11, 3))
    rounds = schedule_rounds(
        actor=None,
        starts=datetime.datetime(2026, 10, 26, tzinfo=UTC),
        ends=datetime.datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert [r.starts_at.date() for r in rounds] == [
        datetime.date(2026, 11, 3),
        datetime.date(2026, 11, 17),
    ]


def test_every_other_week_without_start_date_keeps_rhythm(world):
    _slot(world, every_weeks=2)
    rounds = schedule_rounds(
        actor=None,
        starts=datetime.datetime(2026, 12, 1, tzinfo=UTC),
        ends=datetime.datetime(2027, 2, 1, tzinfo=UTC),
    )
    days = [r.starts_at.date() for r in rounds]
    assert all((b - a).days == 14 for a, b in itertools.pairwise(days))
    assert len(days) in (4, 5)


def test_scheduling_is_idempotent_and_respects_bounds(world):
    _slot(world)
    _slot(world, is_active=False, weekday=RoundSlot.Weekday.WEDNESDAY)
    window = {
        "starts": datetime.datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        "ends": datetime.datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    }
    first = schedule_rounds(actor=None, **window)
    second = schedule_rounds(actor=None, **window)
    assert [r.pk for r in first] == [r.pk for r in second]
    # 2026-11-24 09:00 Stockholm is 08:00 UTC: included; 2026-12-01 08:00 UTC: excluded.
    assert [r.starts_at for r in first] == [datetime.datetime(2026, 11, 24, 8, 0, tzinfo=UTC)]
    assert Round.objects.count() == 1


def test_assign_round_physician(world):
    _slot(world)
    (occurrence,) = schedule_rounds(
        actor=None,
        starts=datetime.datetime(2026, 11, 23, tzinfo=UTC),
        ends=datetime.datetime(2026, 11, 30, tzinfo=UTC),
    )
    other = world.other_physician.staff_profile
    assign_round_physician(actor=world.coordinator, round=occurrence, physician=other)
    occurrence.refresh_from_db()
    assert occurrence.physician == other
    assign_round_physician(actor=None, round=occurrence, physician=other)
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        assign_round_physician(actor=world.nurse_mala, round=occurrence, physician=other)
    with pytest.raises(ValidationError):
        assign_round_physician(
            actor=world.coordinator, round=occurrence, physician=world.nurse_mala.staff_profile
        )


def test_a_slot_in_the_spring_gap_starts_when_the_clocks_resume(world):
    _slot(
        world,
        weekday=RoundSlot.Weekday.SUNDAY,
        starts=datetime.time(2, 30),
        ends=datetime.time(4, 0),
    )
    (occurrence,) = schedule_rounds(
        actor=None,
        starts=datetime.datetime(2026, 3, 28, tzinfo=UTC),
        ends=datetime.datetime(2026, 3, 30, tzinfo=UTC),
    )
    # 02:30 does not exist on 2026-03-29 in Stockholm: 03:00 CEST (01:00 UTC) instead.
    assert occurrence.starts_at == datetime.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert occurrence.ends_at == datetime.datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
