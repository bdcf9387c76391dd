import datetime
from zoneinfo import ZoneInfo

import icalendar
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_POST

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.core.forms import add_service_errors, parse_date, parse_id
from digifys.core.time import STOCKHOLM, STOCKHOLM_NAME, local_to_utc, zone_name_of, zone_of
from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import Resident
from digifys.workforce.selectors import calendar_shifts

from . import plan_explanations, planning, services
from .forms import BookingForm, PlanItemForm, WorkRequestForm
from .models import Absence, Booking, CalendarFeed, Plan, PlanItem, WorkRequest

CALENDAR_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE, Role.COORDINATOR)
BOOKING_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR)
HOLIDAY_HORIZON_DAYS = 56


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
    require_role(request.user, *CALENDAR_ROLES)
    me = _own_profile(request)
    zone = zone_of(me)
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
        "zone": zone_name_of(me) or STOCKHOLM_NAME,
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
    require_role(request.user, *CALENDAR_ROLES)
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
    require_role(request.user, *BOOKING_ROLES)
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=resident_pk)
    if not services.may_book(request.user, resident):
        raise PermissionDenied
    clinicians = _clinicians_for(request.user)
    initial = {}
    if request.user.role == Role.PHYSICIAN:
        initial["clinician"] = clinicians.first()
    form = BookingForm(
        request.POST or None,
        clinicians=clinicians,
        initial=initial,
        books_self_only=request.user.role == Role.PHYSICIAN,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            starts_at = local_to_utc(data["day"], data["starts_at"], STOCKHOLM_NAME)
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
                    reason=data.get("reason", ""),
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
    # A coordinator plans and takes no part in the care ("administration", issue #20); a
    # clinician reading the form only through emergency access reads under that purpose.
    audit.record_read(
        actor=request.user,
        residents=[resident],
        object_type="booking_form",
        object_id=resident.pk,
        request=request,
    )
    upcoming = [
        _times(b, STOCKHOLM)
        for b in Booking.objects.visible_to(request.user)
        .active()
        .filter(resident=resident, ends_at__gte=timezone.now())
        .select_related("clinician__user")
    ]
    status = 400 if form.errors else 200
    context = {"resident": resident, "form": form, "upcoming": upcoming}
    return render(request, "scheduling/book.html", context, status=status)


def ics(request: HttpRequest, token: str) -> HttpResponse:
    """A clinician's bookings as iCalendar (secret-token link).

    Times are written in UTC ("Z", RFC 5545 §3.3.5 form 2): wall-clock times with a TZID are
    ambiguous in the autumn DST fold (a Canary booking 00:30–01:00 UTC on 2026-10-25 is 01:30 →
    01:00 local), and some clients then showed the end before the start. X-WR-TIMEZONE still
    tells calendar apps which zone to show the clinician.
    """
    feed = CalendarFeed.objects.select_related("clinician__user").filter(token=token).first()
    if feed is None or not token:
        raise Http404
    clinician = feed.clinician
    zone_name = zone_name_of(clinician) or STOCKHOLM_NAME
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
            event.add("dtstart", booking.starts_at.astimezone(datetime.UTC))
            event.add("dtend", booking.ends_at.astimezone(datetime.UTC))
            # No resident names or identity numbers: whoever has the link can read the feed.
            event.add("summary", f"{booking.get_kind_display()} – {booking.unit.name}")
            event.add("url", link)
            cal.add_component(event)
        # The virtual clinic's on-duty shifts (digifys/workforce): a swap moves them between feeds.
        for shift in calendar_shifts(clinician, since):
            event = icalendar.Event()
            event.add("uid", f"shift-{shift.pk}@digifys")
            event.add("dtstamp", shift.rota.built_at)
            event.add("dtstart", shift.starts_at.astimezone(datetime.UTC))
            event.add("dtend", shift.ends_at.astimezone(datetime.UTC))
            event.add("summary", _("On duty, virtual clinic"))
            event.add("url", request.build_absolute_uri(reverse("workforce:shifts")))
            cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a booking with a reason; the time becomes free again."""
    require_role(request.user, *CALENDAR_ROLES)
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


# --- The week planner (coordinators) --------------------------------------------------------------

PLAN_PHYSICIANS_PER_PAGE = 12
PLAN_OPEN_PAGE_SIZE = 25
PLAN_WEEKS_AHEAD = 4
WORK_REQUEST_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR)


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    """Weeks to plan, their plans, and the button that proposes a plan for a week."""
    require_role(request.user, Role.COORDINATOR)
    if request.method == "POST":
        try:
            week_start = parse_date(request.POST.get("week_start", ""))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("scheduling:plans")
        if week_start is None:
            messages.error(request, _("Choose a week."))
            return redirect("scheduling:plans")
        try:
            plan = planning.propose_plan(actor=request.user, week_start=week_start)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("scheduling:plans")
        messages.success(request, _("A plan was proposed. Review it and accept or edit it."))
        return redirect("scheduling:plan", pk=plan.pk)
    today = timezone.localdate()
    first = planning.monday_of(today)
    mondays = [first + datetime.timedelta(weeks=n) for n in range(PLAN_WEEKS_AHEAD)]
    by_week: dict = {monday: [] for monday in mondays}
    for plan in Plan.objects.filter(week_start__in=mondays).select_related(
        "created_by", "accepted_by"
    ):
        by_week[plan.week_start].append(plan)
    weeks = [
        {
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "number": monday.isocalendar()[1],
            "plans": by_week[monday][:5],
            "accepted": next(
                (p for p in by_week[monday] if p.status == Plan.Status.ACCEPTED), None
            ),
        }
        for monday in mondays
    ]
    context = {
        "weeks": weeks,
        "open_requests": WorkRequest.objects.visible_to(request.user)
        .filter(status=WorkRequest.Status.OPEN)
        .count(),
    }
    return render(request, "scheduling/plans.html", context)


def _plan_filters(request: HttpRequest) -> dict:
    def number(name):
        return parse_id(request.GET.get(name, ""))

    tier = request.GET.get("tier", "")
    valid = set(PlanItem.Tier.values) | {"unassigned", "deferred"}
    return {
        "unit": number("unit"),
        "clinician": number("clinician"),
        "tier": tier if tier in valid else "",
    }


def _item_row(item: PlanItem, absences_of: dict) -> dict:
    zone_name = (item.clinician.time_zone if item.clinician_id else "") or STOCKHOLM_NAME
    zone = ZoneInfo(zone_name)
    return {
        "item": item,
        "stockholm_start": item.starts_at.astimezone(STOCKHOLM) if item.starts_at else None,
        "stockholm_end": item.ends_at.astimezone(STOCKHOLM) if item.ends_at else None,
        "local_start": item.starts_at.astimezone(zone) if item.starts_at else None,
        "local_end": item.ends_at.astimezone(zone) if item.ends_at else None,
        "day": item.starts_at.astimezone(STOCKHOLM).date() if item.starts_at else None,
        # "Their time" only where their clock differs from Stockholm's (Madrid's does not).
        "other_zone": bool(item.starts_at)
        and item.starts_at.astimezone(zone).utcoffset()
        != item.starts_at.astimezone(STOCKHOLM).utcoffset(),
        "zone": zone_name,
        "explanation": plan_explanations.explain(item, absences_of),
    }


def _plan_items(plan: Plan):
    return plan.items.select_related(
        "resident", "unit__parent", "clinician__user", "named__user", "deputy__user"
    )


def _week_calendar(plan: Plan, items, page_items, absences_of) -> tuple[list, list]:
    """(days, rows): the week's days as columns and one row per physician of PAGE_ITEMS, each
    with the physician's items of every day (Stockholm days, in time order)."""
    first = plan.week_start
    weekend = items.filter(
        starts_at__gte=planning.horizon_start_of(first) + datetime.timedelta(days=5)
    ).exists()
    days = [first + datetime.timedelta(days=n) for n in range(7 if weekend else 5)]
    rows: dict[int, dict] = {}
    for item in page_items:
        row = rows.setdefault(
            item.clinician_id,
            {"physician": item.clinician, "days": {d: [] for d in days}, "zone": ""},
        )
        entry = _item_row(item, absences_of)
        if entry["other_zone"]:
            row["zone"] = entry["zone"]
        row["days"].setdefault(entry["day"], []).append(entry)
    ordered = sorted(rows.values(), key=lambda r: (r["physician"].name, r["physician"].pk))
    for row in ordered:
        row["cells"] = [(day, row["days"].get(day, [])) for day in days]
    return days, ordered


@login_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator's review of a plan: a week calendar of physicians (rows) and days
    (columns), coloured and labelled by tier; items not placed and moved to a later week first."""
    require_role(request.user, Role.COORDINATOR)
    plan = get_object_or_404(Plan.objects.select_related("created_by", "accepted_by"), pk=pk)
    filters = _plan_filters(request)
    items = _plan_items(plan)
    if filters["unit"]:
        items = items.filter(unit_id=filters["unit"])
    if filters["clinician"]:
        items = items.filter(clinician_id=filters["clinician"])
    if filters["tier"] == "unassigned":
        items = items.filter(clinician__isnull=True, deferred=False)
    elif filters["tier"] == "deferred":
        items = items.filter(deferred=True)
    elif filters["tier"]:
        items = items.filter(tier=filters["tier"])
    # Open items (not placed, or moved to a later week) are listed above the calendar.
    open_items = items.filter(clinician__isnull=True).order_by("deferred", "earliest_at", "pk")
    open_page = Paginator(open_items, PLAN_OPEN_PAGE_SIZE).get_page(request.GET.get("open"))
    open_list = list(open_page.object_list)
    # The calendar pages by physician: every item of a physician's week on one page.
    placed = items.filter(clinician__isnull=False)
    physician_ids = list(
        StaffProfile.objects.filter(pk__in=placed.values("clinician_id"))
        .order_by("user__last_name", "user__first_name", "pk")
        .values_list("pk", flat=True)
    )
    page = Paginator(physician_ids, PLAN_PHYSICIANS_PER_PAGE).get_page(request.GET.get("page"))
    page_items = list(
        placed.filter(clinician_id__in=list(page.object_list)).order_by("starts_at", "pk")
    )
    absences_of = plan_explanations.absences_for(open_list + page_items, plan.week_start)
    days, calendar_rows = _week_calendar(plan, plan.items.all(), page_items, absences_of)
    shown = open_list + page_items
    # Organisation data only (who, where, when): one read per resident named on the page.
    audit.record_many(
        actor=request.user,
        action="read",
        residents=list({i.resident_id: i.resident for i in shown if i.resident_id}.values()),
        object_type="plan",
        purpose="administration",
        request=request,
    )
    all_items = plan.items.all()
    counts = dict(all_items.values_list("tier").annotate(n=Count("pk")).values_list("tier", "n"))
    total = all_items.count()
    rounds = all_items.filter(kind=PlanItem.Kind.ROUND)
    tiers = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in PlanItem.Tier.choices
    ]
    query = request.GET.copy()
    query.pop("page", None)
    open_query = request.GET.copy()
    open_query.pop("open", None)
    context = {
        "plan": plan,
        "page": page,
        "open_page": open_page,
        "open_rows": [_item_row(item, absences_of) for item in open_list],
        "days": days,
        "calendar_rows": calendar_rows,
        "filters": filters,
        "query": query.urlencode(),
        "open_query": open_query.urlencode(),
        "total": total,
        "unassigned": all_items.filter(clinician__isnull=True, deferred=False).count(),
        "deferred": all_items.filter(deferred=True).count(),
        "tiers": tiers,
        "rounds_total": rounds.count(),
        "rounds_named": rounds.filter(tier=PlanItem.Tier.NAMED).count(),
        "rounds_locum": rounds.filter(tier=PlanItem.Tier.LOCUM).count(),
        "kept": all_items.filter(kept=True).count(),
        "interpreters": all_items.filter(interpreter=True).count(),
        "named_percent": round(plan.named_share * 100, 1),
        "bound_percent": round(plan.upper_bound * 100, 1),
        "contact_percent": round(plan.contact_share * 100, 1),
        "contact_bound_percent": round(plan.contact_bound * 100, 1),
        "units": Organisation.objects.filter(
            pk__in=all_items.values("unit_id").distinct()
        ).select_related("parent"),
        "clinicians": StaffProfile.objects.filter(
            pk__in=all_items.exclude(clinician__isnull=True).values("clinician_id").distinct()
        ).select_related("user"),
        "tier_choices": PlanItem.Tier.choices,
        "editable": plan.status == Plan.Status.PROPOSED,
        "replans": plan.replans.order_by("-created_at")[:3],
    }
    return render(request, "scheduling/plan.html", context)


@login_required
def plan_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then accept a plan: the bookings are made and rounds get their physicians."""
    require_role(request.user, Role.COORDINATOR)
    plan = get_object_or_404(Plan, pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            planning.accept_plan(actor=request.user, plan=plan, request=request)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The plan was accepted and the bookings were made."))
            return redirect("scheduling:plan", pk=plan.pk)
    items = plan.items.exclude(clinician__isnull=True)
    context = {
        "plan": plan,
        "errors": errors,
        "bookings": items.exclude(kind=PlanItem.Kind.ROUND).filter(booking__isnull=True).count(),
        "rounds": items.filter(kind=PlanItem.Kind.ROUND).count(),
        "kept": items.filter(booking__isnull=False).count(),
        "unassigned": plan.items.filter(clinician__isnull=True, deferred=False).count(),
        "deferred": plan.items.filter(deferred=True).count(),
    }
    return render(request, "scheduling/plan_accept.html", context, status=400 if errors else 200)


def _physicians():
    return (
        StaffProfile.objects.physicians()
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def _physician_choices(item: PlanItem) -> list[tuple[int, str]]:
    """The physicians for ITEM, labelled with their relation to its resident and availability.

    Ordered named physician, deputy, same team (the named physician's employer), other
    physicians, locums, and last anyone absent on the item's day (its planned day, or its whole
    window when it is not placed) - issue 12 §4 item 16.
    """
    first = (item.starts_at or item.earliest_at).astimezone(STOCKHOLM).date()
    end = item.ends_at or item.deadline_at
    last = (end - datetime.timedelta(minutes=1)).astimezone(STOCKHOLM).date()
    physicians = list(_physicians())
    absent = set(
        Absence.objects.filter(
            staff__in=physicians, starts_on__lte=last, ends_on__gte=first
        ).values_list("staff_id", flat=True)
    )
    team = item.named.employer_id if item.named_id else None
    tiers = PlanItem.Tier

    def relation(staff: StaffProfile) -> str:
        if staff.pk == item.named_id:
            return tiers.NAMED
        if staff.pk == item.deputy_id:
            return tiers.DEPUTY
        if staff.is_locum:
            return tiers.LOCUM
        if team is not None and staff.employer_id == team:
            return tiers.TEAM
        return tiers.OTHER

    order = [tiers.NAMED, tiers.DEPUTY, tiers.TEAM, tiers.OTHER, tiers.LOCUM]
    rows = []
    for position, staff in enumerate(physicians):
        tier = relation(staff)
        parts = [] if tier == tiers.OTHER else [str(tiers(tier).label)]
        if staff.pk in absent:
            parts.append(_("absent"))
        label = staff.name
        if parts:
            label = _("%(name)s – %(relation)s") % {
                "name": staff.name,
                "relation": ", ".join(parts)[:1].upper() + ", ".join(parts)[1:],
            }
        rows.append(((staff.pk in absent, order.index(tier), position), staff.pk, label))
    rows.sort()
    return [(pk, label) for _key, pk, label in rows]


@login_required
def plan_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one planned item to another physician or time (inline with htmx)."""
    require_role(request.user, Role.COORDINATOR)
    item = get_object_or_404(
        PlanItem.objects.select_related(
            "plan", "resident", "unit__parent", "clinician__user", "named__user", "deputy__user"
        ),
        pk=pk,
    )
    fixed = item.kind == PlanItem.Kind.ROUND
    initial = {"clinician": item.clinician_id}
    if item.starts_at:
        local = item.starts_at.astimezone(STOCKHOLM)
        initial.update(day=local.date(), starts_at=local.time().replace(second=0))
    form = PlanItemForm(
        request.POST if request.method == "POST" else None,
        clinicians=_physicians(),
        clinician_choices=_physician_choices(item),
        fixed_time=fixed,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at = None
        try:
            if not fixed:
                starts_at = local_to_utc(data["day"], data["starts_at"], STOCKHOLM_NAME)
        except ValueError as error:
            form.add_error("starts_at", str(error))
        else:
            try:
                item = planning.edit_item(
                    actor=request.user,
                    item=item,
                    clinician=data["clinician"],
                    starts_at=starts_at,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if request.htmx:
                    item = _plan_items(item.plan).get(pk=item.pk)
                    absences_of = plan_explanations.absences_for([item], item.plan.week_start)
                    _audit_item(request, item)
                    # The moved item says its day: it stays in place until the page reloads.
                    context = {
                        "row": _item_row(item, absences_of),
                        "editable": True,
                        "show_day": True,
                    }
                    return render(request, "scheduling/plan.html#entry", context)
                messages.success(request, _("The item was moved."))
                return redirect("scheduling:plan", pk=item.plan_id)
    _audit_item(request, item)
    context = {
        "item": item,
        "form": form,
        "row": _item_row(item, plan_explanations.absences_for([item], item.plan.week_start)),
        "editable": True,
    }
    status = 400 if form.errors else 200
    template = "scheduling/plan_item_edit.html"
    if request.htmx:
        template += "#edit"
    return render(request, template, context, status=status)


def _audit_item(request: HttpRequest, item: PlanItem) -> None:
    if item.resident_id:
        audit.record(
            actor=request.user,
            action="read",
            resident=item.resident,
            object_type="plan_item",
            object_id=item.pk,
            purpose="administration",
            request=request,
        )


@login_required
@require_POST
def plan_replan(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-plan a week after an absence: unaffected assignments stay, the rest move."""
    require_role(request.user, Role.COORDINATOR)
    plan = get_object_or_404(Plan, pk=pk)
    try:
        new = planning.replan_after_absence(
            actor=request.user, plan=plan, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("scheduling:plan", pk=plan.pk)
    messages.success(
        request, _("A re-plan was proposed. Items marked kept are unchanged; review the rest.")
    )
    return redirect("scheduling:plan", pk=new.pk)


@login_required
def work_request_new(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """Ask the planner for a family meeting or a follow-up about a resident."""
    require_role(request.user, *WORK_REQUEST_ROLES)
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=resident_pk)
    if not services.may_book(request.user, resident):
        raise PermissionDenied
    today = timezone.localdate()
    initial = {
        "earliest_on": today + datetime.timedelta(days=1),
        "deadline_on": today + datetime.timedelta(days=14),
        "language": (resident.interpreter_language if resident.needs_interpreter else "")
        or (resident.preferred_languages or ["sv"])[0],
    }
    form = WorkRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            planning.create_work_request(
                actor=request.user, resident=resident, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The request was sent to the planner. The coordinator will book it.")
            )
            return redirect("scheduling:book", resident_pk=resident.pk)
    audit.record(
        actor=request.user,
        action="read",
        resident=resident,
        object_type="work_request_form",
        object_id=resident.pk,
        request=request,
    )
    open_requests = (
        WorkRequest.objects.visible_to(request.user)
        .filter(resident=resident, status=WorkRequest.Status.OPEN)
        .order_by("deadline_on")
    )
    context = {"resident": resident, "form": form, "open_requests": open_requests}
    return render(
        request, "scheduling/work_request_new.html", context, status=400 if form.errors else 200
    )
