"""Run the demo: the ASGI server (HTTP and WebSockets) plus the background task worker."""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _


def how_to_log_in(host: str | None = None, port: int | None = None) -> str:
    """How to get in, in the demo's default language: the login page's demo buttons need
    neither a password nor an authenticator app (a password login for staff needs both)."""
    host = host or os.environ.get("HOST", "127.0.0.1")
    port = port or int(os.environ.get("PORT", "8000"))
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            'Log in: open http://%(host)s:%(port)s/ and press one of the "%(buttons)s" '
            "buttons on the login page (no password or authenticator app needed)."
        ) % {"host": host, "port": port, "buttons": _("Demo: log in as …")}


class Command(BaseCommand):
    help = "Start the web server on 127.0.0.1:$PORT and the task worker; stop both on Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args, host: str, port: int, **options):
        if not settings.DEMO:
            raise CommandError("rundemo is for demo mode only: set DIGIFYS_DEMO=1.")
        env = os.environ.copy()
        # Links in e-mailed and texted notifications (printed by the worker) lead here.
        env.setdefault("SITE_URL", f"http://{host}:{port}")
        python = sys.executable
        # The task worker (escalations, overdue tasks) runs in its own process; its live updates
        # reach browsers only through a shared channel layer. Use a local Redis when there is one.
        if not env.get("REDIS_URL") and _local_redis_answers():
            env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        if env.get("REDIS_URL"):
            self.stdout.write("Live updates: Redis channel layer (web server and worker).")
        else:
            self.stdout.write(
                "Live updates: in-process channel layer (no Redis on 127.0.0.1:6379). Changes "
                "made in the browser appear live; escalations by the background worker appear "
                "at the pages' next refresh (within a minute)."
            )
        janus = _start_janus(env, host, python, self.stdout)
        worker = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [python, "manage.py", "db_worker", "--interval", "1", "--no-reload"], env=env
        )
        server = subprocess.Popen(  # noqa: S603
            [python, "-m", "daphne", "-b", host, "-p", str(port), "digifys.asgi:application"],
            env=env,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"\ndigifys demo running on http://{host}:{port}/  (Ctrl-C stops it)\n"
            )
        )
        self.stdout.write(how_to_log_in(host, port) + "\n")
        try:
            while server.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            processes = [p for p in (server, worker, janus) if p is not None]
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if server.returncode not in (0, None, -signal.SIGINT, 130):
            raise CommandError(f"The web server stopped with exit code {server.returncode}.")


def _start_janus(env: dict, host: str, python: str, out):
    """Start Janus (family meetings of more than four) when it is installed and not set up.

    The secrets are made up for this run and handed to the web server through ENV.
    """
    import secrets
    import shutil

    if env.get("JANUS_URL") or shutil.which("janus") is None:
        if not env.get("JANUS_URL"):
            out.write(
                "Family meetings: no Janus (apt-get install janus): at most four per meeting."
            )
        return None
    http_port = int(env.get("JANUS_HTTP_PORT", "8088"))
    ws_port = int(env.get("JANUS_WS_PORT", "8188"))
    env["JANUS_TOKEN_SECRET"] = env.get("JANUS_TOKEN_SECRET") or secrets.token_hex(16)
    env["JANUS_ADMIN_KEY"] = env.get("JANUS_ADMIN_KEY") or secrets.token_hex(16)
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [
            python,
            "manage.py",
            "runjanus",
            "--http-port",
            str(http_port),
            "--ws-port",
            str(ws_port),
            "--ws-bind",
            host,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    env["JANUS_URL"] = f"http://127.0.0.1:{http_port}/janus"
    env["JANUS_PUBLIC_URL"] = f"ws://{host}:{ws_port}"
    out.write(f"Family meetings: Janus on {env['JANUS_PUBLIC_URL']} (up to eight per meeting).")
    return process


def _local_redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.3) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False
