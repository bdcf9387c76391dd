"""Every figure against a direct computation on a small hand-made world (issue #16 acceptance).

The fact tables are built with `facts.refresh_facts`; each figure of `figures.figure` at every
level, per week and per month, with its before/after split at go-live, is compared with the
same figure computed item by item from the raw tables (`handmade.direct`), and so is the
suppression of cells with fewer than five residents.
"""

import datetime

import pytest

from digifys.insights import facts, figures
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, GO_LIVE, LAST, NOW


@pytest.fixture
def hand(world):
    hand = handmade.build(world)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    return hand


def _check(got, expected, residents, where):
    value, people = expected
    if value is None:
        assert got.value is None and not got.suppressed, where
        return
    assert got.residents == len(people), where
    if len(people) < figures.SUPPRESS_BELOW:
        assert got.suppressed and got.value is None, where
        assert got.numerator is None and got.denominator is None, where
    else:
        assert not got.suppressed, where
        assert got.value == pytest.approx(value, abs=1e-9), where


def _keep(units, first, last, era, go_live):
    def keep(unit, day):
        if unit not in units or not first <= day <= last:
            return False
        if era is None:
            return True
        live = go_live.get(unit)
        if live is None:
            return False
        return day < live if era == "before" else day >= live

    return keep


@pytest.mark.slow
def test_every_figure_matches_a_direct_computation(hand):
    items = handmade.raw_items()
    go_live = {hand.world.unit_mala.pk: GO_LIVE}
    checked = suppressed = 0
    for level, key in handmade.levels(hand):
        units = set(figures.units_of(level, key))
        for period in ("month", "week"):
            for figure_code in handmade.ALL_CODES:
                code, _s, dim = figure_code.partition(":")
                series = figures.figure(figure_code, level, key, period, FIRST, LAST)
                spans = figures.periods(period, FIRST, LAST)
                assert [(p.start, p.end) for p in series.points] == spans
                for point in series.points:
                    for era in (None, "before", "after"):
                        got = {None: point.all, "before": point.before, "after": point.after}[era]
                        keep = _keep(units, point.start, point.end, era, go_live)
                        where = (figure_code, level, key, period, point.start, era)
                        _check(got, handmade.direct(code, dim, items, keep), None, where)
                        checked += 1
                        suppressed += got.suppressed
                for era, got in (
                    (None, series.all),
                    ("before", series.before),
                    ("after", series.after),
                ):
                    keep = _keep(units, FIRST, LAST, era, go_live)
                    where = (figure_code, level, key, period, "range", era)
                    _check(got, handmade.direct(code, dim, items, keep), None, where)
    # The world is built so that both outcomes happen often.
    assert checked > 10_000 and suppressed > 1_000


def test_hand_checked_values(hand):
    w = hand.world
    mala = w.unit_mala.pk
    # Transfers: three in January (all Malå), two in February (one at Storuman).
    region = figures.figure("transfers", "region", w.region.pk, "month", FIRST, LAST)
    # Every transfer is of a different resident: 3 and 2 residents, both below five.
    assert [p.all.suppressed for p in region.points] == [True, True]
    assert region.all.value == 5 and region.all.residents == 5
    # Malå before go-live is January only, after is February only.
    unit = figures.figure("contacts", "unit", mala, "month", FIRST, LAST)
    jan, feb = unit.points
    assert jan.before.value == jan.all.value and jan.after.value is None
    assert feb.after.value == feb.all.value and feb.before.value is None
    assert jan.all.value == 6 * 4  # four a resident
    # February: the one who moved out had two; 23:30 UTC on 31 January is 1 February here.
    assert feb.all.value == 5 * 4 + 2 + 1
    # Storuman has two residents: every cell is suppressed, and it has no go-live.
    storuman = figures.figure("contacts", "unit", w.unit_storuman.pk, "month", FIRST, LAST)
    assert all(p.all.suppressed and p.all.value is None for p in storuman.points)
    assert storuman.before.value is None and not storuman.before.suppressed
    assert storuman.go_live == {}


def test_physician_level(hand):
    a = hand.a.pk
    series = figures.figure("contacts", "physician", a, "month", FIRST, LAST)
    items = handmade.raw_items()
    for point in series.points:
        own = [
            i
            for i in items["contact"]
            if i[3]["clinician"] == a and point.start <= i[1] <= point.end
        ]
        assert point.all.value == len(own)
        assert point.all.residents == len({i[2] for i in own})
    named = figures.figure("named_share", "physician", a, "month", FIRST, LAST)
    own = [i for i in items["contact"] if i[3]["clinician"] == a]
    assert named.all.value == pytest.approx(sum(i[3]["named"] for i in own) / len(own))
    upc = figures.figure("upc", "physician", a, "month", FIRST, LAST)
    seen = {i[2] for i in own}
    expected, people = handmade._continuity("upc", [i for i in items["contact"] if i[2] in seen])
    assert upc.all.value == pytest.approx(expected) and upc.all.residents == len(people)
    with pytest.raises(ValueError, match="not available per physician"):
        figures.figure("tasks_on_time", "physician", a, "month", FIRST, LAST)


def test_bad_arguments_are_refused(hand):
    key = hand.world.region.pk
    with pytest.raises(ValueError, match="unknown figure"):
        figures.figure("happiness", "region", key, "month", FIRST, LAST)
    with pytest.raises(ValueError, match="needs a dimension"):
        figures.figure("consult_within", "region", key, "month", FIRST, LAST)
    with pytest.raises(ValueError, match="level"):
        figures.figure("contacts", "country", key, "month", FIRST, LAST)
    with pytest.raises(ValueError, match="period"):
        figures.figure("contacts", "region", key, "year", FIRST, LAST)


def test_periods_are_calendar_weeks_and_months():
    weeks = figures.periods("week", datetime.date(2026, 1, 1), datetime.date(2026, 1, 12))
    assert weeks == [
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 4)),
        (datetime.date(2026, 1, 5), datetime.date(2026, 1, 11)),
        (datetime.date(2026, 1, 12), datetime.date(2026, 1, 12)),
    ]
    months = figures.periods("month", datetime.date(2025, 12, 15), datetime.date(2026, 2, 28))
    assert months[0] == (datetime.date(2025, 12, 15), datetime.date(2025, 12, 31))
    assert months[-1] == (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
