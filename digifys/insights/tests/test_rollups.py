"""The monthly rollups (issue #16 §3): the figures read from them equal the figures read from
the daily fact rows, for every figure and level, whole and partly covered months, a go-live in
the middle of a month; a range's residents are the union of its months', not their sum; the
refresh rebuilds the months it touched; changed go-live dates are never read from stale rollups.
"""

import datetime

import pytest

from digifys.careteams.models import CareContact
from digifys.insights import facts, figures, rollups
from digifys.insights.models import ContactSegment, DailyFact, GoLive, MonthlyRollup
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW, at

MID_MONTH = datetime.date(2026, 2, 10)


@pytest.fixture
def hand(world):
    hand = handmade.build(world)
    # A go-live in the middle of a month: the month has a before, an after and a whole.
    GoLive.objects.filter(unit=world.unit_mala).update(went_live_on=MID_MONTH)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    return hand


def _same(got: figures.Value, expected: figures.Value, where) -> None:
    assert got.suppressed == expected.suppressed, where
    assert got.residents == expected.residents, where
    for name in ("value", "numerator", "denominator"):
        a, b = getattr(got, name), getattr(expected, name)
        assert (a is None) == (b is None), (where, name, a, b)
        if a is not None:
            assert a == pytest.approx(b, abs=1e-9), (where, name, a, b)


def _compare(hand, start, end) -> int:
    compared = 0
    for level, key in handmade.levels(hand):
        units = figures.units_of(level, key)
        spans = figures.periods("month", start, end)
        assert rollups.read({(level, key): units}, spans, [facts.CONTACTS], segments=True)
        got = figures.figures_for(handmade.ALL_CODES, level, key, "month", start, end)
        for code in handmade.ALL_CODES:
            daily = figures._daily_figure(code, level, key, "month", start, end)
            series = got[code]
            assert [(p.start, p.end) for p in series.points] == [
                (p.start, p.end) for p in daily.points
            ]
            for point, expected in zip(series.points, daily.points, strict=True):
                for part in ("all", "before", "after"):
                    where = (code, level, point.start, part)
                    _same(getattr(point, part), getattr(expected, part), where)
                    compared += 1
            for part in ("all", "before", "after"):
                _same(getattr(series, part), getattr(daily, part), (code, level, "range", part))
            assert series.go_live == daily.go_live
    return compared


def test_every_figure_from_the_rollups_equals_the_daily_rows(hand):
    assert MonthlyRollup.objects.exists() and ContactSegment.objects.exists()
    assert _compare(hand, FIRST, LAST) > 1000


def test_partly_covered_months_are_summed_from_their_days(hand):
    assert _compare(hand, datetime.date(2026, 1, 12), datetime.date(2026, 2, 20)) > 1000


def test_a_range_counts_distinct_residents_not_the_sum_of_its_months(hand):
    w = hand.world
    series = figures.figure("resident_days", "region", w.region.pk, "month", FIRST, LAST)
    ids = set()
    for row in DailyFact.objects.filter(measure=facts.RESIDENT_DAYS).values_list(
        "resident_ids", flat=True
    ):
        ids.update(row)
    assert series.all.residents == len(ids)
    assert sum(point.all.residents for point in series.points) > len(ids)


def test_the_units_are_read_together_and_equal_one_by_one(hand):
    w = hand.world
    units = [w.unit_mala.pk, w.unit_storuman.pk]
    together = figures.unit_figures("upc", units, "month", FIRST, LAST)
    for unit in units:
        alone = figures._daily_figure("upc", "unit", unit, "month", FIRST, LAST)
        _same(together[unit].all, alone.all, unit)
        _same(together[unit].after, alone.after, unit)


def test_a_changed_go_live_is_not_read_from_stale_rollups(hand):
    w = hand.world
    level = {("unit", w.unit_mala.pk): [w.unit_mala.pk]}
    spans = figures.periods("month", FIRST, LAST)
    GoLive.objects.filter(unit=w.unit_mala).update(went_live_on=datetime.date(2026, 1, 20))
    assert rollups.read(level, spans, [facts.CONTACTS], segments=False) is None
    stale = figures.figure("contacts", "unit", w.unit_mala.pk, "month", FIRST, LAST)
    # The next refresh rebuilds every month with the new date.
    facts.refresh_facts(FIRST, LAST, now=NOW + datetime.timedelta(hours=1))
    assert rollups.read(level, spans, [facts.CONTACTS], segments=False) is not None
    fresh = figures.figure("contacts", "unit", w.unit_mala.pk, "month", FIRST, LAST)
    assert fresh == stale
    assert fresh.before.value is not None and fresh.points[0].after.value is not None


def test_the_refresh_rebuilds_the_months_it_touched(hand):
    w = hand.world
    resident = hand.mala[0]
    cell = MonthlyRollup.objects.filter(
        level="region", key=w.region.pk, month=datetime.date(2026, 2, 1), era=rollups.ALL
    ).filter(measure=facts.CONTACTS, dimension="")
    before = cell.get().numerator
    CareContact.objects.create(
        resident=resident,
        unit=w.unit_mala,
        clinician=hand.a,
        kind=CareContact.Kind.VIDEO,
        occurred_at=at(2, 27, 15),
    )
    facts.refresh_facts(now=NOW + datetime.timedelta(hours=2))
    after = cell.get().numerator
    assert after == before + 1
