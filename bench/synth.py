"""Benchmark: how long `manage.py synth_region` takes, and how that compares with a baseline.

Each measurement runs in a fresh temporary SQLite database (DATABASE_URL=sqlite:////tmp/…,
DIGIFYS_DEMO=1) in a subprocess: `manage.py migrate` (not timed), then the timed command.

* synth:    `manage.py synth_region --scale N --now 2026-11-27 --quiet`
* baseline: `manage.py shell -c …` that bulk-creates N bare Resident rows (one unit, no
            children) with the ORM in one transaction.

Both timings are wall-clock for the whole subprocess, so both include the same interpreter and
Django start-up. The ratio synth / baseline says how many "bare resident inserts" the complete
region costs: the region writes ~40 rows per resident (diagnoses, medications, relatives,
assignments, a year of contacts, vital signs …), so a ratio far below 35 means the bulk paths work.

Usage:
    .venv/bin/python bench/synth.py                      # scales 450 and 100000, 3 repeats
    .venv/bin/python bench/synth.py --scale 450 --repeat 5 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

BASELINE = """
import datetime
from django.db import transaction
from digifys.directory.models import Organisation
from digifys.residents.models import Resident
n = {scale}
created = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
with transaction.atomic():
    unit = Organisation.objects.create(kind="unit", name="Bench", municipality_code="2418")
    Resident.objects.bulk_create(
        [
            Resident(
                identity_kind="reservnummer",
                identity_number=f"{{i:012d}}",
                given_name="Anna",
                family_name="Andersson",
                birth_date=datetime.date(1940, 1, 1),
                home_municipality_code="2418",
                unit=unit,
                created_at=created,
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
"""


def run(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run ARGS; return (wall seconds, peak RSS in MiB). Raise with stderr on failure."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            raise RuntimeError(
                f"{' '.join(args)} failed ({process.returncode}):\n{errors.read().decode()}"
            )
    return seconds, usage.ru_maxrss // 1024


def fresh_database() -> tuple[Path, dict[str, str]]:
    directory = Path(tempfile.mkdtemp(prefix="digifys-bench-", dir="/tmp"))
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}",
            "DIGIFYS_DEMO": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    run([PYTHON, "manage.py", "migrate", "--skip-checks", "-v0"], env)
    return directory, env


def count_rows(database: Path) -> int:
    with sqlite3.connect(database) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith(("sqlite_", "django_", "auth_permission"))
        ]
        # Table names come from sqlite_master itself.
        query = 'SELECT COUNT(*) FROM "{}"'
        return sum(db.execute(query.format(name)).fetchone()[0] for name in tables)


def measure(scale: int, *, seed: int, now: str) -> dict:
    directory, env = fresh_database()
    try:
        synth_args = [PYTHON, "manage.py", "synth_region", "--skip-checks", "--quiet"]
        synth_args += ["--scale", str(scale), "--seed", str(seed), "--now", now]
        seconds, rss = run(synth_args, env)
        rows = count_rows(directory / "bench.sqlite3")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    directory, env = fresh_database()
    try:
        baseline, _rss = run(
            [PYTHON, "manage.py", "shell", "-c", BASELINE.format(scale=scale)], env
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return {"seconds": seconds, "baseline": baseline, "rows": rows, "peak_rss_mib": rss}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        memory_kib = 0
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[450, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", default="2026-11-27")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    options = parser.parse_args()

    results = []
    for scale in options.scale:
        runs = []
        for number in range(options.repeat):
            result = measure(scale, seed=options.seed, now=options.now)
            runs.append(result)
            if not options.json:
                print(
                    f"scale {scale:>7}: run {number + 1}/{options.repeat}: "
                    f"synth {result['seconds']:.2f} s, baseline {result['baseline']:.2f} s",
                    file=sys.stderr,
                )
        synth = statistics.median(r["seconds"] for r in runs)
        baseline = statistics.median(r["baseline"] for r in runs)
        results.append(
            {
                "scale": scale,
                "repeat": options.repeat,
                "median_seconds": round(synth, 2),
                "min_seconds": round(min(r["seconds"] for r in runs), 2),
                "baseline_median_seconds": round(baseline, 2),
                "ratio": round(synth / baseline, 2),
                "rows": runs[0]["rows"],
                "rows_per_second": round(runs[0]["rows"] / synth),
                "microseconds_per_resident": round(synth / scale * 1e6),
                "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
                "runs": [round(r["seconds"], 2) for r in runs],
            }
        )

    report = {"machine": machine(), "seed": options.seed, "now": options.now, "results": results}
    if options.json:
        print(json.dumps(report, indent=2))
        return
    print(f"Machine: {report['machine']}")
    header = (
        f"{'scale':>8} {'median s':>9} {'baseline s':>11} {'ratio':>6} "
        f"{'rows':>10} {'rows/s':>9} {'µs/resident':>12} {'RSS MiB':>8}"
    )
    print(header)
    for r in results:
        print(
            f"{r['scale']:>8} {r['median_seconds']:>9.2f} {r['baseline_median_seconds']:>11.2f} "
            f"{r['ratio']:>6.2f} {r['rows']:>10} {r['rows_per_second']:>9} "
            f"{r['microseconds_per_resident']:>12} {r['peak_rss_mib']:>8}"
        )


if __name__ == "__main__":
    main()
