"""The daily fact tables: idempotent rebuilds, the incremental refresh, the command and the job."""

import datetime
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from digifys.careteams.models import CareContact
from digifys.consults.models import Consult
from digifys.insights import facts, tasks
from digifys.insights.models import DailyFact, FactWatermark
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW, at
from digifys.residents.models import Resident
from digifys.testing.world import make_resident


def _snapshot():
    return sorted(DailyFact.objects.values_list(*facts.FACT_COLUMNS))


@pytest.fixture
def hand(world):
    return handmade.build(world)


def test_a_rebuild_is_idempotent_and_equals_a_full_build(hand):
    first = facts.refresh_facts(FIRST, LAST, now=NOW)
    assert first.full and first.days == (LAST - FIRST).days + 1
    rows = _snapshot()
    assert rows and DailyFact.objects.filter(measure=facts.RESIDENT_DAYS).exists()
    facts.refresh_facts(FIRST, LAST, full=True, now=NOW)
    assert _snapshot() == rows
    # Unit by unit gives the same rows as all at once.
    DailyFact.objects.all().delete()
    for unit in (hand.world.unit_mala.pk, hand.world.unit_storuman.pk):
        facts.refresh_facts(FIRST, LAST, units=[unit], full=True, now=NOW)
    assert _snapshot() == rows


def test_every_measure_is_built(hand):
    facts.refresh_facts(FIRST, LAST, now=NOW)
    built = set(DailyFact.objects.values_list("measure", flat=True))
    assert built == set(facts.MEASURES)
    contacts = DailyFact.objects.filter(measure=facts.CONTACTS).aggregate(n=Sum("numerator"))["n"]
    assert contacts == CareContact.objects.count()


def test_incremental_refresh_recomputes_only_touched_days(hand):
    facts.refresh_facts(FIRST, LAST, now=NOW)
    assert FactWatermark.objects.get().refreshed_at == NOW
    later = NOW + datetime.timedelta(days=1)
    # Nothing changed: only the lookback days (none of them has data in this world) are rebuilt.
    result = facts.refresh_facts(now=later)
    assert not result.full and result.days <= facts.LOOKBACK_DAYS + 2
    before = _snapshot()
    # A consult sent on 8 January is answered now: its day (weeks ago) must be rebuilt.
    consult = Consult.objects.filter(answered_at__isnull=True, created_at__lt=at(1, 31)).first()
    sent_day = facts.local_day(consult.created_at)
    Consult.objects.filter(pk=consult.pk).update(
        answered_at=consult.created_at + datetime.timedelta(minutes=3),
        status="answered",
        updated_at=later + datetime.timedelta(hours=1),
    )
    # A contact entered weeks after it happened has no time of entry: not found incrementally.
    CareContact.objects.create(
        resident=hand.mala[0],
        clinician=hand.a,
        unit=hand.mala[0].unit,
        kind="video",
        occurred_at=at(1, 20, 12),
    )
    evening = later + datetime.timedelta(hours=2)
    result = facts.refresh_facts(now=evening)
    assert sent_day in facts.dirty_days(later, facts.local_day(evening))
    after = _snapshot()
    assert after != before
    cell = DailyFact.objects.get(
        unit=consult.unit, day=sent_day, measure=facts.CONSULT_RESPONSE, dimension=consult.urgency
    )
    assert cell.numerator >= 1 and 3.0 in cell.samples
    late_day = {"unit": hand.mala[0].unit, "day": datetime.date(2026, 1, 20)}
    assert not DailyFact.objects.filter(measure=facts.CONTACTS, **late_day).exists()
    facts.refresh_facts(full=True, now=evening)
    assert DailyFact.objects.get(measure=facts.CONTACTS, **late_day).numerator == 1
    # A second incremental run right after changes nothing.
    again = _snapshot()
    facts.refresh_facts(now=evening + datetime.timedelta(minutes=5))
    assert _snapshot() == again


def test_a_unit_refresh_leaves_the_watermark(hand):
    facts.refresh_facts(FIRST, LAST, now=NOW)
    facts.refresh_facts(units=[hand.world.unit_mala.pk], now=NOW + datetime.timedelta(days=2))
    assert FactWatermark.objects.get().refreshed_at == NOW


def test_the_command(hand, time_machine):
    time_machine.move_to(NOW)
    out = StringIO()
    call_command("refresh_insights", "--since", "2026-01-01", stdout=out)
    assert out.getvalue().startswith("full: 60 days")
    out = StringIO()
    call_command("refresh_insights", stdout=out)
    assert out.getvalue().startswith("incremental:")
    with pytest.raises(Exception, match="not a date"):
        call_command("refresh_insights", "--since", "yesterday")


def test_the_nightly_job_refreshes_and_schedules_itself(hand, time_machine):
    from django_tasks_db.models import DBTaskResult

    time_machine.move_to(NOW)
    call_command("schedule_insights_refresh", stdout=StringIO())
    queued = DBTaskResult.objects.get(task_path=tasks.nightly_refresh.module_path)
    assert queued.run_after == tasks.next_run(NOW)
    out = StringIO()
    call_command("schedule_insights_refresh", stdout=out)
    assert "Already queued" in out.getvalue()
    result = tasks.nightly_refresh.call(reschedule=True)
    assert result["rows"] > 0 and DailyFact.objects.exists()
    assert DBTaskResult.objects.filter(task_path=tasks.nightly_refresh.module_path).count() == 2
    assert tasks.next_run(NOW).astimezone(facts.STOCKHOLM).hour == 3


def _resident_days_day_by_day(first, last, units=None):
    """The former build of `resident_days`: each resident, each day (the reference)."""
    cells = defaultdict(set)
    for resident in Resident.objects.filter(unit__isnull=False):
        if units is not None and resident.unit_id not in units:
            continue
        arrived = resident.moved_in_on or facts.local_day(resident.created_at)
        left = [d for d in (resident.moved_out_on, resident.deceased_on) if d is not None]
        day = max(arrived, first)
        until = last if not left else min(last, min(left) - datetime.timedelta(days=1))
        while day <= until:
            cells[(resident.unit_id, day)].add(resident.pk)
            day += datetime.timedelta(days=1)
    return {key: (len(ids), len(ids), sorted(ids)) for key, ids in cells.items()}


def _resident_days_built():
    return {
        (unit, day): (numerator, residents, ids)
        for unit, day, numerator, residents, ids in DailyFact.objects.filter(
            measure=facts.RESIDENT_DAYS
        ).values_list("unit_id", "day", "numerator", "residents", "resident_ids")
    }


def test_the_set_based_resident_days_equal_the_day_by_day_count(hand):
    w = hand.world
    # Every way of arriving and leaving: no move-in date (registered 23:30 UTC on 14 January,
    # the 15th in Stockholm), dying mid-February, moving in after the range, leaving before it,
    # moving in and out the same day.
    late = make_resident(w.unit_storuman, room="20")
    Resident.objects.filter(pk=late.pk).update(
        moved_in_on=None, created_at=datetime.datetime(2026, 1, 14, 23, 30, tzinfo=datetime.UTC)
    )
    make_resident(w.unit_storuman, room="21", moved_in_on=FIRST, deceased_on=at(2, 16).date())
    make_resident(w.unit_mala, room="22", moved_in_on=LAST + datetime.timedelta(days=3))
    make_resident(
        w.unit_mala,
        room="23",
        moved_in_on=datetime.date(2025, 3, 1),
        moved_out_on=datetime.date(2025, 12, 31),
    )
    make_resident(
        w.unit_mala, room="24", moved_in_on=at(1, 20).date(), moved_out_on=at(1, 20).date()
    )

    facts.refresh_facts(FIRST, LAST, now=NOW)
    expected = _resident_days_day_by_day(FIRST, LAST)
    assert _resident_days_built() == expected
    assert expected[(w.unit_storuman.pk, at(1, 15).date())][0] == 4  # the late one counts
    assert (w.unit_storuman.pk, at(1, 14).date()) in expected
    assert expected[(w.unit_storuman.pk, at(1, 14).date())][0] == 3
    # A part of the range and one unit.
    first, last = at(1, 10).date(), at(2, 20).date()
    cells = facts.compute(first, last, units=[w.unit_storuman.pk])
    got = {
        (unit, day): (cell.numerator, len(cell.residents), sorted(cell.residents))
        for (unit, day, measure, _dim), cell in cells.items()
        if measure == facts.RESIDENT_DAYS
    }
    assert got == _resident_days_day_by_day(first, last, {w.unit_storuman.pk})
    # Both implementations give the same rows (on PostgreSQL the build uses the SQL one).
    python_rows = sorted(facts._resident_days_python(FIRST, LAST, None))
    assert python_rows == sorted(
        (unit, day, ids) for (unit, day), (_n, _r, ids) in expected.items()
    )
    if connection.vendor == "postgresql":
        sql_rows = sorted(
            (unit, day, list(ids))
            for unit, day, ids in facts._resident_days_postgresql(FIRST, LAST, None)
        )
        assert sql_rows == python_rows


def test_a_full_build_starts_at_the_first_recorded_event_not_the_first_move_in(hand):
    moved_in = datetime.date(2020, 3, 1)  # years before anything was recorded
    make_resident(hand.world.unit_mala, room="30", moved_in_on=moved_in)
    first_event = facts.earliest_day()
    assert first_event is not None and moved_in < first_event
    result = facts.refresh_facts(full=True, now=NOW)
    assert result.days == (facts.local_day(NOW) - first_event).days + 1
    assert DailyFact.objects.order_by("day").values_list("day", flat=True)[0] == first_event
    assert FactWatermark.objects.get().first_day == first_event
    # Asked for (--since), the days before are built, resident-days included.
    out = StringIO()
    call_command("refresh_insights", "--since", moved_in.isoformat(), stdout=out)
    earlier = DailyFact.objects.filter(day__lt=first_event, measure=facts.RESIDENT_DAYS)
    assert earlier.filter(day=moved_in).exists()
