"""Clinicians' availability: weekly working pattern in their own time zone, and absences.

Public holidays come from the `holidays` package for the clinician's work country and region
(see `availability.py`). Bookings, rounds and the planner build on this module.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class WorkRequest(models.Model):
    """Work for the planner that is neither a ward round nor a medication review.

    A family meeting or a follow-up about one resident, to be held between `earliest_on` and
    `deadline_on` (Stockholm dates, inclusive). The planner books it when a plan is accepted.
    """

    class Kind(models.TextChoices):
        FAMILY_MEETING = "family_meeting", _("Family meeting")
        FOLLOW_UP = "follow_up", _("Follow-up")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PLANNED = "planned", _("Planned")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        related_name="work_requests",
        verbose_name=_("resident"),
    )
    unit = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=30)
    earliest_on = models.DateField(_("earliest date"))
    deadline_on = models.DateField(_("deadline"))
    language = models.CharField(
        _("language"), max_length=8, default="sv", help_text=_("ISO 639-1, e.g. sv")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    booking = models.ForeignKey(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booking"),
    )

    objects = ResidentDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("planning request")
        verbose_name_plural = _("planning requests")
        ordering = ["deadline_on", "pk"]
        indexes = [models.Index(fields=["status", "deadline_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_on__gte=F("earliest_on")), name="work_request_deadline_after"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.earliest_on}–{self.deadline_on}"


class Plan(models.Model):
    """A proposed or accepted week plan: who does which work item when."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        SUPERSEDED = "superseded", _("Superseded")

    week_start = models.DateField(_("week starting"), help_text=_("A Monday."))
    horizon_start = models.DateTimeField(_("horizon start"))
    horizon_days = models.PositiveSmallIntegerField(_("days"), default=7)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=30, blank=True)
    named_share = models.FloatField(_("named share"), default=0.0)
    upper_bound = models.FloatField(_("upper bound"), default=0.0)
    # Resident contacts (a ward round counts for every resident on its agenda): the share done
    # by the named physician and the best share any plan could reach (issue 15 section 5).
    contact_share = models.FloatField(_("named share of resident contacts"), default=0.0)
    contact_bound = models.FloatField(_("upper bound of resident contacts"), default=0.0)
    seconds = models.FloatField(_("seconds"), default=0.0)
    replanned_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replans",
        verbose_name=_("re-plan of"),
    )
    reason = models.CharField(_("reason for re-planning"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-week_start", "-created_at"]
        indexes = [models.Index(fields=["week_start", "status"])]

    def __str__(self) -> str:
        return f"{self.week_start} ({self.get_status_display()})"

    @property
    def method_label(self) -> str:
        """The planner's method in the reader's language (the field keeps the engine's code)."""
        labels = {
            "optimiser": pgettext_lazy("planner method", "the optimiser"),
            "greedy": pgettext_lazy("planner method", "the quick method"),
            "first_available": pgettext_lazy("planner method", "the first-available method"),
        }
        return labels.get(self.method, self.method)

    @property
    def reason_text(self) -> str:
        """Why it was re-planned, as typed; a re-plan after an absence without a typed reason
        reads "Absence registered" in the reader's language (issue 12 §4 item 5)."""
        if self.reason or not self.replanned_from_id:
            return self.reason
        return str(_("Absence registered"))


class PlanItem(models.Model):
    """One work item of a plan and where the planner put it (times are UTC instants)."""

    class Kind(models.TextChoices):
        ROUND = "round", _("Ward round")
        MEDICATION_REVIEW = "medication_review", _("Medication review")
        FAMILY_MEETING = "family_meeting", _("Family meeting")
        FOLLOW_UP = "follow_up", _("Follow-up")

    class Tier(models.TextChoices):
        NAMED = "named", _("Named physician")
        DEPUTY = "deputy", _("Deputy")
        TEAM = "team", _("Same team")
        OTHER = "other", _("Other physician")
        LOCUM = "locum", _("Locum")

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan")
    )
    key = models.CharField(_("item key"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    unit = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    round = models.ForeignKey(
        "rounds.Round",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ward round"),
    )
    work_request = models.ForeignKey(
        WorkRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_items",
        verbose_name=_("planning request"),
    )
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    earliest_at = models.DateTimeField(_("earliest start"))
    deadline_at = models.DateTimeField(_("deadline"))
    language = models.CharField(_("language"), max_length=8, default="sv")
    named = models.ForeignKey(
        StaffProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("named physician"),
    )
    deputy = models.ForeignKey(
        StaffProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deputy"),
    )
    clinician = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
        verbose_name=_("clinician"),
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, blank=True)
    interpreter = models.BooleanField(_("interpreter"), default=False)
    named_status = models.CharField(_("named physician status"), max_length=20, blank=True)
    deputy_status = models.CharField(_("deputy status"), max_length=20, blank=True)
    kept = models.BooleanField(_("kept from the previous plan"), default=False)
    weight = models.PositiveSmallIntegerField(_("resident contacts"), default=1)
    deferred = models.BooleanField(_("moved to a later week"), default=False)
    # Why the item went where it did, as codes and parameters rendered for each reader
    # (`plan_explanations.REASONS`); never stored prose.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("edited by"),
    )
    booking = models.ForeignKey(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booking"),
    )

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["plan", "starts_at"]),
            models.Index(fields=["plan", "clinician"]),
        ]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="plan_item_key_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


def place_key(place: str) -> str:
    """The form a work place is matched in: trimmed, case-folded ("MÁLAGA" is "Málaga")."""
    return " ".join((place or "").split()).casefold()


class LocalHoliday(models.Model):
    """A local (municipal) or island holiday at a work place, on top of the `holidays` package.

    The package knows national and autonomous-community days; each Spanish municipality adds two
    local days and each Canary island an island day (e.g. Málaga 19 August, Gran Canaria
    8 September; Decreto 61/2025 for the Canaries in 2026). `place` is a work city
    (`StaffProfile.work_city`) or an island (`data/local_holidays.json` maps cities to islands).
    Seeded from `data/local_holidays.json`; coordinators keep them up to date.
    """

    country = models.CharField(
        _("country"), max_length=2, choices=StaffProfile.Country.choices, default="ES"
    )
    place = models.CharField(
        _("work place"),
        max_length=100,
        help_text=_("A city as in the clinician's work city (e.g. Málaga), or a Canary island."),
    )
    place_key = models.CharField(max_length=100, editable=False)
    date = models.DateField(_("date"))
    name = models.CharField(_("holiday"), max_length=200)
    source = models.CharField(
        _("source"),
        max_length=500,
        help_text=_("Where the date is published, e.g. the official bulletin and decree."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("local holiday")
        verbose_name_plural = _("local holidays")
        ordering = ["date", "place"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "place_key", "date"], name="local_holiday_unique_per_place"
            )
        ]
        indexes = [models.Index(fields=["country", "place_key", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.place}: {self.name}"
