"""Pages for medication reviews: the due list, the review form and a resident's history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams import policy
from digifys.core.forms import add_service_errors
from digifys.residents.models import Medication, Resident
from digifys.residents.services import set_drug_related_problems

from . import selectors, services
from .forms import ReviewForm
from .models import MedicationReview

HISTORY_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE)


@login_required
def due(request: HttpRequest) -> HttpResponse:
    """Physicians: the reviews due on their panel. Coordinators: the same for all units."""
    role = request.user.role
    if role not in (Role.PHYSICIAN, Role.COORDINATOR):
        raise PermissionDenied
    today = timezone.localdate()
    if role == Role.PHYSICIAN:
        residents = selectors.panel_residents(request.user)
    else:
        # Organisation data only: names, unit and due date; the reasons are clinical.
        residents = Resident.objects.visible_to(request.user).in_care()
    # Every qualifying resident, triaged (issue 12 §4 item 10): overdue, due soon, later.
    items = selectors.due_reviews(residents_queryset=residents, today=today, horizon_days=None)
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[item.resident for item in items],
        object_type="medication_review_due",
        purpose="care" if role == Role.PHYSICIAN else "administration",
        request=request,
    )
    context = {
        "items": items,
        "physician": role == Role.PHYSICIAN,
        "groups": selectors.triage(items, today=today),
        "units": selectors.count_per_unit(items, today=today),
        "today": today,
        "horizon_days": selectors.HORIZON_DAYS,
    }
    return render(request, "medicationreviews/due.html", context)


@login_required
def new(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """A physician documents a medication review, with the active medication list beside it."""
    if request.user.role != Role.PHYSICIAN:
        raise PermissionDenied
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("unit__parent"), pk=resident_pk
    )
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.record_review(
                actor=request.user, resident=resident, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if isinstance(review, MedicationReview):
                messages.success(request, _("The medication review was documented."))
            else:  # a supervised clinician's review waits for the countersignature
                messages.success(
                    request,
                    _("The medication review was sent to your supervisor for countersignature."),
                )
            return redirect("medicationreviews:history", resident_pk=resident.pk)
    audit.record_read(
        actor=request.user,
        residents=[resident],
        object_type="medication_review_form",
        object_id=resident.pk,
        request=request,
    )
    context = {
        "resident": resident,
        "form": form,
        "medications": Medication.objects.visible_to(request.user)
        .filter(resident=resident, is_active=True)
        .order_by("name"),
        "blocked_units": policy.blocked_units_for(request.user, resident),
        "last_review": MedicationReview.objects.visible_to(request.user)
        .filter(resident=resident)
        .select_related("performed_by__user")
        .first(),
    }
    status = 400 if form.errors else 200
    return render(request, "medicationreviews/new.html", context, status=status)


@login_required
def history(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """A resident's documented medication reviews, newest first."""
    if request.user.role not in HISTORY_ROLES:
        raise PermissionDenied
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("unit__parent"), pk=resident_pk
    )
    reviews = (
        MedicationReview.objects.visible_to(request.user)
        .filter(resident=resident)
        .select_related("performed_by__user", "unit")
    )
    audit.record_read(
        actor=request.user,
        residents=[resident],
        object_type="medication_review",
        object_id=resident.pk,
        request=request,
    )
    context = {
        "resident": resident,
        "reviews": reviews,
        "may_review": request.user.role == Role.PHYSICIAN,
        "blocked_units": policy.blocked_units_for(request.user, resident),
    }
    return render(request, "medicationreviews/history.html", context)


@login_required
@require_POST
def drug_problems(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """Physicians and the unit's nurses set or clear suspected drug-related problems."""
    if request.user.role not in HISTORY_ROLES:
        raise PermissionDenied
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=resident_pk)
    value = request.POST.get("value")
    if value not in ("0", "1"):
        return HttpResponse(_("Say whether drug-related problems are suspected."), status=400)
    try:
        set_drug_related_problems(
            actor=request.user,
            resident=resident,
            value=value == "1",
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if value == "1":
            messages.success(
                request, _("Drug-related problems are flagged: a medication review is due.")
            )
        else:
            messages.success(request, _("The drug-related problems flag was cleared."))
    return redirect("medicationreviews:history", resident_pk=resident.pk)
