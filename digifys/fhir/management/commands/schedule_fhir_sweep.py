"""Start the FHIR subscription sweep (every FHIR_SUBSCRIPTION_SWEEP_SECONDS) unless it is queued."""

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from digifys.fhir.tasks import next_sweep, sweep_subscription_notifications


class Command(BaseCommand):
    help = (
        "Queue the sweep that sends due FHIR subscription notifications and retries failed ones; "
        "it re-enqueues itself. Does nothing if a sweep is queued already."
    )

    def handle(self, *args, **options):
        job = sweep_subscription_notifications
        if DBTaskResult.objects.filter(task_path=job.module_path, status="READY").exists():
            self.stdout.write("Already queued: subscription sweep.")
            return
        when = next_sweep()
        job.using(run_after=when).enqueue(reschedule=True)
        self.stdout.write(f"Subscription sweep: queued for {when.isoformat()}.")
