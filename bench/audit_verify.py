"""Benchmark: how long `manage.py verify_audit_log` takes on a large access log.

    .venv/bin/python bench/audit_verify.py                      # SQLite in /tmp, 1,000,000 entries
    .venv/bin/python bench/audit_verify.py --entries 100000
    .venv/bin/python bench/audit_verify.py \\
        --database-url postgres://postgres@127.0.0.1:5432/digifys_bench_audit

It creates a fresh database (SQLite file in /tmp, or a PostgreSQL database whose name must contain
"bench", dropped and re-created; either is removed at the end unless --keep), runs
`manage.py migrate`, and fills it with chained entries. The fill writes rows directly (sqlite3
`executemany` / PostgreSQL `COPY`) rather than through `audit.services.record`, because it is a
data load, not a domain action; the hashes are computed with the same `digifys.audit.chain` code
the service uses, so the log verifies as genuine. Entries have no user, organisation or resident
(ids are null): foreign keys would need those rows and do not change the work of hashing.

Then it times `manage.py verify_audit_log` (median of --runs runs, each a fresh process, so Django
start-up is included) and, as same-run baselines, plain full scans of the same rows and columns
without hashing (fresh `manage.py shell` processes): one through the ORM's `values_list`, one with
the raw-cursor reads the verifier itself uses; plus a bare `SELECT count(*)`. It prints the
figures and the ratios.
"""

import argparse
import datetime
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digifys.audit.chain import GENESIS_HASH, HASHED_FIELDS, entry_hash  # noqa: E402

COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")
ROLES = ("nurse", "assistant_nurse", "physician", "coordinator")
ACTIONS = ("read", "read", "read", "read", "update", "create", "export")
PURPOSES = ("care", "care", "care", "care", "care", "administration", "emergency")
START = datetime.datetime(2025, 1, 1, 6, 0, tzinfo=datetime.UTC)

SCAN = """
from digifys.audit.chain import HASHED_FIELDS
from digifys.audit.models import AuditEvent
rows = AuditEvent.objects.order_by("seq").values_list(*HASHED_FIELDS, "prev_hash", "hash")
last, n = None, 0
while True:
    batch = list((rows if last is None else rows.filter(seq__gt=last))[:10000])
    n += len(batch)
    if len(batch) < 10000:
        break
    last = batch[-1][0]
print(n)
"""
# The same reads verify_audit_log makes (same SQL, no ORM converters), without hashing.
SCAN_RAW = """
from digifys.audit.services import _raw_batches
print(sum(len(batch) for batch in _raw_batches(None, 10000)))
"""


def generate(count: int):
    """Yield (row, details_json) tuples of a genuine chain of COUNT entries, in COLUMNS order."""
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        when = START + datetime.timedelta(seconds=seq * 29, microseconds=seq % 1_000_000)
        details = {"page": seq % 7} if seq % 10 == 0 else {}
        fields = (
            seq,
            when,
            None,
            f"Användare {seq % 997}",
            ROLES[seq % len(ROLES)],
            None,
            f"Hemmet {seq % 53} – Avd {seq % 4}",
            None,
            ACTIONS[seq % len(ACTIONS)],
            "resident",
            str(seq % 5000 + 1),
            PURPOSES[seq % len(PURPOSES)],
            f"10.{seq % 256}.{seq // 256 % 256}.{seq % 250 + 1}",
            details,
        )
        digest = entry_hash(prev, *fields)
        yield fields, prev, digest
        prev = digest


def _sqlite_value_rows(count: int):
    import json

    for fields, prev, digest in generate(count):
        row = list(fields)
        row[1] = fields[1].strftime("%Y-%m-%d %H:%M:%S.%f")  # Django's SQLite datetime format
        row[13] = json.dumps(fields[13])
        yield (*row, prev, digest)


def fill_sqlite(path: str, count: int) -> tuple[int, str]:
    db = sqlite3.connect(path)
    placeholders = ",".join("?" * len(COLUMNS))
    sql = f"INSERT INTO audit_auditevent ({','.join(COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
    rows = _sqlite_value_rows(count)
    last = None
    while True:
        batch = [row for _, row in zip(range(50_000), rows, strict=False)]
        if not batch:
            break
        db.executemany(sql, batch)
        db.commit()
        last = batch[-1]
    seq, digest = (last[0], last[-1]) if last else (0, GENESIS_HASH)
    db.execute("UPDATE audit_auditchainhead SET last_seq = ?, last_hash = ?", (seq, digest))
    db.commit()
    db.close()
    return seq, digest


def fill_postgres(url: str, count: int) -> tuple[int, str]:
    import psycopg
    from psycopg.types.json import Jsonb

    seq, digest = 0, GENESIS_HASH
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY audit_auditevent ({','.join(COLUMNS)}) FROM STDIN") as copy:
            for fields, prev, digest in generate(count):
                row = list(fields)
                row[13] = Jsonb(fields[13])
                copy.write_row((*row, prev, digest))
                seq = fields[0]
        cur.execute("UPDATE audit_auditchainhead SET last_seq = %s, last_hash = %s", (seq, digest))
    return seq, digest


def count_rows(url: str) -> float:
    start = time.perf_counter()
    if url.startswith("sqlite"):
        db = sqlite3.connect(urlsplit(url).path)
        db.execute("SELECT count(*) FROM audit_auditevent").fetchone()
        db.close()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()
    return time.perf_counter() - start


def drop_database(url: str, *, create: bool = False) -> None:
    """Remove the benchmark database (and create it empty again when CREATE)."""
    if url.startswith("sqlite"):
        path = Path(urlsplit(url).path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to drop database {name!r}: its name must contain 'bench'")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - start, result


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        ram = "unknown RAM"
    return f"{os.cpu_count()} CPUs ({cpu}), {ram}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database-url",
        default="sqlite:////tmp/digifys_bench_audit.sqlite3",
        dest="url",
        help="a PostgreSQL database name must contain 'bench': it is dropped and re-created",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    options = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": options.url, "DIGIFYS_DEMO": "1"}
    env.pop("PYTEST_VERSION", None)

    print(f"machine: {machine()}")
    print(f"database: {options.url.split('://')[0]}")
    drop_database(options.url, create=True)
    seconds, result = manage(env, "migrate", "--noinput", "--skip-checks", "-v", "0")
    if result.returncode:
        sys.exit(result.stderr)
    start = time.perf_counter()
    fill = fill_postgres if options.url.startswith("postgres") else fill_sqlite
    target = options.url if fill is fill_postgres else urlsplit(options.url).path
    fill(target, options.entries)
    print(f"fill: {options.entries:,} chained entries in {time.perf_counter() - start:.1f} s")

    verify, scan, raw = [], [], []
    for _ in range(options.runs):
        seconds, result = manage(env, "verify_audit_log")
        if result.returncode or f"OK: {options.entries} entries verified" not in result.stdout:
            sys.exit(f"verify_audit_log failed: {result.stdout}{result.stderr}")
        verify.append(seconds)
        for code, times in ((SCAN, scan), (SCAN_RAW, raw)):
            seconds, result = manage(env, "shell", "--no-imports", "-c", code)
            if result.returncode or result.stdout.split()[-1:] != [str(options.entries)]:
                sys.exit(f"scan failed: {result.stdout}{result.stderr}")
            times.append(seconds)
    startup, _ = manage(env, "shell", "--no-imports", "-c", "pass")
    count = statistics.median(count_rows(options.url) for _ in range(options.runs))

    v, s, r = (statistics.median(times) for times in (verify, scan, raw))

    def runs(times: list[float]) -> str:
        return ", ".join(f"{x:.2f}" for x in times)

    print(f"verify_audit_log: median {v:.2f} s ({runs(verify)})")
    print(f"ORM scan of the same rows, no hashing: median {s:.2f} s ({runs(scan)})")
    print(f"raw-cursor scan (verify's reads), no hashing: median {r:.2f} s ({runs(raw)})")
    print(f"SELECT count(*): {count:.3f} s")
    print(f"Django start-up (manage.py shell -c pass): {startup:.2f} s")
    print(f"ratio verify / ORM scan: {v / s:.2f}; verify / raw scan: {v / r:.2f}")
    print(f"entries verified per second: {options.entries / v:,.0f}")
    if not options.keep:
        drop_database(options.url)


if __name__ == "__main__":
    main()
