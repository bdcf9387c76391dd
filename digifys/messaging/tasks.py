"""Background work for relatives' messages: the answer-deadline check, run by the task worker."""

from django_tasks import task

from . import services


@task()
def check_message_deadline(*, message_id: int) -> bool:
    """Escalate the message to the unit's coordinators if its deadline passed unanswered."""
    return services.escalate_if_overdue(message_id=message_id)


@task()
def sweep_overdue_messages() -> int:
    """Safety net: escalate every overdue message, e.g. after the worker was down."""
    return services.escalate_overdue()
