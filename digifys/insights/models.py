"""Insights tables: go-live dates, hospital transfers and the daily fact tables (issue #16).

- `GoLive`: the day a unit started working with digifys; every figure is split before/after it.
- `HospitalTransfer`: a nurse's record of a transfer to hospital or an emergency visit, with the
  physician's later judgement whether it was avoidable.
- `DailyFact` and `FactWatermark`: one row per unit × day × measure (× dimension), rebuilt by
  `facts.refresh_facts`; the dashboards read only these (see facts.py for every measure).
- `MonthlyRollup`, `ContactSegment` and `RollupState`: the monthly rollups per level the figures
  page reads (`rollups.py`), rebuilt from the daily facts of the months a refresh touched.
- `PrecomputedFigure`: the figures page's default views, computed by each refresh after the
  rollups and served while current (`precomputed.py`).
- `ReportSubscription` and `ReportDelivery`: who receives which level's monthly PDF report by
  e-mail, and which months have been sent (report.py, tasks.monthly_reports).
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
        help_text=_(
            "The first day the unit worked with digifys. Figures compare before and after."
        ),
    )

    class Meta:
        verbose_name = _("go-live date")
        verbose_name_plural = _("go-live dates")
        ordering = ["unit__name"]

    def __str__(self) -> str:
        return f"{self.unit}: {self.went_live_on.isoformat()}"


class HospitalTransfer(ClinicalRecord):
    """A resident's transfer to hospital or visit to an emergency department.

    The nurse records when, where to, why and whether a digital consult came first; a physician
    judges afterwards whether it was avoidable (`avoidable` stays None until then).
    """

    class Kind(models.TextChoices):
        ADMISSION = "admission", _("Hospital admission")
        EMERGENCY = "emergency", _("Emergency department visit")

    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        related_name="hospital_transfers",
        verbose_name=_("resident"),
    )
    occurred_at = models.DateTimeField(_("left the unit at"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    destination = models.CharField(_("where to"), max_length=200)
    reason = models.TextField(_("why"))
    consult_first = models.BooleanField(_("a digital consult happened first"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    avoidable = models.BooleanField(_("avoidable"), null=True, blank=True)
    judgement = models.TextField(_("physician's comment"), blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("judged by"),
    )
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)

    class Meta:
        verbose_name = _("hospital transfer")
        verbose_name_plural = _("hospital transfers")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["resident", "occurred_at"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class DailyFact(models.Model):
    """One measure of one unit on one day (Stockholm calendar day), optionally split by DIMENSION.

    `numerator`/`denominator` carry the counts (or hours) a figure divides; `resident_ids` the
    residents behind the row, so a figure over many days and units can count distinct residents
    for suppression; `samples` what a median or p90 needs (minutes), or for physician contacts the
    chronological [resident, clinician] pairs the continuity indices are computed from. Written
    only by `facts.refresh_facts` (delete and re-insert per day), read only by `figures`.
    """

    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    day = models.DateField(_("day"))
    measure = models.CharField(_("measure"), max_length=40)
    dimension = models.CharField(_("dimension"), max_length=40, blank=True, default="")
    numerator = models.FloatField(_("numerator"), default=0)
    denominator = models.FloatField(_("denominator"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    resident_ids = models.JSONField(_("residents behind the figure"), default=list)
    samples = models.JSONField(_("samples"), default=list)

    class Meta:
        verbose_name = _("daily fact")
        verbose_name_plural = _("daily facts")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "day", "measure", "dimension"], name="dailyfact_unique_cell"
            )
        ]
        indexes = [models.Index(fields=["measure", "day"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.measure}:{self.dimension}"


class FactWatermark(models.Model):
    """When the last complete refresh of the fact tables started (one row, key "facts")."""

    key = models.CharField(max_length=20, primary_key=True)
    refreshed_at = models.DateTimeField()
    first_day = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("fact table watermark")
        verbose_name_plural = _("fact table watermarks")

    def __str__(self) -> str:
        return f"{self.key}: {self.refreshed_at.isoformat()}"


class MonthlyRollup(models.Model):
    """One measure of one level's KEY in one month and era, summed from `DailyFact` (rollups.py).

    ERA is "before" or "after" go-live, "" for units without a go-live date, or "*" for all of
    them together; DIMENSION "*" is every dimension of a measure that has them. `resident_set`
    is the set of residents behind the cell as a zlib-compressed bitmap of their pks (so a
    range's distinct residents are an OR, not a re-read); `samples` the sample minutes as
    [[minutes, count], ...] (medians and p90 stay exact); `continuity` (contacts only) the
    exactly rounded sums of each resident's indices over the month and how many residents have
    two or more contacts, who are in `continuity_set`.
    """

    level = models.CharField(_("level"), max_length=20)
    key = models.PositiveBigIntegerField(_("key"))
    month = models.DateField(_("month"))
    era = models.CharField(_("era"), max_length=8, blank=True, default="")
    measure = models.CharField(_("measure"), max_length=40)
    dimension = models.CharField(_("dimension"), max_length=40, blank=True, default="")
    numerator = models.FloatField(_("numerator"), default=0)
    denominator = models.FloatField(_("denominator"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    resident_set = models.BinaryField(_("residents behind the figure"), default=b"")
    samples = models.JSONField(_("samples"), default=list)
    continuity = models.JSONField(_("continuity"), default=dict)
    continuity_set = models.BinaryField(_("residents with two or more contacts"), default=b"")

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "key", "month", "era", "measure", "dimension"],
                name="monthlyrollup_unique_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.key} {self.month:%Y-%m} {self.era} {self.measure}"


class ContactSegment(models.Model):
    """A run of one resident's physician contacts in one month on one unit and era (rollups.py).

    SEQ orders a resident's runs within the month as the figures order contacts (day, unit,
    time); `providers` counts the contacts per clinician, `same` the consecutive pairs with
    the same clinician inside the run, `first`/`last` its first and last clinician: enough to
    chain runs over any range and compute the continuity indices exactly.
    """

    resident = models.PositiveBigIntegerField(_("resident"))
    unit = models.PositiveBigIntegerField(_("unit"))
    month = models.DateField(_("month"))
    seq = models.PositiveIntegerField(_("order in the month"))
    era = models.CharField(_("era"), max_length=8, blank=True, default="")
    contacts = models.PositiveIntegerField(_("contacts"))
    providers = models.JSONField(_("contacts per clinician"), default=dict)
    first = models.PositiveBigIntegerField(_("first clinician"))
    last = models.PositiveBigIntegerField(_("last clinician"))
    same = models.PositiveIntegerField(_("consecutive contacts with the same clinician"))

    class Meta:
        verbose_name = _("contact segment")
        verbose_name_plural = _("contact segments")
        indexes = [models.Index(fields=["month", "unit"])]

    def __str__(self) -> str:
        return f"{self.resident} {self.month:%Y-%m} #{self.seq}"


class RollupState(models.Model):
    """What the rollups were built with (one row, key "rollups"): the go-live dates, the levels
    of each unit and the last day with facts. Figures read the rollups only while the go-live
    dates still agree; a refresh rebuilds every month when either changed."""

    key = models.CharField(max_length=20, primary_key=True)
    go_live = models.JSONField(default=dict)
    tree = models.JSONField(default=dict)
    last_day = models.DateField(null=True, blank=True)
    built_at = models.DateTimeField()
    # One more at every rebuild: what `PrecomputedFigure` rows were computed from.
    generation = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return f"{self.key}: {self.built_at.isoformat()}"


class PrecomputedFigure(models.Model):
    """One figure's series for a level's KEY over the figures page's default range, computed by
    the refresh after the rollups (`precomputed.py`) so that the page need not.

    Served only while GENERATION is `RollupState.generation` (no refresh since) and FINGERPRINT
    still matches the level's units, their go-live dates and the suppression threshold; SERIES
    is the `figures.Series` as JSON (numbers only: every text is rendered per reader)."""

    level = models.CharField(max_length=20)
    key = models.PositiveBigIntegerField()
    period = models.CharField(max_length=8)
    start = models.DateField()
    end = models.DateField()
    code = models.CharField(max_length=60)
    generation = models.PositiveBigIntegerField()
    fingerprint = models.CharField(max_length=64)
    series = models.TextField()

    class Meta:
        verbose_name = _("precomputed figure")
        verbose_name_plural = _("precomputed figures")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "key", "period", "start", "end", "generation", "code"],
                name="precomputedfigure_unique_series",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.key} {self.code} {self.start}..{self.end} #{self.generation}"


class ReportSubscription(models.Model):
    """A manager's wish to receive one level's monthly report by e-mail, in LANGUAGE.

    The task worker checks on every run that the subscriber may still see the level (the figures
    page's rule); a subscription whose owner may not is kept but gets no report.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
        verbose_name=_("user"),
    )
    level = models.CharField(_("level"), max_length=20)
    key = models.PositiveBigIntegerField(_("key"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("subscribed at"), default=timezone.now)

    class Meta:
        verbose_name = _("monthly report subscription")
        verbose_name_plural = _("monthly report subscriptions")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "level", "key"], name="reportsubscription_unique_user_level_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.level}:{self.key}"


class ReportDelivery(models.Model):
    """One monthly report sent for one subscription (the job sends each month once)."""

    subscription = models.ForeignKey(
        ReportSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the reported month."))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("monthly report sent")
        verbose_name_plural = _("monthly reports sent")
        ordering = ["-month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "month"], name="reportdelivery_unique_subscription_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.month:%Y-%m}"
