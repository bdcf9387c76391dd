"""Clinicians' availability: weekly working pattern in their own time zone, and absences.

Public holidays come from the `holidays` package for the clinician's work country and region
(see `availability.py`). Bookings, rounds and the planner build on this module.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import StaffProfile
from digifys.residents.models import ResidentDataQuerySet


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


class BookingQuerySet(ResidentDataQuerySet):
    def active(self) -> "BookingQuerySet":
        return self.filter(cancelled_at__isnull=True)

    def overlapping(self, clinician, starts_at, ends_at) -> "BookingQuerySet":
        """Active bookings of CLINICIAN sharing an instant with [STARTS_AT, ENDS_AT)."""
        return self.active().filter(
            clinician=clinician, starts_at__lt=ends_at, ends_at__gt=starts_at
        )


class Booking(models.Model):
    """A clinician's appointment about one resident, as a half-open interval of UTC instants.

    Double bookings are impossible at the database level: on PostgreSQL the exclusion constraint
    `booking_no_overlap` (GiST over `tstzrange(starts_at, ends_at, '[)')` with `&&` and
    `clinician_id` with `=`, only for bookings not cancelled; needs the btree_gist extension) is
    added by migration 0003 through `constraints.AddConstraintOnPostgreSQL`. It is deliberately not
    in `Meta.constraints`, because SQLite has no exclusion constraints; there the service's
    overlap check runs inside a `BEGIN IMMEDIATE` write transaction, which serialises writers.
    `services.book` turns a violation of the constraint into the same message as its own check.
    """

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video visit")
        FAMILY_MEETING = "family_meeting", _("Family meeting")
        MEDICATION_REVIEW = "medication_review", _("Medication review")
        PHYSICAL = "physical", _("Physical visit")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    clinician = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("clinician"),
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("resident"),
    )
    unit = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["clinician", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M} UTC"


class CalendarFeed(models.Model):
    """A clinician's secret iCalendar link: whoever knows the token can read the feed.

    The feed holds no resident names or identity numbers. Renewing replaces the token, so the
    old link stops working.
    """

    clinician = models.OneToOneField(
        StaffProfile,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("clinician"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.clinician)
