"""Benchmark: `manage.py backup` and `manage.py restore` on a large region (issue #17 §4).

The region must already be loaded in the PostgreSQL database named by --database-url (build it
with `manage.py migrate` and `manage.py synth_region --scale N`), with its uploaded files under
--var-dir's media/. The synthetic region writes no access log; with --audit-entries N an empty
log is first filled with N genuine chained entries (bench/audit_verify.py's `fill_postgres`, a
COPY of rows hashed with digifys.audit.chain), so the restore verifies a chain of that length.
Per repeat, in this order and in the same run:

* baseline dump:    `pg_dump --format=custom` of the database to one file (what any backup costs);
* backup:           `manage.py backup DIR` (the same dump in an exported snapshot, plus the table
                    counts, the chain head, the files and their checksums);
* baseline restore: `pg_restore --single-transaction` of the baseline dump into a new database;
* restore:          `manage.py restore DIR` into a new database and an empty media directory
                    (pg_restore, then every table counted, the whole hash chain verified and every
                    file's checksum checked).

Wall-clock seconds of each subprocess (interpreter and Django start-up included), the backup's
size, and the ratios backup/baseline dump and restore/baseline restore.

Usage:
    .venv/bin/python bench/backup.py --database-url postgres://postgres@127.0.0.1:5432/big \\
        --var-dir /tmp/big-var [--repeat 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _timed(command: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds, result


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _psql(url: str, sql: str) -> None:
    subprocess.run(
        ["psql", _with_database(url, "postgres"), "-qAtc", sql], check=True, capture_output=True
    )


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _env(url: str, var_dir: Path) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "digifys.settings",
        "DIGIFYS_DEMO": "1",
        "DIGIFYS_VAR_DIR": str(var_dir),
        "DATABASE_URL": url,
    }


def run_once(url: str, var_dir: Path, work: Path, jobs: int) -> dict:
    database = urlsplit(url).path.lstrip("/")
    figures: dict = {}
    baseline_file = work / "baseline.dump"
    seconds, _ = _timed(
        ["pg_dump", "--format=custom", f"--file={baseline_file}", url], dict(os.environ)
    )
    figures["baseline_dump_s"] = seconds
    figures["baseline_dump_bytes"] = _size(baseline_file)

    backup_dir = work / "backup"
    seconds, _ = _timed([PYTHON, "manage.py", "backup", str(backup_dir)], _env(url, var_dir))
    figures["backup_s"] = seconds
    figures["backup_bytes"] = _size(backup_dir)
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    figures["rows"] = sum(manifest["tables"].values())
    figures["residents"] = manifest["tables"].get("residents_resident")
    figures["audit_entries"] = manifest["audit_chain_head"]["last_seq"]
    figures["files"] = sum(len(s["files"]) for s in manifest["files"].values())

    target = f"{database}_bench_base_{uuid.uuid4().hex[:6]}"
    _psql(url, f'CREATE DATABASE "{target}"')
    try:
        seconds, _ = _timed(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={_with_database(url, target)}",
                str(baseline_file),
            ],
            dict(os.environ),
        )
        figures["baseline_restore_s"] = seconds
    finally:
        _psql(url, f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')

    target = f"{database}_bench_restore_{uuid.uuid4().hex[:6]}"
    restore_var = work / "restored-var"
    _psql(url, f'CREATE DATABASE "{target}"')
    try:
        command = [PYTHON, "manage.py", "restore", str(backup_dir)]
        if jobs > 1:
            command.append(f"--jobs={jobs}")
        seconds, result = _timed(command, _env(_with_database(url, target), restore_var))
        figures["restore_s"] = seconds
        figures["restore_report"] = result.stdout.strip().splitlines()
    finally:
        _psql(url, f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    shutil.rmtree(backup_dir)
    shutil.rmtree(restore_var, ignore_errors=True)
    baseline_file.unlink()
    return figures


def _fill_audit_log(url: str, count: int) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        existing = conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0]
    if existing:
        print(f"access log already holds {existing:,} entries; not filled", file=sys.stderr)
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from audit_verify import fill_postgres

    started = time.perf_counter()
    seq, _digest = fill_postgres(url, count)
    print(
        f"access log filled: {seq:,} entries in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--var-dir", required=True, type=Path, help="DIGIFYS_VAR_DIR of the region")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, help="restore --jobs")
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument(
        "--audit-entries", type=int, default=0, help="fill an empty access log with N entries"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.audit_entries:
        _fill_audit_log(args.database_url, args.audit_entries)
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(dir=args.work_dir, prefix="bench-backup-") as work:
            runs.append(run_once(args.database_url, args.var_dir, Path(work), args.jobs))
    keys = ("baseline_dump_s", "backup_s", "baseline_restore_s", "restore_s")
    medians = {key: statistics.median(run[key] for run in runs) for key in keys}
    summary = {
        "nproc": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "runs": runs,
        "medians": medians,
        "backup_ratio": medians["backup_s"] / medians["baseline_dump_s"],
        "restore_ratio": medians["restore_s"] / medians["baseline_restore_s"],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    last = runs[-1]
    print(
        f"residents {last['residents']:,}, rows {last['rows']:,}, access log entries "
        f"{last['audit_entries']:,}, files {last['files']:,}"
    )
    print(f"backup size {last['backup_bytes'] / 2**20:.1f} MiB")
    for key in keys:
        print(f"{key:20} median {medians[key]:7.1f}  runs {[round(r[key], 1) for r in runs]}")
    print(f"backup / baseline dump       {summary['backup_ratio']:.2f}")
    print(f"restore / baseline restore   {summary['restore_ratio']:.2f}")
    print(f"nproc {summary['nproc']}, load average {summary['loadavg']}")
    print("\n".join(last["restore_report"]))


if __name__ == "__main__":
    main()
