"""Attempt every due notification delivery now (cron safety net beside the task worker)."""

from django.core.management.base import BaseCommand

from digifys.notifications import delivery


class Command(BaseCommand):
    help = "Attempt every due e-mail and SMS delivery of notifications (lost jobs, restarts)."

    def handle(self, *args, **options) -> None:
        tried = delivery.sweep_due()
        self.stdout.write(f"{tried} deliveries attempted")
