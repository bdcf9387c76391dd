"""Insights tables: go-live dates, hospital transfers and the daily fact tables (issue #16).

- `GoLive`: the day a unit started working with digifys; every figure is split before/after it.
- `HospitalTransfer`: a nurse's record of a transfer to hospital or an emergency visit, with the
  physician's later judgement whether it was avoidable.
- `DailyFact` and `FactWatermark`: one row per unit × day × measure (× dimension), rebuilt by
  `facts.refresh_facts`; the dashboards read only these (see facts.py for every measure).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation
from digifys.residents.models import ClinicalRecord, Resident


class GoLive(models.Model):
    """When a unit went live with digifys (admin-editable; one per unit)."""

    unit = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="go_live",
        verbose_name=_("unit"),
        limit_choices_to={"kind": Organisation.Kind.UNIT},
    )
    went_live_on = models.DateField(
        _("went live on"),
        help_text=_("The first day the unit worked with digifys. Figures compare before and after."),
    )

    class Meta:
        verbose_name = _("go-live date")
        verbose_name_plural = _("go-live dates")
        ordering = ["unit__name"]

    def __str__(self) -> str:
        return f"{self.unit}: {self.went_live_on.isoformat()}"
