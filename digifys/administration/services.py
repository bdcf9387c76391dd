"""The administrator's writes: deactivate or reactivate an account, run a failed task again."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from digifys.accounts.models import Role, User
from digifys.audit import services as audit
from digifys.audit.models import AuditEvent


def _require_administrator(actor) -> None:
    if getattr(actor, "role", None) != Role.ADMINISTRATOR:
        raise PermissionDenied(_("Only an administrator can do this."))


@transaction.atomic
def set_active(*, actor, user: User, active: bool, request=None) -> User:
    """Deactivate (no more logins; history kept) or reactivate USER's account."""
    _require_administrator(actor)
    if user.pk == actor.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="user_account",
        object_id=user.pk,
        purpose=AuditEvent.Purpose.ADMINISTRATION,
        request=request,
        details={"active": active},
    )
    return user


def run_again(*, actor, result: DBTaskResult):
    """Enqueue a failed task again with the same arguments (django-tasks has no retry of its
    own); the failed result is kept. Returns the new task result."""
    _require_administrator(actor)
    if result.status != "FAILED":
        raise ValidationError(_("Only a failed task can be run again."))
    args_kwargs = result.args_kwargs or {}
    return result.task.enqueue(*args_kwargs.get("args", []), **args_kwargs.get("kwargs", {}))
