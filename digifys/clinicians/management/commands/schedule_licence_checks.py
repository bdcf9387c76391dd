"""Start the nightly licence re-check chain unless a run is already queued."""

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from digifys.clinicians.tasks import next_run, nightly_register_check


class Command(BaseCommand):
    help = "Queue the nightly licence re-check (02:00 Stockholm) unless one is queued already."

    def handle(self, *args, **options):
        name = nightly_register_check.module_path
        if DBTaskResult.objects.filter(task_path=name, status="READY").exists():
            self.stdout.write("Already queued.")
            return
        nightly_register_check.using(run_after=next_run()).enqueue()
        self.stdout.write(f"Queued for {next_run().isoformat()}.")
