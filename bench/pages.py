"""Throughput of the busiest pages under load, beside /healthz on the same server.

Production-like set-up on this machine (docs/operations.md): a fresh PostgreSQL database with
the synthetic region (`synth_region --seed 1 --scale 450`, "now" = the current minute, so the
persona unit's story is live); static files collected with the production storage
(`CompressedManifestStaticFilesStorage`); **gunicorn** with the production worker count,
threads and `--keep-alive 0` (docs/operations.md), the psycopg pool, Redis as cache; production
settings (no demo, no debug).

Three logged-in sessions with the second factor recorded exactly as allauth records it after a
password + TOTP login (`digifys.testing.accounts.complete_second_factor`):

- the nurse `sjukskoterska.mala` → her unit's worklist `/worklist/units/<unit>/`;
- the physician `lakare.malaga` → her inbox `/consults/inbox/` and the resident page
  `/residents/<id>/` of her patient with the open consult on the nurse's unit.

The floor, when asked for (`--targets healthz,floor_session,floor_policy,floor_audit,…`; the
server then runs `bench/floor_settings.py`, the production settings with three more views from
`bench/floor_urls.py`, not part of the product): the physician's session alone, then her
resident read through the access policy, then that read with its access-log entry. The last is
the least any page showing a resident's data does; its requests/s bound every such page's.

Load: `wrk` (Debian package `wrk`; `apt-get install wrk`), 1 thread, 16 connections, each target
for `--seconds`, the targets one after another and the whole sequence `--repeat` times; medians
over the repeats. Every response is checked to be 200 (a redirect to the login form would be
fast and wrong). Baseline, measured in the same run on the same server: `/healthz` (no session,
no database), so the ratio page / healthz stays comparable when the machine is busy. The CPU
time wrk itself used is reported too (it shares the 2 cores with the server).

    .venv/bin/python bench/pages.py [--repeat 3] [--seconds 10] [--connections 16] [--json]
    .venv/bin/python bench/pages.py --keep-database digifys_perf_bench   # seed once, reuse
    .venv/bin/python bench/pages.py --keep-database digifys_perf_bench --profile 20

`--profile N` starts no server: it requests each page N times in this process through Django's
WSGI handler (same settings, same sessions; see `wsgi_get`) under cProfile, charging CPU time
(`time.process_time`, so waiting for PostgreSQL or for a core on a busy machine is not charged
to the waiting function), and prints, per page, the SQL queries of one request, Python function
calls per request (a measure that does not move with the load of a shared machine) and the
functions with the most cumulative time. `--profile-dump PREFIX` also writes each page's stats
to PREFIX.<page>.prof (for `pstats`).

`--cpu N` starts no server either: it serves each page N times per round through Django's WSGI
handler in this process (the production middleware, settings, pool and sessions; no test
client, no profiler), `--repeat` rounds with the pages interleaved, and reports per page the
median CPU time per request of this process (`time.process_time`: the Python side) and of the
PostgreSQL backend serving it (from /proc), the queries per request and the Python function calls
per request (counted by cProfile in separate requests; they do not move with the machine's
load). CPU time per request is what the throughput of a saturated 2-core server is made of, and
it moves far less than requests/s when other jobs share the machine.

    .venv/bin/python bench/pages.py --keep-database digifys_perf_bench --cpu 40 --repeat 7
"""

import argparse
import json
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loop_latency import Server  # noqa: E402  (the same gunicorn launcher as the loop benchmark)

NURSE = "sjukskoterska.mala"
PHYSICIAN = "lakare.malaga"
REQUIRED_RPS = 150
REQUIRED_P95_MS = 150

# wrk script: a fixed cookie, a count of responses that are not 200, and latency percentiles as
# one JSON line at the end (wrk's own summary has no p95).
WRK_SCRIPT = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  not_ok = 0
  if args[1] ~= nil and args[1] ~= "" then
    wrk.headers["Cookie"] = args[1]
  end
end
function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not_ok")
  end
  io.write(string.format(
    'JSON {"requests": %d, "seconds": %.6f, "not_200": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000, latency.max / 1000))
end
"""


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(
            "bench/pages.py needs the load generator wrk: install the Debian package "
            "(apt-get install wrk)."
        )
    return path


def database_exists(admin_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url + "postgres", autocommit=True) as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url + "postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url + "postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(fresh: bool) -> None:
    from django.core.management import call_command

    from digifys.synth.region import generate_region

    call_command("migrate", verbosity=0)
    if fresh:
        generate_region(seed=1, scale=450)


def sessions() -> dict:
    """Log the nurse and the physician in (password + TOTP recorded); return cookies and URLs."""
    from django.test import Client
    from django.urls import reverse

    from digifys.accounts.models import User
    from digifys.careteams.models import PhysicianAssignment
    from digifys.consults.models import Consult
    from digifys.testing.accounts import complete_second_factor

    def login(username: str) -> tuple[User, str]:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        complete_second_factor(client, user)
        return user, f"sessionid={client.cookies['sessionid'].value}"

    nurse, nurse_cookie = login(NURSE)
    physician, physician_cookie = login(PHYSICIAN)
    unit = nurse.staff_profile.units.order_by("pk").first()
    panel = PhysicianAssignment.objects.filter(
        physician__user=physician, ended_at__isnull=True
    ).values_list("resident_id", flat=True)
    consult = (
        Consult.objects.filter(resident_id__in=panel, resident__unit=unit)
        .order_by("-created_at")
        .values_list("resident_id", flat=True)
        .first()
    )
    resident = consult or min(panel)
    return {
        # The floor (bench/floor_urls.py, served only with a floor target): the physician's
        # session, then her resident through the policy, then with the access-log entry.
        "floor_session": (physician_cookie, "/bench-floor/session/"),
        "floor_policy": (physician_cookie, f"/bench-floor/policy/{resident}/"),
        "floor_audit": (physician_cookie, f"/bench-floor/audit/{resident}/"),
        "resident": (physician_cookie, reverse("residents:detail", args=[resident])),
        "inbox": (physician_cookie, reverse("consults:inbox")),
        "worklist": (nurse_cookie, reverse("worklist:unit", args=[unit.pk])),
    }


def free_port(port: int) -> int:
    """PORT if nothing listens on it (0: a port the system picks); else stop with a message.

    A server left on the port (another run of this benchmark, still stopping or running
    beside this one) would answer this run's requests: it has another SECRET_KEY, so it reads
    this run's sessions as corrupted ("Session data corrupted") and redirects to the login
    form, and this run's gunicorn cannot bind and exits.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As gunicorn binds: a port left in TIME_WAIT is free, one a server listens on is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(
                f"port {port} is in use (another server, perhaps another run of this "
                "benchmark): stop it or pass --port 0"
            ) from None
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check(port: int, cookie: str, path: str) -> int:
    """GET PATH once; refuse anything but a 200 (e.g. a redirect to the login form)."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with opener.open(request) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status, body = exc.code, b""
    if status != 200:
        raise SystemExit(f"{path} answered {status}, not 200: is the session logged in?")
    return len(body)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes PIDS have used so far (from /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process has gone
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def server_pids(server: "Server") -> list[int]:
    """The gunicorn master and its workers."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return [server.process.pid, *map(int, children.read_text().split())]


def database_pids(database: str) -> list[int]:
    """The PostgreSQL backends connected to DATABASE (the server's pool), if this machine's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return [row[0] for row in cursor.fetchall()]


def wrk(binary: str, script: str, port: int, cookie: str, path: str, args, watch=None) -> dict:
    app_pids, db_pids = watch or ([], [])
    app_before, db_before = cpu_seconds(app_pids), cpu_seconds(db_pids)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        [
            binary,
            "-t1",
            f"-c{args.connections}",
            f"-d{args.seconds}s",
            "--timeout",
            "10s",
            "-s",
            script,
            f"http://127.0.0.1:{port}{path}",
            "--",
            cookie,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in completed.stdout.splitlines() if x.startswith("JSON "))
    result = json.loads(line[5:])
    result["rps"] = result["requests"] / result["seconds"]
    client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["client_cpu_share"] = client_cpu / result["seconds"]  # of one core
    requests = max(result["requests"], 1)
    result["app_cpu_ms"] = (cpu_seconds(app_pids) - app_before) * 1000 / requests
    result["db_cpu_ms"] = (cpu_seconds(db_pids) - db_before) * 1000 / requests
    return result


def profile(targets: dict, count: int, dump: str = "") -> None:
    """Where the time goes: queries, function calls and the costliest functions per page."""
    import cProfile
    import io
    import pstats
    import time

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    handler = WSGIHandler()
    for name, (cookie, path) in targets.items():
        assert wsgi_get(handler, cookie, path)[0] == 200
        queries: list[str] = []

        def log(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(log):
            wsgi_get(handler, cookie, path)
        # CPU time of this process, not wall time: waiting for PostgreSQL (and, on a shared
        # machine, for a core) is not charged to the function that waits.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(count):
            wsgi_get(handler, cookie, path)
        profiler.disable()
        if dump:
            profiler.dump_stats(f"{dump}.{name}.prof")
        stats = pstats.Stats(profiler, stream=(out := io.StringIO()))
        print(f"== {name} {path}: {len(queries)} queries, ", end="")
        print(f"{stats.total_calls // count} function calls per request")
        for sql in queries:
            print(f"   {sql[:150]}")
        stats.sort_stats("cumulative").print_stats(r"digifys|django/template/base|psycopg", 25)
        stats.sort_stats("tottime").print_stats(25)
        print("\n".join(out.getvalue().splitlines()[8:]))


def wsgi_get(
    handler,
    cookie: str,
    path: str,
    *,
    method: str = "GET",
    query: str = "",
    body: bytes = b"",
    extra: dict | None = None,
) -> tuple[int, int]:
    """GET PATH (or METHOD it with BODY, a JSON one) through the WSGI HANDLER as gunicorn would
    call it; EXTRA: more environ keys (HTTP_… headers); (status, body bytes)."""
    import io

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": "bench/pages.py",
        "HTTP_ACCEPT": "text/html",
        "HTTP_ACCEPT_LANGUAGE": "sv",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_TYPE"] = "application/fhir+json"
        environ["CONTENT_LENGTH"] = str(len(body))
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    environ.update(extra or {})
    status = []
    body = handler(environ, lambda code, headers, exc_info=None: status.append(code))
    size = sum(len(chunk) for chunk in body)
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0]), size


def backend_cpu_seconds() -> dict[int, float]:
    """{pid: CPU seconds so far} of every PostgreSQL backend connected to this database (the
    pool's connections; this machine's server, read from /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend'"
        )
        pids = [row[0] for row in cursor.fetchall()]
    return {pid: cpu_seconds([pid]) for pid in pids}


def backend_cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the backends used between two `backend_cpu_seconds` readings (a backend
    that appeared between them counts from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def cpu(targets: dict, count: int, repeat: int) -> dict:
    """CPU milliseconds per request of each page, in this process and in its database backend.

    The pages are served through Django's WSGI handler (what gunicorn calls); rounds of COUNT
    requests per page, interleaved, REPEAT rounds; medians of the rounds. The database's CPU is
    that of every backend connected to the benchmark's database (only this process is), from
    /proc.
    """
    import cProfile
    import pstats
    import time

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    handler = WSGIHandler()
    for _name, (cookie, path) in targets.items():  # warm-up: imports, template cache, pool
        for _ in range(3):
            status, _size = wsgi_get(handler, cookie, path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}, not 200: is the session logged in?")
    rounds: dict[str, list[dict]] = {name: [] for name in targets}
    queries: dict[str, int] = {}
    calls: dict[str, int] = {}
    for name, (cookie, path) in targets.items():
        with CaptureQueriesContext(connection) as captured:
            wsgi_get(handler, cookie, path)
        queries[name] = len(captured.captured_queries)
        reset_queries()
        # Python function calls per request: deterministic, whatever else runs on the machine.
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            wsgi_get(handler, cookie, path)
        profiler.disable()
        calls[name] = pstats.Stats(profiler).total_calls // 5
    for _ in range(repeat):
        for name, (cookie, path) in targets.items():
            postgres = connection.vendor == "postgresql"
            db_before = backend_cpu_seconds() if postgres else {}
            wall_before, cpu_before = time.perf_counter(), time.process_time()
            for _ in range(count):
                wsgi_get(handler, cookie, path)
            cpu_after, wall_after = time.process_time(), time.perf_counter()
            db_after = backend_cpu_seconds() if postgres else {}
            rounds[name].append(
                {
                    "app_cpu_ms": (cpu_after - cpu_before) * 1000 / count,
                    "db_cpu_ms": backend_cpu_used(db_before, db_after) * 1000 / count,
                    "wall_ms": (wall_after - wall_before) * 1000 / count,
                }
            )

    def median(name: str, key: str) -> float:
        return round(statistics.median(run[key] for run in rounds[name]), 2)

    return {
        name: {
            "path": path,
            "queries": queries[name],
            "function_calls_per_request": calls[name],
            "app_cpu_ms_per_request": median(name, "app_cpu_ms"),
            "db_cpu_ms_per_request": median(name, "db_cpu_ms"),
            "wall_ms_per_request": median(name, "wall_ms"),
            "app_cpu_ms_rounds": [round(run["app_cpu_ms"], 2) for run in rounds[name]],
        }
        for name, (_cookie, path) in targets.items()
    }


def production_env(args, database: str, workdir: str) -> dict:
    """The environment of the production settings (no demo, no debug) on DATABASE, with this
    process's variables; from ARGS: postgres (admin URL), pool, redis, profile."""
    from cryptography.fernet import Fernet

    return {
        **{k: v for k, v in os.environ.items() if k not in ("DIGIFYS_DEMO", "DEBUG")},
        "DJANGO_SETTINGS_MODULE": "digifys.settings",
        "DATABASE_URL": args.postgres + database,
        "DATABASE_POOL_SIZE": "0" if args.profile else str(args.pool),
        # --profile and --cpu serve every request from this thread: one persistent connection
        # (with --cpu the pool, as in production, unless --pool 0).
        "DATABASE_CONN_MAX_AGE": "600",
        "REDIS_URL": args.redis,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MFA_ENCRYPTION_KEY": Fernet.generate_key().decode("ascii"),
        "SECURE_COOKIES": "0",
        "DIGIFYS_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--pool", type=int, default=10, help="DATABASE_POOL_SIZE per process")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument(
        "--keep-database",
        default="",
        metavar="NAME",
        help="seed database NAME once and keep it (reused when it exists); default: a "
        "throw-away database",
    )
    parser.add_argument(
        "--targets",
        default="healthz,resident,inbox,worklist",
        help="comma-separated subset of healthz,resident,inbox,worklist and the floor "
        "floor_session,floor_policy,floor_audit (bench/floor_urls.py)",
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument(
        "--profile-dump",
        default="",
        metavar="PREFIX",
        help="with --profile: also write each page's cProfile stats to PREFIX.<page>.prof",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        metavar="N",
        help="no server: CPU ms per request of each page, N requests per round, --repeat rounds",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    binary = None if (args.profile or args.cpu) else require_wrk()

    database = args.keep_database or f"digifys_bench_pages_{os.getpid()}"
    fresh = not (args.keep_database and database_exists(args.postgres, database))
    if fresh:
        create_database(args.postgres, database)
    workdir = tempfile.mkdtemp(prefix="digifys-bench-pages-")
    env = production_env(args, database, workdir)
    if "floor_" in args.targets:
        env["DJANGO_SETTINGS_MODULE"] = "bench.floor_settings"
    os.environ.update(env)
    os.environ.pop("DIGIFYS_DEMO", None)
    os.environ.pop("DEBUG", None)
    import django

    django.setup()
    server = None
    script = Path(workdir) / "pages.lua"
    script.write_text(WRK_SCRIPT)
    try:
        seed(fresh)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        targets = {"healthz": ("", "/healthz"), **sessions()}
        chosen = [name.strip() for name in args.targets.split(",") if name.strip()]
        if args.profile:
            profile({name: targets[name] for name in chosen}, args.profile, args.profile_dump)
            return
        if args.cpu:
            result = {
                "benchmark": "pages-cpu",
                "requests_per_round": args.cpu,
                "repeat": args.repeat,
                "nproc": os.cpu_count(),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "targets": cpu({name: targets[name] for name in chosen}, args.cpu, args.repeat),
            }
            print(json.dumps(result, indent=None if args.json else 2))
            return
        port = free_port(args.port)
        server = Server.wsgi(args.workers, args.threads, port, env)
        server.wait()
        if server.process.poll() is not None:  # the port was taken after all: not our server
            raise SystemExit(f"gunicorn exited ({server.process.returncode}) on port {port}")
        sizes = {name: check(port, *targets[name]) for name in chosen}
        # Warm-up: every worker imports, fills its template cache and opens connections.
        for name in chosen:
            cookie, path = targets[name]
            wrk(
                binary,
                str(script),
                port,
                cookie,
                path,
                argparse.Namespace(connections=args.connections, seconds=2),
            )
        watch = (server_pids(server), database_pids(database))
        runs: dict[str, list[dict]] = {name: [] for name in chosen}
        for _ in range(args.repeat):
            for name in chosen:
                cookie, path = targets[name]
                result = wrk(binary, str(script), port, cookie, path, args, watch)
                if result["not_200"] or result["socket_errors"]:
                    raise SystemExit(f"{name}: {result}")
                runs[name].append(result)
    finally:
        if server is not None:
            server.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep_database:
            drop_database(args.postgres, database)
        shutil.rmtree(workdir, ignore_errors=True)

    def median(name: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[name])

    summary = {}
    for name in chosen:
        summary[name] = {
            "path": targets[name][1],
            "html_bytes": sizes[name],
            "rps": round(median(name, "rps"), 1),
            "rps_runs": [round(run["rps"], 1) for run in runs[name]],
            "p50_ms": round(median(name, "p50_ms"), 1),
            "p95_ms": round(median(name, "p95_ms"), 1),
            "p99_ms": round(median(name, "p99_ms"), 1),
            "client_cpu_share": round(median(name, "client_cpu_share"), 3),
            "app_cpu_ms_per_request": round(median(name, "app_cpu_ms"), 2),
            "db_cpu_ms_per_request": round(median(name, "db_cpu_ms"), 2),
        }
    if "healthz" in summary:
        for name in chosen:
            if name != "healthz":
                summary[name]["ratio_to_healthz"] = round(
                    summary[name]["rps"] / summary["healthz"]["rps"], 4
                )
    pages = [name for name in chosen if name != "healthz" and not name.startswith("floor_")]
    result = {
        "benchmark": "pages",
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "seconds": args.seconds,
        "repeat": args.repeat,
        "nproc": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "targets": summary,
        "required": {"rps": REQUIRED_RPS, "p95_ms": REQUIRED_P95_MS},
        "ok": all(
            summary[name]["rps"] >= REQUIRED_RPS and summary[name]["p95_ms"] <= REQUIRED_P95_MS
            for name in pages
        ),
    }
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
