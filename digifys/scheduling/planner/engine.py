"""Continuity planner: assign a week's work items to clinicians and start times.

Pure Python + OR-Tools, no Django (the benchmark `bench/planner.py` and the Django adapter both
use it). Times are integer minutes since the start of the planning horizon; the day index of a
minute is `minute // 1440`. Clinicians' windows are cut at day boundaries, so a planned item never
crosses midnight and its minutes count against the day it starts on.

Feasibility (every method): only licensed clinicians get items; an item lies entirely inside one
free window of its clinician, between `earliest` and `deadline` (or exactly at `fixed_start`);
a clinician's items never overlap; planned minutes per day stay within `daily_capacity`. A
clinician who does not speak the item's language may take it with an interpreter.

Three methods:

* `first_available` - how a locum pool works today: items in order of arrival (`earliest`), each
  to whichever clinician has the earliest free slot. Continuity happens only by chance.
* `greedy` - earliest deadline first; each item tries the tiers in order (named, deputy, team,
  other, locum), a speaker before an interpreter, the earliest slot within a tier. It is myopic:
  a physician's time goes to another panel's deputy work that happens to be due earlier, and
  long items crowd out several short ones.
* `optimise` - lexicographic: first maximise the resident contacts done by their named physician,
  then by the deputy, then fill in the rest (see Objective below).

Why the optimiser is fast: the named tier decomposes exactly. An item's named physician is one
clinician, and named items only compete for that clinician's own time, so "most items to their
named physician" is the sum over physicians of independent single-clinician problems: choose the
largest subset of the physician's panel items that can be sequenced inside their free windows
(release times, deadlines, fixed starts, daily capacity). Each is small (tens to a hundred and
some items), and for each, cheapest first:

1. An earliest-deadline greedy. When it places every item that fits on its own, that is optimal
   and nothing else runs - true for most physicians (those not overloaded this week).
2. The linear relaxation below (a min-cost flow, about a millisecond) gives a ceiling; a
   shortest-first greedy and a rounding of the relaxation (keep the items it routes whole into
   one window, then fill) give a floor. Floor = ceiling: optimal, done.
3. Otherwise CP-SAT on a bin model: how many items of each class of interchangeable items
   (same duration, same windows) go to each free window - integer counts instead of one boolean
   per item, which removes the symmetry that makes such proofs slow - with per window the
   knapsack row and the release/deadline rows, the daily-capacity row, and the ceiling as a
   row so CP-SAT stops the moment it reaches it; warm-started from the best floor. Then each
   window is sequenced (fixed starts, then earliest deadline into the earliest gap).
4. Only if that choice cannot be sequenced in full: the exact model (one optional interval per
   item and window, no-overlap), warm-started, for the time left.

The hard subproblems are independent, so they run side by side in `workers` threads (CP-SAT
releases the GIL), one single-threaded solver each: on tiny models a parallel portfolio mostly
adds overhead. The deputy tier then decomposes the same way on the time left (each item has one
deputy). The remaining items (team, other, locum - they do not change the named share) go
through the greedy. A monolithic CP-SAT model of the whole week (thousands of items times sixty
clinicians, one interval each) struggles on two cores; this one proves the named-tier optimum of
a 4,000-item region in about half a second.

Upper bound (`named_upper_bound`): the same decomposition, relaxed. Per named physician a linear
relaxation solved as a min-cost flow: source -> item (capacity = duration, unit profit
1/duration, so a whole item is worth 1) -> each free window it fits in (capacity = its length)
-> the clinician-day (capacity = daily capacity) -> sink, plus a zero-cost bypass so minutes may
stay unused. It ignores sequencing and lets items split, so it is a valid bound; per physician
it is rounded down and capped by the number of panel items that fit in some window on their own,
and it is exact whenever the greedy already schedules all of them. `optimise` also uses the bound
CP-SAT proves for each overloaded physician (its models are relaxations of, or exactly, the same
single-clinician problem), so its `upper_bound` equals the optimum when every subproblem is
proven optimal, which is the case on all synthetic regions measured (`docs/performance.md`).

Objective (issue 15 section 5): each item is valued by the resident contacts it gives
(`Item.weight`: a ward round counts for every resident on its agenda, anything else one), so a
named physician short of time keeps a 90-minute round of twelve residents and lets short
follow-ups go to the deputy. Items that may wait (`Item.deferrable`, e.g. a medication review
due in three weeks) are planned only after the named and deputy tiers of the items due this
week, and one the named physician cannot take moves to a later week (`Assignment.deferred`)
rather than away from them. The tiers are strictly ordered: named, deputy, team, other, locum.
The price is paid in the count of items: keeping a round costs the named physician several
short items, so the named share of items ends below the item-count bound
(`named_upper_bound`); `docs/performance.md` reports both. Below the deputy tier the items go
through the greedy and are not optimised further.

The two aims conflict, and not only for this objective: `bench/planner_pareto.py` proves an
upper bound on the contacts of any plan with a given named item count, and on the synthetic
region no plan has both 99 % of the item bound and 95 % of the contact bound. `optimise(...,
item_floor=f)` is the lexicographic alternative (items first, then contacts among the subsets
with at least f of the most items) for when the item count must rule.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

DAY = 1440

# Tiers, best first. Cost increases strictly down the list.
TIERS = ("named", "deputy", "team", "other", "locum")
TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}


@dataclass(frozen=True)
class Window:
    start: int  # minute, inclusive
    end: int  # minute, exclusive


@dataclass(frozen=True)
class Clinician:
    id: str
    team: str
    languages: frozenset[str]
    windows: tuple[Window, ...]  # free time, sorted, non-overlapping
    is_locum: bool = False
    licensed: bool = True
    daily_capacity: int | None = None  # max planned minutes per day index
    # Units the clinician prefers: within a tier below the named physician and deputy, a
    # clinician who prefers the item's unit goes before one who does not (never across tiers).
    preferred_units: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # "round" | "medication_review" | "family_meeting" | "follow_up"
    duration: int
    earliest: int  # may not start before this minute
    deadline: int  # must END by this minute
    named: str | None = None
    deputy: str | None = None
    team: str | None = None
    language: str = "sv"
    fixed_start: int | None = None
    resident: str | None = None
    # Continuity value: the resident contacts the item gives (a ward round: every resident on
    # its agenda; anything else: one).
    weight: int = 1
    # Due after this week (a medication review due in three weeks): may move to a later week
    # rather than leave its named physician.
    deferrable: bool = False
    unit: str | None = None  # the unit the item is for (preferred units weigh in within a tier)


@dataclass(frozen=True)
class Assignment:
    item_id: str
    clinician_id: str | None  # None = could not be placed
    start: int | None
    tier: str | None  # one of TIERS, None when unassigned
    interpreter: bool
    named_status: str  # "chosen" | "none" | "unavailable" | "full" | "unlicensed"
    # For the deputy the same vocabulary, plus "not_needed" when the named physician got the item.
    deputy_status: str
    kept: bool = False
    # Moved to a later week to stay with the named physician (clinician_id is then None), and
    # the item (a ward round of the named physician) whose time it left free, if any.
    deferred: bool = False
    deferred_for: str | None = None


@dataclass
class Plan:
    method: str  # "first_available" | "greedy" | "optimiser"
    assignments: dict[str, Assignment]
    seconds: float
    upper_bound: float
    # The best named share of resident contacts (items weighted by `Item.weight`) any feasible
    # plan could reach; 0.0 when the method does not compute it.
    contact_bound: float = 0.0

    def named_share(self) -> float:
        """Return the share of all items assigned to their named physician."""
        return self.tier_share("named")

    def assigned(self) -> int:
        """Return the number of items that got a clinician."""
        return sum(1 for a in self.assignments.values() if a.clinician_id is not None)

    def tier_share(self, tier: str) -> float:
        """Return the share of all items assigned in TIER."""
        if not self.assignments:
            return 0.0
        return sum(1 for a in self.assignments.values() if a.tier == tier) / len(self.assignments)

    def interpreters(self) -> int:
        """Return the number of assigned items that need an interpreter."""
        return sum(1 for a in self.assignments.values() if a.clinician_id and a.interpreter)

    def deferred(self) -> int:
        """Return the number of items moved to a later week."""
        return sum(1 for a in self.assignments.values() if a.deferred)


def contact_share(plan: Plan, items: Sequence[Item], tier: str = "named") -> float:
    """Return the share of all resident contacts (items weighted by `weight`) done in TIER."""
    total = sum(i.weight for i in items)
    if not total:
        return 0.0
    done = sum(i.weight for i in items if plan.assignments[i.id].tier == tier)
    return done / total


# --------------------------------------------------------------------------------------------
# Calendars


def _segments(windows: Iterable[Window]) -> list[tuple[int, int]]:
    """Cut windows at day boundaries: every segment lies inside one day index."""
    out: list[tuple[int, int]] = []
    for w in sorted(windows, key=lambda w: w.start):
        s = w.start
        while s < w.end:
            e = min(w.end, (s // DAY + 1) * DAY)
            if out and out[-1][1] == s and out[-1][0] // DAY == s // DAY:
                out[-1] = (out[-1][0], e)  # touching windows merge
            else:
                out.append((s, e))
            s = e
    return out


class _Calendar:
    """A clinician's free segments and the planned minutes left per day."""

    __slots__ = ("cap", "clinician", "day_left", "ends", "starts")

    def __init__(self, clinician: Clinician):
        self.clinician = clinician
        segs = _segments(clinician.windows)
        self.starts = [s for s, _ in segs]
        self.ends = [e for _, e in segs]
        self.cap = clinician.daily_capacity
        self.day_left: dict[int, int] = {}

    def copy(self) -> _Calendar:
        other = _Calendar.__new__(_Calendar)
        other.clinician = self.clinician
        other.starts = list(self.starts)
        other.ends = list(self.ends)
        other.cap = self.cap
        other.day_left = dict(self.day_left)
        return other

    def left(self, day: int) -> int:
        if self.cap is None:
            return DAY
        return self.day_left.get(day, self.cap)

    def fit(self, item: Item) -> int | None:
        """Return the earliest feasible start for ITEM, or None."""
        d = item.duration
        if item.fixed_start is not None:
            s = item.fixed_start
            if s < item.earliest or s + d > item.deadline:
                return None
            k = bisect.bisect_right(self.starts, s) - 1
            if k >= 0 and s + d <= self.ends[k] and d <= self.left(s // DAY):
                return s
            return None
        lo, hi = item.earliest, item.deadline - d
        starts, ends = self.starts, self.ends
        k = bisect.bisect_right(ends, lo)
        n = len(starts)
        while k < n:
            s = starts[k]
            if s < lo:
                s = lo
            if s > hi:
                return None
            if s + d <= ends[k] and d <= self.left(s // DAY):
                return s
            k += 1
        return None

    def fits_at(self, item: Item, start: int) -> bool:
        """Tell whether ITEM can start exactly at START."""
        d = item.duration
        if item.fixed_start is not None and start != item.fixed_start:
            return False
        if start < item.earliest or start + d > item.deadline:
            return False
        k = bisect.bisect_right(self.starts, start) - 1
        return k >= 0 and start + d <= self.ends[k] and d <= self.left(start // DAY)

    def candidates(self, item: Item) -> list[tuple[int, int, int]]:
        """Return (segment index, lowest start, highest start) for every segment ITEM fits in."""
        d = item.duration
        out = []
        if item.fixed_start is not None:
            s = item.fixed_start
            if item.earliest <= s and s + d <= item.deadline:
                k = bisect.bisect_right(self.starts, s) - 1
                if k >= 0 and s + d <= self.ends[k] and d <= self.left(s // DAY):
                    out.append((k, s, s))
            return out
        lo, hi = item.earliest, item.deadline - d
        k = bisect.bisect_right(self.ends, lo)
        while k < len(self.starts):
            s, e = self.starts[k], self.ends[k]
            if s > hi:
                break
            a, b = max(s, lo), min(e - d, hi)
            if a <= b and d <= self.left(s // DAY):
                out.append((k, a, b))
            k += 1
        return out

    def book(self, start: int, duration: int) -> None:
        k = bisect.bisect_right(self.starts, start) - 1
        s, e = self.starts[k], self.ends[k]
        if not (s <= start and start + duration <= e):
            raise ValueError("booking outside a free segment")
        pieces = [(a, b) for a, b in ((s, start), (start + duration, e)) if a < b]
        self.starts[k : k + 1] = [a for a, _ in pieces]
        self.ends[k : k + 1] = [b for _, b in pieces]
        if self.cap is not None:
            day = start // DAY
            self.day_left[day] = self.left(day) - duration


def _calendars(clinicians: Sequence[Clinician]) -> dict[str, _Calendar]:
    return {c.id: _Calendar(c) for c in clinicians if c.licensed}


# --------------------------------------------------------------------------------------------
# Tiers and explanations


def _tier(item: Item, clinician: Clinician) -> str:
    if clinician.id == item.named:
        return "named"
    if clinician.id == item.deputy:
        return "deputy"
    if clinician.is_locum:
        return "locum"
    if item.team is not None and clinician.team == item.team:
        return "team"
    return "other"


def _interpreter(item: Item, clinician: Clinician) -> bool:
    return item.language not in clinician.languages


def _status(who: str | None, item: Item, fresh: dict[str, _Calendar], known: set[str]) -> str:
    """Why WHO (the named physician or the deputy) did not get ITEM."""
    if who is None:
        return "none"
    if who not in fresh:
        return "unlicensed" if who in known else "unavailable"
    return "full" if fresh[who].fit(item) is not None else "unavailable"


class _Book:
    """Collects assignments and explains the named/deputy outcome of each."""

    def __init__(self, items: Sequence[Item], clinicians: Sequence[Clinician]):
        self.items = items
        self.fresh = _calendars(clinicians)
        self.known = {c.id for c in clinicians}
        self.by_id = {c.id: c for c in clinicians}
        self.placed: dict[str, tuple[str, int]] = {}
        self.kept: dict[str, Assignment] = {}
        self.deferred: dict[str, str | None] = {}  # item id -> the round it made room for

    def place(self, item: Item, clinician_id: str, start: int) -> None:
        self.placed[item.id] = (clinician_id, start)

    def assignments(self) -> dict[str, Assignment]:
        out: dict[str, Assignment] = {}
        for item in self.items:
            if item.id in self.kept:
                out[item.id] = self.kept[item.id]
                continue
            got = self.placed.get(item.id)
            cid, start = got if got else (None, None)
            if item.named is None:
                named_status = "none"
            elif cid == item.named:
                named_status = "chosen"
            else:
                named_status = _status(item.named, item, self.fresh, self.known)
            if item.deputy is None:
                deputy_status = "none"
            elif cid == item.deputy:
                deputy_status = "chosen"
            elif named_status == "chosen":
                deputy_status = "not_needed"
            else:
                deputy_status = _status(item.deputy, item, self.fresh, self.known)
            if cid is None:
                out[item.id] = Assignment(
                    item.id, None, None, None, False, named_status, deputy_status,
                    deferred=item.id in self.deferred, deferred_for=self.deferred.get(item.id),
                )  # fmt: skip
            else:
                c = self.by_id[cid]
                out[item.id] = Assignment(
                    item.id, cid, start, _tier(item, c), _interpreter(item, c), named_status,
                    deputy_status,
                )  # fmt: skip
        return out


# --------------------------------------------------------------------------------------------
# Baselines


def first_available(items: Sequence[Item], clinicians: Sequence[Clinician]) -> Plan:
    """Give each item, in order of arrival, the earliest free slot of any clinician."""
    t0 = time.perf_counter()
    cals = list(_calendars(clinicians).values())
    book = _Book(items, clinicians)
    for item in sorted(items, key=lambda i: (i.earliest, i.deadline, i.id)):
        best = None
        for cal in cals:
            s = cal.fit(item)
            if s is not None:
                key = (s, _interpreter(item, cal.clinician))
                if best is None or key < best[0]:
                    best = (key, cal)
        if best is not None:
            start, cal = best[0][0], best[1]
            cal.book(start, item.duration)
            book.place(item, cal.clinician.id, start)
    seconds = time.perf_counter() - t0
    return Plan(
        "first_available", book.assignments(), seconds, named_upper_bound(items, clinicians)
    )


class _Tiers:
    """Candidate calendars of an item, tier by tier."""

    def __init__(self, cals: dict[str, _Calendar]):
        self.cals = cals
        by_team: dict[str, list[_Calendar]] = defaultdict(list)
        self.others: list[_Calendar] = []
        self.locums: list[_Calendar] = []
        for cal in cals.values():
            if cal.clinician.is_locum:
                self.locums.append(cal)
            else:
                by_team[cal.clinician.team].append(cal)
                self.others.append(cal)
        self.by_team = by_team

    def groups(self, item: Item) -> Iterable[list[_Calendar]]:
        skip = {item.named, item.deputy}
        for who in (item.named, item.deputy):
            if who is not None and who in self.cals:
                yield [self.cals[who]]
        team = [c for c in self.by_team.get(item.team, ()) if c.clinician.id not in skip]
        yield team
        yield [
            c for c in self.others if c.clinician.id not in skip and c.clinician.team != item.team
        ]
        yield [c for c in self.locums if c.clinician.id not in skip]

    def place(self, item: Item) -> tuple[_Calendar, int] | None:
        """Place ITEM in the best tier: a speaker first, then the earliest slot."""
        for group in self.groups(item):
            best = None
            for cal in group:
                s = cal.fit(item)
                if s is not None:
                    elsewhere = item.unit is None or item.unit not in cal.clinician.preferred_units
                    key = (_interpreter(item, cal.clinician), elsewhere, s)
                    if best is None or key < best[0]:
                        best = (key, cal)
            if best is not None:
                start, cal = best[0][2], best[1]
                cal.book(start, item.duration)
                return cal, start
        return None


def _edf(item: Item) -> tuple:
    return (item.deadline, item.earliest, item.id)


def greedy(items: Sequence[Item], clinicians: Sequence[Clinician]) -> Plan:
    """Give items, earliest deadline first, to the best tier that still has a slot."""
    t0 = time.perf_counter()
    tiers = _Tiers(_calendars(clinicians))
    book = _Book(items, clinicians)
    for item in sorted(items, key=_edf):
        got = tiers.place(item)
        if got is not None:
            book.place(item, got[0].clinician.id, got[1])
    seconds = time.perf_counter() - t0
    return Plan("greedy", book.assignments(), seconds, named_upper_bound(items, clinicians))


# --------------------------------------------------------------------------------------------
# Single-clinician subproblem: the largest subset of ITEMS that fits CAL


def _greedy_subset(cal: _Calendar, items: Sequence[Item], key) -> dict[str, int]:
    trial = cal.copy()
    out: dict[str, int] = {}
    # Fixed starts first: they have no freedom, everything else can move around them.
    for item in sorted(items, key=lambda i: (i.fixed_start is None, key(i))):
        s = trial.fit(item)
        if s is not None:
            trial.book(s, item.duration)
            out[item.id] = s
    return out


def _sequence(seg: tuple[int, int], chosen: list[tuple[Item, int, int]]) -> dict[str, int]:
    """Give the items chosen for one segment start times: fixed starts, then earliest deadline.

    CHOSEN holds (item, lowest start, highest start) inside the segment. Each flexible item
    takes the earliest gap that holds it, so short items fill the time before a round. Items
    that fit nowhere are left out; the caller retries them elsewhere. Two orders are tried
    (earliest deadline first; then longest first inside the same deadline) and the better kept.
    """
    fixed = sorted((t for t in chosen if t[0].fixed_start is not None), key=lambda t: t[1])
    flexible = [t for t in chosen if t[0].fixed_start is None]
    best: dict[str, int] = {}
    orders = (
        lambda t: (t[2] + t[0].duration, t[1], t[0].id),
        lambda t: (t[2] + t[0].duration, -t[0].duration, t[1], t[0].id),
    )
    for order in orders:
        free = [seg]
        out: dict[str, int] = {}
        for item, lo, hi in fixed + sorted(flexible, key=order):
            d = item.duration
            for n, (a, b) in enumerate(free):
                start = max(a, lo)
                if start > hi:
                    break
                if start + d <= b:
                    free[n : n + 1] = [p for p in ((a, start), (start + d, b)) if p[0] < p[1]]
                    out[item.id] = start
                    break
        if len(out) > len(best):
            best = out
        if len(best) == len(chosen):
            break
    return best


def _complete(cal: _Calendar, fitting, chosen: dict[int, list]) -> dict[str, int]:
    """Sequence CHOSEN (segment -> [(item, lo, hi)]) and add what else fits, shortest first."""
    out: dict[str, int] = {}
    for k, entries in chosen.items():
        out.update(_sequence((cal.starts[k], cal.ends[k]), entries))
    trial = cal.copy()
    for item, _ in fitting:
        if item.id in out:
            trial.book(out[item.id], item.duration)
    rest = sorted(
        (i for i, _ in fitting if i.id not in out),
        key=lambda i: (-i.weight / i.duration, i.duration, _edf(i)),
    )
    for item in rest:
        start = trial.fit(item)
        if start is not None:
            trial.book(start, item.duration)
            out[item.id] = start
    return out


def _round(cal: _Calendar, fitting, routed: dict[str, int]) -> dict[str, int]:
    """Round the relaxation: keep the items it routes whole, then fill greedily."""
    chosen: dict[int, list] = defaultdict(list)
    for item, cands in fitting:
        k = routed.get(item.id)
        if k is not None:
            for kk, lo, hi in cands:
                if kk == k:
                    chosen[k].append((item, lo, hi))
    return _complete(cal, fitting, chosen)


def _best_subset(
    cal: _Calendar,
    items: Sequence[Item],
    *,
    time_limit: float,
    workers: int,
    min_count: int = 0,
    floor: dict[str, int] | None = None,
) -> tuple[dict[str, int], int, bool]:
    """Return (item id -> start, proven upper bound on the count, whether it is optimal).

    The model is a bin model: how many items of each class of interchangeable items go to each
    free segment they fit in (at most the class size in all), and per segment the knapsack row
    plus the earliest-deadline and latest-release rows (all items due by t fit between the
    segment start and t; all released from r fit between r and the segment end), the daily
    capacity row, and the relaxation's bound as a cap on the count. These are necessary
    conditions only, so the model is a relaxation of the scheduling problem and its proven
    bound is valid; the chosen items are then sequenced in each segment, and what does not fit
    is retried anywhere in the calendar.
    """
    fitting = [(i, c) for i in items if (c := cal.candidates(i))]
    if not fitting:
        return {}, 0, True
    plain = [i for i, _ in fitting]
    weight = {i.id: i.weight for i in plain}

    def value(chosen: dict[str, int]) -> int:
        # Below MIN_COUNT items a choice is not allowed (lexicographic: the count comes first).
        if len(chosen) < min_count:
            return -1
        return sum(weight[iid] for iid in chosen)

    edf = _greedy_subset(cal, plain, _edf)
    if len(edf) == len(fitting):
        return edf, value(edf), True
    hint = edf
    if floor is not None and value(floor) > value(hint):
        hint = floor
    orders = [lambda i: (i.duration, i.deadline, i.id)]
    if len(set(weight.values())) > 1:
        orders.append(lambda i: (-i.weight / i.duration, i.deadline, i.id))
    for order in orders:
        trial = _greedy_subset(cal, plain, order)
        if value(trial) > value(hint):
            hint = trial
    ceiling, routed = _lp_bound(cal, fitting)
    if value(hint) < ceiling:
        rounded = _round(cal, fitting, routed)
        if value(rounded) > value(hint):
            hint = rounded
    if value(hint) >= ceiling:
        return hint, ceiling, True
    if time_limit <= 0.01:
        return hint, ceiling, False

    from ortools.sat.python import cp_model

    # Interchangeable items (same duration, same fixed start, same options) form one class
    # with an integer count per segment: this removes the symmetry that makes proofs slow.
    classes: dict[tuple, list[Item]] = defaultdict(list)
    options_of: dict[tuple, list[tuple[int, int, int]]] = {}
    for item, cands in fitting:
        key = (item.duration, item.fixed_start, item.weight, tuple(cands))
        classes[key].append(item)
        options_of[key] = cands
    hinted: dict[tuple[tuple, int], int] = defaultdict(int)
    for key, members in classes.items():
        for item in members:
            h = hint.get(item.id)
            if h is not None:
                k = bisect.bisect_right(cal.starts, h) - 1
                hinted[key, k] += 1

    model = cp_model.CpModel()
    per_seg: dict[int, list] = defaultdict(list)  # k -> [(var, duration, lo, hi, fixed)]
    span: dict[int, int] = {}  # id(var) -> largest value
    per_day: dict[int, list] = defaultdict(list)
    counts = []
    for key, members in classes.items():
        d, fixed = key[0], key[1] is not None
        top = 1 if fixed else len(members)
        row = []
        for k, lo, hi in options_of[key]:
            var = model.new_bool_var("") if top == 1 else model.new_int_var(0, top, "")
            model.add_hint(var, min(top, hinted.get((key, k), 0)))
            per_seg[k].append((var, d, lo, hi, fixed))
            span[id(var)] = top
            per_day[cal.starts[k] // DAY].append((var, d, top))
            row.append(var)
            counts.append((var, key, k, lo, hi))
        if len(row) > 1:
            model.add(sum(row) <= top)
    for k, entries in per_seg.items():
        s, e = cal.starts[k], cal.ends[k]
        fixed = [(v, lo, lo + d) for v, d, lo, _, f in entries if f]
        for n, (v1, s1, e1) in enumerate(fixed):
            for v2, s2, e2 in fixed[n + 1 :]:
                if s1 < e2 and s2 < e1:
                    model.add(v1 + v2 <= 1)
        if sum(d * span[id(v)] for v, d, *_ in entries) <= e - s:
            continue
        model.add(sum(d * v for v, d, *_ in entries) <= e - s)
        for t in sorted({hi + d for _, d, _, hi, _ in entries if hi + d < e}):
            due = [(v, d) for v, d, _, hi, _ in entries if hi + d <= t]
            if sum(d * span[id(v)] for v, d in due) > t - s:
                model.add(sum(d * v for v, d in due) <= t - s)
        for r in sorted({lo for _, _, lo, _, _ in entries if lo > s}):
            late = [(v, d) for v, d, lo, _, _ in entries if lo >= r]
            if sum(d * span[id(v)] for v, d in late) > e - r:
                model.add(sum(d * v for v, d in late) <= e - r)
    if cal.cap is not None:
        for day, entries in per_day.items():
            if sum(d * top for _, d, top in entries) > cal.left(day):
                model.add(sum(d * v for v, d, _ in entries) <= cal.left(day))
    total = sum(key[2] * v for v, key, *_ in counts)
    if min_count:
        model.add(sum(v for v, *_ in counts) >= min_count)
    # The relaxation's bound as a row: CP-SAT stops as soon as it reaches it.
    model.add(total <= ceiling)
    model.maximize(total)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = max(1, workers)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, ceiling, False
    bound = min(ceiling, math.floor(solver.best_objective_bound + 1e-6))
    by_seg: dict[int, list] = defaultdict(list)
    pool = {key: list(members) for key, members in classes.items()}
    for var, key, k, lo, hi in counts:
        for _ in range(solver.value(var)):
            by_seg[k].append((pool[key].pop(), lo, hi))
    out = _complete(cal, fitting, by_seg)
    if value(out) < value(hint):
        out = hint
    rest = time_limit - solver.wall_time
    if value(out) < bound and rest > 0.05:
        # The bin model's choice could not be sequenced in full (a round splits a window, or
        # release times inside a window): fall back to the exact interval model, warm-started.
        out, bound = _exact_subset(cal, fitting, out, bound, time_limit=rest, workers=workers,
                                   min_count=min_count)  # fmt: skip
    return out, max(bound, value(out)), value(out) == bound


def _exact_subset(cal: _Calendar, fitting, hint: dict[str, int], ceiling: int, *,
                  time_limit: float, workers: int,
                  min_count: int = 0) -> tuple[dict[str, int], int]:  # fmt: skip
    """Solve the single-clinician problem exactly: one optional interval per (item, segment)."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    per_seg: dict[int, list] = defaultdict(list)
    per_day: dict[int, list] = defaultdict(list)
    choice = []
    for item, cands in fitting:
        d, h = item.duration, hint.get(item.id)
        for k, lo, hi in cands:
            b = model.new_bool_var("")
            start = lo if lo == hi else model.new_int_var(lo, hi, "")
            per_seg[k].append(model.new_optional_fixed_size_interval_var(start, d, b, ""))
            per_day[cal.starts[k] // DAY].append((b, d))
            inside = h is not None and lo <= h <= hi
            model.add_hint(b, inside)
            if not isinstance(start, int):
                model.add_hint(start, h if inside else lo)
            choice.append((item, b, start))
    weight = {item.id: item.weight for item, _ in fitting}
    for item, _ in fitting:
        model.add_at_most_one(b for i, b, _ in choice if i is item)
    for intervals in per_seg.values():
        if len(intervals) > 1:
            model.add_no_overlap(intervals)
    if cal.cap is not None:
        for day, entries in per_day.items():
            model.add(sum(d * b for b, d in entries) <= cal.left(day))
    total = sum(item.weight * b for item, b, _ in choice)
    if min_count:
        model.add(sum(b for _, b, _ in choice) >= min_count)
    model.add(total <= ceiling)
    model.maximize(total)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = max(1, workers)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, ceiling
    bound = min(ceiling, math.floor(solver.best_objective_bound + 1e-6))
    out = {
        item.id: start if isinstance(start, int) else solver.value(start)
        for item, b, start in choice
        if solver.boolean_value(b)
    }
    better = len(out) >= min_count and sum(weight[i] for i in out) > sum(weight[i] for i in hint)
    return (out if better else hint), bound


# --------------------------------------------------------------------------------------------
# Upper bound


def _lp_bound(
    cal: _Calendar, fitting: Sequence[tuple[Item, list[tuple[int, int, int]]]]
) -> tuple[int, dict[str, int]]:
    """Bound the value (summed weights) of FITTING items CAL can take by a linear relaxation.

    A min-cost flow: source -> item (capacity = duration, unit profit weight/duration: a whole
    item is worth its weight) ->
    each segment it fits in (capacity = length) -> its day (capacity = minutes left that day) ->
    sink, plus a zero-cost bypass so that minutes may stay unused. Items may split and the order
    inside a segment is ignored, so the optimum bounds the real count from above. Also returns
    the items the relaxation routes whole into one segment (item id -> segment index).
    """
    from ortools.graph.python import min_cost_flow

    scale = 1_000_000
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink, nodes = 0, 1, 2
    total = 0
    seg_node: dict[int, int] = {}
    day_node: dict[int, int] = {}
    item_arcs: list[tuple[int, int]] = []
    seg_arcs: list[tuple[str, int, int, int]] = []
    for item, cands in fitting:
        d = item.duration
        inode, nodes = nodes, nodes + 1
        profit = -(-scale * item.weight // d)  # rounded up keeps the bound valid
        item_arcs.append(
            (flow.add_arc_with_capacity_and_unit_cost(source, inode, d, -profit), profit)
        )
        total += d
        for k, _, _ in cands:
            if k not in seg_node:
                seg_node[k], nodes = nodes, nodes + 1
                day = cal.starts[k] // DAY
                if day not in day_node:
                    day_node[day], nodes = nodes, nodes + 1
                    flow.add_arc_with_capacity_and_unit_cost(
                        day_node[day], sink, min(cal.left(day), DAY), 0
                    )
                flow.add_arc_with_capacity_and_unit_cost(
                    seg_node[k], day_node[day], cal.ends[k] - cal.starts[k], 0
                )
            arc = flow.add_arc_with_capacity_and_unit_cost(inode, seg_node[k], d, 0)
            seg_arcs.append((item.id, arc, k, d))
    flow.add_arc_with_capacity_and_unit_cost(source, sink, total, 0)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    if flow.solve() != flow.OPTIMAL:  # pragma: no cover - the bypass makes it always feasible
        return sum(i.weight for i, _ in fitting), {}
    value = sum(flow.flow(arc) * profit for arc, profit in item_arcs)
    routed = {iid: k for iid, arc, k, d in seg_arcs if flow.flow(arc) == d}
    whole = sum(i.weight for i, _ in fitting)
    return min(whole, math.floor(value / scale + 1e-9)), routed


def _named_bounds(
    items: Sequence[Item], clinicians: Sequence[Clinician], *, weighted: bool = False
) -> dict[str, int]:
    """Return, per named physician, an upper bound on the panel items they can do.

    WEIGHTED: bound the resident contacts (summed `Item.weight`) instead of the item count.
    """
    cals = _calendars(clinicians)
    panels: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.named in cals:
            if not weighted and item.weight != 1:
                item = replace(item, weight=1)
            panels[item.named].append(item)
    bounds: dict[str, int] = {}
    for pid, panel in panels.items():
        cal = cals[pid]
        fitting = [(i, c) for i in panel if (c := cal.candidates(i))]
        if len(_greedy_subset(cal, [i for i, _ in fitting], _edf)) == len(fitting):
            # Everything that fits on its own fits together.
            bounds[pid] = sum(i.weight for i, _ in fitting)
        else:
            bounds[pid] = _lp_bound(cal, fitting)[0]
    return bounds


def named_upper_bound(items: Sequence[Item], clinicians: Sequence[Clinician]) -> float:
    """Return the best named share of items any feasible plan could reach (a relaxation)."""
    if not items:
        return 0.0
    return sum(_named_bounds(items, clinicians).values()) / len(items)


def contact_upper_bound(items: Sequence[Item], clinicians: Sequence[Clinician]) -> float:
    """Return the best named share of resident contacts any feasible plan could reach."""
    total = sum(i.weight for i in items)
    if not total:
        return 0.0
    return sum(_named_bounds(items, clinicians, weighted=True).values()) / total


def rounds_lost_avoidably(
    plan: Plan, items: Sequence[Item], clinicians: Sequence[Clinician]
) -> list[str]:
    """Return the rounds PLAN gives to a locum although the named physician or the deputy could
    take them at their time by moving only deferrable items (or moving nothing)."""
    by_id = {c.id: c for c in clinicians}
    assignments = plan.assignments
    item_of = {i.id: i for i in items}
    kept: dict[str, list[Item]] = defaultdict(list)  # clinician -> items that cannot move
    for item in items:
        a = assignments[item.id]
        if a.clinician_id is not None and not item.deferrable:
            kept[a.clinician_id].append(item)
    lost = []
    for item in items:
        a = assignments[item.id]
        if item.kind != "round" or a.tier != "locum":
            continue
        for who in (item.named, item.deputy):
            c = by_id.get(who) if who else None
            if c is None or not c.licensed:
                continue
            cal = _Calendar(c)
            for other in kept[who]:
                start = assignments[other.id].start
                cal.book(start, item_of[other.id].duration)
            if cal.fit(item) is not None:
                lost.append(item.id)
                break
    return lost


# --------------------------------------------------------------------------------------------
# Optimiser


def _solve_tier(
    book: _Book,
    cals: dict[str, _Calendar],
    items: list[Item],
    attr: str,
    *,
    deadline: float,
    share: float,
    workers: int,
    proven: dict[str, int] | None,
    item_floor: float | None = None,
) -> None:
    """Give each clinician named in ATTR ("named" or "deputy") of ITEMS the most valuable
    subset of their items that fits the time left, one independent subproblem each.

    ITEM_FLOOR (lexicographic, items first): a clinician short of time first gets the most
    items they can do (count only), then the most resident contacts among the subsets with at
    least ITEM_FLOOR times that many items. None: contacts only."""
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        who = getattr(item, attr)
        if who in cals:
            groups[who].append(item)
    # Easy clinicians first (no solver); then split the time left among the hard ones in
    # proportion to their size.
    hard: list[str] = []
    for who, group in groups.items():
        cal = cals[who]
        fitting = [i for i in group if cal.fit(i) is not None]
        chosen = _greedy_subset(cal, fitting, _edf)
        if len(chosen) == len(fitting):
            for item in fitting:
                cal.book(chosen[item.id], item.duration)
                book.place(item, who, chosen[item.id])
            if proven is not None:
                proven[who] = sum(i.weight for i in fitting)
        else:
            hard.append(who)
    # The hard ones are independent: solve them side by side, one single-threaded CP-SAT per
    # core (tiny models gain little from a parallel portfolio), biggest first, each with a
    # share of the time left in proportion to its size.
    avail = max(0.0, deadline - time.perf_counter()) * share
    size = sum(len(groups[w]) for w in hard) or 1
    threads = max(1, min(workers, len(hard)))
    hard.sort(key=lambda w: -len(groups[w]))

    def solve(who: str):
        limit = min(avail, avail * threads * len(groups[who]) / size)
        group = groups[who]
        if item_floor is None or all(i.weight == 1 for i in group):
            return _best_subset(cals[who], group, time_limit=limit, workers=1)
        t0 = time.perf_counter()
        flat = [replace(i, weight=1) for i in group]
        most, _, _ = _best_subset(cals[who], flat, time_limit=limit / 3, workers=1)
        floor = math.ceil(item_floor * len(most) - 1e-9)
        rest = max(0.0, limit - (time.perf_counter() - t0))
        chosen, _, optimal = _best_subset(
            cals[who], group, time_limit=rest, workers=1, min_count=floor, floor=most
        )
        # The bound under the floor is no bound on the contacts without it: report none.
        return chosen, None, optimal

    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(solve, hard))
    else:
        results = [solve(who) for who in hard]
    for who, (chosen, bound, _) in zip(hard, results, strict=True):
        cal = cals[who]
        for item in groups[who]:
            if item.id in chosen:
                cal.book(chosen[item.id], item.duration)
                book.place(item, who, chosen[item.id])
        if proven is not None and bound is not None:
            proven[who] = bound


def _optimise_into(
    book: _Book,
    cals: dict[str, _Calendar],
    todo: list[Item],
    *,
    deadline: float,
    workers: int,
    proven: dict[str, int] | None,
    item_floor: float | None = None,
) -> None:
    """Plan TODO on CALS and record it in BOOK. Lexicographic, each tier before the next:

    1. the named physician, items due this week, valued by the resident contacts they give
       (a ward round counts for every resident on its agenda), so a round outweighs the short
       items that would fill its time;
    2. the deputy, the rounds the named physician cannot take;
    3. the named physician again, items that may wait (deferrable), in the time left - so an
       item with slack never keeps a round from its named physician or deputy;
    4. the deputy, the other items due this week;
    5. a deferrable item the named physician cannot take this week moves to a later week
       (it stays with them) instead of going to anyone else;
    6. the rest (team, other physicians, locums in that order) through the greedy.
    """
    now = [i for i in todo if not i.deferrable]
    later = [i for i in todo if i.deferrable]
    _solve_tier(book, cals, now, "named", deadline=deadline, share=0.6, workers=workers,
                proven=proven, item_floor=item_floor)  # fmt: skip
    # A round the named physician cannot take goes to the deputy before anything that may
    # wait is planned, so no deferrable item ever keeps a deputy from a round.
    left = [i for i in now if i.id not in book.placed and i.kind == "round"]
    _solve_tier(book, cals, left, "deputy", deadline=deadline, share=0.4, workers=workers,
                proven=None)  # fmt: skip
    _solve_tier(book, cals, later, "named", deadline=deadline, share=0.5, workers=workers,
                proven=None)  # fmt: skip
    left = [i for i in now if i.id not in book.placed]
    _solve_tier(book, cals, left, "deputy", deadline=deadline, share=0.5, workers=workers,
                proven=None)  # fmt: skip
    rest = [i for i in now if i.id not in book.placed]
    rounds: dict[str, list[tuple[int, int, str]]] = defaultdict(list)  # named -> placed rounds
    for item in now:
        got = book.placed.get(item.id)
        if item.kind == "round" and got is not None and got[0] == item.named:
            rounds[item.named].append((item.weight, got[1], item.id))
    for item in later:
        if item.id in book.placed:
            continue
        if item.named in cals:
            # The named physician's biggest round in the item's time is what it made room for.
            mine = [r for r in rounds.get(item.named, ()) if item.earliest <= r[1] < item.deadline]
            best = max(mine, key=lambda r: (r[0], -r[1]), default=None)
            book.deferred[item.id] = best[2] if best else None
        else:
            rest.append(item)  # no named physician who could take it later
    tiers = _Tiers(cals)
    for item in sorted(rest, key=_edf):
        got = tiers.place(item)
        if got is not None:
            book.place(item, got[0].clinician.id, got[1])


def optimise(
    items: Sequence[Item],
    clinicians: Sequence[Clinician],
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    item_floor: float | None = None,
) -> Plan:
    """Plan for maximal continuity: most resident contacts with the named physician, then the
    deputy, then the team, other physicians and last locums; items that may wait move to a
    later week rather than away from the named physician.

    ITEM_FLOOR (e.g. 0.99): lexicographic instead - each named physician short of time keeps at
    least that share of the most items of the week's due work they could do, and within that
    the most resident contacts (see `_solve_tier`). The two aims conflict: `bench/planner_pareto.py`
    bounds the contacts any plan can keep at a given item share."""
    t0 = time.perf_counter()
    cals = _calendars(clinicians)
    book = _Book(items, clinicians)
    proven: dict[str, int] = {}
    _optimise_into(
        book, cals, list(items), deadline=t0 + time_limit, workers=workers, proven=proven,
        item_floor=item_floor,
    )  # fmt: skip
    assignments = book.assignments()
    seconds = time.perf_counter() - t0
    # The proven bounds hold for a physician's whole panel only when none of it may wait
    # (deferrable items are planned in a later phase); then the weighted bound is also the
    # count bound when every item weighs one.
    later = {i.named for i in items if i.deferrable}
    heavy = {i.named for i in items if i.weight != 1}
    relaxed = _named_bounds(items, clinicians)
    bound = sum(
        min(n, proven[pid]) if pid in proven and pid not in later | heavy else n
        for pid, n in relaxed.items()
    )
    weighted = _named_bounds(items, clinicians, weighted=True)
    contacts = sum(
        min(n, proven[pid]) if pid in proven and pid not in later else n
        for pid, n in weighted.items()
    )
    total = sum(i.weight for i in items)
    upper = bound / len(items) if items else 0.0
    return Plan("optimiser", assignments, seconds, upper, contacts / total if total else 0.0)


def replan(
    items: Sequence[Item],
    clinicians: Sequence[Clinician],
    previous: dict[str, Assignment],
    *,
    time_limit: float = 10.0,
    workers: int = 2,
) -> Plan:
    """Keep every previous assignment that is still feasible; plan only the others."""
    t0 = time.perf_counter()
    cals = _calendars(clinicians)
    book = _Book(items, clinicians)
    todo: list[Item] = []
    # Fixed starts first so that a kept flexible item cannot block a kept round.
    for item in sorted(items, key=lambda i: (i.fixed_start is None, i.id)):
        prev = previous.get(item.id)
        if prev is not None and prev.clinician_id in cals and prev.start is not None:
            cal = cals[prev.clinician_id]
            if cal.fits_at(item, prev.start):
                cal.book(prev.start, item.duration)
                c = cal.clinician
                book.kept[item.id] = replace(
                    prev, tier=_tier(item, c), interpreter=_interpreter(item, c), kept=True
                )
                book.placed[item.id] = (c.id, prev.start)
                continue
        todo.append(item)
    _optimise_into(book, cals, todo, deadline=t0 + time_limit, workers=workers, proven=None)
    assignments = book.assignments()
    seconds = time.perf_counter() - t0
    return Plan(
        "optimiser", assignments, seconds, named_upper_bound(items, clinicians),
        contact_upper_bound(items, clinicians),
    )  # fmt: skip
