from django_tasks import task


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
