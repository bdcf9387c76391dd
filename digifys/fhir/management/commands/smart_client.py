"""Register SMART on FHIR clients: `manage.py smart_client backend|app|list …`.

A backend-services client (a device, an integration) is registered with its public keys (a JWKS
file, or the https URL where it publishes them) and acts for a digifys user; an app-launch app
(used by staff, who log in and consent) with its redirect URIs. Both get at most the scopes
given here. Revoking tokens: the revocation endpoint (docs/api.md); deleting a client: the admin
(Django OAuth Toolkit's applications).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from digifys.fhir import services
from digifys.fhir.models import SmartClient


class Command(BaseCommand):
    help = "Register or list SMART on FHIR clients (backend services, app launch)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        backend = commands.add_parser("backend", help="Register a backend-services client.")
        backend.add_argument("--user", required=True, help="Username the client acts for.")
        keys = backend.add_mutually_exclusive_group(required=True)
        keys.add_argument("--jwks", help="File with the client's public JWKS.")
        keys.add_argument("--jwks-uri", help="https URL where the client publishes its JWKS.")
        app = commands.add_parser("app", help="Register an app for the standalone launch.")
        app.add_argument("--redirect-uri", action="append", required=True, help="Repeat for more.")
        for sub in (backend, app):
            sub.add_argument("--by", required=True, help="Username of the administrator.")
            sub.add_argument("--name", required=True, help="What the client is.")
            sub.add_argument(
                "--scope",
                action="append",
                required=True,
                help="system/Patient.read, system/Observation.write … (backend) or "
                "user/*.read … (app); repeat for more.",
            )
        commands.add_parser("list", help="List clients.")

    def _user(self, username):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user {username!r}.") from error

    def handle(self, *args, action, **options):
        if action == "list":
            for client in SmartClient.objects.select_related("application__user"):
                app = client.application
                acts_for = app.user.username if app.user else "(the user who consents)"
                self.stdout.write(
                    f"{app.client_id}\t{app.name}\t{app.authorization_grant_type}\t"
                    f"{acts_for}\t{client.scopes}"
                )
            return
        actor = self._user(options["by"])
        scopes = " ".join(options["scope"])
        try:
            if action == "backend":
                jwks = None
                if options["jwks"]:
                    try:
                        jwks = Path(options["jwks"]).read_text()
                    except OSError as error:
                        raise CommandError(f"Cannot read {options['jwks']}: {error}") from error
                client = services.register_backend_client(
                    actor=actor,
                    user=self._user(options["user"]),
                    name=options["name"],
                    jwks=jwks,
                    jwks_uri=options["jwks_uri"] or "",
                    scopes=scopes,
                )
            else:
                client = services.register_launch_app(
                    actor=actor,
                    name=options["name"],
                    redirect_uris=" ".join(options["redirect_uri"]),
                    scopes=scopes,
                )
        except (ValueError, PermissionDenied, ValidationError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"client_id: {client.application.client_id}")
