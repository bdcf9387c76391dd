"""Monthly rollups per level (issue #16 §3): what the figures page reads instead of daily rows.

`rebuild(months, units)` (called by `facts.refresh_facts` with the units whose daily rows
changed in each month, and for every month when the go-live dates or the organisation tree
changed) reads the months' `DailyFact` rows once and writes, for every level a unit belongs
to — `unit`, `nursing_home` (its parent), `municipality`, `care_area` and `region` (its
ancestors of those kinds) and `nation` — one `MonthlyRollup` per month × era × measure × dimension:

- sums of the numerators and denominators;
- the distinct residents behind the cell as a bitmap of their pks, so the residents behind a
  range of months (a year's residents reached, the suppression of small cells) are an OR of
  the months' bitmaps — exact, never a sum of monthly counts;
- for the measures with samples, every distinct sample (minutes, to 0.1) with its count: the
  median and p90 of any range are computed from the merged counts and equal
  `statistics.median` and the nearest rank of the samples themselves;
- for contacts, each index's exactly rounded sum (`math.fsum`) over the residents with two or
  more contacts in the month, so a month's mean equals `statistics.fmean` of their indices.

When only some units' rows changed in a month, only those units' cells and segments are read
from their daily rows (with the units their residents also had contacts on that month), and
the levels above them are merged again from those and the other units' stored unit cells and
segments (`_update_month`); levels without a changed unit are not rewritten.

Eras: "before"/"after" go-live per unit, "" for units without a go-live date and "*" for all of
them (a resident whose month spans go-live has a continuity of the whole month that is neither
part's). Dimension "*" is every dimension of a measure together (`escalations` without a reason).

Continuity over a range of months cannot be summed from monthly means: `ContactSegment` keeps
each resident's month as runs of contacts on one unit and era (contacts per clinician, the
first and last clinician, consecutive pairs with the same one), which chain exactly into the
resident's indices over any range of months (`continuity_of`).

`series(codes, level, key, start, end)` computes monthly series from the rollups: months that
START..END cover whole (or up to the last day with facts) come from `MonthlyRollup` and
`ContactSegment` in a few queries; a partly covered month at either end is summed the same way
from its `DailyFact` rows inside the range. It returns None when the rollups cannot answer
(never built, or the go-live dates changed since): `figures` then reads the daily rows.
"""

from __future__ import annotations

import datetime
import json
import math
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone

from digifys.directory.models import Organisation

from . import measures as f
from .bulk import insert_rows
from .models import ContactSegment, DailyFact, GoLive, MonthlyRollup, RollupState

STATE_KEY = "rollups"
ALL = "*"  # the era of all units together, the dimension of all dimensions together
ERAS = ("", "before", "after")
SAMPLE_MEASURES = (f.CONSULT_RESPONSE, f.RELATIVE_MESSAGES, f.NEWS2_EVENTS)
CONTINUITY_CODES = ("upc", "coc", "secon", "mmci")


# --- months, levels, bitmaps ----------------------------------------------------------------------


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_last(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - f.ONE_DAY


def level_tree() -> dict[int, list[tuple[str, int]]]:
    """Each unit's (level, key) pairs: itself, its parent, municipality, ancestors, the nation."""
    nodes = {
        pk: (parent, kind, municipality)
        for pk, parent, kind, municipality in Organisation.objects.values_list(
            "pk", "parent_id", "kind", "municipality_id"
        )
    }
    tree = {}
    for pk, (parent, kind, municipality) in nodes.items():
        if kind != Organisation.Kind.UNIT:
            continue
        levels = [("unit", pk), ("nation", 0)]
        if parent is not None:
            levels.append(("nursing_home", parent))
        if municipality is not None:
            levels.append(("municipality", municipality))
        seen, node = {pk}, parent
        while node is not None and node not in seen and node in nodes:
            seen.add(node)
            up, up_kind, _m = nodes[node]
            if up_kind in (Organisation.Kind.REGION, Organisation.Kind.CARE_AREA):
                levels.append((str(up_kind), node))
            node = up
        tree[pk] = levels
    return tree


def to_bits(ids) -> int:
    bits = 0
    for pk in ids:
        bits |= 1 << pk
    return bits


def pack(bits: int) -> bytes:
    if not bits:
        return b""
    return zlib.compress(bits.to_bytes((bits.bit_length() + 7) // 8, "little"), 1)


def unpack(data) -> int:
    return int.from_bytes(zlib.decompress(bytes(data)), "little") if data else 0


# --- cells and continuity -------------------------------------------------------------------------


@dataclass
class Cell:
    """One rollup cell in memory (residents as a bitmap, samples as value -> count)."""

    numerator: float = 0.0
    denominator: float = 0.0
    bits: int = 0
    samples: Counter = field(default_factory=Counter)
    continuity: dict | None = None  # code -> fsum, "residents" -> count (contacts only)
    continuity_bits: int = 0

    def merge(self, other: Cell) -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator
        self.bits |= other.bits
        if other.samples:  # (most cells have none: Counter.update's Mapping check is slow)
            self.samples.update(other.samples)


@dataclass
class Segment:
    unit: int
    era: str
    contacts: int
    providers: dict[int, int]  # clinician -> contacts (a Counter while being built)
    first: int
    last: int
    same: int


def _segments(visits: list[tuple[int, str, int]]) -> list[Segment]:
    """One resident's chronological (unit, era, clinician) visits as runs on one unit and era."""
    out: list[Segment] = []
    for unit, era, clinician in visits:
        run = out[-1] if out else None
        if run is not None and run.unit == unit and run.era == era:
            run.same += run.last == clinician
            run.contacts += 1
            run.providers[clinician] += 1
            run.last = clinician
        else:
            out.append(Segment(unit, era, 1, Counter({clinician: 1}), clinician, clinician, 0))
    return out


def _indices(segments: list[Segment]) -> dict[str, float] | None:
    """The continuity indices of the chained SEGMENTS (as `continuity.indices`), None below 2."""
    n = sum(s.contacts for s in segments)
    if n < 2:
        return None
    counts: dict[int, int] = {}
    same, previous = 0, None
    for segment in segments:
        for clinician, count in segment.providers.items():
            counts[clinician] = counts.get(clinician, 0) + count
        same += segment.same + (previous is not None and previous == segment.first)
        previous = segment.last
    m = len(counts)
    squares = sum(count * count for count in counts.values())
    return {
        "upc": max(counts.values()) / n,
        "coc": (squares - n) / (n * (n - 1)),
        "secon": same / (n - 1),
        "mmci": (10 * (n - m) + 1) / (10 * n - 9),
    }


def continuity_of(by_resident: dict[int, list[Segment]], keep) -> tuple[dict, int, set]:
    """(code -> list of values, residents counted, their set) over the segments KEEP accepts."""
    values: dict[str, list[float]] = {code: [] for code in CONTINUITY_CODES}
    residents = set()
    for resident, segments in by_resident.items():
        got = _indices([s for s in segments if keep(s)])
        if got is None:
            continue
        residents.add(resident)
        for code in CONTINUITY_CODES:
            values[code].append(got[code])
    return values, len(residents), residents


def _era(go_live: dict[int, datetime.date], unit: int, day: datetime.date) -> str:
    live = go_live.get(unit)
    return "" if live is None else ("before" if day < live else "after")


def _unit_cells(rows, go_live) -> tuple[dict, dict[int, list]]:
    """From fact rows: (unit, era, measure, dimension) -> Cell, and each resident's visits."""
    cells: dict[tuple, Cell] = defaultdict(Cell)
    visits: dict[int, list] = defaultdict(list)
    for unit, day, measure, dimension, numerator, denominator, ids, samples in rows:
        era = _era(go_live, unit, day)
        dimensions = (dimension, ALL) if dimension else (dimension,)
        for dim in dimensions:
            cell = cells[(unit, era, measure, dim)]
            cell.numerator += numerator
            cell.denominator += denominator
            cell.bits |= to_bits(ids)
            if measure in SAMPLE_MEASURES:
                cell.samples.update(sample for sample in samples if sample is not None)
        if measure == f.CONTACTS:
            for sample in samples:
                visits[sample[0]].append((unit, era, sample[1]))
    return cells, visits


def _level_cells(unit_cells, tree, wanted=None) -> dict[tuple, Cell]:
    """(level, key, era, measure, dimension) -> Cell: unit cells merged up every level
    (only WANTED (level, key) pairs when given), each also into era "*"."""
    out: dict[tuple, Cell] = defaultdict(Cell)
    for (unit, era, measure, dim), cell in unit_cells.items():
        for level_key in tree.get(unit, [("unit", unit)]):
            if wanted is not None and level_key not in wanted:
                continue
            for e in (era, ALL):
                out[(*level_key, e, measure, dim)].merge(cell)
    return out


def _add_continuity(cells, by_resident, tree, wanted=None) -> None:
    """Each level's continuity sums per era into its contacts cells."""
    values: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    members: dict[tuple, set] = defaultdict(set)
    for resident, segments in by_resident.items():
        level_keys = {lk for s in segments for lk in tree.get(s.unit, [("unit", s.unit)])}
        for level_key in level_keys:
            if wanted is not None and level_key not in wanted:
                continue
            inside = [s for s in segments if level_key in tree.get(s.unit, [("unit", s.unit)])]
            for era in (*ERAS, ALL):
                got = _indices([s for s in inside if era == ALL or s.era == era])
                if got is None:
                    continue
                members[(*level_key, era)].add(resident)
                for code in CONTINUITY_CODES:
                    values[(*level_key, era)][code].append(got[code])
    for where, by_code in values.items():
        cell = cells[(*where, f.CONTACTS, "")]
        cell.continuity = {code: math.fsum(by_code[code]) for code in CONTINUITY_CODES}
        cell.continuity["residents"] = len(members[where])
        cell.continuity_bits = to_bits(members[where])


# --- the build ------------------------------------------------------------------------------------


def _go_live_now() -> dict[int, datetime.date]:
    return dict(GoLive.objects.values_list("unit_id", "went_live_on"))


def _fact_rows(first, last, units=None):
    rows = DailyFact.objects.filter(day__gte=first, day__lte=last)
    if units is not None:
        rows = rows.filter(unit_id__in=units)
    return rows.order_by("day", "unit_id", "pk").values_list(
        "unit_id",
        "day",
        "measure",
        "dimension",
        "numerator",
        "denominator",
        "resident_ids",
        "samples",
    )


def _rebuild_month(month, tree, go_live) -> int:
    unit_cells, visits = _unit_cells(_fact_rows(month, month_last(month)), go_live)
    by_resident = {resident: _segments(v) for resident, v in visits.items()}
    cells = _level_cells(unit_cells, tree)
    _add_continuity(cells, by_resident, tree)
    MonthlyRollup.objects.filter(month=month).delete()
    ContactSegment.objects.filter(month=month).delete()
    _write_month(month, cells, by_resident)
    return len(cells)


def _closed_units(month, touched, go_live):
    """The units to recompute for MONTH when TOUCHED units' days changed, with their unit cells
    and visits: TOUCHED plus every unit on which a resident of theirs (stored or fresh) had a
    contact that month, until closed, so each of those residents' segments chain whole."""
    segments = ContactSegment.objects.filter(month=month)
    units = set(touched)
    while True:
        rows = _fact_rows(month, month_last(month), sorted(units))
        unit_cells, visits = _unit_cells(rows, go_live)
        residents = set(visits) | set(
            segments.filter(unit__in=units).values_list("resident", flat=True)
        )
        more = set(segments.filter(resident__in=residents).values_list("unit", flat=True)) - units
        if not more:
            return units, unit_cells, visits
        units |= more


def _update_month(month, touched, tree, go_live) -> int:
    """Rebuild MONTH's rollups after the days of the TOUCHED units changed: those units' cells
    and contact segments from their daily rows, and the cells of every level above them merged
    from them and the other units' stored unit cells and segments. Levels without a touched
    unit keep their rows. The same rows as `_rebuild_month` (tested), reading a fraction of
    the month's daily rows when few units changed."""
    units, unit_cells, visits = _closed_units(month, touched, go_live)
    by_resident = {resident: _segments(v) for resident, v in visits.items()}
    wanted = {level_key for unit in units for level_key in tree.get(unit, [("unit", unit)])}
    others = {
        unit
        for unit, level_keys in tree.items()
        if unit not in units and any(level_key in wanted for level_key in level_keys)
    }
    stored = MonthlyRollup.objects.filter(level="unit", month=month, key__in=others).exclude(
        era=ALL
    )
    for (
        unit,
        era,
        measure,
        dim,
        numerator,
        denominator,
        resident_set,
        samples,
    ) in stored.values_list(
        "key",
        "era",
        "measure",
        "dimension",
        "numerator",
        "denominator",
        "resident_set",
        "samples",
    ):
        unit_cells[(unit, era, measure, dim)] = Cell(
            numerator=numerator,
            denominator=denominator,
            bits=unpack(resident_set),
            samples=_counts(samples),
        )
    everyone = dict(by_resident)
    for (resident, _month), segs in _stored_segments(
        ContactSegment.objects.filter(month=month, unit__in=others)
    ).items():
        everyone[resident] = segs  # never one of BY_RESIDENT's (their units are all in UNITS)
    cells = _level_cells(unit_cells, tree, wanted)
    _add_continuity(cells, everyone, tree, wanted)
    by_level: dict[str, set[int]] = defaultdict(set)
    for level, key in wanted:
        by_level[level].add(key)
    for level, keys in by_level.items():
        MonthlyRollup.objects.filter(month=month, level=level, key__in=keys).delete()
    ContactSegment.objects.filter(month=month, unit__in=units).delete()
    _write_month(month, cells, by_resident)
    return len(cells)


def _write_month(month, cells, by_resident) -> None:
    insert_rows(
        MonthlyRollup,
        (
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
        ),
        (
            (
                level,
                key,
                month,
                era,
                measure,
                dim,
                cell.numerator,
                cell.denominator,
                cell.bits.bit_count(),
                pack(cell.bits),
                sorted(cell.samples.items()),
                cell.continuity or {},
                pack(cell.continuity_bits),
            )
            for (level, key, era, measure, dim), cell in cells.items()
        ),
    )
    insert_rows(
        ContactSegment,
        (
            "resident",
            "unit",
            "month",
            "seq",
            "era",
            "contacts",
            "providers",
            "first",
            "last",
            "same",
        ),
        (
            (
                resident,
                s.unit,
                month,
                seq,
                s.era,
                s.contacts,
                dict(s.providers),
                s.first,
                s.last,
                s.same,
            )
            for resident, segments in by_resident.items()
            for seq, s in enumerate(segments)
        ),
    )


def rebuild(months=None, units=None) -> int:
    """Rebuild the rollups of MONTHS (first days), or of every month with facts when None or
    when the go-live dates or the organisation tree changed since the last build.

    UNITS (month -> the units whose daily rows changed, from `facts.refresh_facts`): in those
    months only the cells of those units and of the levels above them are rebuilt
    (`_update_month`); a month in which at least half the units changed is rebuilt whole (it
    costs less than merging the stored cells)."""
    go_live = _go_live_now()
    tree = level_tree()
    state = RollupState.objects.filter(key=STATE_KEY).first()
    stored_live = {int(unit): day.isoformat() for unit, day in go_live.items()}
    stored_tree = {str(unit): [list(pair) for pair in pairs] for unit, pairs in tree.items()}
    if (
        months is None
        or state is None
        or state.go_live != {str(k): v for k, v in stored_live.items()}
        or state.tree != stored_tree
    ):
        units = None
        months = {month_of(day) for day in DailyFact.objects.dates("day", "month")}
        with transaction.atomic():
            MonthlyRollup.objects.exclude(month__in=months).delete()
            ContactSegment.objects.exclude(month__in=months).delete()
    rows = 0
    for month in sorted(set(months)):
        touched = None if units is None else units.get(month)
        with transaction.atomic():
            if touched is None or 2 * len(touched) >= len(tree):
                rows += _rebuild_month(month, tree, go_live)
            elif touched:
                rows += _update_month(month, touched, tree, go_live)
    last_day = DailyFact.objects.order_by("-day").values_list("day", flat=True).first()
    RollupState.objects.update_or_create(
        key=STATE_KEY,
        defaults={
            "go_live": {str(k): v for k, v in stored_live.items()},
            "tree": stored_tree,
            "last_day": last_day,
            "built_at": timezone.now(),
        },
    )
    # A new generation: series precomputed from the rollups before this are never served.
    RollupState.objects.filter(key=STATE_KEY).update(generation=models.F("generation") + 1)
    return rows


# --- reading --------------------------------------------------------------------------------------


@dataclass
class Month:
    """One span's cells of one level: (era, measure, dimension) -> Cell, and for the range's
    continuity the residents' segments (resident -> segments), when asked for."""

    first: datetime.date
    last: datetime.date
    cells: dict = field(default_factory=dict)
    segments: dict = field(default_factory=dict)


def _counts(pairs) -> Counter:
    """A Counter of stored (value, count) pairs (filled as a dict: Counter's own update spends
    more on its Mapping check than on the pairs)."""
    counts = Counter()
    if pairs:
        dict.update(counts, pairs)
    return counts


EMPTY_JSON = ("[]", "{}", "", None)


def _stored_cell(row) -> Cell:
    """A cell from a rollup row whose `samples` and `continuity` were read as JSON text
    (`read`): most cells have neither, and decoding "[]" and "{}" one row at a time through
    the JSON field was most of the time reading a level's rollups took (profiled)."""
    numerator, denominator, resident_set, samples, continuity, continuity_set = row
    return Cell(
        numerator=numerator,
        denominator=denominator,
        bits=unpack(resident_set),
        samples=_counts(json.loads(samples)) if samples not in EMPTY_JSON else Counter(),
        continuity=json.loads(continuity) if continuity not in EMPTY_JSON else None,
        continuity_bits=unpack(continuity_set),
    )


def _stored_segments(queryset) -> dict[tuple[int, datetime.date], list[Segment]]:
    """(resident, month) -> the stored segments of QUERYSET (of `ContactSegment`), in order.

    The clinician counts are fetched as JSON text and decoded in one `json.loads` of them all:
    one decode per row (Django's JSONField) cost more than the rest of the page's arithmetic."""
    rows = list(
        queryset.order_by("resident", "month", "seq").values_list(
            "resident",
            "month",
            "unit",
            "era",
            "contacts",
            Cast("providers", models.TextField()),
            "first",
            "last",
            "same",
        )
    )
    providers = json.loads("[" + ",".join(row[5] for row in rows) + "]")
    out: dict[tuple, list[Segment]] = defaultdict(list)
    for (resident, month, unit, era, contacts, _text, first, last, same), counts in zip(
        rows, providers, strict=True
    ):
        counts = {int(k): v for k, v in counts.items()}
        out[(resident, month)].append(Segment(unit, era, contacts, counts, first, last, same))
    return out


def read(levels: dict[tuple[str, int], list[int]], spans, measures, *, segments: bool):
    """Per (level, key) of LEVELS (-> its units): one `Month` per span of SPANS, or None when the
    rollups cannot answer. SEGMENTS: also read each span's contact segments."""
    state = RollupState.objects.filter(key=STATE_KEY).values_list("go_live", "last_day").first()
    if state is None:
        return None
    stored_live, last_day = state
    all_units = {unit for units in levels.values() for unit in units}
    go_live = dict(
        GoLive.objects.filter(unit_id__in=all_units).values_list("unit_id", "went_live_on")
    )
    if {k: v.isoformat() for k, v in go_live.items()} != {
        int(k): v for k, v in stored_live.items() if int(k) in all_units
    }:
        return None
    covered, partial = [], []
    for number, (first, last) in enumerate(spans):
        whole = first.day == 1 and (
            last == month_last(first) or (last_day is not None and last >= last_day)
        )
        (covered if whole else partial).append(number)
    out = {level_key: [Month(first, last) for first, last in spans] for level_key in levels}
    by_month = {spans[n][0]: n for n in covered}
    if covered:
        rows = MonthlyRollup.objects.filter(
            level__in={level for level, _k in levels},
            key__in={key for _l, key in levels},
            month__in=list(by_month),
            measure__in=measures,
        ).values_list(
            "level",
            "key",
            "month",
            "era",
            "measure",
            "dimension",
            "numerator",
            "denominator",
            "resident_set",
            Cast("samples", models.TextField()),
            Cast("continuity", models.TextField()),
            "continuity_set",
        )
        for level, key, month, era, measure, dim, *rest in rows:
            if (level, key) in out:
                out[(level, key)][by_month[month]].cells[(era, measure, dim)] = _stored_cell(rest)
        if segments:
            _read_segments(levels, out, by_month)
    tree = _unit_levels(levels)
    for number in partial:
        first, last = spans[number]
        unit_cells, visits = _unit_cells(_fact_rows(first, last, sorted(all_units)), go_live)
        by_resident = {resident: _segments(v) for resident, v in visits.items()}
        cells = _level_cells(unit_cells, tree)
        _add_continuity(cells, by_resident, tree)
        for (level, key, era, measure, dim), cell in cells.items():
            out[(level, key)][number].cells[(era, measure, dim)] = cell
        if segments:
            for resident, segs in by_resident.items():
                for level_key, kept in _split(segs, tree):
                    out[level_key][number].segments[resident] = kept
    return out


def _unit_levels(levels) -> dict[int, list]:
    tree: dict[int, list] = defaultdict(list)
    for level_key, units in levels.items():
        for unit in units:
            tree[unit].append(level_key)
    return tree


def _split(segs: list[Segment], tree):
    """(level_key, the segments on its units) for each asked level a segment's unit is in."""
    level_keys = {lk for s in segs for lk in tree.get(s.unit, ())}
    for level_key in level_keys:
        yield level_key, [s for s in segs if level_key in tree[s.unit]]


def _read_segments(levels, out, by_month) -> None:
    everything = any(level == "nation" for level, _k in levels)
    rows = ContactSegment.objects.filter(month__in=list(by_month))
    if not everything:
        rows = rows.filter(unit__in={unit for units in levels.values() for unit in units})
    stored = _stored_segments(rows)
    tree = _unit_levels(levels)
    for (resident, month), segs in stored.items():
        for level_key, kept in _split(segs, tree):
            out[level_key][by_month[month]].segments[resident] = kept
