"""`make cluster` (deploy/cluster.py): HAProxy in front of two WSGI nodes and an ASGI node, a
PostgreSQL primary with a streaming replica, Redis and the task worker, started for real on free
ports; one WSGI node is killed while requests flow and none of them fails; a task worker that
dies is started again."""

import importlib.util
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.slow


def _load_cluster_module():
    path = Path(settings.BASE_DIR) / "deploy" / "cluster.py"
    spec = importlib.util.spec_from_file_location("digifys_deploy_cluster", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


deploy = _load_cluster_module()


@pytest.fixture(scope="module")
def cluster():
    if connection.vendor == "postgresql":
        # The cluster starts its own primary and replica whatever DATABASE_URL names, so the
        # suite's PostgreSQL run would only repeat the SQLite run's test (CI runs both).
        pytest.skip("runs once, in the SQLite run: the cluster brings its own PostgreSQL")
    if not deploy.haproxy_available():
        pytest.skip("HAProxy is not installed (apt-get install haproxy; make system-packages)")
    if not deploy.postgres_available():
        pytest.skip(f"PostgreSQL 15's server binaries are not installed in {deploy.PG_BIN}")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    # Not under pytest's own temporary folder: that one is private to this user, and the
    # PostgreSQL servers run as the postgres user when the suite runs as root.
    run_dir = Path(tempfile.mkdtemp(prefix="digifys-cluster-test-"))
    ports = [deploy.free_port() for _ in range(7)]
    the_cluster = deploy.Cluster(
        run_dir=run_dir,
        port=ports[0],
        wsgi_ports=ports[1:3],
        asgi_port=ports[3],
        pg_port=ports[4],
        replica_port=ports[5],
        redis_port=ports[6],
    )
    try:
        the_cluster.start(seed=False)
        yield the_cluster
    finally:
        the_cluster.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def _replica_count(cluster, table: str) -> int:
    import psycopg

    with psycopg.connect(cluster.database_url(cluster.replica_port), autocommit=True) as db:
        assert db.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def test_it_serves_through_haproxy_and_a_write_reaches_the_replica(cluster):
    import httpx

    with httpx.Client(base_url=cluster.url, timeout=10) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        login = client.get("/accounts/login/")
        assert login.status_code == 200
        # A write through the load balancer: an accessibility report (a public form).
        form = client.get("/accessibility/report/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        before = _replica_count(cluster, "accessibility_accessibilityreport")
        sent = client.post(
            "/accessibility/report/",
            data={
                "csrfmiddlewaretoken": token,
                "page": "/vitals/",
                "description": "Cluster test: the focus ring is hard to see.",
            },
            headers={"Referer": f"{cluster.url}/accessibility/report/"},
        )
        assert sent.status_code == 302, sent.text[:500]
    cluster.wait_replicated()
    assert _replica_count(cluster, "accessibility_accessibilityreport") == before + 1


def test_a_killed_wsgi_node_loses_no_request(cluster):
    import httpx

    results: list[tuple[float, int | str]] = []
    stop = threading.Event()

    def client_loop() -> None:
        with httpx.Client(base_url=cluster.url, timeout=15) as client:
            while not stop.is_set():
                for path in ("/accounts/login/", "/healthz"):
                    try:
                        status: int | str = client.get(path).status_code
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    results.append((time.monotonic(), status))

    threads = [threading.Thread(target=client_loop) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        killed_at = time.monotonic()
        assert cluster.kill("wsgi1")  # the whole node at once: master and workers
        time.sleep(6)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    failed = [status for _at, status in results if status != 200]
    after = [status for at, status in results if at > killed_at]
    assert len(results) > 40
    assert len(after) > 20  # requests kept flowing, now all to the other node
    assert failed == []
    # HAProxy's health checks took the node out.
    import socket

    with socket.socket(socket.AF_UNIX) as stats:
        stats.connect(str(cluster.run_dir / "haproxy.sock"))
        stats.sendall(b"show stat\n")
        table = b""
        while chunk := stats.recv(65536):
            table += chunk
    states = {
        line.split(",")[1]: line.split(",")[17]
        for line in table.decode().splitlines()
        if line.startswith("wsgi,")
    }
    assert states["wsgi1"].startswith("DOWN")
    assert states["wsgi2"] == "UP"


def _workers_in_group(group: int) -> set[int]:
    """The pids of `manage.py db_worker` processes in process group GROUP (from /proc), not the
    supervising shell (the group's leader, whose script names db_worker too)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # stat: pid (comm) state ppid pgrp …; comm may hold spaces, so split after ")".
        pgrp = int(stat.rsplit(")", 1)[1].split()[2])
        if pgrp == group and int(entry.name) != group and b"db_worker" in command:
            found.add(int(entry.name))
    return found


def test_a_task_worker_that_dies_is_started_again(cluster):
    """django-tasks' db_worker exits on a database error other than a lock; the cluster runs it
    under a loop that starts it again (docs/operations.md)."""
    group = cluster.pid("worker")
    assert group is not None
    (first,) = _workers_in_group(group)
    os.kill(first, signal.SIGKILL)  # the worker alone dies, as on a database error
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        again = _workers_in_group(group)
        if again and first not in again:
            break
        time.sleep(0.2)
    assert again and first not in again
    assert cluster.pid("worker") == group  # the supervising loop itself lives on
