"""Hospital transfers of one resident: the list, the nurse's form and the physician's judgement.

Residents and transfers are fetched through `visible_to` (the access policy): another unit's
nurse or a physician without a care relationship gets 404, other roles 403. Every page that
shows a resident's transfers writes one access-log read.
"""

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
from digifys.careteams import policy
from digifys.core.forms import add_service_errors
from digifys.residents.models import Resident

from . import services
from .forms import JudgementForm, TransferForm
from .models import HospitalTransfer

READ_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)


@login_required
def resident_transfers(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """A resident's transfers, newest first; nurses record a new one on the same page."""
    require_role(request.user, *READ_ROLES)
    user = request.user
    resident = get_object_or_404(
        Resident.objects.visible_to(user).select_related("unit__parent"), pk=resident_pk
    )
    may_record = user.role in services.RECORDING_ROLES
    form = TransferForm(request.POST if request.method == "POST" and may_record else None)
    if request.method == "POST" and may_record and form.is_valid():
        try:
            services.record_transfer(
                actor=user, resident=resident, request=request, **form.values()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The transfer was recorded."))
            return redirect("insights:transfers", resident_pk=resident.pk)
    transfers = (
        HospitalTransfer.objects.visible_to(user)
        .filter(resident=resident)
        .select_related("recorded_by", "judged_by")
    )
    page = Paginator(transfers, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_read(
        actor=user,
        residents=[resident],
        object_type="hospital_transfer",
        object_id=resident.pk,
        request=request,
    )
    context = {
        "resident": resident,
        "form": form,
        "may_record": may_record,
        "may_judge": user.role == Role.PHYSICIAN,
        "page": page,
        "query": "",
        "blocked_units": policy.blocked_units_for(user, resident),
    }
    status = 400 if form.errors else 200
    return render(request, "insights/transfers.html", context, status=status)


@login_required
def judge(request: HttpRequest, pk: int) -> HttpResponse:
    """A physician judges whether a transfer was avoidable."""
    require_role(request.user, Role.PHYSICIAN)
    user = request.user
    transfer = get_object_or_404(
        HospitalTransfer.objects.visible_to(user).select_related("resident__unit__parent"), pk=pk
    )
    initial = None
    if transfer.avoidable is not None:
        initial = {
            "avoidable": "yes" if transfer.avoidable else "no",
            "comment": transfer.judgement,
        }
    form = JudgementForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.judge_transfer(actor=user, transfer=transfer, request=request, **form.values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your judgement was saved."))
            return redirect("insights:transfers", resident_pk=transfer.resident_id)
    audit.record_read(
        actor=user,
        residents=[transfer.resident],
        object_type="hospital_transfer",
        object_id=transfer.pk,
        request=request,
    )
    context = {"transfer": transfer, "resident": transfer.resident, "form": form}
    status = 400 if form.errors else 200
    return render(request, "insights/transfer_judge.html", context, status=status)
