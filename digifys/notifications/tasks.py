"""Background work for notifications: sending deliveries, run by the django-tasks worker."""

from django_tasks import task

from . import delivery


@task()
def deliver_notification(*, delivery_id: int) -> str:
    """Send one delivery if it is due and unclaimed (a doubled job sends nothing)."""
    return delivery.attempt(delivery_id=delivery_id)


@task()
def sweep_deliveries() -> int:
    """Safety net: attempt every due delivery, e.g. one whose job was lost."""
    return delivery.sweep_due()
