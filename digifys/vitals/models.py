"""Vital-sign observations with their NEWS2 score, Scale-2 decisions and unit escalation tables.

The scoring table is fixed (news2.py, RCP); only the response to each band is configured per unit
(domain-spec §1.5). One `Observation` row holds the set measured on one occasion and the score
derived from it; a partial set is stored with no total ("incomplete", domain-spec §1.6).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import ClinicalRecord, ClinicalRecordQuerySet, Resident


class Consciousness(models.TextChoices):
    ALERT = "A", _("A – Alert")
    CONFUSION = "C", _("C – New confusion")
    VOICE = "V", _("V – Responds to voice")
    PAIN = "P", _("P – Responds to pain")
    UNRESPONSIVE = "U", _("U – Unresponsive")


class OxygenDevice(models.TextChoices):
    NASAL = "nasal", _("Nasal cannula")
    SIMPLE_MASK = "simple_mask", _("Simple face mask")
    VENTURI = "venturi", _("Venturi mask")
    RESERVOIR = "reservoir", _("Reservoir mask (non-rebreather)")
    HIGH_FLOW = "high_flow", _("High-flow nasal oxygen")
    NIV = "niv", _("CPAP or NIV")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    """The rows of a unit's escalation table: RCP chart 4 splits the low band into 0 and 1–4."""

    ZERO = "zero", _("NEWS2 0")
    LOW = "low", _("NEWS2 1–4 (low)")
    LOW_MEDIUM = "low-medium", _("Single parameter 3 (low–medium)")
    MEDIUM = "medium", _("NEWS2 5–6 (medium)")
    HIGH = "high", _("NEWS2 7 or more (high)")


class Urgency(models.TextChoices):
    """How fast a consult must be answered (also the suggestion an escalation row gives)."""

    EMERGENCY = "emergency", _("Emergency – call 112 per local routine, then consult")
    URGENT = "urgent", _("Urgent – within 30 minutes")
    SAME_DAY = "same_day", _("Same day")
    NEXT_ROUND = "next_round", _("Next ward round")


def level_for(total: int | None, band: str) -> str | None:
    """Return the escalation-table row for a score.

    An incomplete set has no total, but a single parameter scored 3 still calls for the
    single-red-score response (RCP Chart 4; its band is then "low-medium"); otherwise None.
    """
    if total is None:
        return Level.LOW_MEDIUM if band == Level.LOW_MEDIUM else None
    if band == "low" and total == 0:
        return Level.ZERO
    return band


class Scale2Decision(ClinicalRecord):
    """A physician's decision that SpO2 Scale 2 applies (target 88–92 %, hypercapnic failure)."""

    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="scale2_decisions",
        verbose_name=_("resident"),
    )
    decided_by = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    target_low = models.PositiveSmallIntegerField(_("target SpO2 from (%)"), default=88)
    target_high = models.PositiveSmallIntegerField(_("target SpO2 to (%)"), default=92)
    note = models.TextField(_("note"), blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by unit"),
    )

    class Meta:
        verbose_name = _("SpO2 Scale 2 decision")
        verbose_name_plural = _("SpO2 Scale 2 decisions")
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_low__lt=F("target_high")), name="scale2_target_range"
            )
        ]

    def __str__(self) -> str:
        return f"Scale 2 {self.target_low}–{self.target_high} %"


class ObservationQuerySet(ClinicalRecordQuerySet):
    def scored(self) -> "ObservationQuerySet":
        return self.filter(news2_total__isnull=False)


class Observation(ClinicalRecord):
    """The vital signs measured on one occasion, and the NEWS2 score when the set is complete."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by staff")
        DEVICE = "device", _("Device")

    class Band(models.TextChoices):
        """The NEWS2 clinical-risk band (RCP Chart 2); the one set of labels for every screen."""

        LOW = "low", _("Low risk")
        LOW_MEDIUM = "low-medium", _("Low–medium risk")
        MEDIUM = "medium", _("Medium risk")
        HIGH = "high", _("High risk")

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="observations", verbose_name=_("resident")
    )
    measured_at = models.DateTimeField(_("measured at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    respiratory_rate = models.PositiveSmallIntegerField(
        _("respiration rate (/min)"), null=True, blank=True
    )
    spo2 = models.PositiveSmallIntegerField(_("SpO2 (%)"), null=True, blank=True)
    spo2_scale = models.PositiveSmallIntegerField(_("SpO2 scale"), default=1)
    scale2_decision = models.ForeignKey(
        Scale2Decision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Scale 2 decision"),
    )
    on_oxygen = models.BooleanField(_("on oxygen"), null=True, blank=True)
    oxygen_flow = models.DecimalField(
        _("oxygen flow (l/min)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    # How the oxygen is given and, where known (Venturi, high flow, NIV), its FiO2 (issue #19
    # item 14): a flow alone does not say how much oxygen the resident receives.
    # db_default: bulk loaders that list columns (synth) need not know the field.
    oxygen_device = models.CharField(
        _("oxygen device"),
        max_length=12,
        choices=OxygenDevice.choices,
        blank=True,
        default="",
        db_default="",
    )
    fio2 = models.PositiveSmallIntegerField(_("FiO2 (%)"), null=True, blank=True)
    systolic_bp = models.PositiveSmallIntegerField(_("systolic BP (mmHg)"), null=True, blank=True)
    diastolic_bp = models.PositiveSmallIntegerField(_("diastolic BP (mmHg)"), null=True, blank=True)
    pulse = models.PositiveSmallIntegerField(_("pulse (/min)"), null=True, blank=True)
    consciousness = models.CharField(
        _("consciousness (ACVPU)"), max_length=1, choices=Consciousness.choices, blank=True
    )
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    weight = models.DecimalField(
        _("weight (kg)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    blood_glucose = models.DecimalField(
        _("blood glucose (mmol/l)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    pain = models.PositiveSmallIntegerField(_("pain (0–10)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # The derived NEWS2 score; null total = incomplete set. Sub-scores and the red flag are kept for
    # any set, and an incomplete set with a single 3 has band "low-medium" (issue #19 item 1).
    news2_total = models.PositiveSmallIntegerField(_("NEWS2"), null=True, blank=True)
    news2_subscores = models.JSONField(_("NEWS2 sub-scores"), default=dict, blank=True)
    news2_band = models.CharField(_("risk band"), max_length=12, choices=Band.choices, blank=True)
    red_flag = models.BooleanField(_("single parameter scored 3"), default=False)
    # The key an offline client gives each entry (a UUID made on the tablet): the unique
    # constraint makes a retried or twice-synced entry find the first observation instead of
    # making a second one (issue #17 §1). Null for entries saved online without one.
    idempotency_key = models.UUIDField(
        _("idempotency key"), null=True, blank=True, unique=True, editable=False
    )

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["-measured_at", "-id"]
        indexes = [
            models.Index(fields=["resident", "-measured_at"]),
            models.Index(fields=["unit", "-measured_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.measured_at:%Y-%m-%d %H:%M}"

    @property
    def is_complete(self) -> bool:
        return self.news2_total is not None

    @property
    def level(self) -> str | None:
        return level_for(self.news2_total, self.news2_band)

    @property
    def band_label(self) -> str:
        """The band's label ("" when there is no band), the same words on every screen."""
        return self.get_news2_band_display() if self.news2_band else ""


class EscalationRule(models.Model):
    """One row of a unit's escalation table: what a NEWS2 level calls for on this unit."""

    unit = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="escalation_rules",
        verbose_name=_("unit"),
    )
    level = models.CharField(_("NEWS2 level"), max_length=12, choices=Level.choices)
    monitor_every_minutes = models.PositiveIntegerField(
        _("observe at least every (minutes)"),
        help_text=_("Drives the 'observation due' reminders on the unit's worklist."),
    )
    response = models.TextField(_("response"))
    suggested_urgency = models.CharField(
        _("suggest a consult"),
        max_length=12,
        choices=Urgency.choices,
        blank=True,
        help_text=_("Leave empty when this level does not prompt a consult."),
    )
    call_112 = models.BooleanField(_("tell the nurse to call 112 per local routine"), default=False)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["unit", "monitor_every_minutes"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "level"], name="one_rule_per_unit_level"),
            models.CheckConstraint(
                condition=Q(monitor_every_minutes__gte=5), name="monitoring_at_least_5_minutes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.level}"
