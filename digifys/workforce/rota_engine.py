"""The on-duty rota as a CP-SAT model, and a greedy baseline (pure Python + OR-Tools, no Django).

Shifts are fixed intervals in minutes from the month's start; each needs `required` people.
A person may not hold a shift they are away for (`away`), two shifts that overlap or leave less
than `min_rest` minutes between them, or more than their weekly maximum. Hard cover is modelled
with a slack per shift (a gap) that costs more than anything else, so the model is always
feasible and the answer names the gaps. Then, in order of weight: hours a person cannot work,
the spread of on-duty load (max minus min hours among people who can work), preferred hours.
"""

import dataclasses
import math
import statistics
import time
from collections import defaultdict

GAP_WEIGHT = 1_000_000
CANNOT_WEIGHT = 10_000
SPREAD_WEIGHT = 100
PREFER_WEIGHT = 1
MIN_REST_MINUTES = 11 * 60


@dataclasses.dataclass(frozen=True)
class Slot:
    id: int
    start: int  # minutes
    end: int
    week: int  # ISO week key (which weekly maximum it counts towards)
    required: int = 1

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclasses.dataclass
class Person:
    id: int
    max_week_minutes: int = 48 * 60
    away: frozenset = frozenset()  # slot ids
    cannot: frozenset = frozenset()  # slot ids touching hours they cannot work
    prefer: frozenset = frozenset()  # slot ids within hours they prefer


@dataclasses.dataclass
class Result:
    assignment: dict[int, list[int]]  # slot id -> person ids
    gaps: dict[int, int]  # slot id -> people missing
    minutes: dict[int, int]  # person id -> on-duty minutes
    cannot_used: int
    preferred_used: int
    seconds: float
    method: str
    status: str

    def spread(self, people: list[int] | None = None) -> dict:
        """Fairness: max-min hours and the standard deviation of hours over PEOPLE."""
        ids = people if people is not None else list(self.minutes)
        hours = [self.minutes.get(i, 0) / 60 for i in ids]
        if not hours:
            return {"max_minus_min": 0.0, "stdev": 0.0, "mean": 0.0}
        return {
            "max_minus_min": round(max(hours) - min(hours), 1),
            "stdev": round(statistics.pstdev(hours), 2),
            "mean": round(statistics.fmean(hours), 1),
        }


def conflicts(slots: list[Slot], min_rest: int = MIN_REST_MINUTES) -> list[tuple[int, int]]:
    """Pairs of slots one person cannot both hold: overlapping, or less than MIN_REST apart."""
    ordered = sorted(slots, key=lambda s: s.start)
    pairs = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.start >= a.end + min_rest:
                break
            pairs.append((a.id, b.id))
    return pairs


def _finish(slots, people, taken, started, method, status) -> Result:
    by_person = {p.id: p for p in people}
    minutes = dict.fromkeys(by_person, 0)
    cannot_used = preferred_used = 0
    gaps = {}
    for slot in slots:
        holders = taken.get(slot.id, [])
        if len(holders) < slot.required:
            gaps[slot.id] = slot.required - len(holders)
        for pid in holders:
            minutes[pid] += slot.minutes
            cannot_used += slot.id in by_person[pid].cannot
            preferred_used += slot.id in by_person[pid].prefer
    return Result(
        assignment={s.id: list(taken.get(s.id, [])) for s in slots},
        gaps=gaps,
        minutes=minutes,
        cannot_used=cannot_used,
        preferred_used=preferred_used,
        seconds=time.perf_counter() - started,
        method=method,
        status=status,
    )


def greedy(slots: list[Slot], people: list[Person], min_rest: int = MIN_REST_MINUTES) -> Result:
    """Baseline: shift by shift in time order, the allowed person with the fewest hours so far
    (avoiding hours they cannot work when someone else can)."""
    started = time.perf_counter()
    clash = defaultdict(set)
    for a, b in conflicts(slots, min_rest):
        clash[a].add(b)
        clash[b].add(a)
    held = defaultdict(set)
    week_minutes = defaultdict(int)
    load = defaultdict(int)
    taken: dict[int, list[int]] = {}
    for slot in sorted(slots, key=lambda s: s.start):
        chosen = []
        for _ in range(slot.required):
            allowed = [
                p
                for p in people
                if p.id not in chosen
                and slot.id not in p.away
                and not (held[p.id] & clash[slot.id])
                and week_minutes[(p.id, slot.week)] + slot.minutes <= p.max_week_minutes
            ]
            if not allowed:
                break
            best = min(allowed, key=lambda p: (slot.id in p.cannot, load[p.id], p.id))
            chosen.append(best.id)
            held[best.id].add(slot.id)
            week_minutes[(best.id, slot.week)] += slot.minutes
            load[best.id] += slot.minutes
        taken[slot.id] = chosen
    return _finish(slots, people, taken, started, "greedy", "FEASIBLE")


def solve(
    slots: list[Slot],
    people: list[Person],
    *,
    min_rest: int = MIN_REST_MINUTES,
    seconds: float = 20.0,
    workers: int = 2,
    hint: Result | None = None,
    deterministic: bool = False,
) -> Result:
    """The CP-SAT rota: full cover first, then no impossible hours, a fair spread, preferences.

    DETERMINISTIC (the demo data): one worker and a deterministic time limit of SECONDS, so the
    same inputs give the same rota on any machine, however busy.
    """
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    model = cp_model.CpModel()
    x = {}
    for slot in slots:
        for person in people:
            if slot.id not in person.away:
                x[(person.id, slot.id)] = model.NewBoolVar(f"x{person.id}_{slot.id}")
    gaps = {}
    for slot in slots:
        gap = model.NewIntVar(0, slot.required, f"gap{slot.id}")
        gaps[slot.id] = gap
        holders = [x[(p.id, slot.id)] for p in people if (p.id, slot.id) in x]
        model.Add(sum(holders) + gap == slot.required)
    pairs = conflicts(slots, min_rest)
    for person in people:
        for a, b in pairs:
            if (person.id, a) in x and (person.id, b) in x:
                model.AddBoolOr([x[(person.id, a)].Not(), x[(person.id, b)].Not()])
        weeks = defaultdict(list)
        for slot in slots:
            if (person.id, slot.id) in x:
                weeks[slot.week].append(slot.minutes * x[(person.id, slot.id)])
        for terms in weeks.values():
            model.Add(sum(terms) <= person.max_week_minutes)
    # Fairness over those who could hold a shift at all, in whole hours.
    total = sum(s.minutes for s in slots)
    loads = {}
    for person in people:
        terms = [s.minutes // 60 * x[(person.id, s.id)] for s in slots if (person.id, s.id) in x]
        if terms:
            load = model.NewIntVar(0, math.ceil(total / 60), f"load{person.id}")
            model.Add(load == sum(terms))
            loads[person.id] = load
    high = model.NewIntVar(0, math.ceil(total / 60), "high")
    low = model.NewIntVar(0, math.ceil(total / 60), "low")
    if loads:
        model.AddMaxEquality(high, list(loads.values()))
        model.AddMinEquality(low, list(loads.values()))
    objective = [GAP_WEIGHT * g for g in gaps.values()]
    objective.append(SPREAD_WEIGHT * (high - low))
    for person in people:
        for sid in person.cannot:
            if (person.id, sid) in x:
                objective.append(CANNOT_WEIGHT * x[(person.id, sid)])
        for sid in person.prefer:
            if (person.id, sid) in x:
                objective.append(-PREFER_WEIGHT * x[(person.id, sid)])
    model.Minimize(sum(objective))
    if hint is not None:
        for slot_id, holders in hint.assignment.items():
            for person in people:
                if (person.id, slot_id) in x:
                    model.AddHint(x[(person.id, slot_id)], person.id in holders)
    solver = cp_model.CpSolver()
    if deterministic:
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = seconds
        solver.parameters.max_time_in_seconds = seconds * 20
    else:
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if hint is not None:
            return dataclasses.replace(hint, method="greedy", status=solver.StatusName(status))
        return greedy(slots, people, min_rest)
    taken = {
        s.id: [p.id for p in people if (p.id, s.id) in x and solver.Value(x[(p.id, s.id)])]
        for s in slots
    }
    return _finish(slots, people, taken, started, "optimiser", solver.StatusName(status))
