"""Trust survey figures for a level's units against a direct computation on hand-made answers."""

import datetime
import random
import statistics

import pytest

from digifys.insights.figures import units_of
from digifys.insights.models import GoLive
from digifys.insights.trust_figures import trust
from digifys.trust.models import Answer, Item

JAN, FEB, MAR, APR = (datetime.date(2026, month, 1) for month in (1, 2, 3, 4))
GO_LIVE = datetime.date(2026, 2, 15)  # Malå: January before, February neither, March after
START, END = datetime.date(2026, 1, 10), datetime.date(2026, 3, 31)


@pytest.fixture
def answers(world):
    GoLive.objects.create(unit=world.unit_mala, went_live_on=GO_LIVE)
    chance = random.Random(16)
    made = []
    plan = [
        (world.unit_mala, JAN, 6),
        (world.unit_mala, FEB, 5),
        (world.unit_mala, MAR, 7),
        (world.unit_mala, APR, 9),  # after END: left out
        (world.unit_storuman, JAN, 3),
        (world.unit_storuman, MAR, 1),
    ]
    for unit, month, count in plan:
        for _ in range(count):
            scores = {item: chance.randint(1, 5) for item in Item.values}
            Answer.objects.create(
                unit=unit,
                municipality=unit.municipality,
                month=month,
                relationship="child",
                **scores,
            )
            made.append((unit.pk, month, scores))
    return made


def direct(made, units, item, keep):
    """(answers, mean, agree share) straight from the hand-made list; None, None when < 5."""
    scores = [s[item] for unit, month, s in made if unit in units and keep(unit, month)]
    if len(scores) < 5:
        return len(scores), None, None
    return len(scores), statistics.fmean(scores), sum(s >= 4 for s in scores) / len(scores)


def as_tuple(cell):
    return cell.answers, cell.value, cell.agree


def test_region_figures_match_a_direct_computation(world, answers):
    units = set(units_of("region", world.region.pk))
    mala = world.unit_mala.pk
    got = trust(units, START, END, {mala: GO_LIVE})
    assert [s.item for s in got] == list(Item.values)
    in_range = lambda unit, month: START.replace(day=1) <= month <= END  # noqa: E731
    for statement in got:
        item = statement.item
        assert [m for m, _ in statement.months] == [JAN, FEB, MAR]
        for month, cell in statement.months:
            expected = direct(answers, units, item, lambda u, m, month=month: m == month)
            assert as_tuple(cell) == pytest.approx(expected)
        assert as_tuple(statement.all) == pytest.approx(direct(answers, units, item, in_range))
        before = direct(answers, units, item, lambda u, m: u == mala and m == JAN)
        after = direct(answers, units, item, lambda u, m: u == mala and m == MAR)
        assert as_tuple(statement.before) == pytest.approx(before)
        assert as_tuple(statement.after) == pytest.approx(after)
    # January 6 + 3, February 5, March 7 + 1 answers; before = January's 6, after = March's 7.
    first = got[0]
    assert [cell.answers for _m, cell in first.months] == [9, 5, 8]
    assert (first.before.answers, first.after.answers, first.all.answers) == (6, 7, 22)


def test_cells_with_fewer_than_five_answers_are_withheld(world, answers):
    storuman = trust([world.unit_storuman.pk], START, END, {})
    for statement in storuman:
        january, february, march = (cell for _m, cell in statement.months)
        assert january.answers == 3 and january.suppressed and january.value is None
        assert january.agree is None
        assert february.answers == 0 and not february.suppressed and february.value is None
        assert march.suppressed and march.answers == 1
        assert statement.all.suppressed and statement.all.answers == 4
        # No go-live date: nothing before or after.
        assert statement.before.answers == 0 and statement.after.answers == 0
