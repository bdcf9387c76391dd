"""Refresh the insights fact tables now: the days touched since the last run, or all of them;
then the rollups and the figures page's precomputed default views (as the nightly job)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from digifys.insights import facts


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}") from exc


class Command(BaseCommand):
    help = (
        "Rebuild the daily fact tables: the days changed since the last run (default), every "
        "day from --since, or every day with --full."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, help="first day to consider (YYYY-MM-DD)")
        parser.add_argument(
            "--full", action="store_true", help="rebuild every day, not only the changed ones"
        )

    def handle(self, *args, since=None, full=False, **options):
        # --since alone rebuilds every day from that date (that is what one asks it for).
        result = facts.refresh_facts(start=since, full=full or since is not None)
        kind = "full" if result.full else "incremental"
        self.stdout.write(
            f"{kind}: {result.days} days, {result.rows} rows, "
            f"{result.precomputed} precomputed series ({result.precompute_s:.1f} s)"
        )
