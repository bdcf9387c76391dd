"""Write a minimal Janus configuration and run Janus (the SFU of family meetings) with it.

    JANUS_TOKEN_SECRET=... JANUS_ADMIN_KEY=... manage.py runjanus [--write-only]

The secrets come from the settings (the same the application uses to sign session tokens and
create rooms). Only the VideoRoom plugin and the HTTP (this server) and WebSocket (browsers)
transports are loaded. docs/operations.md "Janus" explains ports, TURN and hosting.
"""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from digifys.visits import janus


class Command(BaseCommand):
    help = "Write a minimal Janus configuration (VideoRoom only) and start Janus with it."

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=str(Path(settings.BASE_DIR) / "var" / "janus"))
        parser.add_argument("--http-port", type=int, default=8088)
        parser.add_argument("--ws-port", type=int, default=8188)
        parser.add_argument("--rtp-ports", default="20000-40000")
        parser.add_argument(
            "--bind", default="127.0.0.1", help="address of the HTTP API (this server only)"
        )
        parser.add_argument(
            "--ws-bind", default="", help="address of the browsers' WebSocket (default: all)"
        )
        parser.add_argument("--nat-1-1", default="", help="public IP when Janus is behind NAT")
        parser.add_argument("--stun", default="", help="host:port of a STUN server")
        parser.add_argument("--write-only", action="store_true", help="write, do not start")

    def handle(self, *args, **options):
        secret = settings.JANUS_TOKEN_SECRET
        admin_key = settings.JANUS_ADMIN_KEY
        if not secret or not admin_key:
            raise CommandError("Set JANUS_TOKEN_SECRET and JANUS_ADMIN_KEY first.")
        try:
            jcfg = janus.write_config(
                options["folder"],
                http_port=options["http_port"],
                ws_port=options["ws_port"],
                token_secret=secret,
                admin_key=admin_key,
                rtp_ports=options["rtp_ports"],
                bind=options["bind"],
                ws_bind=options["ws_bind"],
                nat_1_1=options["nat_1_1"],
                stun=options["stun"],
            )
        except janus.JanusError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Janus configuration written to {options['folder']}")
        self.stdout.write(
            f"JANUS_URL=http://{options['bind']}:{options['http_port']}/janus  "
            f"JANUS_PUBLIC_URL=ws://<this host>:{options['ws_port']}"
        )
        if options["write_only"]:
            return
        binary = shutil.which("janus")
        if binary is None:
            raise CommandError("Janus is not installed: apt-get install janus")
        os.execv(binary, [binary, "-C", jcfg, "-F", options["folder"]])  # noqa: S606
