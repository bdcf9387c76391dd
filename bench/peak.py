"""The region's peak: how many people at once the cluster serves with p95 page time ≤ 300 ms and
no failed request, with Locust (`bench/locustfile.py`) stepping the number of users up.

Set-up: `deploy.cluster.Cluster` on free ports in a temporary directory (HAProxy, two WSGI nodes,
an ASGI node, the task worker, PostgreSQL 15 primary + streaming replica, Redis), migrated, and
seeded here: `--units` units of a nursing home with three residents each (every resident with a
named physician) shared by the step's nurses (several on a unit at the larger steps), physicians
of the virtual clinic on duty around the clock, coordinators, and a relative with consent for
each of the first residents. Every account has the
same password (hashed once) and every staff member a TOTP authenticator with a known secret: the
Locust users log in through the real login form and allauth's two-factor step.

Each step is one headless Locust run of `--step-seconds` with that many users (mixed as the
locustfile's weights say: 60 % nurses, 6 % physicians, 6 % coordinators, 28 % relatives) spawned
at `--spawn-rate` per second; the statistics are reset when the last user has logged in, and the
run measures `--step-seconds` from then: the logins and the ramp are not in the figures. Page
time = every request but the login steps; p95 from Locust's response-time histograms of all those
requests together. Steps go on past `--target-ms` (to show the curve) until p95 passes
`--stop-ms` or a request fails; the answer is the largest step within the target.

    .venv/bin/python bench/peak.py [--steps 25,50,100,200] [--step-seconds 60] [--json]
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "deploy"))

import loop_latency  # noqa: E402 - bench/ is this script's own folder, on sys.path
from cluster import Cluster, free_port  # noqa: E402

WEIGHTS = {"nurse": 60, "physician": 6, "coordinator": 6, "relative": 28}


def seed(units: int, nurses: int, physicians: int, coordinators: int, relatives: int) -> dict:
    """Create the people of the run; return the accounts file's content.

    UNITS units of three residents each; NURSES nurses share them in turn (nurse i works on unit
    i mod UNITS), so a step with more nurses than units has several nurses on a unit, as a day
    shift does — the residents' identity numbers (Skatteverket's test list) are a limited pool.
    """
    from allauth.mfa.totp.internal.auth import TOTP

    from digifys.accounts.models import Role, User
    from digifys.directory.models import Organisation
    from digifys.relatives.models import Relative, Scope
    from digifys.testing.accounts import TOTP_SECRET
    from digifys.testing.world import (
        PASSWORD,
        assign,
        give_consent,
        make_org,
        make_relative,
        make_resident,
        make_staff,
    )

    mala, home, doctors = loop_latency.home_and_clinic(physicians)
    bosses = [
        make_staff(f"samordnare.{index}", Role.COORDINATOR, home) for index in range(coordinators)
    ]
    wards, residents = [], []
    for index in range(units):
        unit = make_org(Organisation.Kind.UNIT, f"Avd {index}", home, municipality=mala)
        mine = []
        for room in range(3):
            resident = make_resident(unit, room=f"{index}-{room}")
            assign(resident, doctors[(index * 3 + room) % len(doctors)])
            mine.append(resident.pk)
            residents.append(resident)
        wards.append((unit, mine))
    nurse_accounts = []
    for index in range(nurses):
        unit, mine = wards[index % units]
        nurse = make_staff(f"ssk.{index}", Role.NURSE, home, units=[unit])
        nurse_accounts.append({"username": nurse.user.username, "unit": unit.pk, "residents": mine})
    family = []
    for index, resident in enumerate(residents[:relatives]):
        relative = make_relative(
            resident, f"anhorig.{index}", "Anna", f"Anhörig{index}", Relative.Relationship.CHILD
        )
        give_consent(relative, bosses[0].user, Scope.values)
        family.append({"username": relative.user.username, "resident": resident.pk})
    for user in User.objects.filter(staff_profile__isnull=False):
        TOTP.activate(user, TOTP_SECRET)
    return {
        "password": PASSWORD,
        "totp_secret": TOTP_SECRET,
        "nurse": nurse_accounts,
        "physician": [{"username": s.user.username} for s in doctors],
        "coordinator": [{"username": s.user.username} for s in bosses],
        "relative": family,
    }


def p95_of(entries: list[dict]) -> tuple[float, int, int]:
    """(p95 ms, requests, failures) over ENTRIES' merged response-time histograms."""
    histogram: dict[float, int] = {}
    requests = failures = 0
    for entry in entries:
        requests += entry["num_requests"]
        failures += entry["num_failures"]
        for millis, count in entry["response_times"].items():
            histogram[float(millis)] = histogram.get(float(millis), 0) + count
    total = sum(histogram.values())
    if not total:
        return float("nan"), requests, failures
    seen = 0
    for millis in sorted(histogram):
        seen += histogram[millis]
        if seen >= 0.95 * total:
            return millis, requests, failures
    return max(histogram), requests, failures


def step(cluster: Cluster, users: int, args, accounts_file: Path, run_dir: Path) -> dict:
    """One Locust run with USERS users; the figures of the time after the ramp."""
    out = run_dir / f"locust-{users}.json"
    load_before = os.getloadavg()
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        cluster.url,
        "-u",
        str(users),
        "-r",
        str(args.spawn_rate),
        "--run-time",  # a cap: the locustfile ends the run after the measured seconds
        f"{args.step_seconds + 300 + users / args.spawn_rate:.0f}s",
        "--only-summary",
        "--skip-log",
        "--json-file",
        str(out.with_suffix("")),
        "--exit-code-on-error",
        "0",
        "--stop-timeout",
        "10",
    ]
    env = {
        **os.environ,
        "PEAK_ACCOUNTS": str(accounts_file),
        "PEAK_MEASURE_SECONDS": str(args.step_seconds),
        "PEAK_LOGINS": str(run_dir / f"logins-{users}.json"),
    }
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, cwd=ROOT, timeout=1200)
    written = out if out.exists() else out.with_suffix("")
    entries = json.loads(written.read_text())
    logins_file = run_dir / f"logins-{users}.json"
    login_outcome = (
        json.loads(logins_file.read_text())
        if logins_file.exists()
        else {"logged_in": None, "refused": ["the run ended before every user had logged in"]}
    )
    pages = [e for e in entries if not e["name"].startswith("login")]
    logins = [e for e in entries if e["name"].startswith("login")]
    p95, requests, failures = p95_of(pages)
    login_p95, login_requests, login_failures = p95_of(logins)
    seconds = args.step_seconds
    per_name = {
        e["name"]: {
            "requests": e["num_requests"],
            "failures": e["num_failures"],
            "p95_ms": p95_of([e])[0],
        }
        for e in pages
    }
    return {
        "users": users,
        "p95_ms": p95,
        "requests": requests,
        "failures": failures,
        "logged_in": login_outcome["logged_in"],
        "logins_refused": login_outcome["refused"],
        "requests_per_second": round(requests / seconds, 1),
        "login_requests_after_ramp": login_requests,
        "login_failures_after_ramp": login_failures,
        "login_p95_ms_after_ramp": login_p95,
        "wall_seconds": round(time.monotonic() - started, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "per_name": per_name,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="25,50,100,200", help="user counts, comma-separated")
    parser.add_argument("--step-seconds", type=int, default=60, help="measured seconds per step")
    parser.add_argument("--spawn-rate", type=float, default=4.0, help="users started per second")
    parser.add_argument("--target-ms", type=float, default=300.0)
    parser.add_argument(
        "--stop-ms", type=float, default=1000.0, help="no further step once p95 passes this"
    )
    parser.add_argument(
        "--units", type=int, default=140, help="units of three residents, shared by the nurses"
    )
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    steps = [int(n) for n in args.steps.split(",")]
    biggest = max(steps)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    run_dir = Path(tempfile.mkdtemp(prefix="digifys-peak-"))
    ports = [free_port() for _ in range(7)]
    cluster = Cluster(
        run_dir=run_dir,
        port=ports[0],
        wsgi_ports=ports[1:3],
        asgi_port=ports[3],
        pg_port=ports[4],
        replica_port=ports[5],
        redis_port=ports[6],
    )
    began = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    load_start = os.getloadavg()
    results = []
    try:
        cluster.start(seed=False)
        os.environ.update({**cluster.env(), "DATABASE_POOL_SIZE": "0"})
        import django

        django.setup()
        need = {role: -(-biggest * weight // 100) + 2 for role, weight in WEIGHTS.items()}
        accounts = seed(
            units=args.units,
            nurses=need["nurse"],
            physicians=max(10, need["physician"]),
            coordinators=need["coordinator"],
            relatives=need["relative"],
        )
        from django.db import connections

        connections.close_all()
        accounts_file = run_dir / "accounts.json"
        accounts_file.write_text(json.dumps(accounts))
        for users in steps:
            print(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC {users} users", file=sys.stderr)
            result = step(cluster, users, args, accounts_file, run_dir)
            results.append(result)
            print(
                f"  p95 {result['p95_ms']} ms, {result['failures']} failed of "
                f"{result['requests']}, load {result['load_average_after']}",
                file=sys.stderr,
            )
            if result["failures"] or result["logins_refused"]:
                break
            if result["p95_ms"] > args.stop_ms:
                break
    finally:
        from django.db import connections

        connections.close_all()
        cluster.stop()
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    passed = [
        r["users"]
        for r in results
        if r["p95_ms"] <= args.target_ms and not r["failures"] and not r["logins_refused"]
    ]
    report = {
        "benchmark": "peak",
        "began": began,
        "nproc": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load_start],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "step_seconds": args.step_seconds,
        "spawn_rate": args.spawn_rate,
        "target_p95_ms": args.target_ms,
        "largest_users_within_target": max(passed) if passed else 0,
        "steps": results,
    }
    print(json.dumps(report, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
