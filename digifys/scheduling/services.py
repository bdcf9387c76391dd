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
- a booking gives its clinician a care relationship only around the visit (careteams.policy), and
  lies at most BOOKING_MAX_DAYS_AHEAD days ahead; a clinician who reaches the resident only
  through an access grant (emergency access) cannot book themself, and booking another
  clinician (which gives them access) asks for a reason, kept in the access log (issue #20);
- every change writes an access-log entry.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams import policy
from digifys.consults import routing
from digifys.core.time import STOCKHOLM, STOCKHOLM_NAME, local_to_utc, zone_of
from digifys.directory.models import StaffProfile
from digifys.residents.models import Resident
from digifys.residents.services import NotEligible

from .availability import (
    _holiday_calendar,
    is_working,
    local_holidays,
)
from .models import (
    Absence,
    Booking,
    CalendarFeed,
    LocalHoliday,
    Plan,
    PlanItem,
    WorkingPattern,
    place_key,
)

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
        return actor.works_on(resident.unit_id)
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
    max_ahead = datetime.timedelta(days=settings.BOOKING_MAX_DAYS_AHEAD)
    if starts_at > timezone.now() + max_ahead:
        raise ValidationError(
            {
                "starts_at": _(
                    "A booking can be at most %(days)d days ahead. Choose an earlier date."
                )
                % {"days": settings.BOOKING_MAX_DAYS_AHEAD}
            },
            code="too_far_ahead",
        )
    zone = zone_of(clinician)
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
    reason: str = "",
    request=None,
) -> Booking:
    """Book CLINICIAN for RESIDENT from STARTS_AT to ENDS_AT (aware instants, half-open).

    Booking someone else gives them access to the resident around the visit, so it needs a
    REASON, which the access log keeps and the log review shows.
    """
    if not may_book(actor, resident, clinician):
        raise PermissionDenied(_("You may not book this clinician for this resident."))
    books_self = getattr(getattr(actor, "staff_profile", None), "pk", None) == clinician.pk
    if books_self and not policy.has_care_relationship(actor, resident):
        # Emergency access must not turn into a care relationship through a booking.
        raise ValidationError(
            _(
                "You see this resident through emergency access only, which does not let you "
                "book yourself. Ask the unit or the coordinator."
            ),
            code="emergency_only",
        )
    reason = reason.strip()
    if not books_self and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "Say why you book %(name)s: the booking gives them access to the resident's "
                    "record around the visit."
                )
                % {"name": clinician.name}
            }
        )
    if clinician.profession not in BOOKABLE_PROFESSIONS:
        raise ValidationError({"clinician": _("Choose a physician or a nurse.")})
    if kind not in Booking.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of booking.")})
    # Digital care only for Västerbotten's residents: the rule of consults and orders (issue 19
    # item 2) holds for bookings too (issue 12 §4 item 17).
    if refusal := routing.care_refusal(clinician, resident):
        raise NotEligible({"clinician": refusal})
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
            **({"reason": reason[:500]} if not books_self else {}),
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
    return _cancel(actor=actor, booking=booking, reason=reason, request=request)


@transaction.atomic
def release_planned_review_bookings(*, actor, resident: Resident, request=None) -> list[Booking]:
    """Cancel RESIDENT's medication-review bookings that the week planner made and that have not
    begun: the review they were for has just been documented (issue 12 §4 item 10).

    Called by `medicationreviews.services.record_review`, which has already checked that ACTOR is
    a physician caring for RESIDENT; that is the right to release the time, whoever it was booked
    with (the planner may have booked the deputy). A booking that has begun stays: it is the
    review being documented. Each cancellation writes its own access-log entry.
    """
    planned = PlanItem.objects.filter(
        kind=PlanItem.Kind.MEDICATION_REVIEW, resident=resident, booking__isnull=False
    ).values("booking")
    bookings = (
        Booking.objects.active()
        .select_for_update()
        .filter(
            pk__in=planned,
            resident=resident,
            kind=Booking.Kind.MEDICATION_REVIEW,
            starts_at__gt=timezone.now(),
        )
        .select_related("resident")
    )
    reason = _("The medication review was documented; the planned time is no longer needed.")
    return [
        _cancel(actor=actor, booking=booking, reason=reason, request=request)
        for booking in bookings
    ]


def _cancel(*, actor, booking: Booking, reason: str, request=None) -> Booking:
    """Cancel BOOKING (locked, rights checked by the caller) with REASON and log it."""
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
    """Return the public holidays at CLINICIAN's place of work in the DAYS from START,
    local and island days included."""
    country = clinician.work_country or "SE"
    subdivision = (clinician.work_subdivision or "").strip().upper()
    local = local_holidays(clinician, start, start + datetime.timedelta(days=days - 1))
    found = []
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        try:
            name = _holiday_calendar(country, subdivision, day.year).get(day)
        except NotImplementedError:
            name = _holiday_calendar(country, "", day.year).get(day)
        if name is None and day in local:
            name = local[day]
        if name is not None:
            found.append((day, name or ""))
    return found


# --- Absences and working hours (issue #5 item 2) -------------------------------------------------

MAX_ABSENCE_DAYS = 366
AVAILABILITY_PROFESSIONS = (StaffProfile.Profession.PHYSICIAN, StaffProfile.Profession.NURSE)
PATTERN_FIELDS = ("weekday", "starts", "ends", "on_call", "works_on_holidays")


def may_manage_availability(actor, staff: StaffProfile) -> bool:
    """Return True when ACTOR may change STAFF's absences and working hours.

    Coordinators manage every physician's and nurse's; physicians and nurses only their own.
    """
    if staff.profession not in AVAILABILITY_PROFESSIONS:
        return False
    role = getattr(actor, "role", None)
    if role == Role.COORDINATOR:
        return True
    if role in (Role.PHYSICIAN, Role.NURSE):
        profile = getattr(actor, "staff_profile", None)
        return profile is not None and profile.pk == staff.pk
    return False


def _require_availability_rights(actor, staff: StaffProfile) -> None:
    if not may_manage_availability(actor, staff):
        raise PermissionDenied(_("You may not change this clinician's availability."))


@transaction.atomic
def register_absence(
    *,
    actor,
    staff: StaffProfile,
    kind: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
    request=None,
) -> Absence:
    """Register that STAFF is away (whole days STARTS_ON–ENDS_ON inclusive, their local dates)."""
    _require_availability_rights(actor, staff)
    if kind not in Absence.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of absence.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day must be on or after the first day.")})
    if (ends_on - starts_on).days + 1 > MAX_ABSENCE_DAYS:
        raise ValidationError(
            {
                "ends_on": _(
                    "An absence can last at most %(days)d days. Register a longer one in parts."
                )
                % {"days": MAX_ABSENCE_DAYS}
            }
        )
    # Lock the clinician's row so that two simultaneous registrations cannot both pass the check.
    StaffProfile.objects.select_for_update().filter(pk=staff.pk).first()
    other = (
        Absence.objects.filter(staff=staff, starts_on__lte=ends_on, ends_on__gte=starts_on)
        .order_by("starts_on")
        .first()
    )
    if other is not None:
        raise ValidationError(
            {
                "starts_on": _(
                    "%(name)s already has an absence (%(kind)s) %(first)s–%(last)s that overlaps "
                    "these days. Change or remove that absence first."
                )
                % {
                    "name": staff.name,
                    "kind": other.get_kind_display().lower(),
                    "first": other.starts_on.isoformat(),
                    "last": other.ends_on.isoformat(),
                }
            },
            code="overlap",
        )
    absence = Absence.objects.create(
        staff=staff, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note.strip()[:200]
    )
    audit.record(
        actor=actor,
        action="create",
        object_type="absence",
        object_id=absence.pk,
        purpose="administration",
        request=request,
        details={
            "staff": staff.pk,
            "kind": kind,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return absence


@transaction.atomic
def delete_absence(*, actor, absence: Absence, request=None) -> None:
    """Remove ABSENCE: the clinician counts as available on those days again."""
    _require_availability_rights(actor, absence.staff)
    details = {
        "staff": absence.staff_id,
        "kind": absence.kind,
        "starts_on": absence.starts_on.isoformat(),
        "ends_on": absence.ends_on.isoformat(),
    }
    pk = absence.pk
    absence.delete()
    audit.record(
        actor=actor,
        action="delete",
        object_type="absence",
        object_id=pk,
        purpose="administration",
        request=request,
        details=details,
    )


def _minutes(value: datetime.time, *, end: bool = False) -> int:
    minutes = value.hour * 60 + value.minute
    return 24 * 60 if end and minutes == 0 else minutes


def _pattern_label(row: dict) -> str:
    day = WorkingPattern.Weekday(row["weekday"]).label
    return f"{day} {row['starts']:%H:%M}–{row['ends']:%H:%M}"


@transaction.atomic
def set_working_patterns(*, actor, staff: StaffProfile, rows: list[dict], request=None) -> list:
    """Replace STAFF's weekly working hours with ROWS (local times in STAFF's own time zone).

    Each row has `weekday` (0 = Monday), `starts`, `ends` (00:00 means midnight at the end of the
    day), `on_call` and `works_on_holidays`. Errors are keyed `row-<index>` (the index in ROWS).
    """
    _require_availability_rights(actor, staff)
    errors: dict[str, list[str]] = {}
    clean = []
    for index, row in enumerate(rows):
        key = f"row-{index}"
        weekday, starts, ends = row.get("weekday"), row.get("starts"), row.get("ends")
        if weekday not in WorkingPattern.Weekday.values:
            errors.setdefault(key, []).append(_("Choose a weekday."))
            continue
        if not isinstance(starts, datetime.time) or not isinstance(ends, datetime.time):
            errors.setdefault(key, []).append(_("Give both a start and an end time."))
            continue
        starts, ends = (
            starts.replace(second=0, microsecond=0),
            ends.replace(second=0, microsecond=0),
        )
        if ends != datetime.time(0, 0) and ends <= starts:
            errors.setdefault(key, []).append(
                _(
                    "%(day)s: the end must be after the start. For hours past midnight, end at "
                    "00:00 and add the rest on the next day."
                )
                % {"day": WorkingPattern.Weekday(weekday).label}
            )
            continue
        clean.append(
            (
                index,
                {
                    "weekday": weekday,
                    "starts": starts,
                    "ends": ends,
                    "on_call": bool(row.get("on_call")),
                    "works_on_holidays": bool(row.get("works_on_holidays")),
                },
            )
        )
    by_day: dict[int, list] = {}
    for index, row in clean:
        by_day.setdefault(row["weekday"], []).append((index, row))
    for day_rows in by_day.values():
        day_rows.sort(key=lambda pair: _minutes(pair[1]["starts"]))
        # Compare each row with the one reaching furthest so far, not only its neighbour.
        furthest = None
        for index, row in day_rows:
            if furthest is not None and _minutes(row["starts"]) < _minutes(
                furthest["ends"], end=True
            ):
                errors.setdefault(f"row-{index}", []).append(
                    _("%(this)s overlaps %(other)s. Join them or change the times.")
                    % {"this": _pattern_label(row), "other": _pattern_label(furthest)}
                )
            if furthest is None or _minutes(row["ends"], end=True) > _minutes(
                furthest["ends"], end=True
            ):
                furthest = row
    if errors:
        raise ValidationError(errors)
    StaffProfile.objects.select_for_update().filter(pk=staff.pk).first()
    staff.working_patterns.all().delete()
    patterns = WorkingPattern.objects.bulk_create(
        WorkingPattern(staff=staff, **row) for _index, row in clean
    )
    audit.record(
        actor=actor,
        action="update",
        object_type="working_pattern",
        object_id=staff.pk,
        purpose="administration",
        request=request,
        details={
            "staff": staff.pk,
            "rows": [
                {
                    "weekday": row["weekday"],
                    "starts": row["starts"].strftime("%H:%M"),
                    "ends": row["ends"].strftime("%H:%M"),
                    "on_call": row["on_call"],
                    "works_on_holidays": row["works_on_holidays"],
                }
                for _index, row in clean
            ],
        },
    )
    return patterns


def accepted_plans_during(absence: Absence) -> list[dict]:
    """Return the accepted week plans that ABSENCE overlaps, with the absent person's items.

    Each entry has `plan` and `items`: how many of the plan's assignments to the person fall on
    the absent days (counted in the person's own time zone).
    """
    plans = Plan.objects.filter(
        status=Plan.Status.ACCEPTED,
        week_start__lte=absence.ends_on,
        week_start__gte=absence.starts_on - datetime.timedelta(days=6),
    ).order_by("week_start")
    zone = absence.staff.time_zone or STOCKHOLM_NAME
    try:
        first = local_to_utc(absence.starts_on, datetime.time(0, 0), zone)
        after = local_to_utc(
            absence.ends_on + datetime.timedelta(days=1), datetime.time(0, 0), zone
        )
    except ValueError:
        first = datetime.datetime.combine(absence.starts_on, datetime.time(0), tzinfo=STOCKHOLM)
        after = datetime.datetime.combine(
            absence.ends_on + datetime.timedelta(days=1), datetime.time(0), tzinfo=STOCKHOLM
        )
    affected = Count(
        "items",
        filter=Q(
            items__clinician=absence.staff, items__starts_at__lt=after, items__ends_at__gt=first
        ),
    )
    return [{"plan": plan, "items": plan.affected} for plan in plans.annotate(affected=affected)]


# --- Local and island holidays (issue 19 item 6) --------------------------------------------------


def _require_coordinator(actor) -> None:
    if getattr(actor, "role", None) != Role.COORDINATOR:
        raise PermissionDenied(_("Only a care coordinator can change local holidays."))


def _check_local_holiday(
    *, country: str, place: str, date: datetime.date, name: str, source: str, exclude=None
) -> dict:
    values = {
        "country": country,
        "place": " ".join((place or "").split()),
        "date": date,
        "name": (name or "").strip(),
        "source": (source or "").strip(),
    }
    errors = {}
    if country not in StaffProfile.Country.values:
        errors["country"] = _("Choose a country.")
    if not values["place"]:
        errors["place"] = _("Give the work place: a city such as Málaga, or a Canary island.")
    if date is None:
        errors["date"] = _("Give the date.")
    if not values["name"]:
        errors["name"] = _("Give the name of the holiday.")
    if not values["source"]:
        errors["source"] = _(
            "Give the source of the date (e.g. the official bulletin), so others can check it."
        )
    if not errors:
        clash = LocalHoliday.objects.filter(
            country=country, place_key=place_key(values["place"]), date=date
        )
        if exclude is not None:
            clash = clash.exclude(pk=exclude.pk)
        if clash.exists():
            errors["date"] = _("%(place)s already has a local holiday on %(date)s.") % {
                "place": values["place"],
                "date": date.isoformat(),
            }
    if errors:
        raise ValidationError(errors)
    return values


def _log_local_holiday(actor, holiday: LocalHoliday, change: str, request=None) -> None:
    audit.record(
        actor=actor,
        action={"created": "create", "changed": "update", "deleted": "delete"}[change],
        object_type="local_holiday",
        object_id=holiday.pk,
        purpose="administration",
        request=request,
        details={
            "change": change,
            "place": holiday.place,
            "date": holiday.date.isoformat(),
            "name": holiday.name,
        },
    )


@transaction.atomic
def add_local_holiday(
    *,
    actor,
    country: str,
    place: str,
    date: datetime.date,
    name: str,
    source: str,
    request=None,
) -> LocalHoliday:
    """Add a local or island holiday at a work place (coordinators); routing leaves it out."""
    _require_coordinator(actor)
    values = _check_local_holiday(country=country, place=place, date=date, name=name, source=source)
    holiday = LocalHoliday.objects.create(
        **values, place_key=place_key(values["place"]), updated_by=actor
    )
    _log_local_holiday(actor, holiday, "created", request)
    return holiday


@transaction.atomic
def change_local_holiday(
    *,
    actor,
    holiday: LocalHoliday,
    country: str,
    place: str,
    date: datetime.date,
    name: str,
    source: str,
    request=None,
) -> LocalHoliday:
    """Correct a local holiday (coordinators)."""
    _require_coordinator(actor)
    values = _check_local_holiday(
        country=country, place=place, date=date, name=name, source=source, exclude=holiday
    )
    for field, value in values.items():
        setattr(holiday, field, value)
    holiday.place_key = place_key(holiday.place)
    holiday.updated_by = actor
    holiday.save()
    _log_local_holiday(actor, holiday, "changed", request)
    return holiday


@transaction.atomic
def delete_local_holiday(*, actor, holiday: LocalHoliday, request=None) -> None:
    """Remove a local holiday entered by mistake (coordinators); the log keeps what it was."""
    _require_coordinator(actor)
    _log_local_holiday(actor, holiday, "deleted", request)
    holiday.delete()
