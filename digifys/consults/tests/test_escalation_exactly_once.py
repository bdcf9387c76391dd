"""A missed deadline escalates a consult exactly once, whatever the task worker does.

The deadline job and the safety-net sweep may both run for one deadline (the sweep after a worker
restart), a worker may die in the middle of an escalation, and two workers may run the same check
at the same instant. `services.escalate_if_overdue` locks the consult's row (SELECT … FOR UPDATE)
and re-reads the deadline under the lock, in the one transaction that writes the escalation: a
second run for the same deadline finds the deadline moved on, and a run that dies leaves nothing.
The jobs run through the real django-tasks database worker; the worker's death mid-escalation is
a database error on its last write (a trigger), which rolls the transaction back as the
connection's loss does when the process is killed (bench/faults.py kills the real process).
"""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from digifys.audit.models import AuditEvent
from digifys.consults import services
from digifys.consults.models import Consult, ConsultMessage
from digifys.consults.tasks import check_consult_deadline, sweep_overdue_consults
from digifys.notifications.models import Notification
from digifys.testing.concurrency import at_once
from digifys.testing.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
OVERDUE = START + datetime.timedelta(minutes=31)  # urgent: 30 minutes


def _send(world, resident):
    return services.send_consult(
        actor=world.nurse_mala,
        resident=resident,
        urgency="urgent",
        situation="Andas snabbare sedan i morse.",
        background="KOL.",
        assessment="NEWS2 6.",
        recommendation="Bedömning inom 30 minuter.",
    )


def _escalations(consult) -> int:
    return ConsultMessage.objects.filter(
        consult=consult, code__in=["escalated", "escalated_nobody"]
    ).count()


def _escalation_audit_entries(consult) -> int:
    return sum(
        1
        for details in AuditEvent.objects.filter(
            object_type="consult", object_id=consult.pk
        ).values_list("details", flat=True)
        if (details or {}).get("change") == "escalated"
    )


@pytest.fixture
def consults():
    world = build_world()
    with time_machine.travel(START, tick=False):
        return world, [_send(world, world.resident_mala), _send(world, world.resident_mala_2)]


def _crash_on_notification_insert():
    table = Notification._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f'CREATE TRIGGER worker_dies BEFORE INSERT ON "{table}" '
                "BEGIN SELECT RAISE(ABORT, 'the worker died'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION worker_dies() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'the worker died'; END $$"
            )
            cursor.execute(
                f'CREATE TRIGGER worker_dies BEFORE INSERT ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION worker_dies()"
            )


def _worker_lives_again():
    table = Notification._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER worker_dies")
        else:
            cursor.execute(f'DROP TRIGGER worker_dies ON "{table}"')
            cursor.execute("DROP FUNCTION worker_dies()")


def test_the_deadline_jobs_and_the_sweep_for_one_deadline_escalate_each_consult_once(consults):
    _world, sent = consults
    with time_machine.travel(OVERDUE, tick=False):
        sweep_overdue_consults.enqueue()
        call_command("db_worker", batch=True, verbosity=0)  # the deadline jobs and the sweep
        sweep_overdue_consults.enqueue()  # and once more, as by hand after a restart
        call_command("db_worker", batch=True, verbosity=0)
    for consult in sent:
        consult.refresh_from_db()
        assert consult.escalation_count == 1
        assert _escalations(consult) == 1
        assert _escalation_audit_entries(consult) == 1


def test_a_worker_dying_mid_escalation_leaves_nothing_and_the_rerun_escalates_once(consults):
    _world, sent = consults
    notifications_before = Notification.objects.filter(kind="consult_escalated").count()
    _crash_on_notification_insert()
    try:
        with time_machine.travel(OVERDUE, tick=False):
            call_command("db_worker", batch=True, verbosity=0)
    finally:
        _worker_lives_again()
    jobs = DBTaskResult.objects.filter(task_path=check_consult_deadline.module_path)
    assert sorted(jobs.values_list("status", flat=True)) == ["FAILED", "FAILED"]
    for consult in sent:
        consult.refresh_from_db()
        # The consult's update, its thread event and its audit entry were written before the
        # failing insert; none of them is left.
        assert consult.escalation_count == 0
        assert _escalations(consult) == 0
        assert _escalation_audit_entries(consult) == 0
    assert Notification.objects.filter(kind="consult_escalated").count() == notifications_before

    # The worker is back: the sweep (docs/operations.md) escalates each consult, once.
    with time_machine.travel(OVERDUE + datetime.timedelta(seconds=5), tick=False):
        sweep_overdue_consults.enqueue()
        call_command("db_worker", batch=True, verbosity=0)
        sweep_overdue_consults.enqueue()
        call_command("db_worker", batch=True, verbosity=0)
    for consult in sent:
        consult.refresh_from_db()
        assert consult.escalation_count == 1
        assert _escalations(consult) == 1
        assert _escalation_audit_entries(consult) == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent connections")
def test_four_workers_checking_one_deadline_at_once_escalate_it_once(consults):
    _world, (consult, _other) = consults

    def check():
        return services.escalate_if_overdue(consult_id=consult.pk, now=OVERDUE)

    outcomes, failures = at_once(check)
    assert failures == []
    assert sorted(outcomes) == [False, False, False, True]
    consult.refresh_from_db()
    assert consult.escalation_count == 1
    assert _escalations(consult) == 1
    assert Consult.objects.get(pk=consult.pk).deadline_at > OVERDUE
