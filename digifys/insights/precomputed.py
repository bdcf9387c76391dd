"""The figures page's default views, computed by the refresh instead of by the page (issue #16 §3).

A person opening `/insights/figures/` at region or nation level without choosing a range sees
every figure of the level over the last 24 months per month (`figures.default_range`) and the
first figure for every unit below it. Computing that from the rollups is per resident (the
whole range's continuity chains every resident's contact segments) and costs more than the
page's target. So `refresh()`, which `facts.refresh_facts` calls after the rollups, computes
exactly what `figures.figures_for` and `figures.unit_figures` would return for that range —
every figure of the page (`figure_views.FIGURE_LIST`) for every level above unit
(`LEVELS`), and the page's default figure (`DEFAULT_CODE`) for every unit — and stores each
`Series` as a `PrecomputedFigure` row. `figures.figures_for` and `figures.unit_figures` serve
those rows when every asked code is there for the level, period and range; any other range,
figure or level is computed as before.

A stored series is served only while it is what the live computation would give:

- its `generation` is `RollupState.generation`, which every rollup rebuild (every refresh)
  increases: rows of an earlier refresh are never read (and are deleted by the next `refresh`);
- its `fingerprint` matches the level's units now, their go-live dates now, the suppression
  threshold and `figures.STORED_FORMAT`: a go-live date set or changed after the refresh, or a
  unit moved in the organisation tree, sends the page back to the live computation until the
  next refresh.

Serving (`figures.stored_series`, with `fingerprint` and `load`) lives in figures.py, which the
page calls; this module computes and writes (it imports figures, never the other way).

The series hold numbers only (values, numerators, denominators, resident counts, suppression,
go-live dates); labels, readings and targets are rendered per reader and language from them, so
a changed target or language needs no new rows.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from digifys.core.time import STOCKHOLM

from . import figures, rollups
from .bulk import insert_rows
from .models import PrecomputedFigure, RollupState

LEVELS = ("nation", "region", "care_area", "municipality", "nursing_home")
PERIOD = "month"
BATCH_UNITS = 400  # units computed together (bounded memory)


# --- serialising -------------------------------------------------------------


def _value_out(value: figures.Value) -> list:
    return [value.value, value.numerator, value.denominator, value.residents, value.suppressed]


def dump(series: figures.Series) -> str:
    return json.dumps(
        {
            "code": series.code,
            "level": series.level,
            "key": series.key,
            "period": series.period,
            "start": series.start.isoformat(),
            "end": series.end.isoformat(),
            "points": [
                [
                    point.start.isoformat(),
                    point.end.isoformat(),
                    _value_out(point.all),
                    _value_out(point.before),
                    _value_out(point.after),
                ]
                for point in series.points
            ],
            "all": _value_out(series.all),
            "before": _value_out(series.before),
            "after": _value_out(series.after),
            "go_live": [[unit, day.isoformat()] for unit, day in series.go_live.items()],
        },
        separators=(",", ":"),
    )


# --- serving --------------------------------------------------------------------------------------


def _generation() -> int | None:
    return (
        RollupState.objects.filter(key=rollups.STATE_KEY)
        .values_list("generation", flat=True)
        .first()
    )


# --- computing ------------------------------------------------------------------------------------


def page_codes() -> list[str]:
    from .figure_views import FIGURE_LIST  # the page's figures (a view module: imported late)

    return [code for code, _label, _unit in FIGURE_LIST]


def _groups(tree) -> list[tuple[dict, list[str]]]:
    """The levels to compute, as groups computed together ((level, key) -> its units, codes):
    the nation; each region with every level of LEVELS inside it (their months' rollup rows
    and contact segments are read once for the group); the units, `BATCH_UNITS` at a time,
    with the page's default figure only."""
    units_of: dict[tuple[str, int], list[int]] = defaultdict(list)
    region_of: dict[tuple[str, int], int | None] = {}
    for unit, level_keys in sorted(tree.items()):
        region = next((key for level, key in level_keys if level == "region"), None)
        for level, key in level_keys:
            units_of[(level, int(key))].append(int(unit))
            if level not in ("nation", "unit"):
                region_of.setdefault((level, int(key)), region)
    codes = page_codes()
    groups = []
    if ("nation", figures.NATION) in units_of and "nation" in LEVELS:
        groups.append(({("nation", figures.NATION): units_of[("nation", figures.NATION)]}, codes))
    by_region: dict[int | None, dict] = defaultdict(dict)
    for level_key, region in region_of.items():
        if level_key[0] in LEVELS:
            by_region[region][level_key] = units_of[level_key]
    groups += [(by_region[region], codes) for region in sorted(by_region, key=str)]
    batch: dict = {}
    for level_key in sorted(k for k in units_of if k[0] == "unit"):
        batch[level_key] = units_of[level_key]
        if len(batch) >= BATCH_UNITS:
            groups.append((batch, codes[:1]))
            batch = {}
    if batch:
        groups.append((batch, codes[:1]))
    return groups


def refresh(today: datetime.date | None = None) -> int:
    """Compute and store the default views of TODAY (Stockholm; default now) for the current
    rollups; delete every earlier generation's rows. Returns the rows written."""
    today = today or timezone.now().astimezone(STOCKHOLM).date()
    start, end = figures.default_range(today)
    generation = _generation()
    if generation is None:
        return 0
    tree = rollups.level_tree()
    go_live = figures.go_live_dates(list(tree))
    rows = []
    for levels, codes in _groups(tree):
        got = figures.compute(codes, levels, PERIOD, start, end)
        if got is None:
            continue  # the rollups cannot answer: the page computes live
        for (level, key), by_code in got.items():
            units = levels[(level, key)]
            stamp = figures.fingerprint(units, {u: go_live[u] for u in units if u in go_live})
            for code, series in by_code.items():
                rows.append((level, key, PERIOD, start, end, code, generation, stamp, dump(series)))
    with transaction.atomic():
        PrecomputedFigure.objects.all().delete()
        insert_rows(
            PrecomputedFigure,
            (
                "level",
                "key",
                "period",
                "start",
                "end",
                "code",
                "generation",
                "fingerprint",
                "series",
            ),
            rows,
        )
    return len(rows)
