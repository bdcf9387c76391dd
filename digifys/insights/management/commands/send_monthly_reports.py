"""E-mail the monthly insights reports now (each subscription's month at most once)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from digifys.core.time import STOCKHOLM
from digifys.insights.report import previous_month
from digifys.insights.report_services import send_monthly_reports


def _month(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{text}-01")
    except ValueError as exc:
        raise CommandError(f"not a month (YYYY-MM): {text!r}") from exc


class Command(BaseCommand):
    help = (
        "Send every subscriber the monthly report of last month (or --month) unless it was sent "
        "already."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", type=_month, help="the month to report (YYYY-MM)")

    def handle(self, *args, month=None, **options):
        today = timezone.now().astimezone(STOCKHOLM).date()
        month = month or previous_month(today)
        if month > today:
            raise CommandError(f"{month:%Y-%m} has not begun yet")
        counts = send_monthly_reports(month=month)
        summary = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        self.stdout.write(f"{month:%Y-%m}: {summary or 'no subscriptions'}")
