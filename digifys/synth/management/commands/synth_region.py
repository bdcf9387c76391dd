"""`manage.py synth_region`: load the deterministic synthetic region (see digifys.synth.region)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from digifys.accounts.demo import DEMO_PASSWORD, demo_logins, role_label
from digifys.core.time import STOCKHOLM
from digifys.synth.observations import LARGE_SCALE
from digifys.synth.region import (
    HISTORY_DAYS,
    LARGE_SCALE_HISTORY_DAYS,
    RegionExistsError,
    generate_region,
    region_exists,
)


def _date(text: str) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--now must be a date like 2026-11-27; got {text!r}.") from exc
    return datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=STOCKHOLM)


class Command(BaseCommand):
    help = (
        "Generate the synthetic Region Västerbotten (organisations, staff, residents, history) "
        "into an empty database and print the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--scale", type=int, default=450, help="Number of residents (default 450)."
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=None,
            help=f"Days of history (default {HISTORY_DAYS}, {LARGE_SCALE_HISTORY_DAYS} above "
            f"{LARGE_SCALE} residents): physician contacts, consults and hospital transfers; "
            "vital signs cover the last 3 of them at most (the last one above "
            f"{LARGE_SCALE} residents).",
        )
        parser.add_argument(
            "--now",
            type=_date,
            default=None,
            help="Generate as if it were midnight (Europe/Stockholm) at the start of this date "
            "(YYYY-MM-DD). Default: now, so the demo's persona unit starts live.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the logins) if a region is already loaded.",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing unless something goes wrong."
        )

    def handle(self, *args, seed, scale, history_days, now, if_empty, quiet, **options):
        if if_empty and region_exists():
            if not quiet:
                self.stdout.write("A synthetic region is already loaded; keeping it.")
                self._print_logins(demo_logins())
            return
        try:
            summary = generate_region(seed=seed, scale=scale, history_days=history_days, now=now)
        except (RegionExistsError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if quiet:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic region (seed {summary.seed}, scale {summary.scale}) generated "
                f"in {summary.seconds:.1f} s:"
            )
        )
        for label, value in [
            ("organisations", summary.organisations),
            ("units", summary.units),
            ("residents", summary.residents),
            ("staff profiles", summary.staff),
            ("physicians (incl. locums)", summary.physicians),
            ("relatives", summary.relatives),
            ("physician contacts", summary.contacts),
            ("working hours (incl. rota)", summary.working_patterns),
            ("absences", summary.absences),
            ("vital-sign observations", summary.observations),
            ("consults", summary.consults),
            ("nurse tasks", summary.tasks),
            ("hospital transfers", summary.transfers),
        ]:
            self.stdout.write(f"  {label:<27} {value:>9,}".replace(",", " "))
        self._print_logins(summary.logins)

    def _print_logins(self, logins) -> None:
        # In the demo's default language (Swedish): the login page greets in it too.
        with translation.override(settings.LANGUAGE_CODE):
            self._print_logins_translated(logins)

    def _print_logins_translated(self, logins) -> None:
        from digifys.accounts.services import DEMO_ENROLMENT_CODE
        from digifys.core.management.commands.rundemo import how_to_log_in

        if not logins:
            self.stdout.write(_("No demo logins found."))
            return
        self.stdout.write("")
        # The working way in first: the demo buttons need neither password nor authenticator.
        self.stdout.write(how_to_log_in())
        rows = [(_("Role"), _("Username"), _("Name"), _("Detail"))]
        rows += [
            (role_label(login.role), login.username, login.name, login.detail) for login in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        for number, row in enumerate(rows):
            cells = [row[i].ljust(widths[i]) for i in range(3)] + [row[3]]
            self.stdout.write("  " + "  ".join(cells).rstrip())
            if number == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths) + "  ------")
        self.stdout.write("")
        self.stdout.write(
            _(
                "Logging in with a password instead: every demo login has the password "
                "%(password)s, and staff must then set up an authenticator app (TOTP) with the "
                "enrolment code %(code)s (demo mode only)."
            )
            % {"password": DEMO_PASSWORD, "code": DEMO_ENROLMENT_CODE}
        )
