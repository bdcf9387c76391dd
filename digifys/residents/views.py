from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams import policy
from digifys.careteams.forms import ConsentOpenForm
from digifys.careteams.policy import can_see_clinical_data
from digifys.core.forms import add_service_errors
from digifys.directory.models import Organisation
from digifys.insights.selectors import resident_continuity

from . import hub, selectors, services, timeline
from .forms import (
    CognitiveBaselineForm,
    EntitlementForm,
    RegisterResidentForm,
    RegistrationChangeForm,
    ResidentSearchForm,
)
from .models import Diagnosis, Medication, Resident, TreatmentLimitation


def _units_for(user):
    if user.role in (Role.NURSE, Role.ASSISTANT_NURSE):
        return user.staff_profile.units.select_related("parent").order_by("parent__name", "name")
    return Organisation.objects.units().select_related("parent").order_by("parent__name", "name")


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    """List the residents the user may see, with search and pagination."""
    require_role(request.user, Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN, Role.COORDINATOR)
    form = ResidentSearchForm(request.GET or None, units=_units_for(request.user))
    search, unit_id = "", None
    if form.is_valid():
        search = form.cleaned_data["q"]
        unit_id = form.cleaned_data["unit"].pk if form.cleaned_data["unit"] else None
    residents = selectors.residents_for(request.user, search=search, unit_id=unit_id)
    page = Paginator(residents, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "resident": resident,
            "named": selectors.named_physician(resident),
            "deputy": selectors.deputy(resident),
        }
        for resident in page.object_list
    ]
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[row["resident"] for row in rows],
        object_type="resident_list",
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    template = "residents/list.html#results" if request.htmx else "residents/list.html"
    return render(request, template, context)


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's hub: who, now, actions, the vital-signs chart and the timeline."""
    if request.user.role == Role.RELATIVE:
        return redirect("relatives:home")
    user = request.user
    try:
        resident = hub.load_resident(
            user, pk, selectors.with_care_team(Resident.objects.visible_to(user))
        )
    except Resident.DoesNotExist:
        raise Http404 from None
    clinical = can_see_clinical_data(user)
    emergency = clinical and not policy.has_care_relationship(user, resident)
    audit.record_read(
        actor=user,
        residents=[resident],
        object_type="resident",
        object_id=resident.pk,
        request=request,
    )
    now = timezone.now()
    state = hub.now_for(user, resident, clinical=clinical, now=now)
    kind = timeline.parse_filter(request.GET.get("kind"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "resident": resident,
        "named": selectors.named_physician(resident),
        "deputy": selectors.deputy(resident),
        "clinical": clinical,
        "emergency": emergency,
        "can_change_registration": user.role == Role.COORDINATOR,
        "can_manage_blocks": user.role in (Role.COORDINATOR, Role.NURSE, Role.ASSISTANT_NURSE),
        # Who the resident met, not what was said: staff who see the resident see this too.
        "continuity": resident_continuity(resident),
        "now": now,
        "state": state,
        "actions": hub.actions_for(user, resident, state, clinical=clinical),
        "timeline": timeline.timeline(
            user, resident, kind=kind, page=request.GET.get("page"), now=now, clinical=clinical
        ),
        "timeline_kind": kind,
        "timeline_filters": [(key, label) for key, (label, _kinds) in timeline.FILTERS.items()],
        "timeline_query": query.urlencode(),
    }
    if clinical:
        range_key = hub.parse_range(request.GET.get("range"))
        chart = hub.chart_for(user, resident, range_key=range_key, now=now)
        records = {
            "diagnoses": Diagnosis.objects.visible_to(user).active(),
            "medications": Medication.objects.visible_to(user).active(),
            "limitations": TreatmentLimitation.objects.visible_to(user)
            .active()
            .select_related("decided_by__user"),
        }
        context.update(
            {name: qs.filter(resident=resident) for name, qs in records.items()},
            blocked_units=policy.blocked_units_for(user, resident),
            consent_form=ConsentOpenForm(),
            chart=chart,
            chart_data=chart.as_json(),
            chart_labels=hub.chart_labels(),
            chart_ranges=[
                (key, label, _range_query(request, key))
                for key, (_span, label) in hub.RANGES.items()
            ],
        )
    return render(request, "residents/detail.html", context)


def _range_query(request: HttpRequest, range_key: str) -> str:
    """The page's query string with the chart's range set to RANGE_KEY (filters are kept)."""
    query = request.GET.copy()
    query["range"] = range_key
    return query.urlencode()


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Register a new resident (coordinators)."""
    require_role(request.user, Role.COORDINATOR)
    form = RegisterResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.register_resident(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": resident.full_name})
            return redirect("residents:detail", pk=resident.pk)
    status = 400 if form.errors else 200
    return render(request, "residents/register.html", {"form": form}, status=status)


@login_required
def change_registration(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that a resident's registration moved to another municipality (coordinators)."""
    require_role(request.user, Role.COORDINATOR)
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    form = RegistrationChangeForm(request.POST or None)
    if request.method != "POST":
        audit.record(
            actor=request.user,
            action="read",
            resident=resident,
            object_type="registration",
            object_id=resident.pk,
            purpose="administration",
            request=request,
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_registration(
                actor=request.user,
                resident=resident,
                municipality_code=form.cleaned_data["municipality_code"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if resident.is_eligible:
                messages.success(request, _("The registration was changed."))
            else:
                messages.warning(
                    request,
                    _(
                        "The registration was changed. %(name)s is no longer registered in "
                        "Västerbotten: the unit keeps caring for them and consults go to "
                        "physicians working in Sweden. Settle the care responsibility, or "
                        "document another basis for entitlement."
                    )
                    % {"name": resident.full_name},
                )
            return redirect("residents:detail", pk=resident.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "residents/change_registration.html",
        {"form": form, "resident": resident},
        status=status,
    )


@login_required
def document_entitlement(request: HttpRequest, pk: int) -> HttpResponse:
    """Document another basis for a resident's entitlement to the clinic's care (coordinators)."""
    require_role(request.user, Role.COORDINATOR)
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    form = EntitlementForm(request.POST or None, initial={"basis": resident.entitlement_basis})
    if request.method != "POST":
        audit.record(
            actor=request.user,
            action="read",
            resident=resident,
            object_type="entitlement",
            object_id=resident.pk,
            purpose="administration",
            request=request,
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.document_entitlement(
                actor=request.user,
                resident=resident,
                basis=form.cleaned_data["basis"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The basis for entitlement was recorded."))
            return redirect("residents:detail", pk=resident.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "residents/entitlement.html",
        {"form": form, "resident": resident},
        status=status,
    )


@login_required
def cognitive_baseline(request: HttpRequest, pk: int) -> HttpResponse:
    """Document the resident's usual cognitive state (the unit's nurses, the physicians)."""
    require_role(request.user, Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    initial = {"cognitive_baseline": resident.cognitive_baseline}
    form = CognitiveBaselineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_cognitive_baseline(
                actor=request.user,
                resident=resident,
                text=form.cleaned_data["cognitive_baseline"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The cognitive baseline was saved."))
            return redirect(back or reverse("residents:detail", args=[resident.pk]))
    if request.method != "POST":
        audit.record_read(
            actor=request.user,
            residents=[resident],
            object_type="cognitive_baseline",
            object_id=resident.pk,
            request=request,
        )
    status = 400 if form.errors else 200
    context = {"form": form, "resident": resident, "next": back}
    return render(request, "residents/cognitive_baseline.html", context, status=status)
