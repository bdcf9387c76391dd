from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import Resident, ResidentDataQuerySet


class AssignmentQuerySet(ResidentDataQuerySet):
    def current(self) -> "AssignmentQuerySet":
        return self.filter(ended_at__isnull=True)

    def named(self) -> "AssignmentQuerySet":
        return self.filter(role=PhysicianAssignment.Role.NAMED)


class PhysicianAssignment(models.Model):
    """A resident's named physician (fast läkarkontakt) or deputy over a period."""

    class Role(models.TextChoices):
        NAMED = "named", _("Named physician")
        DEPUTY = "deputy", _("Deputy")

    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="physician_assignments",
        verbose_name=_("resident"),
    )
    physician = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("physician"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("physician assignment")
        verbose_name_plural = _("physician assignments")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "role"],
                condition=Q(ended_at__isnull=True),
                name="one_current_assignment_per_role",
            ),
        ]
        indexes = [models.Index(fields=["physician", "role", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.physician.name}"


class CareContact(models.Model):
    """A physician contact with a resident; the history continuity is measured on."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video visit")
        PHYSICAL = "physical", _("Physical visit")
        PHONE = "phone", _("Phone call")
        ROUND = "round", _("Ward round")
        CONSULT = "consult", _("Consult answer")

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("resident")
    )
    clinician = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("clinician")
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("time"))

    objects = ResidentDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("care contact")
        verbose_name_plural = _("care contacts")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["resident", "occurred_at"]),
            models.Index(fields=["clinician", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"
