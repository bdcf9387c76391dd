"""Overdue tasks escalate once to the unit and the physician, through the real database worker."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from digifys.consults.models import ConsultMessage
from digifys.notifications.models import Notification
from digifys.orders.models import NurseTask
from digifys.orders.services import complete_task, report_if_overdue, report_overdue
from digifys.testing.world import build_world

from .conftest import WEDNESDAY_10, an_order

DUE = WEDNESDAY_10 + datetime.timedelta(hours=1)


def _grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.TASK_OVERDUE_GRACE_MINUTES)


def _overdue_notified(world) -> set[str]:
    return set(
        Notification.objects.filter(kind=Notification.Kind.TASK_OVERDUE).values_list(
            "recipient__username", flat=True
        )
    )


def test_a_task_is_not_reported_before_the_grace_period_has_passed(world, clock):
    task = an_order(world, first_due_at=DUE).tasks.get()
    just_before = DUE + _grace() - datetime.timedelta(seconds=1)
    assert report_if_overdue(task_id=task.pk, now=just_before) is False
    assert not _overdue_notified(world)
    task.refresh_from_db()
    assert task.overdue_notified_at is None


def test_an_overdue_task_notifies_the_unit_and_the_physician_once(world, clock):
    order = an_order(world, first_due_at=DUE)
    task = order.tasks.get()
    after = DUE + _grace() + datetime.timedelta(minutes=1)
    assert report_if_overdue(task_id=task.pk, now=after) is True
    assert _overdue_notified(world) == {world.nurse_mala.username, world.physician_spain.username}
    assert order.consult.messages.filter(
        kind=ConsultMessage.Kind.EVENT, code="task_overdue", params__kind=order.kind
    ).exists()
    count = Notification.objects.filter(kind=Notification.Kind.TASK_OVERDUE).count()
    # Reported once: running the check again (or the sweep) adds nothing.
    assert report_if_overdue(task_id=task.pk, now=after + datetime.timedelta(hours=1)) is False
    assert report_overdue(now=after + datetime.timedelta(hours=2)) == 0
    assert Notification.objects.filter(kind=Notification.Kind.TASK_OVERDUE).count() == count


def test_a_done_task_is_never_reported(world, clock):
    task = an_order(world, first_due_at=DUE).tasks.get()
    complete_task(actor=world.nurse_mala, task=task, result="Klart.")
    assert report_if_overdue(task_id=task.pk, now=DUE + 2 * _grace()) is False
    assert not _overdue_notified(world)


def test_the_sweep_reports_every_overdue_task_not_yet_reported(world, clock):
    an_order(world, first_due_at=DUE, every_hours=4, for_days=1)
    assert report_overdue(now=DUE + datetime.timedelta(hours=4) + _grace()) == 2


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_performs_the_overdue_check_when_the_time_has_come():
    with time_machine.travel(WEDNESDAY_10, tick=False) as clock:
        world = build_world()
        task = an_order(world, first_due_at=DUE).tasks.get()  # committed: the check is queued
        call_command("db_worker", batch=True, verbosity=0, startup_delay=False)
        task.refresh_from_db()
        assert task.overdue_notified_at is None
        assert not _overdue_notified(world)

        clock.move_to(DUE + _grace() + datetime.timedelta(minutes=1))
        call_command("db_worker", batch=True, verbosity=0, startup_delay=False)
        task.refresh_from_db()
        assert task.status == NurseTask.Status.OPEN
        assert task.overdue_notified_at is not None
        assert _overdue_notified(world) == {
            world.nurse_mala.username,
            world.physician_spain.username,
        }
