"""Updates and messages: the relative's pages (portal) and the staff's pages.

Relative-facing views read through `selectors` (the consent gate, on every request); staff views
through the models' `visible_to`, with 404 for a resident or message the user cannot see. Each
page that shows a resident writes one access-log entry for them.
"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.core.forms import add_service_errors
from digifys.relatives.models import Scope

from . import selectors, services
from .forms import AnswerForm, HandOverForm, MessageForm, UpdateForm
from .models import Update

STAFF_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN, Role.COORDINATOR)


# --- Relatives ------------------------------------------------------------------------------


def _log_relative_read(request: HttpRequest, resident, object_type: str) -> None:
    audit.record(
        actor=request.user,
        action=audit.Action.READ,
        resident=resident,
        object_type=object_type,
        object_id=resident.pk,
        purpose=audit.Purpose.PATIENT_REQUEST,
        request=request,
    )


@login_required
def relative_messages(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """The relative's messages to the unit, each with "read" and "answered", and a new one."""
    require_role(request.user, Role.RELATIVE)
    resident = selectors.resident_for_relative(request.user, resident_pk, Scope.MESSAGES)
    form = MessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_message(
                actor=request.user,
                resident_id=resident.pk,
                text=form.cleaned_data["text"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:  # the consent changed since the page was shown
            raise Http404 from None
        else:
            flash.success(request, _("Your message was sent to the unit."))
            return redirect("messaging:relative_messages", resident_pk=resident.pk)
    page = Paginator(selectors.own_messages(request.user, resident), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _log_relative_read(request, resident, "relative_messages")
    return render(
        request,
        "messaging/relative_messages.html",
        {"resident": resident, "unit": resident.unit, "form": form, "page": page},
        status=400 if form.errors else 200,
    )


@login_required
def relative_updates(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """The published updates about the resident, newest first."""
    require_role(request.user, Role.RELATIVE)
    resident = selectors.resident_for_relative(request.user, resident_pk, Scope.UPDATES)
    page = Paginator(
        selectors.published_updates(request.user, resident), selectors.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    _log_relative_read(request, resident, "relative_updates")
    return render(
        request,
        "messaging/relative_updates.html",
        {"resident": resident, "unit": resident.unit, "page": page},
    )


# --- Staff ----------------------------------------------------------------------------------


def _staff_resident(request: HttpRequest, pk: int):
    resident = selectors.staff_resident(request.user, pk)
    if resident is None:
        raise Http404
    return resident


def _log_read(request: HttpRequest, resident, object_type: str, object_id) -> None:
    audit.record_read(
        actor=request.user,
        residents=[resident],
        object_type=object_type,
        object_id=object_id,
        request=request,
    )


@login_required
def resident(request: HttpRequest, pk: int) -> HttpResponse:
    """A resident's messages from relatives and updates for them (staff who see the resident)."""
    require_role(request.user, *STAFF_ROLES)
    resident = _staff_resident(request, pk)
    messages_page = Paginator(
        selectors.resident_messages(request.user, resident), selectors.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    updates = list(selectors.resident_updates(request.user, resident)[: selectors.PAGE_SIZE])
    _log_read(request, resident, "relative_messages", resident.pk)
    return render(
        request,
        "messaging/resident.html",
        {
            "resident": resident,
            "page": messages_page,
            "updates": updates,
            "now": timezone.now(),
            "may_write": services.may_write_update(request.user),
            "may_approve": services.may_approve_update(request.user),
        },
    )


def _message_page(request, message, *, answer_form=None, hand_form=None, status=200):
    physicians = services.physicians_for(message.resident)
    _log_read(request, message.resident, "relative_message", message.pk)
    return render(
        request,
        "messaging/message.html",
        {
            "message": message,
            "resident": message.resident,
            "now": timezone.now(),
            "answer_form": answer_form or AnswerForm(),
            "hand_form": hand_form or HandOverForm(physicians=physicians),
            "may_answer": services.may_answer(request.user) and not message.is_answered,
            "may_hand_over": services.may_hand_over(request.user)
            and not message.is_answered
            and physicians.exists(),
        },
        status=status,
    )


def _staff_message(request: HttpRequest, pk: int):
    require_role(request.user, *STAFF_ROLES)
    message = selectors.staff_message(request.user, pk)
    if message is None:
        raise Http404
    return message


@login_required
def message(request: HttpRequest, pk: int) -> HttpResponse:
    """One message: opening it marks it read; answer it here (POST)."""
    message = _staff_message(request, pk)
    if request.method != "POST":
        if services.mark_read(actor=request.user, message=message):
            message.refresh_from_db()
        return _message_page(request, message)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_message(
                actor=request.user,
                message=message,
                text=form.cleaned_data["answer"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            flash.success(request, _("Your answer was sent. The relative has been notified."))
            return redirect("messaging:resident", pk=message.resident_id)
    return _message_page(request, message, answer_form=form, status=400)


@login_required
@require_POST
def hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the message to one of the resident's physicians."""
    require_role(request.user, *services.HANDING_ROLES)
    message = _staff_message(request, pk)
    form = HandOverForm(request.POST, physicians=services.physicians_for(message.resident))
    if form.is_valid():
        try:
            services.hand_over(
                actor=request.user,
                message=message,
                physician=form.cleaned_data["physician"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            flash.success(
                request,
                _("The message was handed to %(name)s.")
                % {"name": form.cleaned_data["physician"].name},
            )
            return redirect("messaging:message", pk=message.pk)
    return _message_page(request, message, hand_form=form, status=400)


@login_required
def write_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Write an update for the resident's relatives: for approval, or published at once."""
    require_role(request.user, *services.WRITING_ROLES)
    resident = _staff_resident(request, pk)
    form = UpdateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        at_once = "publish" in request.POST  # "Approve and publish", not "Send for approval"
        try:
            services.write_update(
                actor=request.user,
                resident=resident,
                text=form.cleaned_data["text"],
                publish=at_once,
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if at_once:
                flash.success(request, _("The update was published and the relatives notified."))
            else:
                flash.success(request, _("The update waits for a nurse or physician to approve."))
            return redirect("messaging:resident", pk=resident.pk)
    _log_read(request, resident, "relative_update", "")
    return render(
        request,
        "messaging/write_update.html",
        {
            "resident": resident,
            "form": form,
            "may_publish": services.may_approve_update(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
def approve_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve a pending update (confirmation first): it is published and relatives notified."""
    require_role(request.user, *services.APPROVING_ROLES)
    update = selectors.staff_update(request.user, pk)
    if update is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.approve_update(actor=request.user, update=update, request=request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            flash.success(request, _("The update was published and the relatives notified."))
            return redirect("messaging:resident", pk=update.resident_id)
    _log_read(request, update.resident, "relative_update", update.pk)
    return render(
        request,
        "messaging/approve_update.html",
        {"update": update, "resident": update.resident, "error": error},
        status=400 if error else 200,
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Messages from relatives that need the user, and updates waiting for their approval."""
    require_role(request.user, *STAFF_ROLES)
    page = Paginator(selectors.inbox(request.user), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    pending = list(selectors.pending_updates(request.user)[: selectors.PAGE_SIZE])
    residents = {m.resident.pk: m.resident for m in page} | {
        u.resident.pk: u.resident for u in pending
    }
    audit.record_read(
        actor=request.user,
        residents=list(residents.values()),
        object_type="relative_message_inbox",
        request=request,
    )
    return render(
        request,
        "messaging/inbox.html",
        {"page": page, "pending": pending, "now": timezone.now()},
    )


@login_required
def condition_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Tell the relatives that the doctor has been contacted (confirmation first)."""
    require_role(request.user, *services.APPROVING_ROLES)
    resident = _staff_resident(request, pk)
    if request.method == "POST":
        services.send_condition_notice(actor=request.user, resident=resident, request=request)
        flash.success(request, _("The relatives have been told that the doctor was contacted."))
        return redirect("messaging:resident", pk=resident.pk)
    _log_read(request, resident, "condition_notice", "")
    return render(
        request,
        "messaging/condition_notice.html",
        {
            "resident": resident,
            "recipients": selectors.condition_notice_recipients(resident),
            "notice": Update.Notice.DOCTOR_CONTACTED.label,
        },
    )
