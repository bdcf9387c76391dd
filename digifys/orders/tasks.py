"""Background work for nurse tasks: overdue checks run by the django-tasks database worker."""

from django_tasks import task

from . import services


@task()
def check_task_overdue(*, task_id: int) -> bool:
    """Report the task to the unit and the physician if it is still open past its due time."""
    return services.report_if_overdue(task_id=task_id)


@task()
def sweep_overdue_tasks() -> int:
    """Safety net: report every overdue task not yet reported."""
    return services.report_overdue()
