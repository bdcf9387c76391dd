"""Background work for consults: deadline checks run by the django-tasks database worker."""

from django_tasks import task

from . import services


@task()
def check_consult_deadline(*, consult_id: int) -> bool:
    """Escalate the consult if its deadline passed unanswered (re-schedules itself if so)."""
    return services.escalate_if_overdue(consult_id=consult_id)


@task()
def sweep_overdue_consults() -> int:
    """Safety net: escalate every overdue consult, e.g. after the worker was down."""
    return services.escalate_overdue()
