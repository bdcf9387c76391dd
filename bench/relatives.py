"""Relatives and nurses at once: a relative's message to the unit's worklist badge, portal reads.

Production-like set-up on this machine (docs/operations.md), as bench/loop_latency.py: a fresh
PostgreSQL database; HTTP served by gunicorn (WSGI, worker processes with threads) and `/ws/` by
uvicorn (ASGI); the Redis channel layer between all processes.

Seeded: UNITS units, each with RESIDENTS_PER_UNIT residents; every resident has one relative
with a consent in force that shares everything (500 relatives by default), and the 50 nurses are
spread over the units. Every simulated person runs at once:

- a relative reads the portal home, sometimes the updates page, sometimes writes a message to the
  unit (the real form), then thinks for `--think` seconds (uniformly ±50 %);
- a nurse has the unit's worklist open as the browser does: the rows loaded once, a WebSocket
  on `/ws/units/<unit>/`; a message event carries the resident's unread count, which sets the
  row's badge in place (no fetch); other unit events re-fetch the rows over HTTP
  (`/worklist/units/<unit>/rows/`, coalesced as live.js does); and every `--verify` seconds the
  rows are fetched and every badge compared with the count the events gave (mismatches
  counted), as the page's own refresh every 60 s would show them;
- every `--nurse-think` seconds a nurse opens one of the unit's unanswered messages (which marks
  it read) and answers it through the real form; now and then they publish an update, which
  notifies the resident's relatives.

The latency measured is from the start of the relative's message POST to the arrival, at each
nurse of the unit, of the message's event whose count puts the badge on the row (the page sets
it on arrival) — so 2-3 measurements per message. A message whose event never reaches a nurse
counts as lost; sockets the server closes during the run are counted. Portal home latency is the
relative's GET of `/relatives/`.

Baseline, measured in the same run: one relative and one nurse, nothing else running.

    .venv/bin/python bench/relatives.py [--relatives 500] [--nurses 50] [--seconds 180] [--json]
    .venv/bin/python bench/relatives.py --profile 20 [--relatives 50 --nurses 6 --units 2]

`--profile N` starts no server: it seeds the same way, then serves the portal home, the updates
page, the unit's worklist rows (what every open worklist fetches on each event) and the
relative's message POST N times each in this process through Django's WSGI handler (production
settings, the same sessions) and prints, per request, the SQL queries and the Python function
calls (cProfile) — figures that do not move with the load of a shared machine — and the
functions with the most cumulative time.
"""

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loop_latency import (  # noqa: E402  (the same launchers and helpers as the loop benchmark)
    Server,
    create_database,
    drop_database,
    percentile,
)

DRAIN = 120  # seconds to wait after the run for events still queued on a slow server
ROW = re.compile(r'<tr id="resident-(\d+)"(.*?)</tr>', re.S)
BADGE = re.compile(r'unread-badge" data-unread="(\d+)"')
COALESCE = 0.5  # live.js: at most one rows fetch per element per 500 ms
VERIFY_GRACE = 5.0  # seconds an event already sent may take to arrive after a verifying fetch
# uvicorn pings every socket (default every 20 s) and closes it (1011) when the pong has not
# come within 20 s. On the loaded, shared machine the benchmark's own client and the server's
# event loop were starved for longer than that, so every nurse's socket was closed and the run
# measured nothing (docs/performance.md, the re-run of 2026-12-04). Browsers answer pings at
# once in their network stack; the benchmark measures latency, not keepalive, so it pings
# rarely and waits long, and counts every socket the server still closes.
WS_PING = ("--ws-ping-interval", "60", "--ws-ping-timeout", "600")


def seed(relatives: int, nurses: int, units: int) -> dict:
    """Create units, residents with one consenting relative each, and nurses; return sessions."""
    from django.core.management import call_command
    from django.test import Client

    from digifys.accounts.models import Role
    from digifys.directory.models import Organisation
    from digifys.relatives.models import Scope
    from digifys.testing.accounts import complete_second_factor
    from digifys.testing.world import (
        give_consent,
        make_org,
        make_relative,
        make_resident,
        make_staff,
    )

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages name hashed files
    region = make_org(Organisation.Kind.REGION, "Region Västerbotten")
    mala = make_org(Organisation.Kind.MUNICIPALITY, "Malå", region, municipality_code="2418")
    home = make_org(Organisation.Kind.NURSING_HOME, "Malåhemmet", mala, municipality=mala)

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        complete_second_factor(client, user)
        return client.cookies["sessionid"].value

    unit_rows = [
        make_org(Organisation.Kind.UNIT, f"Avd {index}", home, municipality=mala)
        for index in range(units)
    ]
    staff = [
        make_staff(f"ssk.{index}", Role.NURSE, home, units=[unit_rows[index % units]])
        for index in range(nurses)
    ]
    people = []
    for index in range(relatives):
        unit = unit_rows[index % units]
        resident = make_resident(unit, room=str(index // units + 1))
        relative = make_relative(resident, f"anhorig.{index}", "Anna", f"Anhörig{index}", "child")
        give_consent(relative, staff[0].user, Scope.values)
        people.append({"session": session(relative.user), "resident": resident.pk, "unit": unit.pk})
    residents_of: dict[int, list[int]] = {}
    for person in people:
        residents_of.setdefault(person["unit"], []).append(person["resident"])
    return {
        "relatives": people,
        "nurses": [
            {
                "session": session(profile.user),
                "unit": unit_rows[index % units].pk,
                "residents": residents_of[unit_rows[index % units].pk],
            }
            for index, profile in enumerate(staff)
        ],
    }


class Shared:
    """What the simulated people of one run share: sends, badge times, messages to answer."""

    def __init__(self) -> None:
        self.sends: dict[int, list[float]] = {}  # resident -> message POST start times
        self.badges: dict[tuple[int, int], float] = {}  # (message, nurse) -> badge shown
        self.message_resident: dict[int, int] = {}  # message -> resident
        self.no_badge: set[tuple[int, int]] = set()  # the event's count was already 0
        self.events: dict[tuple[int, int], float] = {}  # (message, nurse) -> event arrived
        self.unanswered: dict[int, list[int]] = {}  # unit -> message ids seen, not taken
        self.taken: set[int] = set()
        self.portal_ms: list[float] = []
        self.updates_ms: list[float] = []
        self.send_ms: list[float] = []
        self.rows_ms: list[float] = []
        self.answers = 0
        self.updates_published = 0
        self.errors: list[str] = []
        self.closed: list[str] = []  # close codes of sockets the server closed during the run
        self.verify = 60.0  # seconds between a nurse's verifying rows fetches (±50 %)
        self.verify_fetches = 0
        self.mismatches: list[tuple] = []  # (nurse, resident, count from events, rows show)
        self.stop = False


def _client(port: int, session: str, limits):
    import httpx

    csrf = secrets.token_hex(16)
    client = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        cookies={"sessionid": session, "csrftoken": csrf},
        limits=limits or httpx.Limits(max_connections=4),
        timeout=60,
    )
    client.headers.update({"X-CSRFToken": csrf, "Referer": f"http://127.0.0.1:{port}/"})
    return client


async def relative_flow(client, person: dict, think: float, share: dict, shared: Shared):
    resident = person["resident"]
    await asyncio.sleep(random.uniform(0, think))
    while not shared.stop:
        started = time.perf_counter()
        response = await client.get("/relatives/")
        shared.portal_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            shared.errors.append(f"portal home {response.status_code}")
        if random.random() < share["updates"]:
            started = time.perf_counter()
            response = await client.get(f"/messages/relative/{resident}/updates/")
            shared.updates_ms.append((time.perf_counter() - started) * 1000)
        if random.random() < share["message"] and not shared.stop:
            started = time.perf_counter()
            response = await client.post(
                f"/messages/relative/{resident}/",
                data={"text": "Hej! Hur har mamma det i dag? Vi kommer på lördag."},
            )
            if response.status_code != 302:
                shared.errors.append(f"message form {response.status_code}")
            else:
                shared.sends.setdefault(resident, []).append(started)
                shared.send_ms.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(random.uniform(think / 2, think * 1.5))


def _shown_counts(html: str) -> dict[int, int]:
    """{resident: unread count its badge shows} from the worklist rows' HTML (0: no badge)."""
    counts = {}
    for pk, body in ROW.findall(html):
        badge = BADGE.search(body)
        counts[int(pk)] = int(badge.group(1)) if badge else 0
    return counts


async def worklist(port: int, ws_port: int, nurse_id: int, person: dict, shared: Shared, ready):
    """One nurse's open worklist, as the page (live.js, unread_badges.js) behaves.

    The page loads the rows once; a `relative_message` event with an unread count sets that
    row's badge in place (no fetch); any other unit event fetches the rows (one fetch at a time,
    at most one per COALESCE seconds); the user's notifications are ignored. Every
    `shared.verify` seconds (±50 %; the page's own refresh is every 60 s) the rows are fetched
    and each badge compared with the count the events gave: a resident whose count did not
    change from the fetch's start until VERIFY_GRACE seconds after its end, yet differs from
    the server's rendering, is a mismatch (so the in-place count is checked, not assumed).
    """
    import httpx
    import websockets

    client = _client(port, person["session"], None)
    rows_url = f"/worklist/units/{person['unit']}/rows/"
    counts: dict[int, int] = {}  # resident -> unread count shown, from events
    counted: dict[int, int] = {}  # resident -> when the applied count was counted
    changed: dict[int, float] = {}  # resident -> when its count last changed here
    wake = asyncio.Event()

    async def rows() -> dict[int, int] | None:
        started = time.perf_counter()
        try:
            response = await client.get(rows_url)
        except httpx.HTTPError as error:
            shared.errors.append(f"worklist fetch {type(error).__name__}")
            return None
        shared.rows_ms.append((time.perf_counter() - started) * 1000)
        return _shown_counts(response.text)

    async def fetcher() -> None:  # live.js: other unit events, coalesced
        while True:
            await wake.wait()
            wake.clear()
            began = time.perf_counter()
            shown = await rows()
            if shown is None:
                wake.set()
            else:
                for resident, count in shown.items():
                    counts[resident] = count
            await asyncio.sleep(max(0.0, began + COALESCE - time.perf_counter()))

    async def verifier() -> None:
        while True:
            await asyncio.sleep(random.uniform(shared.verify / 2, shared.verify * 1.5))
            began = time.perf_counter()
            shown = await rows()
            if shown is None:
                continue
            await asyncio.sleep(VERIFY_GRACE)  # events already in flight may still come
            shared.verify_fetches += 1
            for resident, count in shown.items():
                if changed.get(resident, 0.0) < began:
                    if counts.get(resident, 0) != count:
                        shared.mismatches.append((nurse_id, resident, counts.get(resident), count))
                    counts[resident] = count  # the page's refresh shows the server's view

    first = await rows()  # the page's first load
    counts.update(first or {})
    tasks = [asyncio.create_task(fetcher()), asyncio.create_task(verifier())]
    try:
        # No client-side keepalive pings: a browser sends none (the page's own JSON ping every
        # 25 s is an ordinary frame), and on a starved machine they closed sockets by timeout.
        async with websockets.connect(
            f"ws://127.0.0.1:{ws_port}/ws/units/{person['unit']}/",
            additional_headers={"Cookie": f"sessionid={person['session']}"},
            origin=f"http://127.0.0.1:{ws_port}",
            ping_interval=None,
        ) as socket:
            ready.set()
            async for raw in socket:
                event = json.loads(raw)
                name, message = event.get("event"), event.get("message")
                if name == "notification":
                    continue  # data-live-ignore on the worklist
                if name != "relative_message" or not isinstance(event.get("unread"), int):
                    wake.set()
                    continue
                arrived = time.perf_counter()
                resident = event["resident"]
                if event.get("counted", 0) >= counted.get(resident, 0):
                    counted[resident] = event.get("counted", 0)
                    counts[resident] = event["unread"]
                    changed[resident] = arrived
                if message is None:
                    continue
                if message not in shared.message_resident:
                    shared.message_resident[message] = resident
                    shared.unanswered.setdefault(person["unit"], []).append(message)
                key = (message, nurse_id)
                if key not in shared.events:  # the message's first event: it was sent
                    shared.events[key] = arrived
                    if counts.get(resident, 0) >= 1:
                        shared.badges[key] = arrived  # the page shows the badge now
                    else:
                        shared.no_badge.add(key)  # already read again when counted
            if not shared.stop:  # the server closed the socket during the run
                shared.closed.append(str(socket.close_code))
    except websockets.ConnectionClosed as closed:
        if not shared.stop:
            shared.closed.append(str(closed.rcvd.code) if closed.rcvd else "abnormal")
    finally:
        for task in tasks:
            task.cancel()
        await client.aclose()


async def nurse_work(client, person: dict, think: float, update_share: float, shared: Shared):
    """Now and then: answer one of the unit's messages; sometimes publish an update."""
    await asyncio.sleep(random.uniform(0, think))
    while not shared.stop:
        queue = shared.unanswered.get(person["unit"], [])
        # Each message stays unread 10 s, so every nurse's badge can be measured.
        while queue and queue[0] in shared.taken:
            queue.pop(0)
        if queue:
            message = queue.pop(0)
            shared.taken.add(message)
            await asyncio.sleep(10)
            response = await client.get(f"/messages/{message}/")
            if response.status_code != 200:
                shared.errors.append(f"message page {response.status_code}")
            response = await client.post(
                f"/messages/{message}/", data={"answer": "Hej! Hon mår bra. Välkomna!"}
            )
            if response.status_code == 302:
                shared.answers += 1
            else:
                shared.errors.append(f"answer form {response.status_code}")
        if random.random() < update_share:
            resident = random.choice(person["residents"])
            response = await client.post(
                f"/messages/resident/{resident}/update/",
                data={"text": "Vi har varit ute en sväng i dag.", "publish": "1"},
            )
            if response.status_code == 302:
                shared.updates_published += 1
            else:
                shared.errors.append(f"update form {response.status_code}")
        await asyncio.sleep(random.uniform(think / 2, think * 1.5))


async def run(
    http_port, ws_port, data, *, relatives, nurses, seconds, think, nurse_think, share, verify
):
    import httpx

    shared = Shared()
    shared.verify = verify
    limits = httpx.Limits(max_connections=4)
    chosen_relatives = data["relatives"][:relatives]
    units = {person["unit"] for person in chosen_relatives}
    chosen_nurses = [n for n in data["nurses"] if n["unit"] in units][:nurses]
    listeners = []
    for nurse_id, person in enumerate(chosen_nurses):
        ready = asyncio.Event()
        listeners.append(
            asyncio.create_task(worklist(http_port, ws_port, nurse_id, person, shared, ready))
        )
        await asyncio.wait_for(ready.wait(), 120)
    relative_clients = [_client(http_port, p["session"], limits) for p in chosen_relatives]
    nurse_clients = [_client(http_port, p["session"], limits) for p in chosen_nurses]
    workers = [
        asyncio.create_task(relative_flow(client, person, think, share, shared))
        for client, person in zip(relative_clients, chosen_relatives, strict=True)
    ] + [
        asyncio.create_task(nurse_work(client, person, nurse_think, share["update"], shared))
        for client, person in zip(nurse_clients, chosen_nurses, strict=True)
    ]
    began = time.perf_counter()
    await asyncio.sleep(seconds)
    shared.stop = True
    # Requests per second over the run itself, not the think times the workers finish after.
    elapsed = time.perf_counter() - began
    await asyncio.gather(*workers, return_exceptions=True)
    # Let the last events arrive and the worklist fetches they started finish (at most DRAIN s).
    await asyncio.sleep(5)
    drain_until = time.perf_counter() + DRAIN
    while time.perf_counter() < drain_until and any(
        key not in shared.badges and key not in shared.no_badge for key in shared.events
    ):
        await asyncio.sleep(0.5)
    for listener in listeners:
        listener.cancel()
    for client in relative_clients + nurse_clients:
        await client.aclose()

    # Match each resident's message ids (ascending) to its sends (in order).
    by_resident: dict[int, list[int]] = {}
    for message, resident in shared.message_resident.items():
        by_resident.setdefault(resident, []).append(message)
    nurses_of: dict[int, list[int]] = {}
    for nurse_id, person in enumerate(chosen_nurses):
        nurses_of.setdefault(person["unit"], []).append(nurse_id)
    unit_of = {p["resident"]: p["unit"] for p in chosen_relatives}
    latencies, first_nurse, lost, not_shown, unfinished = [], [], 0, 0, 0
    sent = sum(len(times) for times in shared.sends.values())
    for resident, times in shared.sends.items():
        ids = sorted(by_resident.get(resident, []))
        lost += max(0, len(times) - len(ids))
        for started, message in zip(sorted(times), ids, strict=False):
            seen = []
            for nurse_id in nurses_of[unit_of[resident]]:
                badge = shared.badges.get((message, nurse_id))
                if badge is not None:
                    seen.append((badge - started) * 1000)
                elif (message, nurse_id) in shared.no_badge:
                    not_shown += 1  # already read by a colleague when the count was made
                elif (message, nurse_id) in shared.events:
                    unfinished += 1  # (cannot happen: the badge is set when the event arrives)
                else:
                    lost += 1  # the event never reached this nurse's worklist
            latencies += seen
            if seen:
                first_nurse.append(min(seen))

    def summary(values: list[float]) -> dict:
        if not values:
            return {"n": 0}
        return {
            "n": len(values),
            "median": round(statistics.median(values), 1),
            "p95": round(percentile(values, 0.95), 1),
            "max": round(max(values), 1),
        }

    return {
        "relatives": len(chosen_relatives),
        "nurses": len(chosen_nurses),
        "seconds": round(elapsed, 1),
        "messages_sent": sent,
        "answers": shared.answers,
        "updates_published": shared.updates_published,
        "requests_per_second": round(
            (
                len(shared.portal_ms)
                + len(shared.updates_ms)
                + len(shared.send_ms)
                + len(shared.rows_ms)
                + 2 * shared.answers
                + shared.updates_published
            )
            / elapsed,
            1,
        ),
        "lost": lost,
        "badge_already_gone": not_shown,
        "fetch_unfinished_after_drain": unfinished,
        "sockets_closed": len(shared.closed),
        "socket_close_codes": sorted(set(shared.closed)),
        "verifying_fetches": shared.verify_fetches,
        "verify_mismatches": len(shared.mismatches),
        "mismatch_examples": shared.mismatches[:5],
        "errors": shared.errors[:10],
        "error_count": len(shared.errors),
        "message_to_badge_ms": summary(latencies),
        "message_to_first_nurse_badge_ms": summary(first_nurse),
        "portal_home_ms": summary(shared.portal_ms),
        "updates_page_ms": summary(shared.updates_ms),
        "message_post_ms": summary(shared.send_ms),
        "worklist_rows_ms": summary(shared.rows_ms),
    }


def profile_requests(data: dict, count: int) -> dict:
    """Queries and function calls per request of the benchmark's requests (see --profile)."""
    import cProfile
    import io
    import pstats
    from urllib.parse import urlencode

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    handler = WSGIHandler()
    relative, nurse = data["relatives"][0], data["nurses"][0]
    csrf = secrets.token_hex(16)

    def call(person: dict, method: str, path: str, form: dict | None = None) -> int:
        body = urlencode(form or {}).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT_LANGUAGE": "sv",
            "HTTP_COOKIE": f"sessionid={person['session']}; csrftoken={csrf}",
            "HTTP_X_CSRFTOKEN": csrf,
            "HTTP_REFERER": "http://127.0.0.1/",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status = []
        response = handler(environ, lambda code, headers, exc_info=None: status.append(code))
        for _chunk in response:
            pass
        if hasattr(response, "close"):
            response.close()
        return int(status[0].split()[0])

    message = {"text": "Hej! Hur har mamma det i dag? Vi kommer på lördag."}
    targets = {
        "portal home": (relative, "GET", "/relatives/", None, 200),
        "updates page": (
            relative,
            "GET",
            f"/messages/relative/{relative['resident']}/updates/",
            None,
            200,
        ),
        "worklist rows": (nurse, "GET", f"/worklist/units/{nurse['unit']}/rows/", None, 200),
        "message POST": (
            relative,
            "POST",
            f"/messages/relative/{relative['resident']}/",
            message,
            302,
        ),
    }
    figures = {}
    for name, (person, method, path, form, expected) in targets.items():
        assert call(person, method, path, form) == expected, name
        queries: list[str] = []

        def log(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(log):
            call(person, method, path, form)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            call(person, method, path, form)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=(out := io.StringIO()))
        figures[name] = {"queries": len(queries), "function_calls": stats.total_calls // count}
        print(f"== {name} {method} {path}: {len(queries)} queries, ", end="")
        print(f"{stats.total_calls // count} function calls per request")
        for sql in queries:
            print(f"   {sql[:160]}")
        stats.sort_stats("cumulative").print_stats(r"digifys", 30)
        stats.sort_stats("tottime").print_stats(20)
        print("\n".join(out.getvalue().splitlines()[8:]))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relatives", type=int, default=500)
    parser.add_argument("--nurses", type=int, default=50)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--think", type=float, default=60.0, help="a relative's think time")
    parser.add_argument("--nurse-think", type=float, default=20.0)
    parser.add_argument("--message-share", type=float, default=0.25)
    parser.add_argument("--updates-share", type=float, default=0.5)
    parser.add_argument("--update-share", type=float, default=0.05, help="nurse publishes")
    parser.add_argument("--baseline-seconds", type=float, default=40)
    parser.add_argument(
        "--verify", type=float, default=60.0, help="seconds between a nurse's checking rows fetches"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--ws-workers", type=int, default=1, help="uvicorn processes for /ws/")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8865)))
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    from cryptography.fernet import Fernet

    database = create_database(args.postgres)
    workdir = tempfile.mkdtemp(prefix="digifys-bench-relatives-")
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
        # Deadline checks would be queued for a task worker this run does not start.
        "TASKS_BACKEND": "database",
    }
    os.environ.update(env)
    import django

    django.setup()
    share = {
        "message": args.message_share,
        "updates": args.updates_share,
        "update": args.update_share,
    }
    servers = []
    if args.profile:
        try:
            figures = profile_requests(seed(args.relatives, args.nurses, args.units), args.profile)
        finally:
            from django.db import connections

            connections.close_all()
            drop_database(args.postgres, database)
        print(json.dumps({"benchmark": "relatives --profile", "per_request": figures}, indent=2))
        return
    try:
        started = time.perf_counter()
        data = seed(args.relatives, args.nurses, args.units)
        seeded = time.perf_counter() - started
        http_port, ws_port = args.port, args.port + 1
        servers.append(Server.wsgi(args.workers, args.threads, http_port, env))
        servers.append(Server.asgi(args.ws_workers, ws_port, env, WS_PING))
        for server in servers:
            server.wait()
        common = {"nurse_think": args.nurse_think, "share": share, "verify": args.verify}
        # Warm-up: every worker process opens its connections and imports.
        asyncio.run(
            run(http_port, ws_port, data, relatives=40, nurses=4, seconds=10, think=2, **common)
        )
        baseline = asyncio.run(
            run(
                http_port,
                ws_port,
                data,
                relatives=1,
                nurses=1,
                seconds=args.baseline_seconds,
                think=2,
                nurse_think=4,
                share={"message": 0.5, "updates": args.updates_share, "update": 0.1},
                verify=args.verify,
            )
        )
        loaded = asyncio.run(
            run(
                http_port,
                ws_port,
                data,
                relatives=args.relatives,
                nurses=args.nurses,
                seconds=args.seconds,
                think=args.think,
                **common,
            )
        )
    finally:
        for server in servers:
            server.stop()
        from django.db import connections

        connections.close_all()
        drop_database(args.postgres, database)
    badge_p95 = loaded["message_to_badge_ms"].get("p95")
    home_p95 = loaded["portal_home_ms"].get("p95")
    result = {
        "benchmark": "relatives",
        "seed_seconds": round(seeded, 1),
        "http_workers": args.workers,
        "threads": args.threads,
        "ws_workers": args.ws_workers,
        "relative_think_seconds": args.think,
        "baseline_one_relative_one_nurse": baseline,
        "loaded": loaded,
        "badge_p95_ratio_vs_baseline": round(badge_p95 / baseline["message_to_badge_ms"]["p95"], 2)
        if badge_p95 and baseline["message_to_badge_ms"].get("p95")
        else None,
        "home_p95_ratio_vs_baseline": round(home_p95 / baseline["portal_home_ms"]["p95"], 2)
        if home_p95 and baseline["portal_home_ms"].get("p95")
        else None,
        "limits": {"message_to_badge_p95_ms": 1000, "portal_home_p95_ms": 200},
        "ok": bool(
            badge_p95 is not None
            and badge_p95 <= 1000
            and home_p95 is not None
            and home_p95 <= 200
            and loaded["lost"] == 0
            and loaded["fetch_unfinished_after_drain"] == 0
            and loaded["error_count"] == 0
            and loaded["sockets_closed"] == 0
            and loaded["verify_mismatches"] == 0
        ),
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
