from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.core.forms import add_service_errors
from digifys.directory.models import StaffProfile
from digifys.residents import selectors as resident_selectors
from digifys.residents.identity import InvalidIdentityNumber, parse_identity_number
from digifys.residents.models import Resident

from . import policy, selectors, services
from .forms import (
    AssignPhysicianForm,
    BlockForm,
    ConsentOpenForm,
    EmergencyLookupForm,
    EmergencyReasonForm,
    LiftBlockForm,
    PanelSearchForm,
)
from .models import Block, PhysicianAssignment


@login_required
def panel(request: HttpRequest) -> HttpResponse:
    """A physician's panel: residents where they are named physician or deputy."""
    if request.user.role != Role.PHYSICIAN:
        raise PermissionDenied
    profile = request.user.staff_profile
    rows = []
    for resident in selectors.panel_of(request.user):
        named = resident_selectors.named_physician(resident)
        rows.append(
            {
                "resident": resident,
                "role": "named" if named and named.physician_id == profile.pk else "deputy",
                "named": named,
            }
        )
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[row["resident"] for row in rows],
        object_type="panel",
        request=request,
    )
    named_count = sum(1 for row in rows if row["role"] == "named")
    return render(
        request,
        "careteams/panel.html",
        {"rows": rows, "named_count": named_count, "deputy_count": len(rows) - named_count},
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The coordinator's overview: units, panels and their sizes, locum share."""
    if request.user.role != Role.COORDINATOR:
        raise PermissionDenied
    share = selectors.locum_share()
    context = {
        "units": selectors.units_with_counts(),
        "physicians": selectors.panel_sizes(),
        "without_named": selectors.residents_without_named_physician(),
        "locum_share": None if share is None else round(share * 100),
    }
    return render(request, "careteams/overview.html", context)


def _require_emergency_role(request: HttpRequest) -> None:
    if not policy.may_request_emergency_access(request.user):
        raise PermissionDenied


def _find_in_care(identity_number: str) -> Resident | None:
    canonical = parse_identity_number(identity_number).canonical
    return (
        Resident.objects.in_care()
        .select_related("unit__parent")
        .filter(identity_number=canonical)
        .first()
    )


@login_required
def emergency(request: HttpRequest) -> HttpResponse:
    """Emergency access, step 1: see that the resident exists (logged)."""
    _require_emergency_role(request)
    form = EmergencyLookupForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            resident = _find_in_care(form.cleaned_data["identity_number"])
        except InvalidIdentityNumber as exc:
            form.add_error("identity_number", str(exc))
        else:
            if resident is None:
                form.add_error(
                    "identity_number",
                    _("No resident in care has this identity number. Check the number."),
                )
            elif policy.has_care_relationship(request.user, resident):
                messages.info(
                    request, _("You already have a care relationship with this resident.")
                )
                return redirect("residents:detail", pk=resident.pk)
            else:
                services.record_emergency_lookup(
                    actor=request.user, resident=resident, request=request
                )
                context.update(
                    resident=resident,
                    reason_form=EmergencyReasonForm(
                        initial={"identity_number": form.cleaned_data["identity_number"]}
                    ),
                )
    status = 400 if form.errors else 200
    return render(request, "careteams/emergency.html", context, status=status)


@login_required
@require_POST
def emergency_open(request: HttpRequest) -> HttpResponse:
    """Emergency access, step 2: state the reason, then read."""
    _require_emergency_role(request)
    form = EmergencyReasonForm(request.POST)
    lookup = EmergencyLookupForm(request.POST)
    resident = None
    if lookup.is_valid():
        try:
            resident = _find_in_care(lookup.cleaned_data["identity_number"])
        except InvalidIdentityNumber as exc:
            lookup.add_error("identity_number", str(exc))
        else:
            if resident is None:
                lookup.add_error(
                    "identity_number", _("No resident in care has this identity number.")
                )
    if resident is not None and form.is_valid():
        try:
            grant = services.grant_emergency_access(
                actor=request.user,
                resident=resident,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "no_lookup":
                # No logged step 1: show nothing about the resident, start over from step 1.
                lookup.add_error(None, exc.messages)
                resident = None
            else:
                add_service_errors(form, exc)
        else:
            messages.warning(
                request,
                _("Emergency access is open until %(time)s. It is logged and will be reviewed.")
                % {"time": timezone.localtime(grant.expires_at).strftime("%H:%M")},
            )
            return redirect("residents:detail", pk=resident.pk)
    context = {"form": lookup, "resident": resident, "reason_form": form}
    return render(request, "careteams/emergency.html", context, status=400)


@login_required
@require_POST
def consent_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a resident's blocked records with their consent (second explicit step)."""
    if not policy.can_see_clinical_data(request.user):
        raise PermissionDenied
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    form = ConsentOpenForm(request.POST)
    if form.is_valid():
        try:
            services.open_blocks_with_consent(
                actor=request.user,
                resident=resident,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The blocked records are open to you for two hours."))
            return redirect("residents:detail", pk=resident.pk)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("residents:detail", pk=resident.pk)


# Who registers and lifts blocks: the coordinator and the nurses of the units.
BLOCK_ROLES = (Role.COORDINATOR, Role.NURSE, Role.ASSISTANT_NURSE)


def _blocks_resident(request: HttpRequest, pk: int) -> Resident:
    require_role(request.user, *BLOCK_ROLES)
    return get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)


@login_required
def blocks(request: HttpRequest, pk: int) -> HttpResponse:
    """Register and list a resident's blocks (spärr), at the resident's request."""
    resident = _blocks_resident(request, pk)
    form = BlockForm(request.POST or None, initial={"unit": resident.unit_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.register_block(
                actor=request.user, request=request, resident=resident, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The block was registered."))
            return redirect("careteams:blocks", pk=resident.pk)
    else:
        audit.record(
            actor=request.user,
            action="read",
            resident=resident,
            object_type="blocks",
            object_id=resident.pk,
            request=request,
        )
    blocks_list = list(resident.blocks.select_related("unit__parent", "created_by", "lifted_by"))
    for block in blocks_list:
        block.may_lift = services.may_lift_block(request.user, block)
    context = {"resident": resident, "form": form, "blocks": blocks_list}
    return render(request, "careteams/blocks.html", context, status=400 if form.errors else 200)


@login_required
def lift_block(request: HttpRequest, pk: int) -> HttpResponse:
    """Lift a block with the resident's consent or a documented reason, after confirmation."""
    require_role(request.user, *BLOCK_ROLES)
    block = get_object_or_404(
        Block.objects.visible_to(request.user).select_related("resident", "unit"), pk=pk
    )
    if not services.may_lift_block(request.user, block):
        raise PermissionDenied
    form = LiftBlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lift_block(
                actor=request.user, block=block, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The block was lifted."))
            return redirect("careteams:blocks", pk=block.resident_id)
    audit.record(
        actor=request.user,
        action="read",
        resident=block.resident,
        object_type="block",
        object_id=block.pk,
        request=request,
    )
    # Not "block": inside {% block %} that name is the template block itself.
    context = {"the_block": block, "form": form}
    return render(request, "careteams/lift_block.html", context, status=400 if form.errors else 200)


# --- Panels: named physicians and deputies (coordinators) ------------------------------------

PANEL_SORTS = {
    "name": ("user__last_name", "user__first_name"),
    "-named": ("-named_count", "user__last_name", "user__first_name"),
    "named": ("named_count", "user__last_name", "user__first_name"),
    "-deputy": ("-deputy_count", "user__last_name", "user__first_name"),
    "deputy": ("deputy_count", "user__last_name", "user__first_name"),
}


def _physicians_with_panel_sizes(user):
    """Active physicians with their current named and deputy counts (residents in care)."""
    current = Q(
        assignments__ended_at__isnull=True,
        assignments__resident__in=Resident.objects.visible_to(user).in_care(),
    )
    return (
        StaffProfile.objects.physicians()
        .filter(user__is_active=True)
        .select_related("user", "employer")
        .prefetch_related("languages")
        .annotate(
            named_count=Count(
                "assignments", filter=current & Q(assignments__role="named"), distinct=True
            ),
            deputy_count=Count(
                "assignments", filter=current & Q(assignments__role="deputy"), distinct=True
            ),
        )
    )


@login_required
def panels(request: HttpRequest) -> HttpResponse:
    """Physicians with their panel sizes, to balance panels (coordinators)."""
    require_role(request.user, Role.COORDINATOR)
    form = PanelSearchForm(request.GET or None)
    search, sort = "", "-named"
    if form.is_valid():
        search = form.cleaned_data["q"].strip()
        sort = form.cleaned_data["sort"] or sort
    physicians = _physicians_with_panel_sizes(request.user)
    for word in search.split():
        physicians = physicians.filter(
            Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
        )
    physicians = physicians.order_by(*PANEL_SORTS[sort], "pk")
    page = Paginator(physicians, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "sort": sort, "query": query.urlencode()}
    template = "careteams/panels.html#results" if request.htmx else "careteams/panels.html"
    return render(request, template, context)


@login_required
def physician_panel(request: HttpRequest, staff_pk: int) -> HttpResponse:
    """One physician's panel as a coordinator sees it: organisation data only."""
    require_role(request.user, Role.COORDINATOR)
    physician = get_object_or_404(
        _physicians_with_panel_sizes(request.user).select_related("user"), pk=staff_pk
    )
    assignments = (
        PhysicianAssignment.objects.visible_to(request.user)
        .current()
        .filter(
            physician=physician, resident__in=Resident.objects.visible_to(request.user).in_care()
        )
        .select_related("resident__unit__parent")
        .order_by("resident__unit__parent__name", "resident__unit__name", "resident__family_name")
    )
    page = Paginator(assignments, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[a.resident for a in page.object_list],
        object_type="physician_panel",
        request=request,
    )
    context = {"physician": physician, "page": page, "assignments": page.object_list}
    return render(request, "careteams/physician_panel.html", context)


@login_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign or change a resident's named physician or deputy, with a reason."""
    require_role(request.user, Role.COORDINATOR)
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("unit__parent"), pk=pk
    )
    history = list(
        PhysicianAssignment.objects.visible_to(request.user)
        .filter(resident=resident)
        .select_related("physician__user", "assigned_by")
        .order_by("-started_at", "-pk")
    )
    current = {a.role: a for a in history if a.ended_at is None}
    physicians = _physicians_with_panel_sizes(request.user).order_by(
        "user__last_name", "user__first_name"
    )
    role = request.GET.get("role")
    initial = {"role": role if role in PhysicianAssignment.Role.values else None}
    form = AssignPhysicianForm(
        request.POST or None, physicians=physicians, current=current, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_physician(
                actor=request.user,
                resident=resident,
                physician=form.cleaned_data["physician"],
                role=form.cleaned_data["role"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The assignment was saved."))
            return redirect("careteams:assign", pk=resident.pk)
    audit.record(
        actor=request.user,
        action="read",
        resident=resident,
        object_type="physician_assignments",
        object_id=resident.pk,
        request=request,
    )
    context = {
        "resident": resident,
        "form": form,
        "named": current.get("named"),
        "deputy": current.get("deputy"),
        "history": history,
    }
    return render(request, "careteams/assign.html", context, status=400 if form.errors else 200)
