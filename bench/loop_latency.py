"""From a nurse's SBAR to the physician's browser: latency under 50 concurrent nurses.

Production-like set-up on this machine (docs/operations.md): a fresh PostgreSQL database; HTTP
served by gunicorn (WSGI, several worker processes with threads) and `/ws/` by uvicorn (ASGI),
as a load balancer would split them; the Redis channel layer between all processes. (With
`--topology asgi` uvicorn workers serve both.) Each simulated nurse (own unit, own resident)
posts a deteriorating set of vital signs (NEWS2 ≥ 5) through the real form, then sends the SBAR
consult through the real form, then thinks for `--think` seconds (uniformly ±50 %) and repeats;
all nurses run at once. The resident's named physician has the live inbox open over a WebSocket,
as the browser does. A latency is the time from the start of the nurse's consult POST to the
physician's socket receiving the "consult" event (reported too: from the start of the vitals
POST, i.e. both submissions).

Baseline, measured in the same run: one nurse doing the same flow with no other load.

    .venv/bin/python bench/loop_latency.py [--nurses 50] [--rounds 6] [--think 5] [--json]
"""

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHYSICIANS = 10
DETERIORATING = {
    "respiratory_rate": "22",
    "spo2": "95",
    "spo2_scale": "1",
    "on_oxygen": "air",
    "systolic_bp": "105",
    "diastolic_bp": "70",
    "pulse": "95",
    "consciousness": "A",
    "temperature": "38,3",
}
SBAR = {
    "situation": "Tröttare och andas snabbare sedan i morse.",
    "background": "Hjärtsvikt, KOL. Inga nya läkemedel.",
    "assessment": "NEWS2 6: AF 22, SpO2 95, BT 105/70, puls 95, temp 38,3.",
    "recommendation": "Bedömning inom 30 minuter.",
    "urgency": "urgent",
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[index]


def create_database(admin_url: str) -> str:
    import psycopg

    name = f"digifys_bench_{os.getpid()}"
    with psycopg.connect(admin_url + "postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url + "postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def home_and_clinic(physicians: int):
    """Migrate, then create Region Västerbotten, Malå with Malåhemmet, and the virtual clinic in
    Spain with PHYSICIANS physicians on duty around the clock; return (Malå, the home, them)."""
    import datetime

    from django.core.management import call_command

    from digifys.accounts.models import Role
    from digifys.directory.models import Organisation
    from digifys.testing.world import give_hours, make_org, make_staff

    call_command("migrate", verbosity=0)
    region = make_org(Organisation.Kind.REGION, "Region Västerbotten")
    mala = make_org(Organisation.Kind.MUNICIPALITY, "Malå", region, municipality_code="2418")
    home = make_org(Organisation.Kind.NURSING_HOME, "Malåhemmet", mala, municipality=mala)
    clinic = make_org(
        Organisation.Kind.VIRTUAL_CLINIC, "Virtuella mottagningen", region, country="ES"
    )
    staff_list = []
    for index in range(physicians):
        staff = make_staff(
            f"lakare.{index}",
            Role.PHYSICIAN,
            clinic,
            time_zone="Europe/Madrid",
            work_country="ES",
            work_subdivision="AN",
        )
        give_hours(staff, datetime.time(0, 0), datetime.time(0, 0))
        staff_list.append(staff)
    return mala, home, staff_list


def seed(nurses: int) -> dict:
    """Create units, nurses, residents and physicians; return session cookies and ids."""

    from django.test import Client

    from digifys.accounts.models import Role
    from digifys.directory.models import Organisation
    from digifys.testing.accounts import complete_second_factor
    from digifys.testing.world import (
        assign,
        make_org,
        make_resident,
        make_staff,
    )

    mala, home, physicians = home_and_clinic(PHYSICIANS)

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        complete_second_factor(client, user)
        return client.cookies["sessionid"].value

    people = []
    for index in range(nurses):
        unit = make_org(Organisation.Kind.UNIT, f"Avd {index}", home, municipality=mala)
        nurse = make_staff(f"ssk.{index}", Role.NURSE, home, units=[unit])
        resident = make_resident(unit, room=str(index))
        physician = physicians[index % PHYSICIANS]
        assign(resident, physician)
        people.append(
            {"session": session(nurse.user), "resident": resident.pk, "physician": physician.pk}
        )
    return {
        "nurses": people,
        "physicians": {staff.pk: session(staff.user) for staff in physicians},
    }


class Server:
    def __init__(self, argv: list[str], port: int, env: dict) -> None:
        self.port = port
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env)

    @classmethod
    def asgi(cls, workers: int, port: int, env: dict, extra: tuple[str, ...] = ()) -> "Server":
        return cls(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "digifys.asgi:application",
                "--workers",
                str(workers),
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
                *extra,
            ],
            port,
            env,
        )

    @classmethod
    def wsgi(cls, workers: int, threads: int, port: int, env: dict) -> "Server":
        return cls(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "digifys.wsgi:application",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{port}",
                # The production line (docs/operations.md): no keep-alive, so connections
                # spread over the worker processes instead of sticking to the first to accept.
                "--keep-alive",
                "0",
                "--log-level",
                "warning",
            ],
            port,
            env,
        )

    def wait(self) -> None:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def listen(port: int, cookie: str, received: dict, ready: asyncio.Event) -> None:
    """One physician's browser: the live inbox socket, noting when each consult arrives."""
    import websockets

    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/inbox/",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        origin=f"http://127.0.0.1:{port}",
    ) as socket:
        ready.set()
        async for raw in socket:
            now = time.perf_counter()
            message = json.loads(raw)
            if message.get("event") == "consult" and "consult" in message:
                received.setdefault(message["consult"], now)


async def nurse_flow(
    client, person: dict, rounds: int, think: float, results: list, failed: list | None = None
) -> None:
    """One nurse's rounds of vitals + SBAR consult. A failed submission stops the benchmark, or,
    with FAILED (a list), is counted there and the nurse goes on with the next round."""
    csrf = secrets.token_hex(16)
    client.cookies.set("csrftoken", csrf)
    headers = {"X-CSRFToken": csrf, "Referer": str(client.base_url)}
    resident = person["resident"]

    def fail(what: str, response) -> None:
        if failed is None:
            raise SystemExit(f"{what} answered {response.status_code}: {response.text[:300]}")
        failed.append(f"{what} {response.status_code}")

    # Nurses do not start in lockstep: each begins somewhere in the first think period.
    await asyncio.sleep(random.uniform(0, think))
    for round_ in range(rounds):
        if round_:
            await asyncio.sleep(random.uniform(think / 2, think * 1.5))
        started = time.perf_counter()
        try:
            response = await client.post(
                f"/vitals/{resident}/new/", data=DETERIORATING, headers=headers
            )
            if response.status_code != 302:
                fail("vitals form", response)
                continue
            observation = re.search(r"observations/(\d+)/", response.headers["location"]).group(1)
            consult_started = time.perf_counter()
            response = await client.post(
                f"/consults/new/{resident}/?observation={observation}",
                data={**SBAR, "observation": observation},
                headers=headers,
            )
        except Exception as exc:
            if failed is None:
                raise
            failed.append(type(exc).__name__)
            continue
        if response.status_code != 302:
            fail("consult form", response)
            continue
        consult = int(re.search(r"/consults/(\d+)/", response.headers["location"]).group(1))
        results.append((consult, started, consult_started))


async def run(
    http_port: int,
    ws_port: int,
    data: dict,
    nurses: int,
    rounds: int,
    think: float,
    failed: list | None = None,
) -> dict:
    import httpx

    received: dict[int, float] = {}
    listeners = []
    for cookie in data["physicians"].values():
        ready = asyncio.Event()
        listeners.append(asyncio.create_task(listen(ws_port, cookie, received, ready)))
        await asyncio.wait_for(ready.wait(), 10)
    results: list = []
    limits = httpx.Limits(max_connections=nurses * 2)
    clients = [
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{http_port}",
            cookies={"sessionid": person["session"]},
            limits=limits,
            timeout=60,
        )
        for person in data["nurses"][:nurses]
    ]
    began = time.perf_counter()
    await asyncio.gather(
        *(
            nurse_flow(client, person, rounds, think, results, failed)
            for client, person in zip(clients, data["nurses"][:nurses], strict=True)
        )
    )
    elapsed = time.perf_counter() - began
    # Let the last events arrive.
    for _ in range(50):
        if all(consult in received for consult, _s, _c in results):
            break
        await asyncio.sleep(0.1)
    for client in clients:
        await client.aclose()
    for listener in listeners:
        listener.cancel()
    missing = [consult for consult, _s, _c in results if consult not in received]
    from_consult = [
        (received[c] - consult_started) * 1000
        for c, _s, consult_started in results
        if c in received
    ]
    from_vitals = [(received[c] - started) * 1000 for c, started, _c in results if c in received]
    return {
        "nurses": nurses,
        "think_seconds": think,
        "consults": len(results),
        "consults_per_second": round(len(results) / elapsed, 1),
        "missing": len(missing),
        "seconds": round(elapsed, 2),
        "consult_to_inbox_ms": {
            "median": round(statistics.median(from_consult), 1),
            "p95": round(percentile(from_consult, 0.95), 1),
            "max": round(max(from_consult), 1),
        },
        "vitals_to_inbox_ms": {
            "median": round(statistics.median(from_vitals), 1),
            "p95": round(percentile(from_vitals, 0.95), 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nurses", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--think", type=float, default=5.0)
    parser.add_argument("--baseline-rounds", type=int, default=30)
    parser.add_argument("--topology", choices=["split", "asgi"], default="split")
    parser.add_argument("--workers", type=int, default=3, help="HTTP worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per WSGI worker")
    parser.add_argument("--ws-workers", type=int, default=1, help="uvicorn processes for /ws/")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from cryptography.fernet import Fernet

    database = create_database(args.postgres)
    workdir = tempfile.mkdtemp(prefix="digifys-bench-loop-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "digifys.settings",
        "DATABASE_URL": args.postgres + database,
        "DATABASE_POOL_SIZE": "10",
        "REDIS_URL": args.redis,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MFA_ENCRYPTION_KEY": Fernet.generate_key().decode("ascii"),
        "SECURE_COOKIES": "0",
        "DIGIFYS_VAR_DIR": workdir,
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    servers = []
    try:
        data = seed(args.nurses)
        if args.topology == "split":
            http_port, ws_port = args.port, args.port + 1
            servers.append(Server.wsgi(args.workers, args.threads, http_port, env))
            servers.append(Server.asgi(args.ws_workers, ws_port, env))
        else:
            http_port = ws_port = args.port
            servers.append(Server.asgi(args.workers, http_port, env))
        for server in servers:
            server.wait()
        # Warm-up: every worker process opens its connections and imports.
        asyncio.run(run(http_port, ws_port, data, min(args.nurses, 12), 2, 0.2))
        baseline = asyncio.run(run(http_port, ws_port, data, 1, args.baseline_rounds, 0.2))
        loaded = asyncio.run(run(http_port, ws_port, data, args.nurses, args.rounds, args.think))
    finally:
        for server in servers:
            server.stop()
        from django.db import connections

        connections.close_all()
        drop_database(args.postgres, database)
    ratio = loaded["consult_to_inbox_ms"]["p95"] / baseline["consult_to_inbox_ms"]["p95"]
    result = {
        "benchmark": "loop_latency",
        "topology": args.topology,
        "http_workers": args.workers,
        "threads": args.threads if args.topology == "split" else None,
        "ws_workers": args.ws_workers if args.topology == "split" else None,
        "baseline_one_nurse": baseline,
        "loaded": loaded,
        "p95_ratio_vs_baseline": round(ratio, 2),
        "limit_p95_ms": 300,
        "ok": loaded["consult_to_inbox_ms"]["p95"] <= 300 and loaded["missing"] == 0,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
