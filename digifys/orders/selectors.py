"""Reads for the orders pages, each in a constant number of queries however long the history."""

import datetime

from django.utils import timezone

from digifys.accounts.models import Role
from digifys.core.time import STOCKHOLM
from digifys.vitals.models import Observation

from .models import NurseTask, Order

RECENTLY = datetime.timedelta(hours=24)
RECENT_LIMIT = 50
FILTERS = ("all", "overdue", "today")
UNIT_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE)


def end_of_today(now: datetime.datetime) -> datetime.datetime:
    """Midnight at the end of NOW's day in Stockholm."""
    tomorrow = timezone.localtime(now, STOCKHOLM).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(0), tzinfo=STOCKHOLM)


def _with_related(tasks):
    return tasks.select_related(
        "resident", "unit", "order__ordered_by__user", "completed_by", "observation"
    )


def tasks_of(user):
    """The tasks USER works with: their units' (nurses) or the ones they ordered (physicians)."""
    tasks = NurseTask.objects.visible_to(user)
    if user.role in UNIT_ROLES:
        return tasks.filter(unit__in=user.unit_ids())
    if user.role == Role.PHYSICIAN:
        return tasks.filter(order__ordered_by__user=user)
    return tasks.none()


def open_tasks(user, *, show: str = "all", now: datetime.datetime | None = None):
    """Open tasks by due time; SHOW narrows to "overdue" or due by the end of "today"."""
    now = now or timezone.now()
    tasks = tasks_of(user).open()
    if show == "overdue":
        tasks = tasks.late(now=now)
    elif show == "today":
        tasks = tasks.filter(due_at__lt=end_of_today(now))
    return _with_related(tasks).order_by("due_at", "id")


def done_recently(user, *, now: datetime.datetime | None = None) -> list[NurseTask]:
    """Tasks done in the last 24 hours, latest first (at most RECENT_LIMIT)."""
    now = now or timezone.now()
    tasks = tasks_of(user).filter(status=NurseTask.Status.DONE, completed_at__gte=now - RECENTLY)
    return list(_with_related(tasks).order_by("-completed_at", "-id")[:RECENT_LIMIT])


def task_for_completion(user, pk: int):
    """A task USER may complete, or None: nurses only on their own units."""
    tasks = NurseTask.objects.visible_to(user)
    if user.role in UNIT_ROLES:
        tasks = tasks.filter(unit__in=user.unit_ids())
    return (
        tasks.select_related(
            "resident__unit__parent", "order__ordered_by__user", "completed_by", "observation"
        )
        .filter(pk=pk)
        .first()
    )


def attachable_observations(user, task: NurseTask):
    """The resident's vital signs measured since the order, latest first."""
    return (
        Observation.objects.visible_to(user)
        .filter(resident=task.resident_id, measured_at__gte=task.order.created_at)
        .order_by("-measured_at", "-id")
    )


def order_for_cancelling(user, pk: int):
    return (
        Order.objects.visible_to(user)
        .select_related("resident__unit__parent", "ordered_by__user", "consult")
        .filter(pk=pk)
        .first()
    )
