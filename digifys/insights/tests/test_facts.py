"""The daily fact tables: idempotent rebuilds, the incremental refresh, the command and the job."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from digifys.careteams.models import CareContact
from digifys.consults.models import Consult
from digifys.insights import facts, tasks
from digifys.insights.models import DailyFact, FactWatermark
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW, at


def _snapshot():
    return sorted(
        DailyFact.objects.values_list(
            "unit_id",
            "day",
            "measure",
            "dimension",
            "numerator",
            "denominator",
            "residents",
            "resident_ids",
            "samples",
        )
    )


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
