"""The figures page's precomputed default views (issue #16 §3): what the refresh stores equals
the live computation for every level, the page serves it without computing, and a later
refresh, a changed go-live date or a changed suppression threshold is never answered from
stale rows."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from digifys.careteams.models import CareContact
from digifys.insights import facts, figures, precomputed
from digifys.insights.models import GoLive, PrecomputedFigure, RollupState
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW, at

MID_MONTH = datetime.date(2026, 2, 10)
TODAY = NOW.date()
START, END = figures.default_range(TODAY)


@pytest.fixture
def hand(world):
    """The hand-made world of `test_rollups.py` (a go-live in the middle of February), refreshed
    on 1 March 2026, whose default range (April 2024 – 1 March 2026) holds all of it."""
    with time_machine.travel(NOW, tick=False):
        hand = handmade.build(world)
        GoLive.objects.filter(unit=world.unit_mala).update(went_live_on=MID_MONTH)
        result = facts.refresh_facts(FIRST, LAST, now=NOW)
        assert result.precomputed == PrecomputedFigure.objects.count() > 0
        yield hand


def _live(codes, level, key, units):
    return figures.compute_levels(codes, level, {key: units}, "month", START, END)[key]


def test_the_precomputed_figures_equal_the_live_ones_for_every_level(hand):
    codes = precomputed.page_codes()
    compared = 0
    for level, key in handmade.levels(hand):
        units = figures.units_of(level, key)
        stored_codes = codes if level != "unit" else codes[:1]
        stored = figures.stored_series(level, {key: units}, stored_codes, "month", START, END)
        assert stored is not None, (level, key)
        live = _live(stored_codes, level, key, units)
        for code in stored_codes:
            assert stored[key][code] == live[code], (level, key, code)
            compared += 1
    assert compared == len(handmade.levels(hand)) * len(codes) - 2 * (len(codes) - 1)
    # Something to compare: the region's contacts, before and after, not all empty.
    region = figures.stored_series(
        "region",
        {hand.world.region.pk: figures.units_of("region", hand.world.region.pk)},
        ["contacts", "upc"],
        "month",
        START,
        END,
    )[hand.world.region.pk]
    assert region["contacts"].all.value == 55 and region["upc"].after.value is not None
    assert region["contacts"].before.value and region["contacts"].after.value


def test_only_the_default_range_and_stored_codes_are_served(hand, django_assert_num_queries):
    w = hand.world
    units = figures.units_of("region", w.region.pk)
    keys = {w.region.pk: units}
    with django_assert_num_queries(2):  # the rows, the go-live dates
        assert figures.stored_series("region", keys, ["contacts"], "month", START, END)
    with django_assert_num_queries(1):  # a miss costs the page one query
        assert figures.stored_series("region", keys, ["contacts"], "month", FIRST, LAST) is None
    assert figures.stored_series("region", keys, ["contacts"], "week", START, END) is None
    assert figures.stored_series("region", keys, ["physician_hours"], "month", START, END) is None
    unit = {w.unit_mala.pk: [w.unit_mala.pk]}
    assert figures.stored_series("unit", unit, ["contacts"], "month", START, END) is not None
    assert figures.stored_series("unit", unit, ["upc"], "month", START, END) is None


def _forbid_computing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("computed, not precomputed")

    monkeypatch.setattr(figures, "_from_rollups", fail)
    monkeypatch.setattr(figures, "_daily_figure", fail)


def test_the_page_serves_the_precomputed_default_views(hand, login, monkeypatch):
    w = hand.world
    client = login(w.coordinator, language="en")
    url = reverse("insights:figures")
    region_query = {"level": "region", "key": w.region.pk}
    with monkeypatch.context() as patched:
        _forbid_computing(patched)
        # The region's and the nation's default views: every figure and the units' multiples
        # of the default figure, and the summary CSV, without computing any figure.
        region = client.get(url, region_query)
        nation = client.get(url, {"level": "nation"})
        assert region.status_code == 200 and nation.status_code == 200
        assert "<td>28</td>" in region.content.decode()  # January's 24 + 4 contacts
        csv = client.get(url, {**region_query, "export": "summary"})
        assert "Physician contacts;55;" in csv.content.decode("utf-8-sig")
        # Any other range is computed, and another figure's multiples per unit.
        with pytest.raises(AssertionError, match="computed, not precomputed"):
            client.get(url, {"start": FIRST.isoformat(), "end": LAST.isoformat()})
        with pytest.raises(AssertionError, match="computed, not precomputed"):
            client.get(url, {**region_query, "figure": "upc"})
    # The page from the precomputed series is the page computed live.
    PrecomputedFigure.objects.all().delete()
    live = client.get(url, region_query)

    def without_token(response):  # the CSRF token and the scripts' nonces differ
        html = re.sub(r'nonce="[^"]*"', "", response.content.decode())
        return [line for line in html.splitlines() if "csrf" not in line.lower()]

    assert without_token(region) == without_token(live)


def test_a_later_refresh_is_never_answered_from_earlier_rows(hand, monkeypatch):
    w = hand.world
    units = figures.units_of("region", w.region.pk)
    old = figures.stored_series("region", {w.region.pk: units}, ["contacts"], "month", START, END)
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        CareContact.objects.create(
            resident=hand.mala[0],
            unit=w.unit_mala,
            clinician=hand.a,
            kind=CareContact.Kind.VIDEO,
            occurred_at=at(2, 27, 15),
        )
        # A refresh whose precomputing did not happen (failed, or not yet run).
        monkeypatch.setattr(precomputed, "refresh", lambda today=None: 0)
        facts.refresh_facts(now=NOW + datetime.timedelta(hours=2))
        assert PrecomputedFigure.objects.exists()  # the earlier generation's rows are there
        keys = {w.region.pk: units}
        assert figures.stored_series("region", keys, ["contacts"], "month", START, END) is None
        got = figures.figures_for(["contacts"], "region", w.region.pk, "month", START, END)
        assert got["contacts"].all.value == old[w.region.pk]["contacts"].all.value + 1
        monkeypatch.undo()
        facts.refresh_facts(now=NOW + datetime.timedelta(hours=3))
        fresh = figures.stored_series("region", keys, ["contacts"], "month", START, END)
        assert fresh[w.region.pk]["contacts"] == got["contacts"]
        # Only the current generation is kept.
        generation = RollupState.objects.get().generation
        assert set(PrecomputedFigure.objects.values_list("generation", flat=True)) == {generation}


def test_a_changed_go_live_or_threshold_is_not_answered_from_stored_rows(hand, monkeypatch):
    w = hand.world
    units = figures.units_of("region", w.region.pk)
    keys = {w.region.pk: units}
    assert figures.stored_series("region", keys, ["contacts"], "month", START, END) is not None
    monkeypatch.setattr(figures, "SUPPRESS_BELOW", 3)
    assert figures.stored_series("region", keys, ["contacts"], "month", START, END) is None
    monkeypatch.undo()
    GoLive.objects.filter(unit=w.unit_mala).update(went_live_on=datetime.date(2026, 1, 20))
    assert figures.stored_series("region", keys, ["contacts"], "month", START, END) is None
    mala = {w.unit_mala.pk: [w.unit_mala.pk]}
    assert figures.stored_series("unit", mala, ["contacts"], "month", START, END) is None
    got = figures.figures_for(["contacts"], "region", w.region.pk, "month", START, END)
    daily = figures._daily_figure("contacts", "region", w.region.pk, "month", START, END)
    assert got["contacts"] == daily
    assert got["contacts"].go_live[w.unit_mala.pk] == datetime.date(2026, 1, 20)
    # A go-live set for a unit that had none changes that unit's levels too.
    GoLive.objects.create(unit=w.unit_storuman, went_live_on=datetime.date(2026, 1, 5))
    storuman = {w.unit_storuman.pk: [w.unit_storuman.pk]}
    assert figures.stored_series("unit", storuman, ["contacts"], "month", START, END) is None


def test_the_series_round_trip_exactly(hand):
    w = hand.world
    got = figures.compute_levels(
        precomputed.page_codes(),
        "region",
        {w.region.pk: figures.units_of("region", w.region.pk)},
        "month",
        START,
        END,
    )[w.region.pk]
    for series in got.values():
        assert figures.load(precomputed.dump(series)) == series
