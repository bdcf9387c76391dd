"""Start the nightly refresh of the insights fact tables unless a run is already queued."""

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from digifys.insights.tasks import next_run, nightly_refresh


class Command(BaseCommand):
    help = "Queue the nightly fact-table refresh (03:00 Stockholm) unless one is queued already."

    def handle(self, *args, **options):
        if DBTaskResult.objects.filter(
            task_path=nightly_refresh.module_path, status="READY"
        ).exists():
            self.stdout.write("Already queued.")
            return
        nightly_refresh.using(run_after=next_run()).enqueue()
        self.stdout.write(f"Queued for {next_run().isoformat()}.")
