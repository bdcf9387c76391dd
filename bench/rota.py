"""The virtual clinic's on-duty rota: a month of 24/7 cover, CP-SAT against a greedy baseline.

A synthetic month (31 days, three 8-hour shifts a day: 07-15, 15-23, 23-07, one clinician on
duty at a time) for 25 clinicians with the kinds of limits the workforce app stores: weekly
maxima of 24-48 hours, a week's vacation for some, hours some cannot work (nights, evenings),
hours others prefer. Both methods obey the hard rules (no overlap, >= 11 h daily rest, weekly
maximum, nobody while away); the report compares cover gaps, shifts in hours a clinician cannot
work, preferred shifts, and the fairness spread of on-duty hours (max - min and the standard
deviation, over everyone). The issue's target: the optimiser finishes within 30 s.

    .venv/bin/python bench/rota.py
    .venv/bin/python bench/rota.py --json --repeat 3 --time-limit 20

No Django: only `digifys.workforce.rota_engine` (pure Python + OR-Tools) is imported.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digifys.workforce import rota_engine  # noqa: E402

SHIFT_STARTS = (7, 15, 23)


def make_month(*, people: int = 25, days: int = 31, seed: int = 1):
    rng = random.Random(seed)
    slots = []
    for day in range(days):
        for k, hour in enumerate(SHIFT_STARTS):
            start = (day * 24 + hour) * 60
            slots.append(
                rota_engine.Slot(id=day * 3 + k, start=start, end=start + 480, week=day // 7)
            )
    staff = []
    for pid in range(people):
        max_hours = rng.choice((24, 32, 40, 40, 48))
        away = set()
        if rng.random() < 0.3:  # a week's vacation
            first = rng.randrange(days - 7)
            away = {d * 3 + k for d in range(first, first + 7) for k in range(3)}
        cannot, prefer = set(), set()
        style = rng.random()
        if style < 0.3:  # cannot work nights
            cannot = {s.id for s in slots if s.id % 3 == 2}
        elif style < 0.45:  # cannot work evenings on weekdays
            cannot = {s.id for s in slots if s.id % 3 == 1 and (s.id // 3) % 7 < 5}
        if rng.random() < 0.5:  # prefers days (or nights)
            kind = rng.choice((0, 2))
            prefer = {s.id for s in slots if s.id % 3 == kind} - cannot
        staff.append(
            rota_engine.Person(
                id=pid,
                max_week_minutes=max_hours * 60,
                away=frozenset(away),
                cannot=frozenset(cannot),
                prefer=frozenset(prefer),
            )
        )
    return slots, staff


def check(result, slots, people) -> None:
    """Both methods must obey the hard rules; a benchmark of a wrong rota would mean nothing."""
    by_id = {s.id: s for s in slots}
    person = {p.id: p for p in people}
    held = {}
    for sid, holders in result.assignment.items():
        for pid in holders:
            assert sid not in person[pid].away, "a clinician on duty while away"
            held.setdefault(pid, []).append(by_id[sid])
    for pid, shifts in held.items():
        shifts.sort(key=lambda s: s.start)
        for a, b in itertools.pairwise(shifts):
            assert b.start >= a.end + rota_engine.MIN_REST_MINUTES, "less than 11 h rest"
        weeks = {}
        for s in shifts:
            weeks[s.week] = weeks.get(s.week, 0) + s.minutes
        assert max(weeks.values()) <= person[pid].max_week_minutes, "weekly maximum exceeded"


def summary(result, people) -> dict:
    return {
        "seconds": round(result.seconds, 3),
        "status": result.status,
        "gap_shifts": sum(result.gaps.values()),
        "cannot_shifts": result.cannot_used,
        "preferred_shifts": result.preferred_used,
        **{f"spread_{k}": v for k, v in result.spread([p.id for p in people]).items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=25)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    slots, people = make_month(people=args.people, days=args.days, seed=args.seed)
    runs = {"greedy": [], "optimiser": []}
    for _ in range(args.repeat):
        base = rota_engine.greedy(slots, people)
        check(base, slots, people)
        runs["greedy"].append(summary(base, people))
        best = rota_engine.solve(
            slots, people, seconds=args.time_limit, workers=args.workers, hint=base
        )
        check(best, slots, people)
        runs["optimiser"].append(summary(best, people))
    report = {
        "people": args.people,
        "days": args.days,
        "shifts": len(slots),
        "seed": args.seed,
        "repeat": args.repeat,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": [round(v, 1) for v in os.getloadavg()],
        "methods": {
            method: {
                "median_seconds": round(statistics.median(r["seconds"] for r in rows), 3),
                **{k: v for k, v in rows[-1].items() if k != "seconds"},
            }
            for method, rows in runs.items()
        },
    }
    g, o = report["methods"]["greedy"], report["methods"]["optimiser"]
    report["spread_ratio_optimiser_to_greedy"] = (
        round(o["spread_max_minus_min"] / g["spread_max_minus_min"], 3)
        if g["spread_max_minus_min"]
        else None
    )
    report["within_30_s"] = o["median_seconds"] <= 30
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.people} clinicians, {len(slots)} shifts ({args.days} days, 24/7)")
    for method, row in report["methods"].items():
        print(
            f"{method:10} {row['median_seconds']:7.2f} s  gaps {row['gap_shifts']:3}  "
            f"cannot {row['cannot_shifts']:3}  preferred {row['preferred_shifts']:3}  "
            f"spread max-min {row['spread_max_minus_min']:5.1} h  stdev {row['spread_stdev']} h"
        )


if __name__ == "__main__":
    main()
