"""Register or revoke a FHIR API client: `manage.py fhir_client register|revoke|list …`.

The token is printed once, at registration, and stored only as a hash.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from digifys.fhir import services
from digifys.fhir.models import ApiClient


class Command(BaseCommand):
    help = "Register, list or revoke FHIR API clients (bearer tokens acting for a user)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        register = commands.add_parser("register", help="Register a client and print its token.")
        register.add_argument("--user", required=True, help="Username the client acts for.")
        register.add_argument("--by", required=True, help="Username of the administrator.")
        register.add_argument("--name", required=True, help="What the client is.")
        register.add_argument(
            "--scope",
            action="append",
            required=True,
            help="user/Patient.read, user/Observation.write, user/*.read … (repeat for more).",
        )
        register.add_argument("--days", type=int, default=90, help="Token lifetime in days.")
        revoke = commands.add_parser("revoke", help="Revoke a client's token.")
        revoke.add_argument("client_id", type=int)
        revoke.add_argument("--by", required=True, help="Username of the administrator.")
        commands.add_parser("list", help="List clients.")

    def _user(self, username):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user {username!r}.") from error

    def handle(self, *args, action, **options):
        if action == "list":
            for client in ApiClient.objects.select_related("user"):
                state = "revoked" if client.revoked_at else f"expires {client.expires_at:%Y-%m-%d}"
                self.stdout.write(
                    f"{client.pk}\t{client.name}\t{client.user.username}\t{client.scopes}\t{state}"
                )
            return
        actor = self._user(options["by"])
        try:
            if action == "register":
                if not 1 <= options["days"] <= 366:
                    raise CommandError("--days must be from 1 to 366.")
                client, token = services.register_client(
                    actor=actor,
                    user=self._user(options["user"]),
                    name=options["name"],
                    scopes=" ".join(options["scope"]),
                    lifetime=datetime.timedelta(days=options["days"]),
                )
                self.stdout.write(f"client {client.pk}: {client.name}")
                self.stdout.write(f"token (shown once): {token}")
            else:
                client = ApiClient.objects.filter(pk=options["client_id"]).first()
                if client is None:
                    raise CommandError("No such client.")
                services.revoke_client(actor=actor, client=client)
                self.stdout.write(f"client {client.pk} revoked")
        except (ValueError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
