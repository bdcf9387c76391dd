import datetime
from zoneinfo import ZoneInfo

import icalendar
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_POST

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.core.forms import add_service_errors
from digifys.directory.models import StaffProfile
from digifys.residents.models import Resident

from . import services
from .availability import local_to_utc
from .forms import BookingForm
from .models import Booking, CalendarFeed

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CALENDAR_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE, Role.COORDINATOR)
BOOKING_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR)
HOLIDAY_HORIZON_DAYS = 56


def _require_role(request: HttpRequest, roles) -> None:
    if request.user.role not in roles:
        raise PermissionDenied


def _own_profile(request: HttpRequest) -> StaffProfile:
    profile = getattr(request.user, "staff_profile", None)
    if profile is None:
        raise PermissionDenied
    return profile


def _times(booking: Booking, zone: ZoneInfo) -> dict:
    return {
        "booking": booking,
        "local_start": booking.starts_at.astimezone(zone),
        "local_end": booking.ends_at.astimezone(zone),
        "stockholm_start": booking.starts_at.astimezone(STOCKHOLM),
        "stockholm_end": booking.ends_at.astimezone(STOCKHOLM),
    }


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """The logged-in clinician's upcoming bookings, working hours, absences and holidays."""
    _require_role(request, CALENDAR_ROLES)
    me = _own_profile(request)
    zone = ZoneInfo(me.time_zone or "Europe/Stockholm")
    now = timezone.now()
    bookings = list(
        Booking.objects.active()
        .filter(clinician=me, ends_at__gte=now)
        .select_related("resident", "unit")[:200]
    )
    # Resident names only for residents the user may see; one read entry per resident shown.
    visible = set(
        Booking.objects.visible_to(request.user)
        .filter(pk__in=[b.pk for b in bookings])
        .values_list("pk", flat=True)
    )
    rows = [dict(_times(b, zone), named=b.pk in visible) for b in bookings]
    audit.record_many(
        actor=request.user,
        action="read",
        residents=list({b.resident_id: b.resident for b in bookings if b.pk in visible}.values()),
        object_type="booking_calendar",
        request=request,
    )
    today = now.astimezone(zone).date()
    feed = services.feed_for(me)
    context = {
        "me": me,
        "rows": rows,
        "zone": me.time_zone or "Europe/Stockholm",
        "patterns": me.working_patterns.all(),
        "absences": me.absences.filter(ends_on__gte=today),
        "holidays": services.holidays_ahead(me, today, HOLIDAY_HORIZON_DAYS),
        "feed_url": request.build_absolute_uri(
            reverse("scheduling:ics", kwargs={"token": feed.token})
        ),
    }
    return render(request, "scheduling/calendar.html", context)


@login_required
@require_POST
def renew_feed(request: HttpRequest) -> HttpResponse:
    """Replace the clinician's secret calendar link; the old one stops working."""
    _require_role(request, CALENDAR_ROLES)
    services.renew_feed(actor=request.user, request=request)
    messages.success(
        request, _("Your calendar link was renewed. Subscribe again with the new link.")
    )
    return redirect("scheduling:calendar")


def _clinicians_for(user):
    bookable = StaffProfile.objects.filter(
        profession__in=services.BOOKABLE_PROFESSIONS, user__is_active=True
    ).select_related("user")
    if user.role == Role.PHYSICIAN:
        return bookable.filter(user=user)
    return bookable.filter(working_patterns__isnull=False).distinct()


@login_required
def book(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """Book a clinician for a resident: day and start in Stockholm time, and a duration."""
    _require_role(request, BOOKING_ROLES)
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=resident_pk)
    if not services.may_book(request.user, resident):
        raise PermissionDenied
    clinicians = _clinicians_for(request.user)
    initial = {}
    if request.user.role == Role.PHYSICIAN:
        initial["clinician"] = clinicians.first()
    form = BookingForm(request.POST or None, clinicians=clinicians, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            starts_at = local_to_utc(data["day"], data["starts_at"], "Europe/Stockholm")
        except ValueError as error:
            form.add_error("starts_at", str(error))
        else:
            try:
                booking = services.book(
                    actor=request.user,
                    clinician=data["clinician"],
                    resident=resident,
                    kind=data["kind"],
                    starts_at=starts_at,
                    ends_at=starts_at + BookingForm.duration_of(data["duration"]),
                    note=data["note"],
                    request=request,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                local = booking.starts_at.astimezone(STOCKHOLM)
                messages.success(
                    request,
                    _("%(kind)s with %(name)s booked %(day)s %(time)s Stockholm time.")
                    % {
                        "kind": booking.get_kind_display(),
                        "name": booking.clinician.name,
                        "day": local.date().isoformat(),
                        "time": local.strftime("%H:%M"),
                    },
                )
                return redirect("scheduling:book", resident_pk=resident.pk)
    audit.record(
        actor=request.user,
        action="read",
        resident=resident,
        object_type="booking_form",
        object_id=resident.pk,
        request=request,
    )
    upcoming = [
        _times(b, STOCKHOLM)
        for b in Booking.objects.active()
        .filter(resident=resident, ends_at__gte=timezone.now())
        .select_related("clinician__user")
    ]
    status = 400 if form.errors else 200
    context = {"resident": resident, "form": form, "upcoming": upcoming}
    return render(request, "scheduling/book.html", context, status=status)


def ics(request: HttpRequest, token: str) -> HttpResponse:
    """A clinician's bookings as iCalendar, in their own time zone (secret-token link)."""
    feed = CalendarFeed.objects.select_related("clinician__user").filter(token=token).first()
    if feed is None or not token:
        raise Http404
    clinician = feed.clinician
    zone_name = clinician.time_zone or "Europe/Stockholm"
    zone = ZoneInfo(zone_name)
    since = timezone.now() - datetime.timedelta(days=30)
    bookings = (
        Booking.objects.active()
        .filter(clinician=clinician, ends_at__gte=since)
        .select_related("unit")[:1000]
    )
    link = request.build_absolute_uri(reverse("scheduling:calendar"))
    cal = icalendar.Calendar()
    cal.add("prodid", "-//digifys//bookings//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-timezone", zone_name)
    with override(clinician.user.language or "sv"):
        cal.add("x-wr-calname", _("digifys bookings"))
        for booking in bookings:
            event = icalendar.Event()
            event.add("uid", f"booking-{booking.pk}@digifys")
            event.add("dtstamp", booking.created_at)
            event.add("dtstart", booking.starts_at.astimezone(zone))
            event.add("dtend", booking.ends_at.astimezone(zone))
            # No resident names or identity numbers: whoever has the link can read the feed.
            event.add("summary", f"{booking.get_kind_display()} – {booking.unit.name}")
            event.add("url", link)
            cal.add_component(event)
    cal.add_missing_timezones()
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a booking with a reason; the time becomes free again."""
    _require_role(request, CALENDAR_ROLES)
    booking = get_object_or_404(Booking.objects.visible_to(request.user).active(), pk=pk)
    try:
        services.cancel_booking(
            actor=request.user,
            booking=booking,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The booking was cancelled."))
    return redirect("scheduling:book", resident_pk=booking.resident_id)
