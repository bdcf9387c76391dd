"""Background work of the FHIR API, run by the django-tasks worker: subscription notifications
(retried with backoff), the sweep that sends every due notification (it re-enqueues itself every
FHIR_SUBSCRIPTION_SWEEP_SECONDS: start the chain once with `manage.py schedule_fhir_sweep`) and
bulk data exports."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import bulk_files, subscriptions

logger = logging.getLogger(__name__)


def enqueue_notification(notification_id: int, at: datetime.datetime | None = None) -> None:
    """Enqueue the delivery job for AT (now when None or past)."""
    job = deliver_subscription_notification
    if at is not None and at > timezone.now():
        if not job.get_backend().supports_defer:
            return  # a backend that cannot defer leaves the retry to the sweep
        job = job.using(run_after=at)
    try:
        job.enqueue(notification_id=notification_id)
    except Exception:  # the row stays due: the sweep sends it
        logger.exception("Could not enqueue subscription notification %s", notification_id)


@task()
def deliver_subscription_notification(*, notification_id: int) -> str:
    """POST one subscription notification if it is due and unclaimed; enqueue its retry."""
    status, retry_at = subscriptions.attempt(notification_id=notification_id)
    if retry_at is not None:
        enqueue_notification(notification_id, retry_at)
    return status


def next_sweep() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.FHIR_SUBSCRIPTION_SWEEP_SECONDS)


@task()
def sweep_subscription_notifications(*, reschedule: bool = False) -> int:
    """Attempt every due notification (a retry whose job was lost, or a backend that cannot
    defer); with RESCHEDULE, enqueue the next sweep first, so that a failure here never ends
    the chain."""
    if reschedule:
        sweep_subscription_notifications.using(run_after=next_sweep()).enqueue(reschedule=True)
    due = subscriptions.due_notifications()
    for notification_id in due:
        deliver_subscription_notification.call(notification_id=notification_id)
    return len(due)


@task()
def run_bulk_export(*, export_id: int) -> str:
    """Write the NDJSON files of one bulk export."""
    return bulk_files.run_export(export_id=export_id)
