"""Background work for the trust survey, run by the django-tasks database worker."""

from django_tasks import task

from . import services


@task()
def send_survey_invitations() -> int:
    """Create and notify this round's survey invitations (safe to run daily, or twice)."""
    return services.send_invitations()
