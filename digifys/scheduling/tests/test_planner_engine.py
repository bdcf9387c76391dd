"""The continuity planner's engine: feasible plans, tier order, explanations, re-planning, bound.

Pure engine tests (no database). Hand-made weeks pin single rules; the synthetic instances from
`planner.instances` check every method's plan against the feasibility rules of the contract.
"""

import itertools
import random
from collections import defaultdict

import pytest

from digifys.scheduling.planner import engine
from digifys.scheduling.planner.engine import (
    DAY,
    TIERS,
    Clinician,
    Item,
    Window,
    first_available,
    greedy,
    named_upper_bound,
    optimise,
    replan,
)
from digifys.scheduling.planner.instances import make_instance

H = 60
METHODS = {
    "first_available": first_available,
    "greedy": greedy,
    "optimiser": lambda items, clinicians: optimise(items, clinicians, time_limit=5),
}


def day_window(day: int, start_hour: float, end_hour: float) -> Window:
    return Window(day * DAY + round(start_hour * H), day * DAY + round(end_hour * H))


def doc(cid, *windows, team="north", languages=("sv",), **kwargs) -> Clinician:
    return Clinician(cid, team, frozenset(languages), tuple(windows), **kwargs)


def visit(iid, duration=30, *, earliest=0, deadline=5 * DAY, **kwargs) -> Item:
    kwargs.setdefault("named", "anna")
    kwargs.setdefault("deputy", "bo")
    kwargs.setdefault("team", "north")
    return Item(iid, kwargs.pop("kind", "follow_up"), duration, earliest, deadline, **kwargs)


def assert_feasible(plan, items, clinicians):
    """Check every rule of the contract on PLAN."""
    by_id = {c.id: c for c in clinicians}
    assert set(plan.assignments) == {i.id for i in items}
    busy = defaultdict(list)
    per_day = defaultdict(int)
    for item in items:
        a = plan.assignments[item.id]
        assert a.item_id == item.id
        if a.clinician_id is None:
            assert a.start is None and a.tier is None
            continue
        c = by_id[a.clinician_id]
        assert c.licensed, f"{item.id} given to unlicensed {c.id}"
        start, end = a.start, a.start + item.duration
        assert item.earliest <= start and end <= item.deadline, item.id
        if item.fixed_start is not None:
            assert start == item.fixed_start, item.id
        assert any(w.start <= start and end <= w.end for w in c.windows), item.id
        assert a.interpreter == (item.language not in c.languages)
        assert a.tier == engine._tier(item, c)
        assert (a.named_status == "chosen") == (a.tier == "named")
        busy[c.id].append((start, end, item.id))
        per_day[c.id, start // DAY] += item.duration
    for cid, slots in busy.items():
        slots.sort()
        for (_, e1, i1), (s2, _, i2) in itertools.pairwise(slots):
            assert e1 <= s2, f"{i1} and {i2} overlap for {cid}"
    for (cid, _day), minutes in per_day.items():
        cap = by_id[cid].daily_capacity
        assert cap is None or minutes <= cap


# ------------------------------------------------------------------------------------------
# Feasibility of every method


@pytest.mark.parametrize("method", METHODS)
def test_every_method_plans_the_unit_feasibly(method):
    ((_, items, clinicians),) = make_instance("unit", seed=3)
    plan = METHODS[method](items, clinicians)
    assert plan.method == method
    assert_feasible(plan, items, clinicians)
    assert plan.assigned() > 0.9 * len(items)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("method", METHODS)
def test_every_method_is_feasible_on_crowded_random_weeks(method, seed):
    """Overlapping rounds, tight deadlines, daily caps, interpreters and an unlicensed doctor."""
    rng = random.Random(seed)
    names = ["anna", "bo", "carmen", "dolores", "erik"]
    clinicians = [
        doc(
            n,
            *[day_window(d, 8 + rng.choice((0, 1)), 12) for d in range(3)],
            *[day_window(d, 13, 16.5) for d in range(3) if rng.random() < 0.7],
            team=rng.choice(("north", "malaga")),
            languages=("sv", "es") if rng.random() < 0.4 else ("sv",),
            daily_capacity=rng.choice((None, 240, 300)),
            licensed=n != "erik",
        )
        for n in names
    ]
    clinicians.append(
        doc("locum", *[day_window(d, 8, 18) for d in range(3)], team="agency", is_locum=True)
    )
    items = []
    for n in range(60):
        named = rng.choice([*names, None])
        day = rng.randrange(3)
        if rng.random() < 0.15:
            start = day * DAY + rng.choice((9, 10, 13, 14)) * H
            items.append(
                visit(f"r{n}", 60, earliest=start, deadline=start + 60, fixed_start=start,
                      kind="round", named=named, deputy=rng.choice(names))
            )  # fmt: skip
        else:
            last = min(2, day + rng.randrange(2))
            items.append(
                visit(f"i{n}", rng.choice((15, 20, 30, 45)), earliest=day * DAY + 8 * H,
                      deadline=last * DAY + 17 * H, named=named, deputy=rng.choice(names),
                      language=rng.choice(("sv", "sv", "es", "fi")))
            )  # fmt: skip
    plan = METHODS[method](items, clinicians)
    assert_feasible(plan, items, clinicians)
    bound = named_upper_bound(items, clinicians)
    assert plan.named_share() <= bound + 1e-9


# ------------------------------------------------------------------------------------------
# Tiers and explanations


@pytest.mark.parametrize("method", ["greedy", "optimiser"])
def test_named_physician_first_then_deputy_team_other_locum(method):
    clinicians = [
        doc("anna", day_window(0, 9, 10)),  # room for two visits only
        doc("bo", day_window(0, 9, 9.5)),  # the deputy: one
        doc("cilla", day_window(0, 9, 9.5)),  # same team: one
        doc("diego", day_window(0, 9, 9.5), team="malaga"),  # another team: one
        doc("locum", day_window(0, 8, 18), team="agency", is_locum=True),
    ]
    items = [visit(f"v{n}", 30) for n in range(6)]
    plan = METHODS[method](items, clinicians)
    assert_feasible(plan, items, clinicians)
    tiers = sorted((a.tier for a in plan.assignments.values()), key=TIERS.index)
    assert tiers == ["named", "named", "deputy", "team", "other", "locum"]
    for a in plan.assignments.values():
        if a.tier == "named":
            assert (a.named_status, a.deputy_status) == ("chosen", "not_needed")
        elif a.tier == "deputy":
            assert (a.named_status, a.deputy_status) == ("full", "chosen")
        else:
            assert (a.named_status, a.deputy_status) == ("full", "full")


@pytest.mark.parametrize("method", ["greedy", "optimiser"])
def test_named_on_vacation_is_unavailable_and_the_deputy_takes_over(method):
    clinicians = [
        doc("anna"),  # on vacation: no free window this week
        doc("bo", day_window(0, 8, 12)),
        doc("cilla", day_window(0, 8, 12)),
    ]
    items = [visit("v1"), visit("v2", named="cilla", deputy="anna")]
    plan = METHODS[method](items, clinicians)
    a = plan.assignments["v1"]
    assert (a.clinician_id, a.tier, a.named_status, a.deputy_status) == (
        "bo", "deputy", "unavailable", "chosen",
    )  # fmt: skip
    b = plan.assignments["v2"]
    assert (b.tier, b.named_status, b.deputy_status) == ("named", "chosen", "not_needed")


def test_unavailable_means_no_window_in_the_items_own_time_full_means_taken():
    """Unavailable: the named physician works, but not between earliest and deadline."""
    clinicians = [
        doc("anna", day_window(0, 8, 9), day_window(2, 8, 12)),
        doc("bo", day_window(1, 8, 12)),
    ]
    due_tuesday = visit("tue", 30, earliest=1 * DAY, deadline=2 * DAY)
    monday = [visit(f"mon{n}", 30, earliest=0, deadline=1 * DAY) for n in range(3)]
    plan = optimise([due_tuesday, *monday], clinicians, time_limit=2)
    assert plan.assignments["tue"].named_status == "unavailable"
    statuses = sorted(plan.assignments[i.id].named_status for i in monday)
    assert statuses == ["chosen", "chosen", "full"]
    full = next(plan.assignments[i.id] for i in monday if plan.assignments[i.id].tier != "named")
    assert full.clinician_id is None and full.deputy_status == "unavailable"


def test_unlicensed_named_physician_gets_nothing():
    clinicians = [
        doc("anna", day_window(0, 8, 12), licensed=False),
        doc("bo", day_window(0, 8, 12)),
    ]
    items = [visit("v1"), visit("v2", named=None, deputy=None, team=None)]
    for method in METHODS.values():
        plan = method(items, clinicians)
        a = plan.assignments["v1"]
        assert (a.clinician_id, a.named_status, a.deputy_status) == ("bo", "unlicensed", "chosen")
        b = plan.assignments["v2"]
        assert (b.clinician_id, b.tier, b.named_status, b.deputy_status) == (
            "bo", "other", "none", "none",
        )  # fmt: skip


@pytest.mark.parametrize("method", ["greedy", "optimiser"])
def test_interpreter_flag_and_speakers_preferred_within_a_tier(method):
    clinicians = [
        doc("anna", day_window(0, 8, 12)),  # named, Swedish only
        doc("bo"),  # deputy, away
        doc("cilla", day_window(0, 8, 9)),  # same team, Swedish only, earlier
        doc("dana", day_window(0, 15, 16), languages=("sv", "fi")),  # same team, speaks Finnish
    ]
    named_fi = visit("fi-named", language="fi")
    team_fi = visit("fi-team", language="fi", named="bo", deputy=None)
    plan = METHODS[method]([named_fi, team_fi], clinicians)
    a = plan.assignments["fi-named"]
    assert (a.clinician_id, a.interpreter) == ("anna", True)  # continuity beats language
    b = plan.assignments["fi-team"]
    assert (b.clinician_id, b.tier, b.interpreter) == ("dana", "team", False)
    assert plan.interpreters() == 1


def test_fixed_start_rounds_happen_exactly_at_their_slot():
    start = 1 * DAY + 9 * H
    rounds = [
        visit("round-a", 90, earliest=start, deadline=start + 90, fixed_start=start, kind="round"),
        visit("round-b", 60, earliest=start, deadline=start + 60, fixed_start=start, kind="round"),
    ]
    clinicians = [doc("anna", day_window(1, 8, 12)), doc("bo", day_window(1, 9.5, 12))]
    for method in METHODS.values():
        plan = method(rounds, clinicians)
        assert_feasible(plan, rounds, clinicians)
        placed = [a for a in plan.assignments.values() if a.clinician_id]
        assert [a.start for a in placed] == [start]  # anna can do only one; bo starts too late


def test_daily_capacity_is_respected_and_used_on_another_day():
    clinicians = [doc("anna", day_window(0, 8, 16), day_window(1, 8, 16), daily_capacity=60)]
    items = [visit(f"v{n}", 30, deputy=None) for n in range(5)]
    plan = optimise(items, clinicians, time_limit=2)
    assert_feasible(plan, items, clinicians)
    assert plan.assigned() == 4
    assert plan.upper_bound == pytest.approx(4 / 5)


# ------------------------------------------------------------------------------------------
# Optimiser against the bound and the baselines


def brute_force_named(items, clinician) -> int:
    """Most items one physician can do: try every subset, sequence it earliest deadline first."""
    best = 0
    for r in range(len(items), 0, -1):
        for subset in itertools.combinations(items, r):
            cal = engine._Calendar(clinician)
            if all(_place(cal, i) for i in sorted(subset, key=lambda i: i.deadline)):
                return r
            # Earliest deadline first is not always right with release times: try orders too.
            for order in itertools.permutations(subset):
                cal = engine._Calendar(clinician)
                if all(_place(cal, i) for i in order):
                    return r
    return best


def _place(cal, item) -> bool:
    start = cal.fit(item)
    if start is None:
        return False
    cal.book(start, item.duration)
    return True


@pytest.mark.parametrize("seed", range(6))
def test_bound_and_optimiser_match_the_brute_force_optimum(seed):
    rng = random.Random(seed)
    anna = doc("anna", day_window(0, 8, 9.5), day_window(0, 13, 14), day_window(1, 9, 10))
    items = []
    for n in range(7):
        day = rng.randrange(2)
        items.append(
            visit(f"v{n}", rng.choice((15, 20, 30, 45)),
                  earliest=day * DAY + rng.choice((0, 9 * H)),
                  deadline=min(2, day + rng.randrange(2)) * DAY + rng.choice((10, 24)) * H,
                  deputy=None)
        )  # fmt: skip
    optimum = brute_force_named(items, anna)
    plan = optimise(items, [anna], time_limit=2)
    assert_feasible(plan, items, [anna])
    assert plan.named_share() == pytest.approx(optimum / len(items))
    assert named_upper_bound(items, [anna]) >= optimum / len(items) - 1e-9
    assert plan.upper_bound == pytest.approx(optimum / len(items))  # proven optimal


def crowded_physician(seed):
    """One physician, 10-16 items: rounds splitting windows, releases inside windows, caps."""
    rng = random.Random(seed)
    windows = [day_window(d, rng.choice((8, 9)), rng.choice((11, 12))) for d in range(2)]
    if rng.random() < 0.5:
        windows.append(day_window(0, 13, rng.choice((14, 15, 16))))
    anna = doc("anna", *sorted(windows, key=lambda w: w.start),
               daily_capacity=rng.choice((None, 150, 200)))  # fmt: skip
    items = []
    for n in range(rng.randint(10, 16)):
        if rng.random() < 0.15:
            start = rng.choice((0, 1)) * DAY + rng.choice((9, 10)) * H
            items.append(visit(f"r{n}", 60, earliest=start, deadline=start + 60,
                               fixed_start=start, kind="round", deputy=None))  # fmt: skip
        else:
            day = rng.randrange(2)
            items.append(
                visit(f"i{n}", rng.choice((10, 15, 20, 30, 45)),
                      earliest=day * DAY + rng.choice((0, 0, 9 * H + 30, 13 * H)),
                      deadline=min(1, day + rng.randrange(2)) * DAY + rng.choice((10, 24)) * H,
                      deputy=None)
            )  # fmt: skip
    return anna, items


def exact_named(anna, items) -> int:
    """The optimum by an independent exact model: optional intervals, no overlap, 20 s."""
    from ortools.sat.python import cp_model

    cal = engine._Calendar(anna)
    model = cp_model.CpModel()
    intervals, chosen = [], []
    for item in items:
        options = []
        for k, lo, hi in cal.candidates(item):
            b = model.new_bool_var("")
            start = model.new_int_var(lo, hi, "")
            intervals.append(
                model.new_optional_fixed_size_interval_var(start, item.duration, b, "")
            )
            options.append(b)
            chosen.append((b, item.duration, cal.starts[k] // DAY))
        model.add_at_most_one(options)
    model.add_no_overlap(intervals)
    if anna.daily_capacity:
        for day in {d for _, _, d in chosen}:
            model.add(sum(b * m for b, m, d in chosen if d == day) <= anna.daily_capacity)
    model.maximize(sum(b for b, _, _ in chosen))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


# Seeds where neither greedy nor the rounded relaxation reaches the relaxation's bound, so the
# CP-SAT models run (and, for some, the bin model's choice cannot be sequenced in full).
HARD_SEEDS = (1, 11, 16, 21, 22, 25, 35, 40, 42, 47, 52, 60, 63, 64, 67, 71, 78, 83, 96, 392)


@pytest.mark.parametrize("seed", HARD_SEEDS)
def test_optimiser_is_exact_on_crowded_single_physician_weeks(seed):
    anna, items = crowded_physician(seed)
    optimum = exact_named(anna, items)
    plan = optimise(items, [anna], time_limit=5)
    assert_feasible(plan, items, [anna])
    assert round(plan.named_share() * len(items)) == optimum
    assert named_upper_bound(items, [anna]) * len(items) >= optimum - 1e-9
    assert plan.upper_bound == pytest.approx(optimum / len(items))


def test_optimiser_keeps_a_physicians_time_for_their_own_panel():
    """Greedy gives Bo's Monday to Anna's earlier-due items; the optimiser keeps it for Bo's."""
    clinicians = [doc("anna"), doc("bo", day_window(0, 8, 9)), doc("locum", day_window(0, 8, 18),
                  day_window(1, 8, 18), team="agency", is_locum=True)]  # fmt: skip
    annas = [visit(f"a{n}", 30, deadline=0 * DAY + 10 * H) for n in range(2)]
    bos = [visit(f"b{n}", 30, named="bo", deputy="anna", deadline=2 * DAY) for n in range(2)]
    items = annas + bos
    g = greedy(items, clinicians)
    o = optimise(items, clinicians, time_limit=2)
    assert g.named_share() == 0
    assert o.named_share() == 0.5 == o.upper_bound
    assert first_available(items, clinicians).named_share() <= o.named_share()


def test_optimiser_prefers_several_short_items_to_one_long():
    clinicians = [doc("anna", day_window(0, 8, 9))]
    items = [visit("long", 60, deputy=None)] + [visit(f"s{n}", 20, deputy=None) for n in range(3)]
    plan = optimise(items, clinicians, time_limit=2)
    assert plan.named_share() == 0.75 == plan.upper_bound
    assert plan.assignments["long"].named_status == "full"


def test_unit_scale_optimiser_reaches_the_bound_and_beats_first_available():
    ((_, items, clinicians),) = make_instance("unit")
    plan = optimise(items, clinicians, time_limit=5)
    assert plan.upper_bound >= plan.named_share()
    assert plan.named_share() >= 0.99 * named_upper_bound(items, clinicians)
    assert plan.named_share() >= first_available(items, clinicians).named_share() + 0.2
    assert plan.named_share() >= greedy(items, clinicians).named_share()


def test_instances_are_deterministic_by_seed():
    def digest(seed):
        ((_, items, clinicians),) = make_instance("unit", seed=seed)
        return items, clinicians

    assert digest(5) == digest(5)
    assert digest(5) != digest(6)
    with pytest.raises(ValueError):
        make_instance("planet")


# ------------------------------------------------------------------------------------------
# Re-planning


def test_replan_keeps_unaffected_assignments_and_moves_the_ill_clinicians():
    ((_, items, clinicians),) = make_instance("unit", seed=2)
    before = optimise(items, clinicians, time_limit=5)
    busiest = max(
        (c for c in clinicians if not c.is_locum),
        key=lambda c: sum(a.clinician_id == c.id for a in before.assignments.values()),
    )
    # Falls ill on Wednesday: nothing from day 2 on.
    ill = Clinician(
        busiest.id, busiest.team, busiest.languages,
        tuple(w for w in busiest.windows if w.end <= 2 * DAY),
        busiest.is_locum, busiest.licensed, busiest.daily_capacity,
    )  # fmt: skip
    now = [ill if c.id == busiest.id else c for c in clinicians]
    after = replan(items, now, before.assignments, time_limit=5)
    assert_feasible(after, items, now)
    moved = 0
    for item in items:
        old, new = before.assignments[item.id], after.assignments[item.id]
        if old.clinician_id is None:
            continue
        affected = old.clinician_id == busiest.id and old.start >= 2 * DAY
        if affected:
            moved += 1
            assert not new.kept
            assert new.clinician_id != busiest.id or new.start < 2 * DAY
        else:
            assert new.kept, item.id
            assert (new.clinician_id, new.start) == (old.clinician_id, old.start)
    assert moved > 0


def test_replan_places_new_items_and_drops_unknown_previous_ones():
    clinicians = [doc("anna", day_window(0, 8, 10)), doc("bo", day_window(0, 8, 10))]
    first = optimise([visit("v1")], clinicians, time_limit=2)
    after = replan([visit("v1"), visit("v2")], clinicians, first.assignments, time_limit=2)
    assert after.assignments["v1"].kept
    assert not after.assignments["v2"].kept
    assert after.assignments["v2"].clinician_id == "anna"
    assert after.named_share() == 1.0


# ------------------------------------------------------------------------------------------
# Region scale (the acceptance, also measured by bench/planner.py)


@pytest.mark.slow
def test_region_scale_acceptance():
    ((_, items, clinicians),) = make_instance("region")
    assert 3500 <= len(items) <= 4500 and len(clinicians) == 60
    baseline = first_available(items, clinicians)
    plan = optimise(items, clinicians, time_limit=10)
    assert_feasible(plan, items, clinicians)
    assert_feasible(baseline, items, clinicians)
    # Issue 15: the objective is resident contacts, not items. Keeping rounds with their named
    # physician costs short items and defers reviews, so the item share stays below the
    # item-count bound (94 % on seed 1; docs/performance.md); the contacts reach their bound.
    assert plan.named_share() >= 0.93 * plan.upper_bound
    assert engine.contact_share(plan, items) >= 0.99 * plan.contact_bound
    assert plan.upper_bound <= named_upper_bound(items, clinicians) + 1e-9
    assert plan.named_share() >= baseline.named_share() + 0.20
    assert plan.seconds < 10
