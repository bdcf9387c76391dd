"""Clinicians' availability: weekly working pattern in their own time zone, and absences.

Public holidays come from the `holidays` package for the clinician's work country and region
(see `availability.py`). Bookings, rounds and the planner build on this module.
"""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import StaffProfile


class WorkingPattern(models.Model):
    """One weekly working period, in the clinician's own time zone (StaffProfile.time_zone).

    `on_call` periods are duty for the virtual clinic's on-duty rota (jour): consults are routed to
    an on-call clinician when neither the named physician nor the deputy is working.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    staff = models.ForeignKey(
        StaffProfile,
        on_delete=models.CASCADE,
        related_name="working_patterns",
        verbose_name=_("clinician"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"), help_text=_("00:00 means midnight at the end of the day."))
    on_call = models.BooleanField(_("on duty for the virtual clinic"), default=False)
    works_on_holidays = models.BooleanField(_("also on public holidays"), default=False)

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["staff", "weekday", "starts"]
        indexes = [models.Index(fields=["weekday", "on_call"])]
        constraints = [
            # A period lies within one day; a night shift is two rows (22:00–00:00, 00:00–06:00).
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")) | Q(ends=datetime.time(0, 0)),
                name="working_pattern_within_one_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class Absence(models.Model):
    """A period a clinician does not work (vacation, sick leave, course), whole days inclusive."""

    class Kind(models.TextChoices):
        VACATION = "vacation", _("Vacation")
        SICK = "sick", _("Sick leave")
        PARENTAL = "parental", _("Parental leave")
        COURSE = "course", _("Course or conference")
        OTHER = "other", _("Other")

    staff = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="absences", verbose_name=_("clinician")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["staff", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}–{self.ends_on}"
