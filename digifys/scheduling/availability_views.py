"""Pages to register absences and edit weekly working hours (issue #5 item 2).

Coordinators manage every physician's and nurse's availability; physicians and nurses their own.
Nothing here shows resident data, so the pages write no read entries; the services log writes.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.core.forms import add_service_errors, parse_id
from digifys.core.time import STOCKHOLM, STOCKHOLM_NAME, local_to_utc
from digifys.directory.models import StaffProfile

from . import services
from .forms import AbsenceForm, AbsenceSearchForm, PatternRowForm
from .models import Absence, WorkingPattern
from .plan_explanations import day_span

AVAILABILITY_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR)
ABSENCE_PAGE_SIZE = 50
MIN_SLOTS_PER_DAY = 2


def _is_coordinator(request: HttpRequest) -> bool:
    return request.user.role == Role.COORDINATOR


def _clinicians():
    """Physicians and nurses whose availability can be managed, sorted by name."""
    return (
        StaffProfile.objects.filter(
            profession__in=services.AVAILABILITY_PROFESSIONS, user__is_active=True
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def _own_profile(request: HttpRequest) -> StaffProfile:
    profile = getattr(request.user, "staff_profile", None)
    if profile is None or profile.profession not in services.AVAILABILITY_PROFESSIONS:
        raise PermissionDenied
    return profile


def _staff_param(request: HttpRequest) -> int | None:
    return parse_id(request.GET.get("staff", ""))


def _target(request: HttpRequest) -> StaffProfile | None:
    """Whose availability the page is about: `?staff=` for coordinators, else the user."""
    wanted = _staff_param(request)
    if _is_coordinator(request):
        if wanted is None:
            return None
        return get_object_or_404(_clinicians(), pk=wanted)
    own = _own_profile(request)
    if wanted is not None and wanted != own.pk:
        raise PermissionDenied
    return own


def _visible_absences(request: HttpRequest):
    absences = Absence.objects.select_related("staff__user")
    if _is_coordinator(request):
        return absences.filter(staff__profession__in=services.AVAILABILITY_PROFESSIONS)
    return absences.filter(staff=_own_profile(request))


def replan_reason(absence: Absence) -> str:
    """Return the re-plan reason offered after ABSENCE, e.g. "Sick leave Ana García 3–5 June"."""
    days = day_span(absence.starts_on, absence.ends_on)
    return f"{absence.get_kind_display()} {absence.staff.name} {days}"


# --- Absences -------------------------------------------------------------------------------------


@login_required
def absences(request: HttpRequest) -> HttpResponse:
    """Current and upcoming absences: everyone's for coordinators, one's own for clinicians."""
    require_role(request.user, *AVAILABILITY_ROLES)
    today = timezone.localdate()
    items = _visible_absences(request).filter(ends_on__gte=today)
    search = AbsenceSearchForm(request.GET or None)
    query = ""
    if _is_coordinator(request) and search.is_valid() and search.cleaned_data["q"]:
        query = search.cleaned_data["q"]
        for term in query.split():
            items = items.filter(
                Q(staff__user__first_name__icontains=term)
                | Q(staff__user__last_name__icontains=term)
            )
    items = items.order_by("starts_on", "staff__user__last_name", "pk")
    page = Paginator(items, ABSENCE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"absence": a, "days": (a.ends_on - a.starts_on).days + 1, "current": a.starts_on <= today}
        for a in page.object_list
    ]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "coordinator": _is_coordinator(request),
        "search": search,
        "q": query,
        "page": page,
        "rows": rows,
        "query": params.urlencode(),
    }
    template = "scheduling/absences.html"
    if request.htmx and _is_coordinator(request):
        template += "#results"
    return render(request, template, context)


@login_required
def absence_new(request: HttpRequest) -> HttpResponse:
    """Register an absence; a coordinator chooses the clinician (or comes with `?staff=`)."""
    require_role(request.user, *AVAILABILITY_ROLES)
    coordinator = _is_coordinator(request)
    target = _target(request)
    clinicians = _clinicians() if coordinator else None
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today, "kind": Absence.Kind.SICK}
    if coordinator and target is not None:
        initial["staff"] = target.pk
    form = AbsenceForm(
        request.POST if request.method == "POST" else None, clinicians=clinicians, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        staff = data["staff"] if coordinator else target
        try:
            absence = services.register_absence(
                actor=request.user,
                staff=staff,
                kind=data["kind"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                note=data["note"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(kind)s for %(name)s %(days)s was registered.")
                % {
                    "kind": absence.get_kind_display(),
                    "name": absence.staff.name,
                    "days": day_span(absence.starts_on, absence.ends_on),
                },
            )
            return redirect("scheduling:absence", pk=absence.pk)
    context = {
        "form": form,
        "coordinator": coordinator,
        "target": target,
        "zone": (target.time_zone if target else "") or STOCKHOLM_NAME,
    }
    return render(
        request, "scheduling/absence_form.html", context, status=400 if form.errors else 200
    )


@login_required
def absence(request: HttpRequest, pk: int) -> HttpResponse:
    """One absence, and the accepted week plans it affects with a button to re-plan them."""
    require_role(request.user, *AVAILABILITY_ROLES)
    item = get_object_or_404(_visible_absences(request), pk=pk)
    today = timezone.localdate()
    # A week already over cannot be re-planned usefully.
    plans = [
        entry
        for entry in services.accepted_plans_during(item)
        if entry["plan"].week_start + datetime.timedelta(days=6) >= today
    ]
    context = {
        "absence": item,
        "days": day_span(item.starts_on, item.ends_on),
        "plans": plans,
        "coordinator": _is_coordinator(request),
        "reason": replan_reason(item),
    }
    return render(request, "scheduling/absence.html", context)


@login_required
def absence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then remove an absence registered by mistake or cancelled."""
    require_role(request.user, *AVAILABILITY_ROLES)
    item = get_object_or_404(_visible_absences(request), pk=pk)
    if request.method == "POST":
        name, days = item.staff.name, day_span(item.starts_on, item.ends_on)
        services.delete_absence(actor=request.user, absence=item, request=request)
        messages.success(
            request,
            _("The absence of %(name)s %(days)s was removed.") % {"name": name, "days": days},
        )
        return redirect("scheduling:absences")
    context = {
        "absence": item,
        "days": day_span(item.starts_on, item.ends_on),
        "plans": services.accepted_plans_during(item),
    }
    return render(request, "scheduling/absence_delete.html", context)


# --- Working hours --------------------------------------------------------------------------------


def _next(weekday: int, today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7)


def _stockholm_equivalent(weekday, starts, ends, zone_name: str, today) -> str:
    """The row's times in Stockholm time on its next date ("" when they cannot be shown)."""
    if starts is None or ends is None:
        return ""
    day = _next(weekday, today)
    end_day = day + datetime.timedelta(days=1) if ends == datetime.time(0) else day
    try:
        first = local_to_utc(day, starts, zone_name).astimezone(STOCKHOLM)
        last = local_to_utc(end_day, ends, zone_name).astimezone(STOCKHOLM)
    except ValueError:
        return ""
    text = f"{first:%H:%M}–{last:%H:%M}"
    if first.date() != day or last.date() not in (day, day + datetime.timedelta(days=1)):
        text += f" ({formats.date_format(first.date(), 'D')})"
    return text


def _pattern_forms(staff: StaffProfile, data=None) -> list[dict]:
    """Per weekday its row forms: at least two, more when more periods are saved."""
    saved: dict[int, list[WorkingPattern]] = {}
    for pattern in staff.working_patterns.order_by("weekday", "starts"):
        saved.setdefault(pattern.weekday, []).append(pattern)
    days = []
    for weekday, label in WorkingPattern.Weekday.choices:
        patterns = saved.get(weekday, [])
        forms = []
        for slot in range(max(MIN_SLOTS_PER_DAY, len(patterns))):
            initial = {}
            if slot < len(patterns):
                p = patterns[slot]
                initial = {
                    "starts": p.starts,
                    "ends": p.ends,
                    "on_call": p.on_call,
                    "works_on_holidays": p.works_on_holidays,
                }
            forms.append(
                PatternRowForm(data, prefix=f"d{weekday}-{slot}", initial=initial, weekday=weekday)
            )
        days.append({"weekday": weekday, "label": label, "forms": forms})
    return days


def _times_of(form: PatternRowForm):
    if form.is_bound:
        if not form.is_valid():
            return None, None
        return form.cleaned_data.get("starts"), form.cleaned_data.get("ends")
    return form.initial.get("starts"), form.initial.get("ends")


@login_required
def patterns(request: HttpRequest) -> HttpResponse:
    """A clinician's weekly working hours, in their own time zone, as one editable table."""
    require_role(request.user, *AVAILABILITY_ROLES)
    target = _target(request)
    if target is None:
        # A coordinator without `?staff=` chooses whose hours to edit.
        context = {"target": None, "clinicians": _clinicians()}
        return render(request, "scheduling/patterns.html", context)
    if not services.may_manage_availability(request.user, target):
        raise PermissionDenied
    zone_name = target.time_zone or STOCKHOLM_NAME
    bound = request.POST if request.method == "POST" else None
    days = _pattern_forms(target, bound)
    errors: list[str] = []
    if request.method == "POST":
        all_forms = [form for day in days for form in day["forms"]]
        if all(form.is_valid() for form in all_forms):
            rows, owners = [], []
            for form in all_forms:
                if form.is_blank():
                    continue
                rows.append(dict(form.cleaned_data, weekday=form.weekday))
                owners.append(form)
            try:
                services.set_working_patterns(
                    actor=request.user, staff=target, rows=rows, request=request
                )
            except ValidationError as exc:
                for key, messages_ in exc.message_dict.items():
                    index = key.removeprefix("row-")
                    if index.isdigit() and int(index) < len(owners):
                        owners[int(index)].add_error(None, messages_)
                    else:
                        errors.extend(messages_)
            else:
                messages.success(
                    request,
                    _("The working hours of %(name)s were saved.") % {"name": target.name},
                )
                url = reverse("scheduling:patterns")
                if _is_coordinator(request):
                    url += f"?staff={target.pk}"
                return redirect(url)
        has_errors = True
    else:
        has_errors = False
    for day in days:
        for form in day["forms"]:
            if form.errors:
                # Point screen readers from each input of a refused row to its message.
                for field in form.fields.values():
                    field.widget.attrs.update(
                        {"aria-invalid": "true", "aria-describedby": f"{form.prefix}-errors"}
                    )
    today = timezone.localdate()
    other_zone = zone_name != STOCKHOLM_NAME
    for day in days:
        day["rows"] = [
            {
                "form": form,
                "slot": slot,
                "stockholm": _stockholm_equivalent(
                    day["weekday"], *_times_of(form), zone_name, today
                )
                if other_zone
                else "",
            }
            for slot, form in enumerate(day["forms"])
        ]
    context = {
        "target": target,
        "own": target.user_id == request.user.pk,
        "coordinator": _is_coordinator(request),
        "zone": zone_name,
        "other_zone": other_zone,
        "days": days,
        "errors": errors,
    }
    return render(request, "scheduling/patterns.html", context, status=400 if has_errors else 200)
