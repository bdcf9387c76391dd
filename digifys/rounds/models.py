"""Digital ward rounds: a recurring slot per unit, its occurrences, and each round's agenda."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import ClinicalRecord, Resident


class RoundSlot(models.Model):
    """A unit's recurring ward round, e.g. every Tuesday 09:00–11:00 Stockholm time.

    Times are wall-clock times in Europe/Stockholm, where the unit is. `physician` is who normally
    holds the round (the unit's named physician); the planner may give an occurrence to another.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="round_slots", verbose_name=_("unit")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    every_weeks = models.PositiveSmallIntegerField(_("every … weeks"), default=1)
    # Rounds every N weeks count their weeks from this date's week; without it, from ISO week 1
    # of 1970 (so a fortnightly slot keeps its rhythm across years with 53 weeks).
    starts_on = models.DateField(_("first round on or after"), null=True, blank=True)
    physician = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="round_slots",
        verbose_name=_("physician"),
    )
    no_contact_weeks = models.PositiveSmallIntegerField(
        _("put residents on the agenda after … weeks without a physician contact"), default=8
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ward round slot")
        verbose_name_plural = _("ward round slots")
        ordering = ["unit__name", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")), name="round_slot_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="round_slot_weekday_range"),
            models.CheckConstraint(condition=Q(every_weeks__gte=1), name="round_slot_every_weeks"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RoundQuerySet":
        """Rounds USER takes part in (careteams.policy.round_filter_for)."""
        # Imported here: the policy imports this module.
        from digifys.careteams.policy import round_filter_for

        return self.filter(round_filter_for(user))

    def open(self) -> "RoundQuerySet":
        """Rounds still to be held or running."""
        return self.filter(status__in=(Round.Status.PLANNED, Round.Status.IN_PROGRESS))


class Round(models.Model):
    """One occurrence of a ward round, as UTC instants."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    slot = models.ForeignKey(
        RoundSlot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rounds",
        verbose_name=_("slot"),
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("unit")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    physician = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rounds",
        verbose_name=_("physician"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Who actually ran the round (may differ from the planned `physician`); the round's contacts
    # are recorded for them.
    conducted_by = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conducted_rounds",
        verbose_name=_("held by"),
    )
    # The planned start when the round was run on another day (services.reschedule_round), so
    # scheduling does not create the slot's occurrence for that day again.
    rescheduled_from = models.DateTimeField(_("planned for"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("ward round")
        verbose_name_plural = _("ward rounds")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="round_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["slot", "starts_at"],
                condition=Q(slot__isnull=False),
                name="one_round_per_slot_and_time",
            ),
        ]
        indexes = [models.Index(fields=["unit", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.starts_at:%Y-%m-%d %H:%M} UTC"


class AgendaItem(ClinicalRecord):
    """A resident on a round's agenda, and why; the physician's outcome is recorded on it."""

    class Reason(models.TextChoices):
        FLAGGED = "flagged", _("Flagged by a nurse")
        MEDICATION_REVIEW = "medication_review", _("Medication review due")
        CONSULT = "consult", _("Open consult")
        NO_CONTACT = "no_contact", _("No physician contact for a long time")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("round")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="agenda_items", verbose_name=_("resident")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    # The other reasons the agenda builder found for the same resident, shown as extra badges.
    other_reasons = models.JSONField(_("other reasons"), default=list, blank=True)
    consult = models.ForeignKey(
        "consults.Consult",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consult"),
    )
    note = models.CharField(_("question for the physician"), max_length=500, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Outcome(models.TextChoices):
        NOTE = "note", _("Journal note signed")
        ORDER = "order", _("Order placed")
        NO_ACTION = "no_action", _("No action needed")
        MOVED = "moved", _("Moved to the next round")

    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(_("reason for the outcome"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "resident"],
                condition=Q(removed_at__isnull=True),
                name="resident_once_on_an_agenda",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} ({self.get_reason_display()})"

    @property
    def reasons(self) -> list[str]:
        """Return the main reason followed by the others, as Reason values."""
        return [self.reason, *[r for r in self.other_reasons if r != self.reason]]

    @property
    def seen(self) -> bool:
        """True when the physician saw the resident on this round (not moved to the next)."""
        return bool(self.outcome) and self.outcome != self.Outcome.MOVED

    def reason_labels(self) -> list[str]:
        """Return the display labels of every reason."""
        labels = dict(self.Reason.choices)
        return [str(labels.get(r, r)) for r in self.reasons]
