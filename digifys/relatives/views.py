"""The relatives' portal (relatives) and consent pages (staff).

Relative-facing views read only through `relatives.policy` / `relatives.selectors`, on every
request, so what a relative sees follows the consent in force at that moment.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.audit.forms import ExtractFilterForm
from digifys.core.forms import add_service_errors
from digifys.residents.models import Relative, Resident
from digifys.trust import selectors as trust_selectors

from . import policy, selectors, services
from .forms import ConsentForm, RevokeForm
from .models import Consent, Scope, stockholm_today

STAFF_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN, Role.COORDINATOR)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The relative's start page: each linked resident by that resident's own consent."""
    require_role(request.user, Role.RELATIVE)
    cards = selectors.portal_cards(request.user)
    shown = [card.resident for card in cards if card.resident is not None]
    audit.record_many(
        actor=request.user,
        action="read",
        residents=shown,
        object_type="relative_portal",
        purpose="patient_request",
        request=request,
    )
    surveys = trust_selectors.open_invitations(request.user)
    return render(request, "relatives/home.html", {"cards": cards, "surveys": surveys})


# --- Who has looked, and the resident's own login --------------------------------------------


def _log_page(request: HttpRequest, resident: Resident, *, own: bool, object_type: str):
    """Log the reading of the extract (first, so it shows itself), then one page of lines."""
    form = ExtractFilterForm(request.GET or None)
    since = until = None
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    audit.record(
        actor=request.user,
        action="read",
        resident=resident,
        object_type=object_type,
        object_id=resident.pk,
        purpose="patient_request",
        request=request,
        details={
            "since": since.isoformat() if since else "",
            "until": until.isoformat() if until else "",
        },
    )
    lines = selectors.access_log(resident, since=since, until=until, own=own, user=request.user)
    page = Paginator(lines, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"form": form, "page": page, "query": query.urlencode(), "own": own}


@login_required
def access_log(request: HttpRequest, pk: int) -> HttpResponse:
    """A relative: who has read the resident's record, if the consent in force shares it."""
    require_role(request.user, Role.RELATIVE)
    resident = policy.resident_with_scope(request.user, pk, Scope.ACCESS_LOG)
    context = _log_page(request, resident, own=False, object_type="relative_access_log")
    context["resident"] = resident
    status = 400 if context["form"].errors else 200
    return render(request, "relatives/access_log.html", context, status=status)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """A resident's own start page: their card, what is coming up, links to who has looked."""
    resident = policy.own_resident_or_404(request.user)
    card = selectors.own_card(resident)
    audit.record(
        actor=request.user,
        action="read",
        resident=resident,
        object_type="own_portal",
        object_id=resident.pk,
        purpose="patient_request",
        request=request,
    )
    surveys = trust_selectors.open_invitations(request.user)
    return render(
        request, "relatives/me.html", {"card": card, "resident": resident, "surveys": surveys}
    )


@login_required
def own_access_log(request: HttpRequest) -> HttpResponse:
    """A resident's own log extract: who read their record, when and why (PDL 8 kap. 5 §)."""
    resident = policy.own_resident_or_404(request.user)
    context = _log_page(request, resident, own=True, object_type="own_access_log")
    context["resident"] = resident
    status = 400 if context["form"].errors else 200
    return render(request, "relatives/access_log.html", context, status=status)


# --- Staff: consent from the resident page ----------------------------------------------------


def _relative_for_staff(request: HttpRequest, pk: int) -> Relative:
    return get_object_or_404(
        Relative.objects.visible_to(request.user).select_related("resident__unit__parent"), pk=pk
    )


def _log_read(request: HttpRequest, resident: Resident, object_type: str, object_id) -> None:
    audit.record_read(
        actor=request.user,
        residents=[resident],
        object_type=object_type,
        object_id=object_id,
        request=request,
    )


@login_required
def consents(request: HttpRequest, pk: int) -> HttpResponse:
    """A resident's relatives with each one's consent and its full history (staff)."""
    require_role(request.user, *STAFF_ROLES)
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("unit__parent"), pk=pk
    )
    relatives = list(Relative.objects.visible_to(request.user).filter(resident=resident))
    history = (
        Consent.objects.visible_to(request.user)
        .filter(resident=resident)
        .select_related("recorded_by", "assessed_by__user")
    )
    by_relative: dict[int, list[Consent]] = {}
    for row in history:
        by_relative.setdefault(row.relative_id, []).append(row)
    today = stockholm_today()
    rows = []
    for relative in relatives:
        rows_of = by_relative.get(relative.pk, [])
        state = rows_of[0].state(today) if rows_of else "none"
        rows.append({"relative": relative, "history": rows_of, "state": state})
    _log_read(request, resident, "relative_consents", resident.pk)
    return render(
        request,
        "relatives/consents.html",
        {
            "resident": resident,
            "rows": rows,
            "may_record": services.may_record_consent(request.user),
        },
    )


def _initial(relative: Relative) -> dict:
    today = stockholm_today()
    current = services.current_consent(relative)
    if current is None or current.event == Consent.Event.REVOKED:
        return {
            "basis": Consent.Basis.RESIDENT,
            "given_on": today,
            "review_on": today + datetime.timedelta(days=365),
        }
    return {
        "basis": current.basis,
        "scopes": sorted(current.scopes),
        "given_on": current.given_on,
        "valid_until": current.valid_until,
        "review_on": current.review_on,
        "reason": current.reason,
    }


@login_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """Register or change a relative's consent (a new row each time)."""
    require_role(request.user, *services.RECORDING_ROLES)
    relative = _relative_for_staff(request, pk)
    form = ConsentForm(
        request.POST if request.method == "POST" else None, initial=_initial(relative)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(
                actor=request.user, relative=relative, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The consent was saved."))
            return redirect("relatives:consents", pk=relative.resident_id)
    _log_read(request, relative.resident, "relative_consent", relative.pk)
    return render(
        request,
        "relatives/consent_form.html",
        {
            "form": form,
            "relative": relative,
            "resident": relative.resident,
            "may_assess": services.may_assess_harm(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a relative's consent, after a confirmation with the reason."""
    require_role(request.user, *services.RECORDING_ROLES)
    relative = _relative_for_staff(request, pk)
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_consent(
                actor=request.user,
                relative=relative,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The consent was revoked. The relative sees nothing now."))
            return redirect("relatives:consents", pk=relative.resident_id)
    _log_read(request, relative.resident, "relative_consent", relative.pk)
    return render(
        request,
        "relatives/revoke.html",
        {
            "form": form,
            "relative": relative,
            "resident": relative.resident,
            "current": services.current_consent(relative),
        },
        status=400 if form.errors else 200,
    )
