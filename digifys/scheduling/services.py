"""Writes for bookings and calendar feeds.

Rules (issue #5 item 5):
- physicians book themselves; nurses book for residents of their own units; coordinators book
  anyone; nobody else books;
- a booking lies in the future, ends after it starts, within the clinician's working hours, on a
  day the clinician is not absent, and does not overlap another active booking of the clinician.
  The overlap check runs inside the write transaction (serialised on SQLite by BEGIN IMMEDIATE);
  on PostgreSQL the exclusion constraint `booking_no_overlap` also refuses concurrent double
  bookings, and its IntegrityError becomes the same message;
- the resident's side is always Stockholm time, so messages give Stockholm times;
- every change writes an access-log entry.
"""

import datetime
import secrets
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.directory.models import StaffProfile
from digifys.residents.models import Resident

from .availability import _holiday_calendar, is_public_holiday, is_working
from .models import Absence, Booking, CalendarFeed

STOCKHOLM = ZoneInfo("Europe/Stockholm")
BOOKABLE_PROFESSIONS = (StaffProfile.Profession.PHYSICIAN, StaffProfile.Profession.NURSE)
MAX_DURATION = datetime.timedelta(hours=8)


def _stockholm(instant: datetime.datetime) -> str:
    return instant.astimezone(STOCKHOLM).strftime("%H:%M")


def _day(instant: datetime.datetime) -> str:
    return instant.astimezone(STOCKHOLM).date().isoformat()


def may_book(actor, resident: Resident, clinician: StaffProfile | None = None) -> bool:
    """Return True when ACTOR may book a time about RESIDENT (with CLINICIAN, if given)."""
    role = getattr(actor, "role", None)
    if role == Role.COORDINATOR:
        return True
    if role == Role.PHYSICIAN:
        profile = getattr(actor, "staff_profile", None)
        return clinician is None or (profile is not None and clinician.pk == profile.pk)
    if role == Role.NURSE:
        profile = getattr(actor, "staff_profile", None)
        return profile is not None and profile.units.filter(pk=resident.unit_id).exists()
    return False


def _overlap_error(clinician: StaffProfile, other: Booking | None) -> ValidationError:
    if other is None:
        message = _("%(name)s already has a booking at that time. Choose another time.") % {
            "name": clinician.name
        }
    else:
        message = _(
            "%(name)s already has a booking %(start)s–%(end)s Stockholm time. Choose another time."
        ) % {
            "name": clinician.name,
            "start": _stockholm(other.starts_at),
            "end": _stockholm(other.ends_at),
        }
    return ValidationError({"starts_at": message}, code="overlap")


def _check_times(clinician: StaffProfile, starts_at, ends_at) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("bookings need aware datetimes (instants)")
    if ends_at <= starts_at:
        raise ValidationError({"duration": _("The end must be after the start.")})
    if ends_at - starts_at > MAX_DURATION:
        raise ValidationError({"duration": _("A booking can last at most 8 hours.")})
    if starts_at < timezone.now():
        raise ValidationError({"starts_at": _("The start time has passed. Choose a later time.")})
    zone = ZoneInfo(clinician.time_zone or "Europe/Stockholm")
    first, last = starts_at.astimezone(zone).date(), ends_at.astimezone(zone).date()
    absence = (
        Absence.objects.filter(staff=clinician, starts_on__lte=last, ends_on__gte=first)
        .order_by("starts_on")
        .first()
    )
    if absence is not None:
        raise ValidationError(
            {
                "starts_at": _(
                    "%(name)s is away (%(kind)s) %(first)s–%(last)s. Choose another day."
                )
                % {
                    "name": clinician.name,
                    "kind": absence.get_kind_display().lower(),
                    "first": absence.starts_on.isoformat(),
                    "last": absence.ends_on.isoformat(),
                }
            }
        )
    patterns = list(clinician.working_patterns.all())
    just_before_end = ends_at - datetime.timedelta(seconds=1)
    if not (
        is_working(clinician, starts_at, patterns=patterns, absences=[])
        and is_working(clinician, just_before_end, patterns=patterns, absences=[])
    ):
        raise ValidationError(
            {
                "starts_at": _(
                    "%(name)s does not work %(day)s %(start)s–%(end)s Stockholm time. "
                    "Choose a time within their working hours."
                )
                % {
                    "name": clinician.name,
                    "day": _day(starts_at),
                    "start": _stockholm(starts_at),
                    "end": _stockholm(ends_at),
                }
            }
        )


@transaction.atomic
def book(
    *,
    actor,
    clinician: StaffProfile,
    resident: Resident,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    note: str = "",
    request=None,
) -> Booking:
    """Book CLINICIAN for RESIDENT from STARTS_AT to ENDS_AT (aware instants, half-open)."""
    if not may_book(actor, resident, clinician):
        raise PermissionDenied(_("You may not book this clinician for this resident."))
    if clinician.profession not in BOOKABLE_PROFESSIONS:
        raise ValidationError({"clinician": _("Choose a physician or a nurse.")})
    if kind not in Booking.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of booking.")})
    if resident.unit_id is None:
        raise ValidationError(_("The resident has no unit; register the move-in first."))
    _check_times(clinician, starts_at, ends_at)
    other = Booking.objects.overlapping(clinician, starts_at, ends_at).first()
    if other is not None:
        raise _overlap_error(clinician, other)
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                kind=kind,
                clinician=clinician,
                resident=resident,
                unit_id=resident.unit_id,
                starts_at=starts_at,
                ends_at=ends_at,
                note=note.strip(),
                created_by=actor,
            )
    except IntegrityError as error:
        # The exclusion constraint: another transaction booked the slot after our check.
        if "booking_no_overlap" not in str(error):
            raise
        raise _overlap_error(
            clinician, Booking.objects.overlapping(clinician, starts_at, ends_at).first()
        ) from error
    audit.record(
        actor=actor,
        action="create",
        resident=resident,
        object_type="booking",
        object_id=booking.pk,
        request=request,
        details={
            "kind": kind,
            "clinician": clinician.pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return booking


@transaction.atomic
def cancel_booking(*, actor, booking: Booking, reason: str, request=None) -> Booking:
    """Cancel BOOKING; the time becomes free again."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    is_own = getattr(getattr(actor, "staff_profile", None), "pk", None) == booking.clinician_id
    if not (is_own or may_book(actor, booking.resident, booking.clinician)):
        raise PermissionDenied(_("You may not cancel this booking."))
    if booking.cancelled_at is not None:
        raise ValidationError(_("The booking is already cancelled."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the booking is cancelled.")})
    booking.cancelled_at = timezone.now()
    booking.cancel_reason = reason[:200]
    booking.save(update_fields=["cancelled_at", "cancel_reason"])
    audit.record(
        actor=actor,
        action="update",
        resident=booking.resident,
        object_type="booking",
        object_id=booking.pk,
        request=request,
        details={"change": "cancelled", "reason": booking.cancel_reason},
    )
    return booking


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def feed_for(clinician: StaffProfile) -> CalendarFeed:
    """Return CLINICIAN's calendar feed, creating its secret token the first time."""
    feed, _created = CalendarFeed.objects.get_or_create(
        clinician=clinician, defaults={"token": _new_token()}
    )
    return feed


@transaction.atomic
def renew_feed(*, actor, request=None) -> CalendarFeed:
    """Give ACTOR's calendar feed a new secret token: the old link stops working."""
    clinician = getattr(actor, "staff_profile", None)
    if clinician is None:
        raise PermissionDenied
    feed = feed_for(clinician)
    feed.token = _new_token()
    feed.save(update_fields=["token", "created_at"])
    audit.record(
        actor=actor,
        action="update",
        object_type="calendar_feed",
        object_id=feed.pk,
        request=request,
        details={"change": "renewed"},
    )
    return feed


def holidays_ahead(
    clinician: StaffProfile, start: datetime.date, days: int = 56
) -> list[tuple[datetime.date, str]]:
    """Return the public holidays at CLINICIAN's place of work in the DAYS from START."""
    country = clinician.work_country or "SE"
    subdivision = (clinician.work_subdivision or "").strip().upper()
    found = []
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        if not is_public_holiday(clinician, day):
            continue
        try:
            name = _holiday_calendar(country, subdivision, day.year).get(day)
        except NotImplementedError:
            name = _holiday_calendar(country, "", day.year).get(day)
        found.append((day, name or ""))
    return found
