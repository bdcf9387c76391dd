"""Physician orders (ordinationer) and the nurse tasks they become: the closed loop.

An order such as "measure vital signs every 4 hours for 2 days" becomes one task per due time on
the resident's unit; the nurse completes each task with a result; the ordering physician sees it
in the consult thread; an overdue task escalates to the unit and the physician.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.consults.models import Consult
from digifys.directory.models import StaffProfile
from digifys.residents.models import ClinicalRecord, ClinicalRecordQuerySet, Resident
from digifys.vitals.models import Observation
from digifys.vitals.summary import summary, values_of


class Order(ClinicalRecord):
    class Kind(models.TextChoices):
        VITALS = "vitals", _("Measure vital signs")
        SAMPLE = "sample", _("Take a sample")
        WOUND = "wound", _("Check a wound")
        MEDICATION = "medication", _("Medication change to give")
        VISIT = "visit", _("Physical visit")
        OTHER = "other", _("Other")

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="orders", verbose_name=_("resident")
    )
    consult = models.ForeignKey(
        Consult,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("consult"),
    )
    ordered_by = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordered by")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    instructions = models.TextField(_("instructions"))
    first_due_at = models.DateTimeField(_("first due"))
    every_hours = models.PositiveSmallIntegerField(_("repeat every (hours)"), null=True, blank=True)
    for_days = models.PositiveSmallIntegerField(_("for (days)"), null=True, blank=True)
    created_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(every_hours__isnull=True) & Q(for_days__isnull=True))
                | (Q(every_hours__gte=1) & Q(for_days__gte=1)),
                name="order_repeat_complete",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.instructions[:40]}"


def overdue_grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.TASK_OVERDUE_GRACE_MINUTES)


class TaskQuerySet(ClinicalRecordQuerySet):
    def open(self) -> "TaskQuerySet":
        return self.filter(status=NurseTask.Status.OPEN)

    def late(self, *, now=None) -> "TaskQuerySet":
        """Open tasks shown as overdue at NOW (see `NurseTask.is_overdue`)."""
        return self.open().filter(due_at__lt=(now or timezone.now()) - overdue_grace())

    def overdue(self, *, at=None) -> "TaskQuerySet":
        return self.open().filter(due_at__lte=at or timezone.now())


class NurseTask(ClinicalRecord):
    """One thing to do at the bedside at a due time, from a physician's order."""

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("order")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("resident")
    )
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    completed_at = models.DateTimeField(_("done at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    # What the nurse typed (or, for a cancelled task, the reason). The vital signs measured for
    # the task are OBSERVATION, shown beside it in the reader's language and number formats.
    result = models.TextField(_("result"), blank=True)
    observation = models.ForeignKey(
        Observation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vital signs"),
    )
    overdue_notified_at = models.DateTimeField(_("overdue reported at"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["unit", "status", "due_at"]),
            models.Index(fields=["resident", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(result="") | Q(observation__isnull=False),
                name="done_task_has_result",
            )
        ]

    def is_overdue(self, now: datetime.datetime) -> bool:
        """True once the due time plus the grace period has passed, the moment the unit and the
        physician are told (services.report_if_overdue). A task due now is due, not overdue: it
        is never overdue when it is created (issue 12 §4 item 4)."""
        return self.status == self.Status.OPEN and now > self.due_at + overdue_grace()

    @property
    def title(self) -> str:
        """What to do, in the reader's language: the order's kind and the physician's
        instructions as written (issue 12 §4 item 5). Load `order` with the task."""
        return f"{self.order.get_kind_display()}: {self.order.instructions}"

    @property
    def result_text(self) -> str:
        """The result: the vital signs measured (in the reader's formats) and what was typed."""
        measured = summary(values_of(self.observation)) if self.observation_id else ""
        return ". ".join(part for part in (measured, self.result) if part)

    def __str__(self) -> str:
        return self.title
