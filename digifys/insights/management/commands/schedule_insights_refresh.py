"""Start the insights jobs (nightly refresh, monthly reports) unless a run is already queued."""

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from digifys.insights.tasks import monthly_reports, next_report_run, next_run, nightly_refresh


class Command(BaseCommand):
    help = (
        "Queue the nightly fact-table refresh (03:00 Stockholm) and the monthly report e-mails "
        "(the 1st at 06:00 Stockholm), each unless one is queued already."
    )

    def handle(self, *args, **options):
        for job, when, name in (
            (nightly_refresh, next_run, "Nightly refresh"),
            (monthly_reports, next_report_run, "Monthly reports"),
        ):
            if DBTaskResult.objects.filter(task_path=job.module_path, status="READY").exists():
                self.stdout.write(f"Already queued: {name}.")
                continue
            job.using(run_after=when()).enqueue()
            self.stdout.write(f"{name}: queued for {when().isoformat()}.")
