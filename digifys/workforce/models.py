"""Flexible work (issue 15 §3) and the virtual clinic's monthly on-duty rota.

* `Preference` and `HourPreference`: what a clinician prefers and cannot do, in their own zone.
* `WorkElsewhere`: an effective-dated work place (the Spain branch, or home) for a period; while
  approved and in force, `location.place_of` answers with its zone and (if the contract says so)
  its holiday calendar.
* `RotaMonth` and `Shift`: the dated on-duty rota of one month (UTC instants), built by CP-SAT.
* `SwapRequest`: two clinicians exchange (or hand over) on-duty shifts; the coordinator approves.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation, StaffProfile
from digifys.scheduling.models import WorkingPattern

from .reasons import render_reason


class Preference(models.Model):
    """A clinician's limits and wishes for rota and planner."""

    staff = models.OneToOneField(
        StaffProfile,
        on_delete=models.CASCADE,
        related_name="work_preference",
        verbose_name=_("clinician"),
    )
    max_on_duty_hours_per_week = models.PositiveSmallIntegerField(
        _("at most on-duty hours per week"), default=40
    )
    preferred_units = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="+",
        verbose_name=_("preferred units"),
        limit_choices_to={"kind": "unit"},
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("work preference")
        verbose_name_plural = _("work preferences")

    def __str__(self) -> str:
        return str(self.staff)


class HourPreference(models.Model):
    """Hours of a weekday a clinician prefers or cannot work, in their own time zone."""

    class Kind(models.TextChoices):
        PREFER = "prefer", _("Prefer to work")
        CANNOT = "cannot", _("Cannot work")

    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.CASCADE,
        related_name="hour_preferences",
        verbose_name=_("clinician"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WorkingPattern.Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        verbose_name = _("preferred or impossible hours")
        verbose_name_plural = _("preferred or impossible hours")
        ordering = ["staff", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")) | Q(ends="00:00"),
                name="hour_preference_within_one_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_weekday_display()} {self.starts:%H:%M}"


class WorkElsewhere(models.Model):
    """A period a clinician works from another place (a branch abroad, or home)."""

    class Place(models.TextChoices):
        BRANCH = "branch", _("A branch of the clinic")
        HOME = "home", _("Home")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.CASCADE,
        related_name="work_elsewhere",
        verbose_name=_("clinician"),
    )
    place = models.CharField(_("work from"), max_length=10, choices=Place.choices)
    branch = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("branch"),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    country = models.CharField(_("country"), max_length=2, choices=StaffProfile.Country.choices)
    subdivision = models.CharField(_("autonomous community or county"), max_length=8, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    holidays_follow = models.BooleanField(
        _("the place's public holidays apply (as the contract says)"), default=False
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("work from elsewhere")
        verbose_name_plural = _("work from elsewhere")
        ordering = ["-starts_on", "pk"]
        indexes = [models.Index(fields=["status", "staff"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="work_elsewhere_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.starts_on}–{self.ends_on}"


class RotaMonth(models.Model):
    """The virtual clinic's on-duty rota of one month (the first of the month, Stockholm)."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    required = models.PositiveSmallIntegerField(_("clinicians on duty at a time"), default=1)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("built by"),
    )
    built_at = models.DateTimeField(_("built at"), auto_now=True)
    method = models.CharField(_("method"), max_length=20, blank=True)
    seconds = models.FloatField(_("seconds"), default=0.0)
    status = models.CharField(_("solver status"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("on-duty rota")
        verbose_name_plural = _("on-duty rotas")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Shift(models.Model):
    """One on-duty shift of the rota: a half-open interval of UTC instants and who holds it."""

    rota = models.ForeignKey(
        RotaMonth, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("rota")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shifts",
        verbose_name=_("on duty"),
    )

    class Meta:
        verbose_name = _("on-duty shift")
        verbose_name_plural = _("on-duty shifts")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["staff", "starts_at"]),
            models.Index(fields=["rota", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class SwapRequest(models.Model):
    """A proposed exchange of on-duty shifts between two clinicians.

    `shift` is the proposer's; `counter_shift` (optional) the other's: without it the proposer
    hands the shift over. The other accepts, the coordinator approves; every step re-checks
    cover, daily rest and licences and stores the reason for a refusal in words (`refusal_code`
    and `refusal_params`, rendered in the reader's language).
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the colleague")
        ACCEPTED = "accepted", _("Waiting for the coordinator")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined by the colleague")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN = (Status.PROPOSED, Status.ACCEPTED)

    proposer = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="+", verbose_name=_("proposed by")
    )
    counterpart = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="+", verbose_name=_("colleague")
    )
    shift = models.ForeignKey(
        Shift, on_delete=models.CASCADE, related_name="+", verbose_name=_("shift given")
    )
    counter_shift = models.ForeignKey(
        Shift,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shift taken in return"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    refusal_code = models.CharField(_("reason code"), max_length=40, blank=True)
    refusal_params = models.JSONField(_("reason parameters"), default=dict, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.proposer} ↔ {self.counterpart}"

    @property
    def refusal_text(self) -> str:
        return render_reason(self.refusal_code, self.refusal_params) or self.decision_reason
