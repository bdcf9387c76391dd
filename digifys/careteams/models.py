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


class AccessGrantQuerySet(ResidentDataQuerySet):
    def active(self, *, at=None) -> "AccessGrantQuerySet":
        return self.filter(expires_at__gt=at or timezone.now(), revoked_at__isnull=True)


class AccessGrant(models.Model):
    """Access outside the ordinary care relationship: emergency access (nödåtkomst), or
    opening a block with the resident's consent. Time-limited; always reviewed afterwards."""

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency access")
        CONSENT = "consent", _("Opened with the resident's consent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_grants",
        verbose_name=_("user"),
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="access_grants", verbose_name=_("resident")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} → {self.resident}"


class BlockQuerySet(ResidentDataQuerySet):
    def active(self) -> "BlockQuerySet":
        return self.filter(lifted_at__isnull=True)


class Block(models.Model):
    """A resident's block (spärr) of the data one unit holds, from staff in other units.

    Patientdatalagen 4 kap. 4 §; domain-spec §3.1: others see only that blocked data exists;
    it opens with the resident's consent or, in an emergency, in two explicit steps.
    """

    class LiftBasis(models.TextChoices):
        CONSENT = "consent", _("The resident's request or consent")
        DOCUMENTED = "documented", _("Another documented reason")

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="blocks", verbose_name=_("resident")
    )
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("blocked unit"),
        help_text=_("The unit whose records are blocked from staff in other units."),
    )
    reason = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_basis = models.CharField(
        _("lifted on the basis of"), max_length=10, choices=LiftBasis.choices, blank=True
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    objects = BlockQuerySet.as_manager()

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "unit"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_block_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} / {self.unit}"
