"""Medication reviews (läkemedelsgenomgångar, HSLF-FS 2017:37, domain-spec §3.4)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import StaffProfile
from digifys.residents.models import ClinicalRecord, Resident


class MedicationReview(ClinicalRecord):
    """One documented medication review of a resident, made by a physician.

    `unit` is the unit the resident lived in when the review was made: the record belongs to that
    unit's care, so a block (spärr) on it hides the review from staff of other units.
    """

    class Kind(models.TextChoices):
        SIMPLE = "simple", _("Simple medication review (enkel)")
        EXTENDED = "extended", _("Extended medication review (fördjupad)")

    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="medication_reviews",
        verbose_name=_("resident"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    performed_by = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="medication_reviews",
        verbose_name=_("performed by"),
    )
    performed_on = models.DateField(_("performed on"))
    findings = models.TextField(_("findings"))
    changes = models.TextField(_("changes to the medication"), blank=True)
    drug_related_problems = models.BooleanField(
        _("drug-related problems remain or are suspected"), default=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("medication review")
        verbose_name_plural = _("medication reviews")
        ordering = ["-performed_on", "-created_at"]
        indexes = [models.Index(fields=["resident", "performed_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.performed_on}"
