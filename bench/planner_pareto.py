"""Can one week plan meet both targets of issue 15 section 5? An upper bound on the contacts.

The acceptance asks the optimiser for a named share of resident contacts >= 95 % of its bound AND
a named share of items >= 99 % of the item-count bound. Named items only compete for their own
named physician's time, so every plan is a choice, per physician, of a subset of their panel.
For each physician this script proves (CP-SAT on the engine's single-clinician relaxation, the
same model the optimiser uses) an upper bound on the count of panel items, and for a ladder of
count floors c an upper bound u(c) on the resident contacts of any subset with at least c items.
A multiple-choice knapsack over these curves then bounds the contacts of ANY plan whose named
item count reaches the target (99 % of the item bound). Every number used is a proven upper
bound (the relaxation's ceiling or CP-SAT's best objective bound), so if the knapsack's value is
below 95 % of the contact bound, no plan meets both targets on the instance.

    .venv/bin/python bench/planner_pareto.py --scale region --seed 1 --json

No Django: only the planner package (pure Python + OR-Tools) is imported. Not timed against a
deadline: it is an analysis, not a planner (a few minutes at region scale).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digifys.scheduling.planner import engine  # noqa: E402
from digifys.scheduling.planner.instances import make_instance  # noqa: E402

STEPS = (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 28, 32, 40)


def curves(items, clinicians, *, time_limit: float):
    """Per physician: (count upper bound, [(floor, contact upper bound)], contact bound)."""
    cals = engine._calendars(clinicians)
    panels = defaultdict(list)
    for item in items:
        if item.named in cals:
            panels[item.named].append(item)
    out = {}
    for pid, panel in panels.items():
        cal = cals[pid]
        flat = [dataclasses.replace(i, weight=1) for i in panel]
        count_best, count_ub, _ = engine._best_subset(cal, flat, time_limit=time_limit, workers=1)
        free_best, contact_ub, _ = engine._best_subset(cal, panel, time_limit=time_limit, workers=1)
        ladder = []
        for step in STEPS:
            floor = count_ub - step
            if floor <= len(free_best):
                break  # the unconstrained contact optimum already has this many items
            if floor > len(count_best):
                # No subset with this many items was found; the floor may still be feasible:
                # bound it by the relaxation without the floor (valid, only looser).
                ladder.append((floor, contact_ub))
                continue
            _, ub, _ = engine._best_subset(
                cal, panel, time_limit=time_limit, workers=1, min_count=floor, floor=count_best
            )
            ladder.append((floor, min(ub, contact_ub)))
        out[pid] = (count_ub, ladder, contact_ub)
    return out


def best_contacts(per: dict, target: int) -> int:
    """Upper bound on the contacts of any plan with at least TARGET named items (knapsack)."""
    # State: items lost against the sum of count bounds -> best contact bound.
    total = sum(c for c, _, _ in per.values())
    budget = total - target
    if budget < 0:
        return -1
    best = {0: 0}
    for count_ub, ladder, contact_ub in per.values():
        # A physician with count_ub - lost items: the bound of the ladder's largest floor not
        # above that count (the ladder skips some floors; a lower floor's bound is higher, so
        # still valid), charged the real loss.
        steps = [(count_ub - floor, ub) for floor, ub in ladder]
        options = []
        for lost in range(steps[-1][0] + 1 if steps else 0):
            options.append((lost, next(ub for step, ub in steps if step >= lost)))
        # Below the ladder: any count, at most the unconstrained contact bound.
        lowest = ladder[-1][0] if ladder else count_ub + 1
        options.append((count_ub - lowest + 1, contact_ub))
        nxt: dict[int, int] = {}
        for lost, value in best.items():
            for extra, ub in options:
                key = min(budget + 1, lost + max(0, extra))
                if value + ub > nxt.get(key, -1):
                    nxt[key] = value + ub
        best = nxt
    return max((v for k, v in best.items() if k <= budget), default=-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("unit", "region"), default="region")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=5.0, help="per CP-SAT solve")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    ((name, items, clinicians),) = make_instance(args.scale, seed=args.seed)
    t0 = time.perf_counter()
    per = curves(items, clinicians, time_limit=args.time_limit)
    item_bound = sum(c for c, _, _ in per.values())
    contact_bound = sum(u for _, _, u in per.values())
    rows = []
    for share in (1.0, 0.99, 0.98, 0.97, 0.96, 0.95, 0.94):
        target = -(-round(share * item_bound * 10000) // 10000)
        contacts = best_contacts(per, target)
        rows.append(
            {
                "item_share_of_bound": share,
                "named_items_at_least": target,
                "contacts_at_most": contacts,
                "contact_share_of_bound_at_most": round(contacts / contact_bound, 4),
            }
        )
    result = {
        "scale": args.scale,
        "seed": args.seed,
        "region": name,
        "items": len(items),
        "contacts": sum(i.weight for i in items),
        "item_bound": item_bound,
        "contact_bound": contact_bound,
        "frontier": rows,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"{name}: {len(items)} items, item bound {item_bound}, contact bound {contact_bound}")
    for row in rows:
        print(
            f"named items >= {row['named_items_at_least']:>5} "
            f"({row['item_share_of_bound']:.0%} of bound): contacts <= {row['contacts_at_most']} "
            f"({row['contact_share_of_bound_at_most']:.2%} of the contact bound)"
        )


if __name__ == "__main__":
    main()
