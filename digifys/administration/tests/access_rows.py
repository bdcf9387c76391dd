"""Access-matrix rows for the administrator's pages (collected by core/tests/test_access_matrix.py).

Only administrators get in; everybody else logged in gets 403, anonymous users the login page.
The pages show accounts and system state, never residents.
"""

from digifys.testing.access_matrix import FORBIDDEN, OK, REDIRECT, row


def a_failed_task(w=None):
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    return DBTaskResult.objects.create(
        status="FAILED",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="digifys.consults.tasks.sweep_overdue_consults",
        backend_name="default",
        queue_name="default",
        run_after=now - datetime.timedelta(minutes=1),
        started_at=now,
        finished_at=now,
        exception_class_path="builtins.RuntimeError",
        traceback="Traceback (most recent call last):\nRuntimeError: the database went away",
    )


def _admin_only(status=OK) -> dict:
    return row(FORBIDDEN, administrator=status)


ROWS = {
    "administration:home": (lambda w: {}, "get", _admin_only()),
    "administration:users": (lambda w: {}, "get", _admin_only()),
    "administration:user_active": (
        lambda w: {"user_pk": w.nurse_mala.pk},
        "get",
        _admin_only(),
    ),
    "administration:organisations": (lambda w: {}, "get", _admin_only()),
    "administration:roles": (lambda w: {}, "get", _admin_only()),
    "administration:tasks": (lambda w: {}, "get", _admin_only()),
    "administration:task_retry": (
        lambda w: {"task_pk": a_failed_task(w).pk},
        "post",
        _admin_only(REDIRECT),
    ),
    "administration:audit_verify": (lambda w: {}, "post", _admin_only()),
}
