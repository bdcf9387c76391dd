"""Writes for physician orders and nurse tasks (the closed loop).

Rules enforced here:
- only physicians order; an order with a repeat ("every N hours for D days") becomes one task per
  due time; an order that would make more than MAX_TASKS_PER_ORDER tasks is refused with the
  longest period and the least frequent repeat that would fit (never cut short silently);
- ordering from a consult answers it;
- only nurses and assistant nurses of the resident's unit (or a physician) complete tasks, always
  with a result; the ordering physician is notified and sees it in the consult thread;
- an open task past its due time (plus settings.TASK_OVERDUE_GRACE_MINUTES) escalates once: the
  unit's nurses and the ordering physician are notified.
"""

import datetime
import math

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.clinicians import drafts
from digifys.clinicians import rules as clinician_rules
from digifys.consults import routing
from digifys.consults.models import Consult
from digifys.consults.services import event, mark_answered
from digifys.core import live
from digifys.directory.models import StaffProfile
from digifys.notifications.models import Notification
from digifys.notifications.services import notify
from digifys.orders import signals
from digifys.residents.models import Resident
from digifys.vitals.models import Observation
from digifys.vitals.summary import summary, values_of

from .models import NurseTask, Order

MAX_TASKS_PER_ORDER = 200
COMPLETING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)


def _groups(order: Order) -> list[str]:
    groups = [
        live.unit_group(order.unit_id),
        live.resident_group(order.resident_id),
        live.physician_group(order.ordered_by_id),
    ]
    if order.consult_id:
        groups.append(live.consult_group(order.consult_id))
    return groups


def _link(order: Order) -> str:
    if order.consult_id:
        return reverse("consults:detail", args=[order.consult_id])
    return reverse("orders:tasks")


def _overdue_at(task: NurseTask) -> datetime.datetime:
    return task.due_at + datetime.timedelta(minutes=settings.TASK_OVERDUE_GRACE_MINUTES)


def _schedule_overdue_checks(tasks: list[NurseTask]) -> None:
    from .tasks import check_task_overdue

    plan = [(task.pk, _overdue_at(task)) for task in tasks]

    def enqueue() -> None:
        for pk, when in plan:
            check_task_overdue.using(run_after=when).enqueue(task_id=pk)

    transaction.on_commit(enqueue)


def task_count(every_hours: int | None, for_days: int | None) -> int:
    """How many tasks an order makes (the length of `due_times`, without building it)."""
    if not every_hours:
        return 1
    return math.ceil((for_days or 1) * 24 / every_hours)


def too_many_tasks_message(every_hours: int, for_days: int) -> str | None:
    """Say how to shorten an order that would make more than MAX_TASKS_PER_ORDER tasks."""
    count = task_count(every_hours, for_days)
    if count <= MAX_TASKS_PER_ORDER:
        return None
    days = max(
        d for d in range(1, for_days + 1) if task_count(every_hours, d) <= MAX_TASKS_PER_ORDER
    )
    hours = min(
        h for h in range(every_hours, 169) if task_count(h, for_days) <= MAX_TASKS_PER_ORDER
    )
    return _(
        "This order would make %(count)s tasks; at most %(limit)s are made from one order. "
        "Shorten it: at this frequency for at most %(days)s days, or repeat every %(hours)s "
        "hours or less often."
    ) % {"count": count, "limit": MAX_TASKS_PER_ORDER, "days": days, "hours": hours}


def due_times(
    first_due_at: datetime.datetime, every_hours: int | None, for_days: int | None
) -> list[datetime.datetime]:
    """Return the due time of every task an order makes (one when it does not repeat)."""
    if not every_hours:
        return [first_due_at]
    # Step in UTC: arithmetic on a zone-aware datetime is wall-clock arithmetic, which would
    # stretch or shrink the interval across a daylight-saving change.
    first_due_at = first_due_at.astimezone(datetime.UTC)
    end = first_due_at + datetime.timedelta(days=for_days or 1)
    times = []
    when = first_due_at
    while when < end:
        times.append(when)
        when += datetime.timedelta(hours=every_hours)
    return times


@transaction.atomic
def place_order(
    *,
    actor,
    resident: Resident,
    kind: str,
    instructions: str,
    first_due_at: datetime.datetime | None = None,
    every_hours: int | None = None,
    for_days: int | None = None,
    consult: Consult | None = None,
    request=None,
) -> Order:
    """A physician orders something to be done at the bedside; it becomes tasks on the unit."""
    if getattr(actor, "role", None) != Role.PHYSICIAN:
        raise PermissionDenied(_("Only a physician can order."))
    # A resident registered elsewhere still gets orders from physicians in Sweden (the region's
    # on-call route); physicians abroad may not (issue 19 item 2).
    if reason := routing.refusal_reason(actor.staff_profile, resident):
        raise PermissionDenied(reason)
    # Only a clinician with a valid licence orders; one under supervision orders a draft.
    clinician_rules.require(actor.staff_profile, clinician_rules.PLACE_ORDERS)
    now = timezone.now()
    first_due_at = first_due_at or now
    errors = {}
    if kind not in Order.Kind.values:
        errors["kind"] = _("Choose what is ordered.")
    if not instructions.strip():
        errors["instructions"] = _("Write what the nurse should do.")
    if first_due_at < now - datetime.timedelta(minutes=5):
        errors["first_due_at"] = _("The first due time has already passed.")
    if (every_hours is None) != (for_days is None):
        errors["every_hours"] = _("For a repeated order give both how often and for how many days.")
    elif every_hours is not None and not (1 <= every_hours <= 168 and 1 <= for_days <= 90):
        errors["every_hours"] = _("Repeat every 1–168 hours for 1–90 days.")
    elif every_hours is not None and (too_many := too_many_tasks_message(every_hours, for_days)):
        errors["every_hours"] = too_many
    if consult is not None:
        if consult.resident_id != resident.pk:
            errors["consult"] = _("The consult is about another resident.")
        elif consult.status == Consult.Status.CLOSED:
            errors["consult"] = _(
                "This consult is closed. Order without it, or send a new consult."
            )
    if errors:
        raise ValidationError(errors)
    order = Order.objects.create(
        resident=resident,
        unit=resident.unit,
        consult=consult,
        ordered_by=actor.staff_profile,
        kind=kind,
        instructions=instructions.strip(),
        first_due_at=first_due_at,
        every_hours=every_hours,
        for_days=for_days,
        created_at=now,
    )
    if clinician_rules.under_supervision(actor.staff_profile):
        # A draft without tasks until the supervisor countersigns (issue #15 §2).
        drafts.submit(
            author=actor.staff_profile,
            kind="order",
            resident=resident,
            consult=consult,
            object_id=order.pk,
            request=request,
        )
        return order
    return put_order_into_effect(order=order, actor=actor, request=request)


@transaction.atomic
def put_order_into_effect(*, order: Order, actor, request=None) -> Order:
    """Make the order's tasks, log it, answer its consult and tell the unit (the order's effect).

    Called by place_order, or by clinicians.supervision when a supervisor countersigns a
    supervised clinician's order (a first due time that has passed by then moves to now).
    """
    resident = order.resident
    consult = order.consult
    kind = order.kind
    now = timezone.now()
    first_due_at = order.first_due_at
    if first_due_at < now - datetime.timedelta(minutes=5):
        first_due_at = now
    every_hours, for_days = order.every_hours, order.for_days
    tasks = NurseTask.objects.bulk_create(
        [
            NurseTask(order=order, resident=resident, unit=resident.unit, due_at=when)
            for when in due_times(first_due_at, every_hours, for_days)
        ]
    )
    if not tasks[0].pk:  # backends that do not return ids from bulk_create
        tasks = list(order.tasks.all())
    signals.tasks_changed.send(sender=NurseTask, order=order, task_ids=[task.pk for task in tasks])
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=resident,
        object_type="order",
        object_id=order.pk,
        request=request,
        details={"tasks": len(tasks)},
    )
    if consult is not None:
        consult = Consult.objects.select_for_update().get(pk=consult.pk)
        event(
            consult.pk,
            "order_placed",
            {"kind": kind, "instructions": order.instructions, "count": len(tasks)},
            actor=actor,
        )
        if consult.assigned_to_id != actor.staff_profile.pk and consult.is_waiting:
            consult.assigned_to = actor.staff_profile
        mark_answered(consult, physician=actor.staff_profile, now=now)
    notify(
        recipients=StaffProfile.objects.users_caring_on(resident.unit_id),
        kind=Notification.Kind.TASK_NEW,
        code="task_new",
        params={"unit": resident.unit.name},
        link=reverse("orders:tasks"),
    )
    live.publish(_groups(order), "task", resident=resident.pk)
    _schedule_overdue_checks(tasks)
    return order


@transaction.atomic
def complete_task(
    *,
    actor,
    task: NurseTask,
    result: str,
    observation: Observation | None = None,
    request=None,
) -> NurseTask:
    """Document a task as done with its result (and the vital signs, when it was a measurement)."""
    if getattr(actor, "role", None) not in COMPLETING_ROLES:
        raise PermissionDenied(_("Only the care team completes tasks."))
    # Only the task's row, and FOR NO KEY UPDATE (its key does not change): FOR UPDATE of the
    # joined resident (and order) held up every other request's access-log entry for the
    # resident (its foreign-key check takes FOR KEY SHARE) while this one waited for the log's
    # chain head to write its own: a deadlock (PostgreSQL ends one with a 500; fhir tests).
    task = (
        NurseTask.objects.select_for_update(of=("self",), no_key=True)
        .select_related("order", "resident")
        .get(pk=task.pk)
    )
    if task.status != NurseTask.Status.OPEN:
        raise ValidationError(_("This task is already done or cancelled."))
    result = result.strip()
    # The vital signs measured are stored as the observation, not as text: each reader sees
    # them in their language and number formats (NurseTask.result_text).
    if not result and observation is None:
        raise ValidationError({"result": _("Write the result, or what was done.")})
    if observation is not None and observation.resident_id != task.resident_id:
        raise ValidationError({"observation": _("These vital signs belong to another resident.")})
    now = timezone.now()
    task.status = NurseTask.Status.DONE
    task.completed_at = now
    task.completed_by = actor
    task.result = result
    task.observation = observation
    task.save()
    order = task.order
    if order.consult_id:
        # Before the access-log entry: rows first, the log's chain head last, as post_message
        # does (it locks the consult, then logs); touching the consult after logging deadlocked
        # with a message in the same consult.
        Consult.objects.filter(pk=order.consult_id).update(updated_at=now)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=task.resident,
        object_type="task",
        object_id=task.pk,
        request=request,
        details={"change": "done"},
    )
    if order.consult_id:
        params = {"kind": order.kind, "instructions": order.instructions, "note": result}
        if observation is not None:
            params["vitals"] = values_of(observation)
        event(order.consult_id, "task_done", params, actor=actor)
    notify(
        recipients=[order.ordered_by.user],
        kind=Notification.Kind.TASK_DONE,
        code="task_done",
        params={"unit": task.unit.name},
        link=_link(order),
    )
    live.publish(_groups(order), "task", resident=task.resident_id)
    return task


def observation_summary(observation: Observation) -> str:
    """The vital signs of OBSERVATION in one line, in the active language and formats."""
    return summary(values_of(observation))


@transaction.atomic
def cancel_order(*, actor, order: Order, reason: str, request=None) -> Order:
    """Stop an order: its open tasks are cancelled (done ones are kept)."""
    if getattr(actor, "role", None) != Role.PHYSICIAN:
        raise PermissionDenied(_("Only a physician can cancel an order."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the order is cancelled.")})
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.cancelled_at is not None:
        raise ValidationError(_("This order is already cancelled."))
    now = timezone.now()
    order.cancelled_at = now
    order.save(update_fields=["cancelled_at"])
    # The open tasks, locked: one done meanwhile is not cancelled, and their ids go to the signal.
    open_tasks = order.tasks.select_for_update(no_key=True).filter(status=NurseTask.Status.OPEN)
    cancelled = list(open_tasks.values_list("pk", flat=True))
    NurseTask.objects.filter(pk__in=cancelled, status=NurseTask.Status.OPEN).update(
        status=NurseTask.Status.CANCELLED, result=reason.strip()[:2000]
    )
    signals.tasks_changed.send(sender=NurseTask, order=order, task_ids=cancelled)
    if order.consult_id:
        event(order.consult_id, "order_cancelled", {"reason": reason.strip()}, actor=actor)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=order.resident,
        object_type="order",
        object_id=order.pk,
        request=request,
        details={"change": "cancelled"},
    )
    live.publish(_groups(order), "task", resident=order.resident_id)
    return order


@transaction.atomic
def report_if_overdue(*, task_id: int, now: datetime.datetime | None = None) -> bool:
    """Escalate an open task past its due time (once): notify the unit and the physician."""
    now = now or timezone.now()
    task = (
        NurseTask.objects.select_for_update()
        .select_related("order__ordered_by__user", "resident")
        .filter(pk=task_id)
        .first()
    )
    if (
        task is None
        or task.status != NurseTask.Status.OPEN
        or task.overdue_notified_at is not None
        or _overdue_at(task) > now
    ):
        return False
    task.overdue_notified_at = now
    task.save(update_fields=["overdue_notified_at"])
    order = task.order
    if order.consult_id:
        event(
            order.consult_id,
            "task_overdue",
            {"kind": order.kind, "instructions": order.instructions},
        )
    notify(
        recipients=[order.ordered_by.user, *StaffProfile.objects.users_caring_on(task.unit_id)],
        kind=Notification.Kind.TASK_OVERDUE,
        code="task_overdue",
        params={"unit": task.unit.name},
        link=_link(order),
    )
    live.publish(_groups(order), "task", resident=task.resident_id)
    return True


def report_overdue(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    grace = datetime.timedelta(minutes=settings.TASK_OVERDUE_GRACE_MINUTES)
    ids = list(
        NurseTask.objects.overdue(at=now - grace)
        .filter(overdue_notified_at__isnull=True)
        .values_list("pk", flat=True)
    )
    return sum(report_if_overdue(task_id=pk, now=now) for pk in ids)
