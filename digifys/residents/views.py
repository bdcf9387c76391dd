from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.careteams.policy import can_see_clinical_data
from digifys.directory.models import Organisation

from . import selectors, services
from .forms import RegisterResidentForm, RegistrationChangeForm, ResidentSearchForm
from .models import Resident


def _require_role(request: HttpRequest, *roles: Role) -> None:
    if request.user.role not in roles:
        raise PermissionDenied


def _units_for(user):
    if user.role in (Role.NURSE, Role.ASSISTANT_NURSE):
        return user.staff_profile.units.select_related("parent").order_by("parent__name", "name")
    return Organisation.objects.units().select_related("parent").order_by("parent__name", "name")


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    """List the residents the user may see, with search and pagination."""
    _require_role(request, Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN, Role.COORDINATOR)
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
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    template = "residents/list.html#results" if request.htmx else "residents/list.html"
    return render(request, template, context)


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one resident's overview."""
    resident = get_object_or_404(
        selectors.with_care_team(Resident.objects.visible_to(request.user)), pk=pk
    )
    if request.user.role == Role.RELATIVE:
        return redirect("residents:mine")
    clinical = can_see_clinical_data(request.user)
    context = {
        "resident": resident,
        "named": selectors.named_physician(resident),
        "deputy": selectors.deputy(resident),
        "clinical": clinical,
        "relatives": resident.relatives.all(),
        "can_change_registration": request.user.role == Role.COORDINATOR,
        "registration_form": RegistrationChangeForm(),
    }
    if clinical:
        context.update(
            diagnoses=resident.diagnoses.active(),
            medications=resident.medications.active(),
            limitations=resident.treatment_limitations.active().select_related("decided_by__user"),
        )
    return render(request, "residents/detail.html", context)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Register a new resident (coordinators)."""
    _require_role(request, Role.COORDINATOR)
    form = RegisterResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.register_resident(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": resident.full_name})
            return redirect("residents:detail", pk=resident.pk)
    status = 400 if form.errors else 200
    return render(request, "residents/register.html", {"form": form}, status=status)


@login_required
def change_registration(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that a resident's registration moved to another municipality (coordinators)."""
    _require_role(request, Role.COORDINATOR)
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    form = RegistrationChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_registration(
                actor=request.user,
                resident=resident,
                municipality_code=form.cleaned_data["municipality_code"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if resident.is_eligible:
                messages.success(request, _("The registration was changed."))
            else:
                messages.warning(
                    request,
                    _(
                        "The registration was changed. %(name)s is no longer registered in "
                        "Västerbotten and has left the care lists; the history is kept."
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
def my_residents(request: HttpRequest) -> HttpResponse:
    """A relative's start page: their resident(s) and who the doctor is."""
    _require_role(request, Role.RELATIVE)
    residents = selectors.with_care_team(Resident.objects.visible_to(request.user))
    cards = [
        {"resident": r, "named": selectors.named_physician(r), "deputy": selectors.deputy(r)}
        for r in residents
    ]
    return render(request, "residents/mine.html", {"cards": cards})


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
