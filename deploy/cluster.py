#!/usr/bin/env python3
"""digifys on more than one server, on one machine: `make cluster` / `make cluster-stop`.

Starts, as local processes under a run directory (default `var/cluster/`), the production
layout of docs/operations.md:

- HAProxy in front (Debian package `haproxy`): `/ws/` to the ASGI node, everything else to two
  WSGI nodes, with health checks on `/healthz`, retries and redispatch;
- two WSGI nodes (gunicorn) and one ASGI node (uvicorn) for the WebSockets;
- the task worker (`manage.py db_worker`);
- a PostgreSQL 15 primary and a streaming replica (Debian's binaries, initialised here with
  `initdb` and `pg_basebackup -R`, own ports and data directories; the system cluster on 5432 is
  not touched). The application writes to the primary and reads reports and exports from the
  replica (`DATABASE_REPLICA_URL`, `digifys.core.routers`);
- Redis on its own port.

PostgreSQL refuses to run as root: when this script runs as root, the PostgreSQL binaries run as
the `postgres` user, which owns the data directories. Everything listens on 127.0.0.1 only and
uses `trust` authentication: this is a test bench, not a production configuration.

    python deploy/cluster.py start [--run-dir var/cluster] [--port 8800] [--no-seed]
    python deploy/cluster.py stop  [--run-dir var/cluster]
    python deploy/cluster.py status [--run-dir var/cluster]

The module is also used by the cluster test (`digifys/core/tests/test_cluster.py`) and the
benchmarks (`bench/scale_out.py`, `bench/faults.py`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PYTHON = sys.executable


def haproxy_available() -> bool:
    return shutil.which("haproxy") is not None or Path("/usr/sbin/haproxy").exists()


def postgres_available() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_basebackup").exists()


def _haproxy() -> str:
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def haproxy_config(
    *,
    port: int,
    wsgi_ports: list[int],
    asgi_ports: list[int],
    stats_socket: Path | None = None,
    node_maxconn: int | None = None,
) -> str:
    """HAProxy's configuration: `/ws/` to the ASGI servers, the rest to the WSGI servers.

    A server is taken out after 3 failed health checks 1 s apart (and back after 2 good ones);
    a check may take 5 s (a busy node answers late: that is not a dead one). A dead node refuses
    connections at once, and those requests go to another node before its checks fail.
    A request whose connection to a server fails is retried (3 times, on another server:
    `option redispatch 1`). GET and HEAD requests are also retried when the server closed the
    connection without answering or did not answer in time (a node killed mid-request); other
    methods are not (a POST may have been processed before the node died): the client retries
    those with its idempotency key.

    NODE_MAXCONN (a WSGI node's workers × threads) keeps the queue in HAProxy rather than in the
    nodes: a node gets only the requests it can work on at once, so its health checks are
    answered at once even under overload (a check stuck behind queued requests would take a
    busy node, and then every node, out). A request waits in HAProxy's queue up to 60 s.
    """
    limit = f" maxconn {node_maxconn}" if node_maxconn else ""
    wsgi = "\n".join(
        f"    server wsgi{index} 127.0.0.1:{p} check{limit}"
        for index, p in enumerate(wsgi_ports, 1)
    )
    asgi = "\n".join(
        f"    server asgi{index} 127.0.0.1:{p} check" for index, p in enumerate(asgi_ports, 1)
    )
    stats = (
        f"    stats socket {stats_socket} mode 600 level admin\n"
        if stats_socket is not None
        else ""
    )
    return f"""# Written by deploy/cluster.py.
global
    maxconn 4000
{stats}
defaults
    mode http
    option forwardfor
    option http-server-close
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout queue 60s
    # Idle WebSockets (video signalling is quiet once a call is up) stay open for an hour.
    timeout tunnel 1h
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
    timeout check 5s
    default-server inter 1s fall 3 rise 2

frontend web
    bind 127.0.0.1:{port}
    # Only safe methods are retried after the request reached a server.
    http-request disable-l7-retry unless METH_GET
    acl websocket path_beg /ws/
    use_backend asgi if websocket
    default_backend wsgi

backend wsgi
    balance leastconn
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
{wsgi}

backend asgi
    balance leastconn
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
{asgi}
"""


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


@dataclass
class Cluster:
    """The processes of one cluster; its state lives in RUN_DIR (so `stop` finds them)."""

    run_dir: Path
    port: int = 8800
    wsgi_ports: list[int] = field(default_factory=list)
    asgi_port: int = 0
    pg_port: int = 55432
    replica_port: int = 55433
    redis_port: int = 56379
    wsgi_workers: int = 2
    wsgi_threads: int = 4
    pool_size: int = 6
    extra_env: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir).resolve()
        if not self.wsgi_ports:
            self.wsgi_ports = [self.port + 1, self.port + 2]
        if not self.asgi_port:
            self.asgi_port = self.port + 3

    # --- paths and environment ---------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pg_dir(self) -> Path:
        return self.run_dir / "pg"

    @property
    def primary_dir(self) -> Path:
        return self.pg_dir / "primary"

    @property
    def replica_dir(self) -> Path:
        return self.pg_dir / "replica"

    @property
    def socket_dir(self) -> Path:
        return self.pg_dir / "sockets"

    def _pid_file(self, name: str) -> Path:
        return self.run_dir / "pids" / f"{name}.pid"

    def _log(self, name: str) -> Path:
        return self.run_dir / "log" / f"{name}.log"

    def database_url(self, port: int | None = None, name: str = "digifys") -> str:
        return f"postgres://postgres@127.0.0.1:{port or self.pg_port}/{name}"

    def env(self) -> dict:
        secret_file = self.run_dir / "secret_key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(50))
            secret_file.chmod(0o600)
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))},
            "DJANGO_SETTINGS_MODULE": "digifys.settings",
            "PYTHONPATH": str(ROOT),
            "DIGIFYS_DEMO": "1",
            "DIGIFYS_VAR_DIR": str(self.run_dir / "var"),
            "SECRET_KEY": secret_file.read_text().strip(),
            "DATABASE_URL": self.database_url(),
            "DATABASE_REPLICA_URL": self.database_url(self.replica_port),
            "DATABASE_POOL_SIZE": str(self.pool_size),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "TRUSTED_PROXY_COUNT": "1",
            "SITE_URL": self.url,
            "SECURE_COOKIES": "0",
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }

    # --- processes ---------------------------------------------------------------------------

    def spawn(self, name: str, argv: list[str], env: dict | None = None) -> int:
        """Start ARGV in its own process group, logging to log/NAME.log; remember its pid."""
        log = open(self._log(name), "ab")  # noqa: SIM115 - handed to the child
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            argv,
            cwd=ROOT,
            env=env if env is not None else self.env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._pid_file(name).write_text(f"{process.pid} {_start_time(process.pid)}\n")
        return process.pid

    def pid(self, name: str) -> int | None:
        """The pid of NAME if it is still the process this cluster started."""
        try:
            pid_text, started = self._pid_file(name).read_text().split()
        except (OSError, ValueError):
            return None
        pid = int(pid_text)
        return pid if _start_time(pid) == started else None

    def signal(self, name: str, sig: int = signal.SIGTERM, *, wait: float = 15.0) -> bool:
        """Send SIG to NAME's process group; with SIGTERM, SIGKILL after WAIT seconds."""
        pid = self.pid(name)
        if pid is None:
            self._pid_file(name).unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self._alive(pid):
            time.sleep(0.1)
        if self._alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            while self._alive(pid):
                time.sleep(0.05)
        self._pid_file(name).unlink(missing_ok=True)
        return True

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        if state == "Z":  # a zombie of ours: reap it
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            return False
        return True

    def kill(self, name: str) -> bool:
        """Kill NAME (and its workers) at once, as a crash would."""
        return self.signal(name, signal.SIGKILL, wait=5)

    def wait_http(self, port: int, path: str = "/healthz", timeout: float = 60) -> None:
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path} within {timeout:.0f} s")

    # --- PostgreSQL --------------------------------------------------------------------------

    def _as_postgres(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, check=True, cwd="/", **kwargs)  # noqa: S603

    def _chown_postgres(self, path: Path) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def init_postgres(self) -> None:
        """initdb the primary (once), start it, create the database; base-backup the replica."""
        for path in (self.pg_dir, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            self._chown_postgres(path)
        if os.geteuid() == 0:
            # The postgres user must reach its directories through ours.
            for parent in [self.pg_dir, *self.pg_dir.parents]:
                if parent == Path("/"):
                    break
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    parent.chmod(mode | 0o001)
        if not (self.primary_dir / "PG_VERSION").exists():
            self._as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.primary_dir),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ],
                stdout=subprocess.DEVNULL,
            )
            conf = "\n".join(
                [
                    "# digifys cluster (deploy/cluster.py)",
                    "listen_addresses = '127.0.0.1'",
                    f"port = {self.pg_port}",
                    f"unix_socket_directories = '{self.socket_dir}'",
                    "max_connections = 300",
                    "shared_buffers = 128MB",
                    "wal_level = replica",
                    "max_wal_senders = 5",
                    "wal_keep_size = 512MB",
                    "hot_standby = on",
                    "hot_standby_feedback = on",
                    "",
                ]
            )
            with open(self.primary_dir / "postgresql.conf", "a") as handle:
                handle.write(conf)
        self.start_postgres("primary")
        self._create_database()
        if not (self.replica_dir / "PG_VERSION").exists():
            self._as_postgres(
                [
                    str(PG_BIN / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.pg_port),
                    "-U",
                    "postgres",
                    "-D",
                    str(self.replica_dir),
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ]
            )
            # postgresql.auto.conf is read last: the replica's own port.
            with open(self.replica_dir / "postgresql.auto.conf", "a") as handle:
                handle.write(f"port = {self.replica_port}\n")
        self.start_postgres("replica")

    def _pg_data(self, which: str) -> Path:
        return self.primary_dir if which == "primary" else self.replica_dir

    def _pg_port(self, which: str) -> int:
        return self.pg_port if which == "primary" else self.replica_port

    def start_postgres(self, which: str) -> None:
        if port_answers(self._pg_port(which)):
            if not (self._pg_data(which) / "postmaster.pid").exists():
                raise RuntimeError(f"port {self._pg_port(which)} is taken by another server")
            return
        log = self.pg_dir / f"{which}.log"
        self._as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self._pg_data(which)),
                "-l",
                str(log),
                "-w",
                "start",
            ],
            stdout=subprocess.DEVNULL,
        )

    def stop_postgres(self, which: str, mode: str = "fast") -> None:
        if not (self._pg_data(which) / "postmaster.pid").exists():
            return
        self._as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self._pg_data(which)), "-m", mode, "-w", "stop"],
            stdout=subprocess.DEVNULL,
        )

    def restart_postgres(self, which: str = "primary", mode: str = "fast") -> None:
        self._as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self._pg_data(which)),
                "-l",
                str(self.pg_dir / f"{which}.log"),
                "-m",
                mode,
                "-w",
                "restart",
            ],
            stdout=subprocess.DEVNULL,
        )

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url(name="postgres"), autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = 'digifys'"
            ).fetchone()
            if not exists:
                connection.execute("CREATE DATABASE digifys")

    def wait_replicated(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        import psycopg

        with psycopg.connect(self.database_url(), autocommit=True) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.database_url(self.replica_port), autocommit=True) as replica:
            while time.monotonic() < deadline:
                caught_up = replica.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
                ).fetchone()[0]
                if caught_up:
                    return
                time.sleep(0.1)
        raise RuntimeError("the replica did not catch up")

    # --- the application ---------------------------------------------------------------------

    def manage(self, *args: str, capture: bool = False) -> str:
        result = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            check=True,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        return result.stdout or ""

    def start_wsgi(self, index: int) -> None:
        port = self.wsgi_ports[index - 1]
        self.spawn(
            f"wsgi{index}",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "digifys.wsgi:application",
                "--workers",
                str(self.wsgi_workers),
                "--threads",
                str(self.wsgi_threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "10",
                # One request per connection (docs/operations.md, "Processes"): HAProxy closes
                # its server-side connections anyway (http-server-close).
                "--keep-alive",
                "0",
                "--log-level",
                "warning",
            ],
        )

    def start_asgi(self) -> None:
        self.spawn(
            "asgi1",
            [
                PYTHON,
                "-m",
                "uvicorn",
                "digifys.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.asgi_port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
        )

    def start_worker(self) -> None:
        # Supervised, as docs/operations.md asks: django-tasks' db_worker exits on a database
        # error other than a lock (e.g. while the primary restarts); the loop starts it again a
        # second later. Stopping or killing "worker" signals the whole process group, loop too.
        worker = shlex.join([PYTHON, "manage.py", "db_worker", "--interval", "1", "--no-reload"])
        self.spawn(
            "worker",
            [
                "/bin/sh",
                "-c",
                f'while :; do {worker}; echo "worker exited ($?); starting it again" >&2; '
                "sleep 1; done",
            ],
        )

    def start_redis(self) -> None:
        self.spawn(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.run_dir),
            ],
        )
        deadline = time.monotonic() + 10
        while not port_answers(self.redis_port):
            if time.monotonic() > deadline:
                raise RuntimeError("Redis did not start")
            time.sleep(0.1)

    def start_haproxy(self) -> None:
        config = self.run_dir / "haproxy.cfg"
        config.write_text(
            haproxy_config(
                port=self.port,
                wsgi_ports=self.wsgi_ports,
                asgi_ports=[self.asgi_port],
                stats_socket=self.run_dir / "haproxy.sock",
                node_maxconn=self.wsgi_workers * self.wsgi_threads,
            )
        )
        subprocess.run([_haproxy(), "-c", "-q", "-f", str(config)], check=True)  # noqa: S603
        self.spawn("haproxy", [_haproxy(), "-db", "-f", str(config)])

    def start(self, *, seed: bool = True, scale: int = 450) -> None:
        if not haproxy_available():
            raise SystemExit("HAProxy is missing: apt-get install haproxy (make system-packages)")
        if not postgres_available():
            raise SystemExit(f"PostgreSQL 15 binaries are missing in {PG_BIN}")
        if port_answers(self.port):
            raise SystemExit(f"port {self.port} is taken: is a cluster already running?")
        for sub in ("pids", "log", "var"):
            (self.run_dir / sub).mkdir(parents=True, exist_ok=True)
        (self.run_dir / "ports.json").write_text(
            json.dumps(
                {
                    "port": self.port,
                    "wsgi_ports": self.wsgi_ports,
                    "asgi_port": self.asgi_port,
                    "pg_port": self.pg_port,
                    "replica_port": self.replica_port,
                    "redis_port": self.redis_port,
                }
            )
        )
        try:
            self.init_postgres()
            self.start_redis()
            self.manage("migrate", "--noinput", "-v", "0")
            if seed:
                self.manage("synth_region", "--if-empty", "--scale", str(scale))
            self.start_wsgi(1)
            self.start_wsgi(2)
            self.start_asgi()
            self.start_worker()
            for port in [*self.wsgi_ports, self.asgi_port]:
                self.wait_http(port)
            self.start_haproxy()
            self.wait_http(self.port)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for name in ("haproxy", "wsgi1", "wsgi2", "asgi1", "worker", "redis"):
            self.signal(name)
        self.stop_postgres("replica")
        self.stop_postgres("primary")

    @classmethod
    def from_run_dir(cls, run_dir: Path) -> Cluster:
        ports = json.loads((Path(run_dir) / "ports.json").read_text())
        return cls(run_dir=Path(run_dir), **ports)

    def status(self) -> dict[str, bool]:
        names = ("haproxy", "wsgi1", "wsgi2", "asgi1", "worker", "redis")
        state = {name: self.pid(name) is not None for name in names}
        state["postgres primary"] = port_answers(self.pg_port)
        state["postgres replica"] = port_answers(self.replica_port)
        return state

    def how_to_log_in(self) -> str:
        return self.manage(
            "shell",
            "--no-imports",
            "-c",
            "from digifys.core.management.commands.rundemo import how_to_log_in\n"
            "from digifys.accounts.demo import demo_logins\n"
            f"print(how_to_log_in('127.0.0.1', {self.port}))\n"
            "for login in demo_logins(): print(f'  {login.username:24} {login.name}')",
            capture=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--run-dir", type=Path, default=ROOT / "var" / "cluster")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8800")))
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--redis-port", type=int, default=56379)
    parser.add_argument("--no-seed", action="store_true", help="migrate only, no synthetic region")
    parser.add_argument("--scale", type=int, default=450, help="residents of the synthetic region")
    args = parser.parse_args()

    if args.action == "start":
        cluster = Cluster(
            run_dir=args.run_dir,
            port=args.port,
            pg_port=args.pg_port,
            replica_port=args.pg_port + 1,
            redis_port=args.redis_port,
        )
        cluster.start(seed=not args.no_seed, scale=args.scale)
        print(
            f"\ndigifys cluster running: {cluster.url}/\n"
            f"  HAProxy {cluster.port} → WSGI {cluster.wsgi_ports}, "
            f"ASGI (/ws/) {cluster.asgi_port}\n"
            f"  PostgreSQL primary {cluster.pg_port}, replica {cluster.replica_port}; "
            f"Redis {cluster.redis_port}; task worker\n"
            f"  logs in {cluster.run_dir / 'log'}; stop with `make cluster-stop`\n"
        )
        print(cluster.how_to_log_in())
        return
    if not (args.run_dir / "ports.json").exists():
        raise SystemExit(f"no cluster in {args.run_dir}")
    cluster = Cluster.from_run_dir(args.run_dir)
    if args.action == "stop":
        cluster.stop()
        print("digifys cluster stopped (data kept in", cluster.run_dir, ")")
    else:
        for name, up in cluster.status().items():
            print(f"{name:18} {'up' if up else 'down'}")


if __name__ == "__main__":
    main()
