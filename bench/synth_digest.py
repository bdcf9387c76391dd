"""Check: the synthetic region is identical for the same seed (a digest of every generated row).

Loads `manage.py synth_region --seed S --scale N --now 2026-11-27` into a fresh temporary SQLite
database and prints, per table, the row count and a SHA-256 over all rows (every column, rows
sorted). Run it before and after a change to the generator and compare the output: a refactor of
`digifys/synth/` must not change a single row.

Usage:
    .venv/bin/python bench/synth_digest.py --seed 1 --scale 450 > before.txt
    ... change the generator ...
    .venv/bin/python bench/synth_digest.py --seed 1 --scale 450 | diff before.txt -
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Columns stamped by the wall clock at load time (auto_now_add), not by the seed and `--now`.
VOLATILE_COLUMNS = {"scheduling_workrequest": {"created_at"}}


def digest(path: Path) -> list[str]:
    """Return one line per table: name, row count, SHA-256 of the sorted rows."""
    db = sqlite3.connect(path)
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'django_%' ORDER BY name"
        )
    ]
    lines = []
    for table in tables:
        columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
        kept = [c for c in columns if c not in VOLATILE_COLUMNS.get(table, set())]
        select = ", ".join(f'"{c}"' for c in kept)
        # Identifiers come from sqlite_master and PRAGMA table_info of our own database.
        query = f'SELECT {select} FROM "{table}"'  # noqa: S608
        rows = sorted(repr(row) for row in db.execute(query))
        if not rows:
            continue
        sha = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        lines.append(f"{table} {len(rows)} {sha}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=int, default=450)
    parser.add_argument("--now", default="2026-11-27")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synth.sqlite3"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DIGIFYS_DEMO": "1"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run(
            [
                *manage,
                "synth_region",
                "--seed",
                str(args.seed),
                "--scale",
                str(args.scale),
                "--now",
                args.now,
                "--quiet",
            ],
            env=env,
            check=True,
            cwd=ROOT,
        )
        print("\n".join(digest(path)))


if __name__ == "__main__":
    main()
