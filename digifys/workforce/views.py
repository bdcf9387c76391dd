"""Flexible work pages: preferences, working from elsewhere, shift swaps, the rota, capacity.

No resident data is shown here (organisation data, purpose "administration"), so no access-log
entries; every view checks the role, and a swap is visible only to its two clinicians and the
coordinators (others get 404).
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.core.forms import add_service_errors
from digifys.core.time import STOCKHOLM
from digifys.directory.models import StaffProfile

from . import capacity, rota, selectors, services
from .forms import (
    HOUR_ROWS,
    BuildRotaForm,
    DecisionForm,
    HourFormSet,
    PreferenceForm,
    SwapForm,
    WorkElsewhereForm,
)
from .models import Preference, Shift, SwapRequest, WorkElsewhere

CLINICIANS = (Role.PHYSICIAN, Role.NURSE)


def _me(request: HttpRequest) -> StaffProfile:
    profile = getattr(request.user, "staff_profile", None)
    if profile is None:
        raise PermissionDenied
    return profile


# --- preferences ----------------------------------------------------------------------------------


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """The clinician's own preferences for the rota and the week planner."""
    require_role(request.user, Role.PHYSICIAN)
    me = _me(request)
    current = Preference.objects.filter(staff=me).first()
    initial = {
        "max_hours": current.max_on_duty_hours_per_week if current else 40,
        "units": list(current.preferred_units.all()) if current else [],
    }
    rows = [
        {"kind": h.kind, "weekday": h.weekday, "starts": h.starts, "ends": h.ends}
        for h in me.hour_preferences.all()
    ]
    rows += [{}] * max(0, HOUR_ROWS - len(rows))
    form = PreferenceForm(request.POST or None, initial=initial, units=selectors.own_units(me))
    hours = HourFormSet(request.POST or None, initial=rows, prefix="hours")
    if request.method == "POST" and form.is_valid() and hours.is_valid():
        chosen = [
            (row["kind"], row["weekday"], row["starts"], row["ends"])
            for row in hours.cleaned_data
            if row.get("kind")
        ]
        try:
            services.save_preferences(
                staff=me,
                max_hours=form.cleaned_data["max_hours"],
                units=form.cleaned_data["units"],
                hours=chosen,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your preferences were saved."))
            return redirect("workforce:preferences")
    status = 400 if form.errors or hours.total_error_count() else 200
    context = {"form": form, "hours": hours, "zone": me.time_zone}
    return render(request, "workforce/preferences.html", context, status=status)


# --- working from elsewhere -----------------------------------------------------------------------


@login_required
def elsewhere(request: HttpRequest) -> HttpResponse:
    """The clinician's periods of working from elsewhere, and the application form."""
    require_role(request.user, *CLINICIANS)
    me = _me(request)
    form = WorkElsewhereForm(request.POST or None, branches=services.branches())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.apply_work_elsewhere(
                staff=me,
                place=data["place"],
                branch=data["branch"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                holidays_follow=data["holidays_follow"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your application was sent to the coordinator."))
            return redirect("workforce:elsewhere")
    context = {"form": form, "periods": selectors.elsewhere_of(me), "me": me}
    return render(request, "workforce/elsewhere.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def elsewhere_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *CLINICIANS)
    me = _me(request)
    period = get_object_or_404(WorkElsewhere, pk=pk, staff=me)
    try:
        services.withdraw_work_elsewhere(staff=me, period=period)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The period was withdrawn."))
    return redirect("workforce:elsewhere")


@login_required
def elsewhere_requests(request: HttpRequest) -> HttpResponse:
    """Coordinators: applications to work from elsewhere, waiting and decided."""
    require_role(request.user, Role.COORDINATOR)
    periods = list(selectors.elsewhere_requests())
    context = {
        "pending": [p for p in periods if p.status == WorkElsewhere.Status.PENDING],
        "decided": [p for p in periods if p.status != WorkElsewhere.Status.PENDING][:100],
    }
    return render(request, "workforce/elsewhere_requests.html", context)


@login_required
@require_POST
def elsewhere_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, Role.COORDINATOR)
    period = get_object_or_404(WorkElsewhere, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse."))
        return redirect("workforce:elsewhere_requests")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.decide_work_elsewhere(
            actor=request.user, period=period, approve=approve, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)s may work from elsewhere %(first)s–%(last)s.")
            % {"name": period.staff.name, "first": period.starts_on, "last": period.ends_on}
            if approve
            else _("The application of %(name)s was refused.") % {"name": period.staff.name},
        )
    return redirect("workforce:elsewhere_requests")


# --- shifts and swaps -----------------------------------------------------------------------------


@login_required
def shifts(request: HttpRequest) -> HttpResponse:
    """A physician's coming on-duty shifts and swaps."""
    require_role(request.user, Role.PHYSICIAN)
    me = _me(request)
    context = {"shifts": selectors.upcoming_shifts(me), "swaps": selectors.swaps_of(me), "me": me}
    return render(request, "workforce/shifts.html", context)


@login_required
def swap_new(request: HttpRequest, shift_pk: int) -> HttpResponse:
    """Propose to swap (or hand over) one of one's own coming shifts."""
    require_role(request.user, Role.PHYSICIAN)
    me = _me(request)
    shift = get_object_or_404(Shift, pk=shift_pk, staff=me, starts_at__gt=timezone.now())
    colleagues = rota.rota_clinicians().exclude(pk=me.pk)
    form = SwapForm(
        request.POST or None, shifts=selectors.swappable_shifts(me), colleagues=colleagues
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            swap = services.propose_swap(
                proposer=me,
                counterpart=data["counterpart"],
                shift=shift,
                counter_shift=data["counter_shift"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The swap was proposed to %(name)s.") % {"name": swap.counterpart.name}
            )
            return redirect("workforce:swap", pk=swap.pk)
    context = {"form": form, "shift": shift}
    return render(request, "workforce/swap_new.html", context, status=400 if form.errors else 200)


def _visible_swap(request: HttpRequest, pk: int) -> SwapRequest:
    swap = get_object_or_404(
        SwapRequest.objects.select_related(
            "proposer__user", "counterpart__user", "shift", "counter_shift", "decided_by"
        ),
        pk=pk,
    )
    if request.user.role == Role.COORDINATOR:
        return swap
    me = getattr(request.user, "staff_profile", None)
    if me is None or me.pk not in (swap.proposer_id, swap.counterpart_id):
        raise Http404
    return swap


@login_required
def swap(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, Role.PHYSICIAN, Role.COORDINATOR)
    item = _visible_swap(request, pk)
    me = getattr(request.user, "staff_profile", None)
    context = {
        "swap": item,
        "may_respond": me is not None
        and me.pk == item.counterpart_id
        and item.status == SwapRequest.Status.PROPOSED,
        "may_withdraw": me is not None
        and me.pk == item.proposer_id
        and item.status in SwapRequest.OPEN,
        "may_decide": request.user.role == Role.COORDINATOR
        and item.status == SwapRequest.Status.ACCEPTED,
    }
    return render(request, "workforce/swap.html", context)


@login_required
@require_POST
def swap_respond(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, Role.PHYSICIAN)
    item = _visible_swap(request, pk)
    accept = request.POST.get("answer") == "accept"
    try:
        item = services.respond_swap(staff=_me(request), swap=item, accept=accept)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if item.status == SwapRequest.Status.ACCEPTED:
            messages.success(request, _("You accepted; the coordinator is asked to approve."))
        elif item.status == SwapRequest.Status.REFUSED:
            messages.error(request, item.refusal_text)
        else:
            messages.success(request, _("You declined the swap."))
    return redirect("workforce:swap", pk=item.pk)


@login_required
@require_POST
def swap_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, Role.COORDINATOR)
    item = _visible_swap(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse."))
        return redirect("workforce:swap", pk=item.pk)
    try:
        item = services.decide_swap(
            actor=request.user,
            swap=item,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if item.status == SwapRequest.Status.APPROVED:
            messages.success(request, _("The swap was approved; the rota and calendars show it."))
        else:
            messages.error(request, item.refusal_text or _("The swap was refused."))
    return redirect("workforce:swap", pk=item.pk)


@login_required
@require_POST
def swap_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, Role.PHYSICIAN)
    item = _visible_swap(request, pk)
    try:
        services.withdraw_swap(staff=_me(request), swap=item)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The swap was withdrawn."))
    return redirect("workforce:shifts")


# --- the rota -------------------------------------------------------------------------------------


def _month_param(request: HttpRequest) -> datetime.date:
    text = request.GET.get("month", "")
    today = timezone.localdate()
    try:
        month = datetime.datetime.strptime(text, "%Y-%m").date() if text else None
    except ValueError:
        month = None
    if month is None or not 2000 <= month.year <= 2100:
        return rota.next_month(today.replace(day=1)) if not text else today.replace(day=1)
    return month


@login_required
def rota_month(request: HttpRequest) -> HttpResponse:
    """The virtual clinic's on-duty rota of a month: cover, gaps in red, fairness."""
    require_role(request.user, Role.COORDINATOR, Role.PHYSICIAN)
    month = _month_param(request)
    data = selectors.month_rota(month)
    context = {
        **data,
        "month": month,
        "previous": (month - datetime.timedelta(days=1)).replace(day=1),
        "next": rota.next_month(month),
        "waiting": list(selectors.swaps_waiting_for_coordinator())
        if request.user.role == Role.COORDINATOR
        else [],
        "build_form": BuildRotaForm(
            initial={
                "month": month.strftime("%Y-%m"),
                "required": getattr(data["rota"], "required", 1),
            }
        ),
        "coordinator": request.user.role == Role.COORDINATOR,
        "stockholm": STOCKHOLM,
        "me": getattr(request.user, "staff_profile", None),
    }
    return render(request, "workforce/rota.html", context)


@login_required
@require_POST
def rota_build(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.COORDINATOR)
    form = BuildRotaForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a month and from 1 to 5 clinicians on duty at a time."))
        return redirect("workforce:rota")
    month = form.cleaned_data["month"]
    try:
        _built, result = services.build_rota(
            actor=request.user, month=month, required=form.cleaned_data["required"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if result.gaps:
            messages.warning(
                request,
                _("The rota was built, but %(count)s shifts have nobody on duty (marked red).")
                % {"count": sum(result.gaps.values())},
            )
        else:
            messages.success(request, _("The rota was built: every hour is covered."))
    return redirect(f"{reverse('workforce:rota')}?month={month:%Y-%m}")


# --- capacity -------------------------------------------------------------------------------------


@login_required
def capacity_forecast(request: HttpRequest) -> HttpResponse:
    """Coordinators: hours needed against hours had, per profession and language, six months
    ahead."""
    require_role(request.user, Role.COORDINATOR)
    sections = []
    for result in capacity.forecasts():
        sections.append(
            {
                "forecast": result,
                "chart": {
                    "labels": [m.month.isoformat() for m in result.months],
                    "need": [m.need_hours for m in result.months],
                    "available": [m.available_hours for m in result.months],
                    "shortfall": [m.shortfall_hours for m in result.months],
                },
                "chart_id": f"capacity-data-{result.profession}",
            }
        )
    context = {
        "sections": sections,
        "history_from": sections[0]["forecast"].history_from,
        "history_to": sections[0]["forecast"].history_to,
        "fte_hours": capacity.FTE_MONTH_HOURS,
        "chart_labels": {
            "need": _("Hours needed"),
            "available": _("Hours available"),
            "shortfall": _("Shortfall"),
        },
    }
    return render(request, "workforce/capacity.html", context)
