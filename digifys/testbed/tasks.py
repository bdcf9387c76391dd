import logging

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def generate_sandbox(*, sandbox_id: int) -> str:
    """Generate a company's sandbox in the task worker (sandbox.generate)."""
    from . import sandbox as generator
    from .models import Sandbox

    sandbox = Sandbox.objects.select_related("application").get(pk=sandbox_id)
    if sandbox.status == Sandbox.Status.READY:
        return "ready already"
    generator.generate(sandbox)
    return "generated"


@task()
def reset_sandbox(*, sandbox_id: int) -> str:
    """Run a reset the company asked for (services.request_reset): claim it, replace the data,
    and record done or failed (a failed reset changes nothing: services.reset_data is atomic)."""
    from . import services
    from .models import Sandbox

    claimed = Sandbox.objects.filter(pk=sandbox_id, reset_state=Sandbox.Reset.QUEUED).update(
        reset_state=Sandbox.Reset.RUNNING, reset_changed_at=timezone.now()
    )
    if not claimed:
        return "not queued"
    state = Sandbox.Reset.DONE
    try:
        services.reset_data(Sandbox.objects.select_related("application").get(pk=sandbox_id))
    except Exception:
        logger.exception("Resetting sandbox %s failed", sandbox_id)
        state = Sandbox.Reset.FAILED
    Sandbox.objects.filter(pk=sandbox_id).update(reset_state=state, reset_changed_at=timezone.now())
    return state
