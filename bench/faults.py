"""Faults under load lose nothing: the nurse loop on the cluster (deploy/cluster.py) while, one
after the other, the PostgreSQL primary restarts, Redis stops for a minute and one WSGI node is
killed, and the task worker is killed inside a consult's deadline job. For each fault:
submissions lost, submissions duplicated, failed attempts the nurses' clients retried, and the
time until p95 was back to normal; for the worker, consults escalated exactly once. Last, apart
from the cluster, a video participant's link is cut for 10 s (`bench/video_join.py`'s weak-link
part, `--video-outage`): the time until the call is connected again and audio flows.

Set-up: `deploy.cluster.Cluster` on free ports in a temporary directory (HAProxy, two WSGI nodes,
an ASGI node, the task worker, PostgreSQL primary + streaming replica, Redis), migrated, with
the nurses, residents and physicians of `bench/loop_latency.py` (`seed`). Each nurse client loops
as there: POST the vital-signs form (NEWS2 6), POST the SBAR consult, think `--think` s (±50 %).
Every submission carries a key of its own — in the vital signs' note and the consult's
"situation" — and a client repeats a POST that failed (no answer, a 5xx) until it is accepted or
`--give-up` s passed. (The server has no idempotency keys here: a repeated POST whose first
attempt was carried out before its answer was lost makes a second row, and is counted as a
duplicate. The keys only let this benchmark count.)

Each fault is one phase: the load runs `--before` s, the fault happens, the load runs on until
the phase ends; then the clients finish what they started (with retries) and the database is
counted by key: **lost** = keys with no row (vital signs or consult), **duplicated** = rows
beyond one per key.

    .venv/bin/python bench/faults.py [--nurses 50] [--redis-seconds 60] [--json]
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "deploy"))

import loop_latency  # noqa: E402
from cluster import Cluster, free_port  # noqa: E402

RETRYABLE = {500, 502, 503, 504}


class Nurse:
    def __init__(self, client, person: dict, args, log: list) -> None:
        self.client = client
        self.person = person
        self.args = args
        self.log = log  # (phase, started, seconds, ok)
        self.keys: list[tuple[str, str]] = []  # (phase, key)
        self.retries = 0
        self.gave_up = 0

    async def post(self, phase: str, url: str, data: dict, headers: dict):
        """POST until accepted (302); None when it never was within --give-up seconds."""
        began = time.monotonic()
        wait = 0.5
        while True:
            started = time.monotonic()
            try:
                response = await self.client.post(url, data=data, headers=headers)
                status = response.status_code
            except Exception:
                response, status = None, None
            self.log.append((phase, started, time.monotonic() - started, status == 302))
            if status == 302:
                return response
            if status is not None and status not in RETRYABLE:
                raise SystemExit(f"{url} answered {status}: {response.text[:300]}")
            if time.monotonic() - began > self.args.give_up:
                self.gave_up += 1
                return None
            self.retries += 1
            await asyncio.sleep(wait * random.uniform(0.5, 1.5))
            wait = min(wait * 2, 5)

    async def run(self, phase_of, stop: asyncio.Event) -> None:
        csrf = secrets.token_hex(16)
        self.client.cookies.set("csrftoken", csrf)
        headers = {"X-CSRFToken": csrf, "Referer": str(self.client.base_url)}
        resident = self.person["resident"]
        think = self.args.think
        await asyncio.sleep(random.uniform(0, think))
        while not stop.is_set():
            phase = phase_of()
            key = uuid.uuid4().hex
            self.keys.append((phase, key))
            # The same keys as the pages' forms carry: a retried post finds what the first made.
            vitals = {
                **loop_latency.DETERIORATING,
                "note": f"faults-key={key}",
                "idempotency_key": str(uuid.UUID(key)),
            }
            response = await self.post(phase, f"/vitals/{resident}/new/", vitals, headers)
            if response is not None:
                observation = re.search(r"observations/(\d+)/", response.headers["location"])
                sbar = {
                    **loop_latency.SBAR,
                    "situation": f"{loop_latency.SBAR['situation']} faults-key={key}",
                    "observation": observation.group(1),
                    "idempotency_key": str(uuid.UUID(key)),
                }
                await self.post(
                    phase,
                    f"/consults/new/{resident}/?observation={observation.group(1)}",
                    sbar,
                    headers,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), random.uniform(think / 2, think * 1.5))


def count(keys: list[str]) -> dict:
    from digifys.consults.models import Consult
    from digifys.vitals.models import Observation

    wanted = set(keys)
    found = {"vitals": {}, "consults": {}}
    for note in Observation.objects.filter(note__startswith="faults-key=").values_list(
        "note", flat=True
    ):
        key = note.removeprefix("faults-key=")
        if key in wanted:
            found["vitals"][key] = found["vitals"].get(key, 0) + 1
    for text in Consult.objects.filter(situation__contains="faults-key=").values_list(
        "situation", flat=True
    ):
        key = text.rsplit("faults-key=", 1)[1]
        if key in wanted:
            found["consults"][key] = found["consults"].get(key, 0) + 1
    return {
        "submissions": len(wanted),
        "vitals_rows": sum(found["vitals"].values()),
        "consult_rows": sum(found["consults"].values()),
        "lost_vitals": sum(1 for key in wanted if key not in found["vitals"]),
        "lost_consults": sum(1 for key in wanted if key not in found["consults"]),
        "duplicated_vitals": sum(n - 1 for n in found["vitals"].values() if n > 1),
        "duplicated_consults": sum(n - 1 for n in found["consults"].values() if n > 1),
    }


DEADLINE_TASK = "digifys.consults.tasks.check_consult_deadline"


def worker_fault(cluster: Cluster, data: dict, args) -> dict:
    """Emergency consults from `--deadline-consults` nurses; the worker is stopped before their
    deadlines (a minute), so when it starts again every deadline job is due at once and it works
    through them back to back; it is killed (SIGKILL) as soon as the first escalation is in the
    database, i.e. inside the next deadline job, restarted 5 s later, and the safety-net sweep is
    enqueued as docs/operations.md says (a job killed mid-run stays "running" in the queue). Then
    each consult must have escalated exactly once for its first deadline."""
    import httpx
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from digifys.consults.models import Consult, ConsultMessage
    from digifys.consults.tasks import sweep_overdue_consults

    codes = ["escalated", "escalated_nobody"]
    # An earlier fault may have ended the worker (it exits on a database error other than a
    # lock, e.g. while the primary restarts): say so and start it, as a supervisor would.
    worker_was_running = cluster.pid("worker") is not None
    if not worker_was_running:
        cluster.start_worker()
    ids = []
    for person in data["nurses"][: args.deadline_consults]:
        csrf = secrets.token_hex(16)
        with httpx.Client(
            base_url=cluster.url,
            cookies={"sessionid": person["session"], "csrftoken": csrf},
            timeout=30,
        ) as client:
            headers = {"X-CSRFToken": csrf, "Referer": cluster.url}
            resident = person["resident"]
            vitals_key, consult_key = str(uuid.uuid4()), str(uuid.uuid4())
            for _attempt in range(20):
                response = client.post(
                    f"/vitals/{resident}/new/",
                    data={**loop_latency.DETERIORATING, "idempotency_key": vitals_key},
                    headers=headers,
                )
                if response.status_code == 302:
                    break
                time.sleep(1)
            observation = re.search(r"observations/(\d+)/", response.headers["location"]).group(1)
            for _attempt in range(20):
                response = client.post(
                    f"/consults/new/{resident}/?observation={observation}",
                    data={
                        **loop_latency.SBAR,
                        "urgency": "emergency",
                        "observation": observation,
                        "idempotency_key": consult_key,
                    },
                    headers=headers,
                )
                if response.status_code == 302:
                    break
                time.sleep(1)
            if response.status_code != 302:
                raise SystemExit(f"emergency consult answered {response.status_code}")
            ids.append(int(re.search(r"/consults/(\d+)/", response.headers["location"]).group(1)))
    # Stop the worker before the first deadline; wait until every consult is overdue.
    cluster.kill("worker")
    escalated_before = ConsultMessage.objects.filter(consult_id__in=ids, code__in=codes).count()
    last_deadline = max(Consult.objects.filter(pk__in=ids).values_list("deadline_at", flat=True))
    time.sleep(max(0.0, (last_deadline - timezone.now()).total_seconds()) + 1)
    overdue = Consult.objects.overdue(at=timezone.now()).filter(pk__in=ids).count()
    jobs = DBTaskResult.objects.filter(task_path=DEADLINE_TASK)
    ours = [j.pk for j in jobs if j.args_kwargs.get("kwargs", {}).get("consult_id") in ids]
    # Start it: it works through the due jobs one by one. Kill it at the first escalation.
    cluster.start_worker()
    started = time.monotonic()
    killed_inside, kill_after = False, None
    while time.monotonic() - started < 180:
        if ConsultMessage.objects.filter(consult_id__in=ids, code__in=codes).exists():
            cluster.kill("worker")
            killed_inside, kill_after = True, round(time.monotonic() - started, 2)
            break
        time.sleep(0.01)
    if not killed_inside:
        cluster.kill("worker")
    statuses = list(DBTaskResult.objects.filter(pk__in=ours).values_list("status", flat=True))
    escalated_at_kill = set(
        ConsultMessage.objects.filter(consult_id__in=ids, code__in=codes).values_list(
            "consult_id", flat=True
        )
    )
    running = [
        j.args_kwargs["kwargs"]["consult_id"]
        for j in DBTaskResult.objects.filter(pk__in=ours, status="RUNNING")
    ]
    time.sleep(5)
    cluster.start_worker()
    sweep_overdue_consults.enqueue()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        escalated = set(
            ConsultMessage.objects.filter(consult_id__in=ids, code__in=codes).values_list(
                "consult_id", flat=True
            )
        )
        if escalated >= set(ids):
            break
        time.sleep(1)
    # Escalations for the first deadline: those within 50 s of a consult's first one (the next
    # deadline is a minute after it, and a later escalation then is not a duplicate).
    per_consult: dict[int, list] = {pk: [] for pk in ids}
    for consult_id, at in ConsultMessage.objects.filter(
        consult_id__in=ids, code__in=codes
    ).values_list("consult_id", "created_at"):
        per_consult[consult_id].append(at)
    counts = []
    for moments in per_consult.values():
        moments.sort()
        counts.append(sum(1 for m in moments if (m - moments[0]).total_seconds() < 50))
    return {
        "worker_was_running_at_the_phase_start": worker_was_running,
        "deadline_consults": len(ids),
        "escalated_before_the_deadlines": escalated_before,
        "overdue_when_the_worker_started": overdue,
        "deadline_jobs": len(ours),
        "killed_after_the_first_escalation": killed_inside,
        "seconds_from_worker_start_to_kill": kill_after,
        "jobs_done_before_the_kill": statuses.count("SUCCESSFUL"),
        "jobs_running_when_killed": len(running),
        "running_jobs_whose_escalation_had_committed": sum(
            1 for pk in running if pk in escalated_at_kill
        ),
        "jobs_not_started_at_the_kill": statuses.count("READY"),
        "escalated_exactly_once": sum(1 for n in counts if n == 1),
        "lost_escalations": sum(1 for n in counts if n == 0),
        "duplicated_escalations": sum(n - 1 for n in counts if n > 1),
        "still_waiting_unescalated": Consult.objects.filter(pk__in=ids, escalation_count=0).count(),
    }


def video_cut(args) -> dict:
    """The video participant's link cut for `--video-outage` s: `bench/video_join.py`'s weak-link
    part (the nurse's Chromium in a network namespace on a 150 kbit/s veth, a call with the
    physician; the veth goes down, then up). Its own ASGI server, not the cluster; needs root."""
    import subprocess

    command = [
        sys.executable,
        str(ROOT / "bench" / "video_join.py"),
        "--runs",
        "1",
        "--hold",
        str(args.video_hold),
        "--outage",
        str(args.video_outage),
        "--json",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    outage = result["weak_link"]["link_outage"]
    return {
        **outage,
        "call_resumed": bool(
            outage["connected_again_after_s"] is not None
            and outage["audio_both_ways_after_s"] is not None
            and outage["same_page"]
        ),
        "cap_kbit": 150,
    }


def p95(values: list[float]) -> float:
    return loop_latency.percentile(values, 0.95) if values else float("nan")


def recovery(log: list, phase: str, fault_at: float, window: float = 5.0) -> dict:
    """p95 before the fault, and seconds from the fault until a window's p95 was back."""
    entries = [(s, d) for p, s, d, ok in log if p == phase and ok]
    before = [d for s, d in entries if s < fault_at]
    baseline = p95(before)
    normal = max(baseline * 1.5, baseline + 0.1)
    after = sorted((s, d) for s, d in entries if s >= fault_at)
    back = None
    start = fault_at
    while after and start <= after[-1][0]:
        durations = [d for s, d in after if start <= s < start + window]
        if durations and p95(durations) <= normal:
            back = start - fault_at
            break
        start += 1.0
    failed = sum(1 for p, s, d, ok in log if p == phase and not ok)
    return {
        "p95_before_ms": round(baseline * 1000, 1),
        "p95_after_fault_worst_window_ms": round(
            max(
                (
                    p95([d for s, d in after if t <= s < t + window]) * 1000
                    for t in [fault_at + i for i in range(0, 60)]
                    if any(t <= s < t + window for s, _ in after)
                ),
                default=float("nan"),
            ),
            1,
        ),
        "seconds_until_p95_normal": None if back is None else round(back, 1),
        "failed_attempts_retried": failed,
    }


async def load(cluster: Cluster, data: dict, args, faults) -> dict:
    import httpx

    log: list = []
    state = {"phase": "warm-up"}
    limits = httpx.Limits(max_connections=4)
    clients = [
        httpx.AsyncClient(
            base_url=cluster.url,
            cookies={"sessionid": person["session"]},
            limits=limits,
            timeout=30,
        )
        for person in data["nurses"][: args.nurses]
    ]
    nurses = [Nurse(c, p, args, log) for c, p in zip(clients, data["nurses"], strict=False)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(n.run(lambda: state["phase"], stop)) for n in nurses]
    report = {}
    await asyncio.sleep(args.before)
    for name, action in faults:
        state["phase"] = name
        await asyncio.sleep(args.before)
        fault_at = time.monotonic()
        print(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC fault: {name}", file=sys.stderr)
        detail = await asyncio.to_thread(action)
        await asyncio.sleep(args.after)
        report[name] = {"fault_at": fault_at, "detail": detail}
    state["phase"] = "after"
    await asyncio.sleep(2)
    stop.set()
    await asyncio.gather(*tasks)
    for client in clients:
        await client.aclose()
    keys_by_phase: dict[str, list[str]] = {}
    for nurse in nurses:
        for phase, key in nurse.keys:
            keys_by_phase.setdefault(phase, []).append(key)
    for name, entry in report.items():
        counted = await asyncio.to_thread(count, keys_by_phase.get(name, []))
        entry.update(counted)
        entry.update(recovery(log, name, entry.pop("fault_at")))
    report["_clients"] = {
        "retries": sum(n.retries for n in nurses),
        "gave_up": sum(n.gave_up for n in nurses),
        "requests": len(log),
        "accepted_p95_ms_overall": round(p95([d for _p, _s, d, ok in log if ok]) * 1000, 1),
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nurses", type=int, default=50)
    parser.add_argument("--think", type=float, default=5.0)
    parser.add_argument("--before", type=float, default=15.0, help="seconds of load per phase")
    parser.add_argument("--after", type=float, default=30.0, help="seconds of load after a fault")
    parser.add_argument("--redis-seconds", type=float, default=60.0)
    parser.add_argument("--give-up", type=float, default=180.0)
    parser.add_argument(
        "--deadline-consults",
        type=int,
        default=20,
        help="emergency consults whose deadline jobs run when the worker is killed (0: skip)",
    )
    parser.add_argument(
        "--video-outage",
        type=float,
        default=10.0,
        help="seconds a video participant's link is cut (bench/video_join.py; 0: skip)",
    )
    parser.add_argument("--video-hold", type=int, default=20, help="call seconds before the cut")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # Stopped from outside (also when started in the background): stop the cluster on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)

    run_dir = Path(tempfile.mkdtemp(prefix="digifys-faults-"))
    ports = [free_port() for _ in range(7)]
    cluster = Cluster(
        run_dir=run_dir,
        port=ports[0],
        wsgi_ports=ports[1:3],
        asgi_port=ports[3],
        pg_port=ports[4],
        replica_port=ports[5],
        redis_port=ports[6],
        # Emergency consults' deadline a minute after sending (the worker fault waits for it);
        # the loop's consults are urgent (30 minutes): no deadline of theirs passes in the run.
        extra_env={"CONSULT_DEADLINE_EMERGENCY_MINUTES": "1"},
    )
    load_before = os.getloadavg()
    began = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    try:
        cluster.start(seed=False)
        # This process only seeds and counts: no pool (a pooled connection would not survive
        # the primary's restart).
        os.environ.update({**cluster.env(), "DATABASE_POOL_SIZE": "0"})
        import django

        django.setup()
        data = loop_latency.seed(args.nurses)

        def restart_primary() -> dict:
            started = time.monotonic()
            cluster.restart_postgres("primary", mode="fast")
            return {"primary_down_seconds": round(time.monotonic() - started, 1)}

        def stop_redis() -> dict:
            cluster.signal("redis")
            time.sleep(args.redis_seconds)
            cluster.start_redis()
            return {"redis_down_seconds": args.redis_seconds}

        def kill_node() -> dict:
            cluster.kill("wsgi1")
            time.sleep(args.after / 2)
            cluster.start_wsgi(1)  # back, as a supervisor would restart it
            return {"node_down_seconds": round(args.after / 2, 1)}

        faults = [
            ("postgresql-primary-restart", restart_primary),
            ("redis-stopped", stop_redis),
            ("wsgi-node-killed", kill_node),
        ]
        if args.deadline_consults:
            faults.append(
                ("worker-killed-in-deadline-job", lambda: worker_fault(cluster, data, args))
            )
        report = asyncio.run(load(cluster, data, args, faults))
    finally:
        from django.db import connections

        connections.close_all()
        cluster.stop()
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    result = {
        "benchmark": "faults",
        "began": began,
        "nurses": args.nurses,
        "think_seconds": args.think,
        "nproc": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "faults": report,
    }
    if args.video_outage:
        result["video_link_cut"] = video_cut(args)
    print(json.dumps(result, indent=None if args.json else 2))
    if not args.json:
        for name, entry in report.items():
            if name.startswith("_"):
                continue
            if "escalated_exactly_once" in entry.get("detail", {}):
                d = entry["detail"]
                print(
                    f"{name:28} escalations lost = {d['lost_escalations']}  "
                    f"duplicated = {d['duplicated_escalations']}  "
                    f"(exactly once: {d['escalated_exactly_once']} of {d['deadline_consults']})"
                )
            print(
                f"{name:28} lost = {entry['lost_vitals'] + entry['lost_consults']}  "
                f"duplicated = {entry['duplicated_vitals'] + entry['duplicated_consults']}  "
                f"retried attempts = {entry['failed_attempts_retried']}  "
                f"p95 normal again after {entry['seconds_until_p95_normal']} s"
            )
        video = result.get("video_link_cut")
        if video and "error" not in video:
            print(
                f"{'video-link-cut':28} {video['outage_s']} s down: peers connected again after "
                f"{video['connected_again_after_s']} s, audio both ways after "
                f"{video['audio_both_ways_after_s']} s, same page {video['same_page']}"
            )
        elif video:
            print(f"{'video-link-cut':28} not measured: {video['error']}")


if __name__ == "__main__":
    main()
