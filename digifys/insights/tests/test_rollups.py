"""The monthly rollups (issue #16 §3): the figures read from them equal the figures read from
the daily fact rows, for every figure and level, whole and partly covered months, a go-live in
the middle of a month; a range's residents are the union of its months', not their sum; the
refresh rebuilds the months it touched; changed go-live dates are never read from stale rollups.
"""

import datetime

import pytest

from digifys.careteams.models import CareContact
from digifys.insights import facts, figures, rollups
from digifys.insights.models import (
    ContactSegment,
    DailyFact,
    FactWatermark,
    GoLive,
    MonthlyRollup,
)
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


# --- the nightly increment: only what changed -------------------------------------------------


def _rollup_rows() -> dict:
    """Every rollup and segment row, keyed by what it is, floats to 9 decimals (a sum merged
    from stored unit cells may differ from a month's sum in the last bit)."""

    def rounded(value):
        return round(value, 9) if isinstance(value, float) else value

    rows = {}
    for row in MonthlyRollup.objects.values_list(
        "level",
        "key",
        "month",
        "era",
        "measure",
        "dimension",
        "numerator",
        "denominator",
        "residents",
        "resident_set",
        "samples",
        "continuity",
        "continuity_set",
    ):
        *where, num, den, count, bits, samples, continuity, continuity_bits = row
        rows[("rollup", *where)] = (
            rounded(num),
            rounded(den),
            count,
            rollups.unpack(bits),
            samples,
            {code: rounded(value) for code, value in continuity.items()},
            rollups.unpack(continuity_bits),
        )
    for resident, unit, month, seq, *rest in ContactSegment.objects.values_list(
        "resident", "unit", "month", "seq", "era", "contacts", "providers", "first", "last", "same"
    ):
        rows[("segment", resident, month, seq)] = (unit, *rest)
    return rows


@pytest.fixture
def wide(world):
    """The hand-made world with three more (empty) units in Malåhemmet, so that one changed
    unit is a small part of the tree (a month where half the units changed is rebuilt whole)."""
    from digifys.directory.models import Organisation
    from digifys.testing.world import make_org

    hand = handmade.build(world)
    for name in ("Avd 3 Granen", "Avd 4 Aspen", "Avd 5 Lönnen"):
        make_org(
            Organisation.Kind.UNIT,
            name,
            world.unit_mala.parent,
            municipality=world.unit_mala.municipality,
        )
    GoLive.objects.filter(unit=world.unit_mala).update(went_live_on=MID_MONTH)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    return hand


def _spy(monkeypatch) -> dict:
    calls = {"whole": [], "update": []}
    whole, update = rollups._rebuild_month, getattr(rollups, "_update_month", None)

    def spy_whole(month, *args):
        calls["whole"].append(month)
        return whole(month, *args)

    def spy_update(month, touched, *args):
        calls["update"].append((month, set(touched)))
        return update(month, touched, *args)

    monkeypatch.setattr(rollups, "_rebuild_month", spy_whole)
    monkeypatch.setattr(rollups, "_update_month", spy_update, raising=False)
    return calls


def test_an_increment_gives_the_rollups_of_a_full_rebuild(wide, monkeypatch):
    """Changes on one unit in each month, one of them a Malå resident's contact on the
    Storuman unit (their segments span both units); the watermark set back to January so that
    both months' days are recomputed: the increment's rollups equal a full rebuild's."""
    w, hand = wide.world, wide
    calls = _spy(monkeypatch)
    CareContact.objects.create(
        resident=hand.mala[1],
        unit=w.unit_storuman,
        clinician=hand.locum,
        kind=CareContact.Kind.PHYSICAL,
        occurred_at=at(2, 12, 11),
    )
    CareContact.objects.create(
        resident=hand.storuman[0],
        unit=w.unit_storuman,
        clinician=hand.a,
        kind=CareContact.Kind.VIDEO,
        occurred_at=at(1, 21, 14),
    )
    FactWatermark.objects.update(refreshed_at=at(1, 20, 12))
    result = facts.refresh_facts(FIRST, LAST, now=NOW + datetime.timedelta(hours=1))
    assert not result.full
    assert calls["whole"] == []  # both months were updated, not rebuilt whole
    assert [month for month, _units in calls["update"]] == [FIRST, datetime.date(2026, 2, 1)]
    incremental = _rollup_rows()
    rollups.rebuild()
    assert calls["whole"] == [FIRST, datetime.date(2026, 2, 1)]
    assert _rollup_rows() == incremental
    assert _compare(hand, FIRST, LAST) > 1000


def test_an_increment_rebuilds_only_the_changed_unit_and_month(wide, monkeypatch):
    """One contact added on Storuman on 27 February: the refresh recomputes the look-back's
    days but writes only that unit-day's fact rows, leaves January's rollups alone, and in
    February rewrites only the Storuman unit's cells and those of the levels above it."""
    w, hand = wide.world, wide
    calls = _spy(monkeypatch)
    january = set(MonthlyRollup.objects.filter(month=FIRST).values_list("pk", flat=True))
    mala_home = w.unit_mala.parent_id
    february = MonthlyRollup.objects.filter(month=datetime.date(2026, 2, 1))
    kept = set(february.filter(level="nursing_home", key=mala_home).values_list("pk", flat=True))
    kept |= set(february.filter(level="unit", key=w.unit_mala.pk).values_list("pk", flat=True))
    renewed = set(february.filter(level="region").values_list("pk", flat=True))
    CareContact.objects.create(
        resident=hand.storuman[1],
        unit=w.unit_storuman,
        clinician=hand.b,
        kind=CareContact.Kind.VIDEO,
        occurred_at=at(2, 27, 15),
    )
    result = facts.refresh_facts(FIRST, LAST, now=NOW + datetime.timedelta(hours=2))
    assert result.days == 3  # the look-back: 26–28 February
    changed = DailyFact.objects.filter(unit=w.unit_storuman, day=datetime.date(2026, 2, 27))
    assert result.rows == changed.count()
    assert calls == {
        "whole": [],
        "update": [(datetime.date(2026, 2, 1), {w.unit_storuman.pk})],
    }
    assert set(MonthlyRollup.objects.filter(month=FIRST).values_list("pk", flat=True)) == january
    assert kept <= set(february.values_list("pk", flat=True))  # Malå's rows were not rewritten
    assert not renewed & set(february.values_list("pk", flat=True))  # the region's were
    assert _compare(hand, FIRST, LAST) > 1000
