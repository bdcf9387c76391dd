"""Scale-out: the nurse-and-physician loop of `bench/loop_latency.py` on one WSGI node and on two
WSGI nodes behind HAProxy, in the same run.

The same seeded database (a fresh PostgreSQL database, 50 nurses each with their own unit and
resident, 10 physicians with their live inbox open over a WebSocket) and the same ASGI node for
`/ws/` serve every configuration; only the HTTP side changes:

- `one`: one gunicorn node (`--workers`, `--threads`), the clients talk to it directly;
- `one+haproxy`: the same node behind HAProxy (what the load balancer itself costs);
- `two+haproxy`: two such nodes behind HAProxy (deploy/cluster.py's configuration: leastconn,
  health checks on /healthz, `/ws/` to the ASGI node through HAProxy too).

Two loads, each measured `--repeats` times per configuration, the configurations alternating:

- the loop (`--think` 5 s, as `loop_latency.py`): p95 from consult POST to the physician's socket;
- saturation (`--think` 0: every nurse submits again at once): consults per second, the
  throughput the configuration can carry, and its p95.

The machine's cores are shared by both nodes, so two nodes on one machine show what HAProxy and
a second node cost and whether they add anything at all here, not what a second machine adds.

    .venv/bin/python bench/scale_out.py [--nurses 50] [--repeats 3] [--json]
"""

import argparse
import asyncio
import collections
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "deploy"))

import loop_latency  # noqa: E402
from cluster import free_port, haproxy_config  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

FAILED: list[str] = []


def wait_for_server(server, timeout: float = 300) -> None:
    """Wait for /healthz (longer than loop_latency's 60 s: the machine may be shared and busy)."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{server.port}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not start")


def measure(*call) -> dict:
    before = len(FAILED)
    # A failed submission is counted, not fatal: the nurse goes on with the next round.
    result = asyncio.run(loop_latency.run(*call, failed=FAILED))
    result["failed"] = len(FAILED) - before
    return result


class HAProxy:
    def __init__(
        self, port: int, wsgi_ports: list[int], asgi_port: int, workdir: str, maxconn: int
    ) -> None:
        self.port = port
        config = Path(workdir) / f"haproxy-{port}.cfg"
        config.write_text(
            haproxy_config(
                port=port,
                wsgi_ports=wsgi_ports,
                asgi_ports=[asgi_port],
                node_maxconn=maxconn,
            )
        )
        self.process = subprocess.Popen(
            ["/usr/sbin/haproxy", "-db", "-f", str(config)], stdout=subprocess.DEVNULL
        )

    def stop(self) -> None:
        loop_latency.Server.stop(self)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nurses", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6, help="rounds per nurse, loop load")
    parser.add_argument("--think", type=float, default=5.0)
    parser.add_argument("--saturation-rounds", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7")
    parser.add_argument(
        "--configurations",
        default="one,one+haproxy,two+haproxy",
        help="comma-separated: one, one+haproxy, two+haproxy",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    database = loop_latency.create_database(args.postgres)
    workdir = tempfile.mkdtemp(prefix="digifys-bench-scale-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "digifys.settings",
        "DATABASE_URL": args.postgres + database,
        "DATABASE_POOL_SIZE": "6",
        "REDIS_URL": args.redis,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MFA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SECURE_COOKIES": "0",
        "DIGIFYS_VAR_DIR": workdir,
        "LOG_LEVEL": "WARNING",
        "TRUSTED_PROXY_COUNT": "0",
    }
    os.environ.update(env)
    import django

    django.setup()
    processes = []
    runs: dict[str, dict[str, list[dict]]] = {}
    load_before = os.getloadavg()
    try:
        data = loop_latency.seed(args.nurses)
        node_ports = [free_port(), free_port()]
        asgi_port = free_port()
        nodes = [
            loop_latency.Server.wsgi(args.workers, args.threads, port, env) for port in node_ports
        ]
        asgi = loop_latency.Server.asgi(1, asgi_port, env)
        one_lb = HAProxy(
            free_port(), node_ports[:1], asgi_port, workdir, args.workers * args.threads
        )
        two_lb = HAProxy(free_port(), node_ports, asgi_port, workdir, args.workers * args.threads)
        processes = [*nodes, asgi, one_lb, two_lb]
        for process in processes:
            wait_for_server(process)
        time.sleep(2)  # HAProxy's health checks see both nodes up
        configurations = {
            # name: (HTTP port, WebSocket port)
            "one": (node_ports[0], asgi_port),
            "one+haproxy": (one_lb.port, one_lb.port),
            "two+haproxy": (two_lb.port, two_lb.port),
        }
        wanted = args.configurations.split(",")
        configurations = {name: configurations[name] for name in wanted}
        for http, ws in configurations.values():
            # Warm-up: every worker process of every node imports and connects.
            asyncio.run(loop_latency.run(http, ws, data, min(args.nurses, 16), 2, 0.2))
        for repeat in range(args.repeats):
            order = list(configurations)
            if repeat % 2:
                order.reverse()
            for name in order:
                http, ws = configurations[name]
                loop = measure(http, ws, data, args.nurses, args.rounds, args.think)
                saturated = measure(http, ws, data, args.nurses, args.saturation_rounds, 0.0)
                runs.setdefault(name, {"loop": [], "saturation": []})
                runs[name]["loop"].append(loop)
                runs[name]["saturation"].append(saturated)
                if not args.json:
                    print(
                        f"{name:12} loop p95 {loop['consult_to_inbox_ms']['p95']:7.1f} ms  "
                        f"saturation {saturated['consults_per_second']:5.1f} consults/s "
                        f"p95 {saturated['consult_to_inbox_ms']['p95']:7.1f} ms",
                        file=sys.stderr,
                    )
    finally:
        for process in processes:
            process.stop()
        from django.db import connections

        connections.close_all()
        loop_latency.drop_database(args.postgres, database)

    def median(name: str, load: str, *keys: str) -> float:
        values = []
        for run in runs[name][load]:
            value = run
            for key in keys:
                value = value[key]
            values.append(value)
        return round(statistics.median(values), 1)

    summary = {
        name: {
            "loop_p95_ms": median(name, "loop", "consult_to_inbox_ms", "p95"),
            "loop_median_ms": median(name, "loop", "consult_to_inbox_ms", "median"),
            "saturation_consults_per_second": median(name, "saturation", "consults_per_second"),
            "saturation_p95_ms": median(name, "saturation", "consult_to_inbox_ms", "p95"),
            "missing": sum(run["missing"] for load in runs[name].values() for run in load),
            "failed": sum(run["failed"] for load in runs[name].values() for run in load),
        }
        for name in runs
    }
    base = summary["one"]
    result = {
        "benchmark": "scale_out",
        "nurses": args.nurses,
        "think_seconds": args.think,
        "workers_per_node": args.workers,
        "threads": args.threads,
        "repeats": args.repeats,
        "nproc": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "medians": summary,
        "throughput_ratio_vs_one": {
            name: round(
                row["saturation_consults_per_second"] / base["saturation_consults_per_second"], 2
            )
            for name, row in summary.items()
        },
        "loop_p95_ratio_vs_one": {
            name: round(row["loop_p95_ms"] / base["loop_p95_ms"], 2)
            for name, row in summary.items()
        },
        "failure_kinds": dict(collections.Counter(FAILED)),
        "runs": runs,
    }
    print(
        json.dumps(
            result if args.json else {k: v for k, v in result.items() if k != "runs"}, indent=2
        )
    )


if __name__ == "__main__":
    main()
