"""Figures from the daily fact tables: series per week or month at every level (issue #16 §1–§2).

`figure(code, level, key, period, start, end)` returns a `Series`: one `Point` per calendar week
(Monday–Sunday) or month that overlaps START..END (both inclusive, clipped to them), each with
the value over all units of the level and the same figure split into **before** and **after**
go-live (each unit's facts are "before" on days before its `GoLive.went_live_on` and "after" from
that day; a unit without a go-live date is in neither). `Series.before` and `Series.after` are the
whole range's before/after values.

Levels and KEY: `nation` — every unit of every region (KEY is `NATION`, 0); `region`,
`care_area`, `municipality`, `nursing_home` (SÄBO), `unit` — an `Organisation` pk, its units are
those below it in the tree (a unit of a municipality: every unit whose `municipality` is it);
`physician` — a `StaffProfile` pk, for the contact figures only (`PHYSICIAN_CODES`): the
physician's own contacts, the share of them with residents whose named physician they were,
and the continuity of the residents they saw (all of those residents' contacts in the period,
wherever they live).

Figure codes (`FIGURES`; a code with a part after ":" takes a dimension, e.g.
`consult_within:urgent`):

    contacts, resident_days, physician_hours, locum_hours, transfers,
    escalations[:reason], news2_events:5|7                                  counts
    named_share, locum_share, locum_hours_share, messages_within, tasks_on_time,
    reviews_on_time, consult_within:URGENCY, news2_reviewed:5|7,
    transfers_consult_first, transfers_avoidable                            shares (0–1)
    channel_share:CHANNEL, country_share:COUNTRY                           share of contacts
    hours_country_share:COUNTRY                                            share of hours
    consult_median:U, consult_p90:U, messages_median, news2_review_median:5|7   minutes
    transfers_per_1000                     transfers per 1,000 resident-days
    upc, coc, secon, mmci                  mean over residents with ≥ 2 contacts in the period

Percentiles: the median is `statistics.median`; p90 is the nearest-rank value (the
⌈0.9·n⌉-th smallest). Continuity: each resident's contacts in the period, in chronological
order, go through `continuity.indices`; the figure is the mean over residents with at least two
contacts (as `selectors.aggregate` does).

**Suppression** (privacy, issue §2): every value — of a point, of its before/after parts and of
the range — is computed over a set of residents (the residents behind the facts it uses; for
continuity the residents with ≥ 2 contacts). When fewer than `SUPPRESS_BELOW` (5) distinct
residents are behind it, the value, numerator and denominator are withheld (`suppressed=True`).
Every page and export reads figures through here, so all of them get it.

**Where the numbers come from**: per month (every level but `physician`) from the monthly
rollups (`rollups.py`: sums, resident bitmaps, sample counts and continuity segments per level
and month) — `figures_for` reads a level's figures together and `unit_figures` one figure for
many units, in a few queries; per week, per physician, or while the rollups cannot answer
(not built yet, go-live dates changed since), from the daily fact rows. Both give the same
values (`tests/test_rollups.py`). The figures page's default views (the default range, every
level above unit, the default figure per unit) are computed by the refresh and stored
(`precomputed.py`); `figures_for` and `unit_figures` serve them while they are current
(`tests/test_precomputed.py`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Subquery

from digifys.directory.models import Organisation, StaffProfile

from . import facts as f
from . import rollups
from .continuity import indices
from .models import DailyFact, GoLive, PrecomputedFigure, RollupState

SUPPRESS_BELOW = 5
NATION = 0  # the key of the one `nation` (every region)
LEVELS = ("nation", "region", "care_area", "municipality", "nursing_home", "unit", "physician")
PERIODS = ("week", "month")
DEFAULT_MONTHS = 24  # the figures page's default range (`default_range`)

# code -> (kind, fact measures it reads)
FIGURES = {
    "contacts": ("count", f.CONTACTS),
    "resident_days": ("count", f.RESIDENT_DAYS),
    "physician_hours": ("den_sum", f.PHYSICIAN_HOURS),
    "locum_hours": ("count", f.PHYSICIAN_HOURS),
    "transfers": ("count", f.TRANSFERS),
    "escalations": ("count", f.ESCALATIONS),
    "news2_events": ("den_sum", f.NEWS2_EVENTS),
    "named_share": ("ratio", f.NAMED_CONTACTS),
    "locum_share": ("ratio", f.LOCUM_CONTACTS),
    "locum_hours_share": ("ratio", f.PHYSICIAN_HOURS),
    "messages_within": ("ratio", f.RELATIVE_MESSAGES),
    "tasks_on_time": ("ratio", f.TASKS_ON_TIME),
    "reviews_on_time": ("ratio", f.MEDICATION_REVIEWS_ON_TIME),
    "consult_within": ("ratio", f.CONSULT_RESPONSE),
    "news2_reviewed": ("ratio", f.NEWS2_EVENTS),
    "transfers_consult_first": ("ratio", f.TRANSFERS_CONSULT_FIRST),
    "transfers_avoidable": ("ratio", f.TRANSFERS_AVOIDABLE),
    "channel_share": ("share_of_contacts", f.CONTACTS_BY_CHANNEL),
    "country_share": ("share_of_contacts", f.CONTACTS_BY_COUNTRY),
    "hours_country_share": ("share_of_hours", f.HOURS_BY_COUNTRY),
    "consult_median": ("median", f.CONSULT_RESPONSE),
    "consult_p90": ("p90", f.CONSULT_RESPONSE),
    "messages_median": ("median", f.RELATIVE_MESSAGES),
    "news2_review_median": ("median", f.NEWS2_EVENTS),
    "transfers_per_1000": ("per_1000_resident_days", f.TRANSFERS),
    "upc": ("continuity", f.CONTACTS),
    "coc": ("continuity", f.CONTACTS),
    "secon": ("continuity", f.CONTACTS),
    "mmci": ("continuity", f.CONTACTS),
}
# Codes whose fact has a dimension that must be given (the others take an optional one).
NEEDS_DIMENSION = {
    "consult_within",
    "consult_median",
    "consult_p90",
    "news2_events",
    "news2_reviewed",
    "news2_review_median",
    "channel_share",
    "country_share",
    "hours_country_share",
}
PHYSICIAN_CODES = ("contacts", "named_share", "upc", "coc", "secon", "mmci")


@dataclass(frozen=True)
class Value:
    """One figure over one set of facts; None where undefined or suppressed."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    residents: int = 0
    suppressed: bool = False


EMPTY = Value(None)


@dataclass(frozen=True)
class Point:
    start: datetime.date  # first day (inclusive)
    end: datetime.date  # last day (inclusive)
    all: Value
    before: Value
    after: Value


@dataclass(frozen=True)
class Series:
    code: str
    level: str
    key: int
    period: str
    start: datetime.date
    end: datetime.date
    points: list[Point]
    all: Value
    before: Value
    after: Value
    go_live: dict[int, datetime.date] = field(default_factory=dict)  # unit -> went live on


# --- periods and levels ---------------------------------------------------------------------------


def periods(period: str, start: datetime.date, end: datetime.date):
    """(first, last) day pairs of the weeks or months overlapping START..END, clipped to them."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    if start > end:
        return []
    result = []
    if period == "week":
        first = start - datetime.timedelta(days=start.weekday())
    else:
        first = start.replace(day=1)
    while first <= end:
        if period == "week":
            following = first + datetime.timedelta(days=7)
        else:
            following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        result.append((max(first, start), min(following - datetime.timedelta(days=1), end)))
        first = following
    return result


def default_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The figures page's range when none is asked for: the last `DEFAULT_MONTHS` months up to
    TODAY (a unit that went live a year ago shows a year on each side)."""
    index = today.year * 12 + today.month - 1 - (DEFAULT_MONTHS - 1)
    return datetime.date(index // 12, index % 12 + 1, 1), today


def units_of(level: str, key: int) -> list[int]:
    """The units (pks) a LEVEL's KEY covers."""
    units = Organisation.objects.units()
    if level == "nation":
        return sorted(units.values_list("pk", flat=True))
    if level == "unit":
        return list(units.filter(pk=key).values_list("pk", flat=True))
    if level == "nursing_home":
        return list(units.filter(parent_id=key).values_list("pk", flat=True))
    if level == "municipality":
        return list(units.filter(municipality_id=key).values_list("pk", flat=True))
    if level in ("region", "care_area"):
        children: dict[int | None, list[tuple[int, str]]] = defaultdict(list)
        for pk, parent, kind in Organisation.objects.values_list("pk", "parent_id", "kind"):
            children[parent].append((pk, kind))
        found, stack = [], [key]
        while stack:
            node = stack.pop()
            for child, kind in children.get(node, []):
                if kind == Organisation.Kind.UNIT:
                    found.append(child)
                stack.append(child)
        return sorted(found)
    raise ValueError(f"level must be one of {LEVELS}, not {level!r}")


def go_live_dates(unit_ids) -> dict[int, datetime.date]:
    return dict(GoLive.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "went_live_on"))


# --- computing one value --------------------------------------------------------------------------


def _percentile90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _guard(value, numerator, denominator, residents: set) -> Value:
    if value is None and numerator is None:
        return EMPTY
    if len(residents) < SUPPRESS_BELOW:
        return Value(None, None, None, len(residents), suppressed=True)
    return Value(value, numerator, denominator, len(residents))


def _continuity(code: str, samples: list) -> tuple[float | None, set, int]:
    visits: dict[int, list[str]] = defaultdict(list)
    for sample in samples:
        visits[sample[0]].append(str(sample[1]))
    values, residents = [], set()
    for resident, providers in visits.items():
        if len(providers) < 2:
            continue
        got = getattr(indices(providers), code)
        if got is not None:
            values.append(got)
            residents.add(resident)
    return (statistics.fmean(values) if values else None), residents, len(values)


def _value(kind: str, code: str, rows: dict[str, list], dimension: str) -> Value:
    """ROWS: measure -> [(dimension, numerator, denominator, resident_ids, samples, day)]."""

    def pick(measure, dim=None):
        return [row for row in rows.get(measure, []) if dim is None or row[0] == dim]

    def residents_of(selected):
        found = set()
        for row in selected:
            found.update(row[3])
        return found

    measure = FIGURES[code][1]
    dim = dimension or None
    selected = pick(measure, dim)
    if kind == "count":
        if not selected:
            return EMPTY
        total = sum(row[1] for row in selected)
        return _guard(total, total, None, residents_of(selected))
    if kind == "den_sum":
        if not selected:
            return EMPTY
        total = sum(row[2] for row in selected)
        return _guard(total, total, None, residents_of(selected))
    if kind == "ratio":
        numerator = sum(row[1] for row in selected)
        denominator = sum(row[2] for row in selected)
        if not denominator:
            return EMPTY
        return _guard(numerator / denominator, numerator, denominator, residents_of(selected))
    if kind in ("share_of_contacts", "share_of_hours"):
        base = pick(f.CONTACTS if kind == "share_of_contacts" else f.PHYSICIAN_HOURS)
        numerator = sum(row[1] for row in selected)
        index = 1 if kind == "share_of_contacts" else 2
        denominator = sum(row[index] for row in base)
        if not denominator:
            return EMPTY
        return _guard(numerator / denominator, numerator, denominator, residents_of(base))
    if kind in ("median", "p90"):
        samples = [sample for row in selected for sample in row[4] if sample is not None]
        if not samples:
            return EMPTY
        value = statistics.median(samples) if kind == "median" else _percentile90(samples)
        return _guard(value, None, len(samples), residents_of(selected))
    if kind == "per_1000_resident_days":
        days = pick(f.RESIDENT_DAYS)
        denominator = sum(row[1] for row in days)
        if not denominator:
            return EMPTY
        numerator = sum(row[1] for row in selected)
        return _guard(1000 * numerator / denominator, numerator, denominator, residents_of(days))
    if kind == "continuity":
        # Chronological across units and eras (rows of one day keep their order).
        ordered = sorted(selected, key=lambda row: row[5])
        samples = [sample for row in ordered for sample in row[4]]
        value, residents, count = _continuity(code, samples)
        if value is None:
            return EMPTY
        return _guard(value, None, count, residents)
    raise ValueError(kind)


def _measures_for(code: str) -> set[str]:
    kind, measure = FIGURES[code]
    needed = {measure}
    if kind == "share_of_contacts":
        needed.add(f.CONTACTS)
    elif kind == "share_of_hours":
        needed.add(f.PHYSICIAN_HOURS)
    elif kind == "per_1000_resident_days":
        needed.add(f.RESIDENT_DAYS)
    return needed


def parse_code(figure_code: str) -> tuple[str, str]:
    code, _sep, dimension = figure_code.partition(":")
    if code not in FIGURES:
        raise ValueError(f"unknown figure {code!r}")
    if code in NEEDS_DIMENSION and not dimension:
        raise ValueError(f"figure {code!r} needs a dimension, e.g. {code}:…")
    return code, dimension


# --- the series -----------------------------------------------------------------------------------


SAMPLE_KINDS = ("median", "p90", "continuity")  # the kinds that read `samples`


def _fact_rows(units, measures, start, end, *, samples: bool = True) -> list[tuple]:
    """The fact rows as (unit, day, measure, dimension, numerator, denominator, resident_ids,
    samples), by day; without SAMPLES the (often long) sample lists are not read (empty)."""
    rows = DailyFact.objects.filter(
        unit_id__in=units, measure__in=measures, day__gte=start, day__lte=end
    ).order_by("day", "unit_id", "pk")
    fields = ["unit_id", "day", "measure", "dimension", "numerator", "denominator", "resident_ids"]
    if samples:
        return list(rows.values_list(*fields, "samples"))
    return [(*row, []) for row in rows.values_list(*fields)]


def _physician_rows(physician: int, code: str, start, end) -> list[tuple]:
    """Contact facts reduced to PHYSICIAN, as fact rows of the measure CODE reads.

    `contacts`: the physician's own contacts; `named_share`: how many of them were with residents
    whose named physician they were; continuity: every contact of the residents they saw.
    """
    rows = list(
        DailyFact.objects.filter(measure=f.CONTACTS, day__gte=start, day__lte=end)
        .order_by("day", "unit_id", "pk")
        .values_list("unit_id", "day", "samples")
    )
    seen = {s[0] for _u, _d, samples in rows for s in samples if s[1] == physician}
    result = []
    for unit, day, samples in rows:
        if code in ("contacts", "named_share"):
            own = [s for s in samples if s[1] == physician]
            if not own:
                continue
            ids = sorted({s[0] for s in own})
            if code == "contacts":
                result.append((unit, day, f.CONTACTS, "", len(own), len(own), ids, own))
            else:
                named = sum(s[2] for s in own)
                result.append((unit, day, f.NAMED_CONTACTS, "", named, len(own), ids, []))
        else:
            theirs = [s for s in samples if s[0] in seen]
            if theirs:
                ids = sorted({s[0] for s in theirs})
                result.append((unit, day, f.CONTACTS, "", len(theirs), len(theirs), ids, theirs))
    return result


def figure(
    code: str,
    level: str,
    key: int,
    period: str,
    start: datetime.date,
    end: datetime.date,
) -> Series:
    """The series of figure CODE for LEVEL's KEY per PERIOD from START to END (see above)."""
    return figures_for([code], level, key, period, start, end)[code]


# --- the refresh's stored series (precomputed.py computes and writes them) ------------------

STORED_FORMAT = 1  # raise when the meaning of a stored series changes


def fingerprint(units, go_live: dict[int, datetime.date]) -> str:
    """What a level's series depend on besides the rollups: its units, their go-live dates,
    the suppression threshold and the stored format."""
    text = json.dumps(
        [
            STORED_FORMAT,
            SUPPRESS_BELOW,
            sorted(int(unit) for unit in units),
            sorted((int(unit), day.isoformat()) for unit, day in go_live.items()),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _value_in(stored) -> Value:
    if stored[0] is None and stored[1] is None and not stored[3] and not stored[4]:
        return EMPTY
    return Value(*stored)


def load(text: str) -> Series:
    data = json.loads(text)
    day = datetime.date.fromisoformat
    return Series(
        code=data["code"],
        level=data["level"],
        key=data["key"],
        period=data["period"],
        start=day(data["start"]),
        end=day(data["end"]),
        points=[
            Point(
                start=day(first),
                end=day(last),
                all=_value_in(every),
                before=_value_in(before),
                after=_value_in(after),
            )
            for first, last, every, before, after in data["points"]
        ],
        all=_value_in(data["all"]),
        before=_value_in(data["before"]),
        after=_value_in(data["after"]),
        go_live={int(unit): day(went_live) for unit, went_live in data["go_live"]},
    )


def stored_series(level: str, keys: dict[int, list[int]], codes, period: str, start, end):
    """{key: {code: Series}} of LEVEL for each KEY of KEYS (-> its units now), when every one
    of CODES is stored for each key, period and range and still current; else None."""
    codes = set(codes)
    if not keys or not codes:
        return None
    current = RollupState.objects.filter(key=rollups.STATE_KEY).values("generation")[:1]
    rows = list(
        PrecomputedFigure.objects.filter(
            level=level,
            key__in=list(keys),
            period=period,
            start=start,
            end=end,
            generation=Subquery(current),
            code__in=sorted(codes),
        ).values_list("key", "code", "fingerprint", "series")
    )
    if len(rows) != len(keys) * len(codes):
        return None  # (one query for any other range, figure or level)
    go_live = go_live_dates({unit for units in keys.values() for unit in units})
    prints = {
        key: fingerprint(units, {unit: go_live[unit] for unit in units if unit in go_live})
        for key, units in keys.items()
    }
    texts: dict[int, dict[str, str]] = defaultdict(dict)
    for key, code, stored_print, text in rows:
        if stored_print != prints[key]:
            return None  # go-live dates or units changed since the refresh
        texts[key][code] = text
    if any(len(texts[key]) != len(codes) for key in keys):
        return None
    return {key: {code: load(text) for code, text in got.items()} for key, got in texts.items()}


def figures_for(codes, level: str, key: int, period: str, start, end) -> dict[str, Series]:
    """`figure` of each of CODES, read together: the refresh's precomputed series when it
    stored them for this level, period and range and they are current (`precomputed.py`);
    else per month (not per physician) from the monthly rollups in a few queries
    (`rollups.py`), else — or when the rollups cannot answer — from the daily fact rows."""
    for code in codes:
        parse_code(code)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if level != "physician":
        units = units_of(level, int(key))
        stored = stored_series(level, {int(key): units}, codes, period, start, end)
        if stored is not None:
            return stored[int(key)]
        if period == "month":
            got = compute_levels(codes, level, {int(key): units}, period, start, end)
            if got is not None:
                return got[int(key)]
    return {code: _daily_figure(code, level, key, period, start, end) for code in codes}


def unit_figures(code: str, units, period: str, start, end) -> dict[int, Series]:
    """`figure(CODE, "unit", unit, …)` for every unit of UNITS, read together (precomputed,
    else from the rollups, as `figures_for`)."""
    parse_code(code)
    keys = {int(unit): [int(unit)] for unit in units}
    stored = stored_series("unit", keys, [code], period, start, end)
    if stored is not None:
        return {unit: by_code[code] for unit, by_code in stored.items()}
    if period == "month" and units:
        got = compute_levels([code], "unit", keys, period, start, end)
        if got is not None:
            return {unit: by_code[code] for unit, by_code in got.items()}
    return {unit: _daily_figure(code, "unit", unit, period, start, end) for unit in units}


def compute_levels(codes, level: str, keys: dict[int, list[int]], period: str, start, end):
    """{key: {code: Series}} of LEVEL for each KEY of KEYS (-> its units) per month from the
    rollups, computed now (never the precomputed rows), or None when the rollups cannot answer."""
    levels = {(level, int(key)): units for key, units in keys.items()}
    got = compute(codes, levels, period, start, end)
    if got is None:
        return None
    return {key: by_code for (_level, key), by_code in got.items()}


def compute(codes, levels: dict[tuple[str, int], list[int]], period: str, start, end):
    """{(level, key): {code: Series}} for each (level, key) of LEVELS (-> its units, levels of
    any kinds but physician) per month from the rollups, read together (each month's rollup
    rows and contact segments once for all of them), or None when the rollups cannot answer."""
    if period != "month" or any(level == "physician" for level, _key in levels):
        return None
    parsed = {code: parse_code(code) for code in codes}
    spans = periods(period, start, end)
    return _from_rollups(parsed, levels, spans, start, end)


def _guard_count(value, numerator, denominator, residents: int) -> Value:
    if residents < SUPPRESS_BELOW:
        return Value(None, None, None, residents, suppressed=True)
    return Value(value, numerator, denominator, residents)


def _median_of(samples) -> tuple[float, float, int]:
    """(median, p90, count) of a value -> count mapping, as `statistics.median` and
    `_percentile90` give them over the samples themselves."""
    ordered = sorted(samples.items())
    total = sum(count for _v, count in ordered)

    def nth(index):  # the INDEX-th smallest sample (0-based)
        seen = 0
        for value, count in ordered:
            seen += count
            if index < seen:
                return value
        raise IndexError(index)

    half = total // 2
    median = nth(half) if total % 2 else (nth(half - 1) + nth(half)) / 2
    return median, nth(math.ceil(0.9 * total) - 1), total


def _cell_value(kind: str, code: str, cells: dict, dimension: str, continuity=None) -> Value:
    """A figure from rollup cells ((measure, dimension) -> rollups.Cell) of one era and span;
    CONTINUITY: (values per code, residents) over the span when not in the cells."""

    def pick(measure, dim=None):
        if dim:
            return cells.get((measure, dim))
        return cells.get((measure, rollups.ALL)) or cells.get((measure, ""))

    measure = FIGURES[code][1]
    selected = pick(measure, dimension)
    if kind in ("count", "den_sum"):
        if selected is None:
            return EMPTY
        total = selected.numerator if kind == "count" else selected.denominator
        return _guard_count(total, total, None, selected.bits.bit_count())
    if kind == "ratio":
        if selected is None or not selected.denominator:
            return EMPTY
        numerator, denominator = selected.numerator, selected.denominator
        return _guard_count(
            numerator / denominator, numerator, denominator, selected.bits.bit_count()
        )
    if kind in ("share_of_contacts", "share_of_hours", "per_1000_resident_days"):
        base_measure = {
            "share_of_contacts": f.CONTACTS,
            "share_of_hours": f.PHYSICIAN_HOURS,
            "per_1000_resident_days": f.RESIDENT_DAYS,
        }[kind]
        base = pick(base_measure)
        if base is None:
            return EMPTY
        denominator = base.denominator if kind == "share_of_hours" else base.numerator
        if not denominator:
            return EMPTY
        numerator = selected.numerator if selected is not None else 0
        scale = 1000 if kind == "per_1000_resident_days" else 1
        return _guard_count(
            scale * numerator / denominator, numerator, denominator, base.bits.bit_count()
        )
    if kind in ("median", "p90"):
        if selected is None or not selected.samples:
            return EMPTY
        median, p90, count = _median_of(selected.samples)
        value = median if kind == "median" else p90
        return _guard_count(value, None, count, selected.bits.bit_count())
    if kind == "continuity":
        if continuity is not None:
            values, count = continuity
            if not count:
                return EMPTY
            return _guard_count(statistics.fmean(values[code]), None, count, count)
        cell = cells.get((f.CONTACTS, ""))
        if cell is None or not cell.continuity or not cell.continuity["residents"]:
            return EMPTY
        count = cell.continuity["residents"]
        return _guard_count(cell.continuity[code] / count, None, count, count)
    raise ValueError(kind)


def _split_eras(month: rollups.Month, eras) -> dict[str, dict]:
    """Era -> {(measure, dimension): cell} of the month, for each of ERAS, in one pass."""
    out: dict[str, dict] = {era: {} for era in eras}
    for (era, measure, dimension), cell in month.cells.items():
        if era in out:
            out[era][(measure, dimension)] = cell
    return out


def _range_cells(split, era: str) -> dict:
    """The cells of ERA merged over the months (SPLIT: each month's cells per era)."""
    out: dict = {}
    for by_era in split:
        for key, cell in by_era[era].items():
            merged = out.setdefault(key, rollups.Cell())
            merged.merge(cell)
    return out


def _range_continuity(months) -> dict[str, tuple]:
    """Era ("*", "before", "after") -> (values per code, residents) over all MONTHS."""
    chained: dict[int, list] = defaultdict(list)
    for month in months:
        for resident, segments in month.segments.items():
            chained[resident].extend(segments)
    out = {}
    for era in (rollups.ALL, "before", "after"):
        values, count, _residents = rollups.continuity_of(
            chained, lambda s, era=era: era == rollups.ALL or s.era == era
        )
        out[era] = (values, count)
    return out


def _from_rollups(parsed, levels, spans, start, end):
    """{(level, key): {code: Series}} from the rollups, or None when they cannot answer."""
    measures = set()
    for code, _dimension in parsed.values():
        measures |= _measures_for(code)
    continuity = any(FIGURES[code][0] == "continuity" for code, _d in parsed.values())
    months = rollups.read(levels, spans, sorted(measures), segments=continuity)
    if months is None:
        return None
    all_units = {unit for units in levels.values() for unit in units}
    live = go_live_dates(all_units)
    out = {}
    for (level, key), units in levels.items():
        spans_of = months[(level, key)]
        eras = (rollups.ALL, "before", "after")
        # Each month's cells per era, once for all the figures (not once per figure and month).
        split = [_split_eras(month, eras) for month in spans_of]
        ranges = {era: _range_cells(split, era) for era in eras}
        chained = _range_continuity(spans_of) if continuity else {}
        go_live = {unit: live[unit] for unit in units if unit in live}
        by_code = {}
        for full, (code, dimension) in parsed.items():
            kind = FIGURES[code][0]

            def value(by_era, era, kind=kind, code=code, dimension=dimension):
                return _cell_value(kind, code, by_era[era], dimension)

            points = [
                Point(
                    start=month.first,
                    end=month.last,
                    all=value(by_era, rollups.ALL),
                    before=value(by_era, "before"),
                    after=value(by_era, "after"),
                )
                for month, by_era in zip(spans_of, split, strict=True)
            ]
            by_code[full] = Series(
                code=code if not dimension else f"{code}:{dimension}",
                level=level,
                key=int(key),
                period="month",
                start=start,
                end=end,
                points=points,
                all=_range_value(kind, code, dimension, ranges, chained, rollups.ALL),
                before=_range_value(kind, code, dimension, ranges, chained, "before"),
                after=_range_value(kind, code, dimension, ranges, chained, "after"),
                go_live=go_live,
            )
        out[(level, key)] = by_code
    return out


def _range_value(kind, code, dimension, ranges, chained, era) -> Value:
    if kind == "continuity":
        return _cell_value(kind, code, {}, dimension, chained[era])
    return _cell_value(kind, code, ranges[era], dimension)


def _daily_figure(code: str, level: str, key: int, period: str, start, end) -> Series:
    """One figure from the daily fact rows (weeks, physicians, or rollups not usable)."""
    code, dimension = parse_code(code)
    spans = periods(period, start, end)
    kind = FIGURES[code][0]
    if level == "physician":
        if code not in PHYSICIAN_CODES:
            raise ValueError(f"figure {code!r} is not available per physician")
        raw = _physician_rows(int(key), code, start, end)
        go_live: dict[int, datetime.date] = go_live_dates({row[0] for row in raw})
    else:
        units = units_of(level, int(key))
        raw = _fact_rows(units, _measures_for(code), start, end, samples=kind in SAMPLE_KINDS)
        go_live = go_live_dates(units)

    # Bucket: (period index, era) -> measure -> rows; era "before"/"after"/"" (no go-live).
    buckets: dict[tuple[int, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    span_index = 0
    for unit, day, measure, dim, numerator, denominator, ids, samples in raw:
        while span_index < len(spans) and day > spans[span_index][1]:
            span_index += 1
        live = go_live.get(unit)
        era = "" if live is None else ("before" if day < live else "after")
        buckets[(span_index, era)][measure].append((dim, numerator, denominator, ids, samples, day))

    def merged(parts):
        out: dict[str, list] = defaultdict(list)
        for part in parts:
            for measure, rows in part.items():
                out[measure].extend(rows)
        return out

    points = []
    for number, (first, last) in enumerate(spans):
        eras = {era: buckets.get((number, era), {}) for era in ("", "before", "after")}
        points.append(
            Point(
                start=first,
                end=last,
                all=_value(kind, code, merged(eras.values()), dimension),
                before=_value(kind, code, eras["before"], dimension),
                after=_value(kind, code, eras["after"], dimension),
            )
        )
    by_era = {
        era: merged(rows for (_n, e), rows in buckets.items() if e == era)
        for era in ("", "before", "after")
    }
    return Series(
        code=code if not dimension else f"{code}:{dimension}",
        level=level,
        key=int(key),
        period=period,
        start=start,
        end=end,
        points=points,
        all=_value(kind, code, merged(by_era.values()), dimension),
        before=_value(kind, code, by_era["before"], dimension),
        after=_value(kind, code, by_era["after"], dimension),
        go_live=go_live,
    )


def physician_exists(pk: int) -> bool:
    return StaffProfile.objects.filter(pk=pk, profession=StaffProfile.Profession.PHYSICIAN).exists()
