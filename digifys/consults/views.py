"""Views of SBAR consults: the form, the live thread with its actions, photos and the inbox.

Every view: role check (403) → fetch through `visible_to` (404) → one service call → render or
redirect; a failed write re-renders the page with the typed text kept (status 400). Each page or
partial that shows a resident writes one read entry to the access log.
"""

import mimetypes
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.core.forms import add_service_errors
from digifys.core.time import physician_zone
from digifys.residents.models import Resident
from digifys.vitals import services as vitals
from digifys.vitals.models import Observation, Urgency

from . import routing, selectors, services
from .forms import CloseForm, ConsultForm, HandOverForm, MessageForm, NoteForm, SignNoteForm
from .models import Consult, JournalNote

CLINICAL = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _deadline_text(minutes: int) -> str:
    if minutes < 120:
        return ngettext(
            "answer within %(count)s minute", "answer within %(count)s minutes", minutes
        ) % {"count": minutes}
    hours = minutes // 60
    if minutes % 60 == 0 and hours < 48:
        return ngettext("answer within %(count)s hour", "answer within %(count)s hours", hours) % {
            "count": hours
        }
    days = round(minutes / (24 * 60))
    return ngettext("answer within %(count)s day", "answer within %(count)s days", days) % {
        "count": days
    }


# --- Sending a consult ---------------------------------------------------------------------------


def _sender_unit(user, resident: Resident):
    profile = user.staff_profile
    if user.role == Role.PHYSICIAN:
        return profile.employer
    units = list(profile.units.select_related("parent"))
    return next((u for u in units if u.pk == resident.unit_id), units[0] if units else None)


@login_required
def new(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """The SBAR form for one resident, pre-filled from the record and the latest vital signs."""
    require_role(request.user, *CLINICAL)
    user = request.user
    resident = get_object_or_404(
        Resident.objects.visible_to(user).select_related("unit__parent"), pk=resident_pk
    )
    observations = Observation.objects.visible_to(user).filter(resident=resident)
    if request.method == "POST":
        form = ConsultForm(request.POST, request.FILES, observations=observations)
        if form.is_valid():
            data = form.cleaned_data
            try:
                consult = services.send_consult(
                    actor=user,
                    resident=resident,
                    urgency=data["urgency"],
                    situation=data["situation"],
                    background=data["background"],
                    assessment=data["assessment"],
                    recommendation=data["recommendation"],
                    observation=data["observation"],
                    caller_phone=data["caller_phone"],
                    photos=data["photos"],
                    urgency_reason=data["urgency_reason"],
                    idempotency_key=data["idempotency_key"],
                    request=request,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The consult was sent to %(name)s.") % {"name": consult.assigned_to.name},
                )
                return redirect("consults:detail", pk=consult.pk)
        observation_pk = _int_or_none(form["observation"].value())
        observation = observations.filter(pk=observation_pk).first() if observation_pk else None
    else:
        observation = selectors.observation_for_consult(
            user, resident, _int_or_none(request.GET.get("observation"))
        )
        urgency = request.GET.get("urgency")
        form = ConsultForm(
            initial={
                "idempotency_key": uuid.uuid4(),
                "caller_phone": selectors.last_caller_phone(user),
                "background": selectors.sbar_background(user, resident),
                "assessment": selectors.sbar_assessment(observation),
                "observation": observation.pk if observation else None,
                # The unit's escalation table's suggestion unless the link chose one.
                "urgency": urgency
                if urgency in Urgency.values
                else (vitals.suggested_urgency(observation) or None),
            },
            observations=observations,
        )
    audit.record(
        actor=user,
        action="read",
        resident=resident,
        object_type="consult_form",
        object_id=resident.pk,
        request=request,
    )
    minutes = settings.CONSULT_DEADLINE_MINUTES
    suggested = vitals.suggested_urgency(observation)
    urgency_options = [
        {"radio": radio, "deadline": _deadline_text(minutes[value])}
        for radio, value in zip(form["urgency"], Urgency.values, strict=True)
    ]
    context = {
        "resident": resident,
        "form": form,
        "observation": observation,
        "receiver": routing.route(resident),
        "restriction": routing.restriction(resident),
        "sender_unit": _sender_unit(user, resident),
        "urgency_options": urgency_options,
        "suggested_urgency": suggested,
        "suggested_urgency_label": Urgency(suggested).label if suggested else "",
        "photos_lost": request.method == "POST" and bool(request.FILES) and bool(form.errors),
    }
    return render(request, "consults/new.html", context, status=400 if form.errors else 200)


# --- The thread -----------------------------------------------------------------------------------


def _thread_context(request: HttpRequest, consult: Consult) -> dict:
    thread = selectors.thread_for(request.user, consult)
    audit.record(
        actor=request.user,
        action="read",
        resident=consult.resident,
        object_type="consult",
        object_id=consult.pk,
        request=request,
    )
    now = timezone.now()
    return {
        "consult": consult,
        "resident": consult.resident,
        "thread": thread,
        "own_zone": physician_zone(request.user),
        "now": now,
        "overdue": consult.is_waiting and consult.deadline_at <= now,
        "is_physician": request.user.role == Role.PHYSICIAN,
    }


def _note_form(request: HttpRequest, thread) -> NoteForm:
    amend = _int_or_none(request.GET.get("amend"))
    signed = next((n for n in thread.notes if n.pk == amend), None)
    if signed is not None:
        fields = ("aktuellt", "status", "bedomning", "atgard")
        return NoteForm(
            initial={**{f: getattr(signed, f) for f in fields}, "amends": signed.pk},
            prefix="note",
        )
    draft = thread.draft
    if draft is not None:
        return NoteForm(
            initial={
                "aktuellt": draft.aktuellt,
                "status": draft.status,
                "bedomning": draft.bedomning,
                "atgard": draft.atgard,
                "amends": draft.amends_id,
            },
            prefix="note",
        )
    return NoteForm(prefix="note")


def _render_detail(request: HttpRequest, consult: Consult, *, status: int = 200, **forms):
    """The thread page; FORMS replace the blank action forms (bound, with their errors)."""
    context = _thread_context(request, consult)
    physician = context["is_physician"]
    profile = request.user.staff_profile
    context.update(
        message_form=forms.get("message_form") or MessageForm(prefix="message"),
        close_form=forms.get("close_form") or CloseForm(prefix="close"),
    )
    if physician:
        context.update(
            handover_form=forms.get("handover_form")
            or HandOverForm(prefix="handover", current=consult.assigned_to),
            note_form=forms.get("note_form") or _note_form(request, context["thread"]),
            sign_form=forms.get("sign_form") or SignNoteForm(prefix="sign"),
            can_accept=consult.is_open
            and (consult.status == Consult.Status.SENT or consult.assigned_to_id != profile.pk),
        )
    if request.htmx and status != 200:
        # htmx only swaps successful responses: send the actions back, aimed at their place.
        response = render(request, "consults/detail.html#actions", context)
        response["HX-Retarget"] = "#consult-actions"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "consults/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The consult thread: SBAR, vital signs, photos, messages, orders, notes and actions."""
    require_role(request.user, *CLINICAL)
    return _render_detail(request, selectors.consult_for(request.user, pk))


@login_required
@require_GET
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the thread (re-fetched on each live update)."""
    require_role(request.user, *CLINICAL)
    consult = selectors.consult_for(request.user, pk)
    context = {**_thread_context(request, consult), "live_refresh": True}
    return render(request, "consults/detail.html#thread", context)


def _back(request: HttpRequest, consult: Consult, anchor: str = "") -> HttpResponse:
    """Back to the thread, or to the start page when the action took the consult out of sight."""
    if selectors.consults_for(request.user).filter(pk=consult.pk).exists():
        url = reverse("consults:detail", args=[consult.pk]) + anchor
    elif request.user.role == Role.PHYSICIAN:
        url = reverse("consults:inbox")
    else:
        url = reverse("home")
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician takes the consult."""
    require_role(request.user, Role.PHYSICIAN)
    consult = selectors.consult_for(request.user, pk)
    try:
        services.accept_consult(actor=request.user, consult=consult, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You have accepted the consult."))
    return _back(request, consult)


@login_required
@require_POST
def message(request: HttpRequest, pk: int) -> HttpResponse:
    """Write in the thread; a physician may instead ask for new vital signs."""
    require_role(request.user, *CLINICAL)
    consult = selectors.consult_for(request.user, pk)
    form = MessageForm(request.POST, prefix="message")
    if form.is_valid():
        kind, body = form.cleaned_data["kind"], form.cleaned_data["body"]
        try:
            services.post_message(
                actor=request.user, consult=consult, body=body, kind=kind, request=request
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _back(request, consult, "#thread-end")
    return _render_detail(request, consult, status=400, message_form=form)


@login_required
@require_POST
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Pass the consult to another physician with a reason."""
    require_role(request.user, Role.PHYSICIAN)
    consult = selectors.consult_for(request.user, pk)
    form = HandOverForm(request.POST, prefix="handover", current=consult.assigned_to)
    if form.is_valid():
        to = form.cleaned_data["to"]
        try:
            services.hand_over(
                actor=request.user,
                consult=consult,
                to=to,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The consult was handed over to %(name)s.") % {"name": to.name}
            )
            return _back(request, consult)
    return _render_detail(request, consult, status=400, handover_form=form)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """End the consult with a reason."""
    require_role(request.user, *CLINICAL)
    consult = selectors.consult_for(request.user, pk)
    form = CloseForm(request.POST, prefix="close")
    if form.is_valid():
        try:
            services.close_consult(
                actor=request.user,
                consult=consult,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The consult was closed."))
            return _back(request, consult)
    return _render_detail(request, consult, status=400, close_form=form)


@login_required
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the physician's draft journal note (a new note amends a signed one)."""
    require_role(request.user, Role.PHYSICIAN)
    consult = selectors.consult_for(request.user, pk)
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        amends = None
        amends_pk = form.cleaned_data["amends"]
        if amends_pk is not None:
            amends = (
                JournalNote.objects.visible_to(request.user)
                .filter(pk=amends_pk, consult=consult)
                .first()
            )
            if amends is None:
                form.add_error(None, _("Only a signed note of this consult can be amended."))
        if not form.errors:
            texts = {f: form.cleaned_data[f] for f in ("aktuellt", "status", "bedomning", "atgard")}
            try:
                services.save_note(
                    actor=request.user, consult=consult, amends=amends, request=request, **texts
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The draft note was saved. Sign it when it is ready."))
                return _back(request, consult, "#note")
    return _render_detail(request, consult, status=400, note_form=form)


@login_required
@require_POST
def sign_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign a draft journal note after confirmation; it is read-only afterwards."""
    require_role(request.user, Role.PHYSICIAN)
    journal_note = selectors.note_for(request.user, pk)
    if journal_note.consult_id is None:
        raise Http404
    consult = selectors.consult_for(request.user, journal_note.consult_id)
    form = SignNoteForm(request.POST, prefix="sign")
    if form.is_valid():
        try:
            signed = services.sign_note(actor=request.user, note=journal_note, request=request)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if signed.is_signed:
                messages.success(request, _("The note was signed."))
            else:  # a supervised clinician's note waits for the countersignature
                messages.success(
                    request, _("The note was sent to your supervisor for countersignature.")
                )
            return _back(request, consult, "#notes")
    return _render_detail(request, consult, status=400, sign_form=form)


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """Stream a consult photo to someone who may see the consult (never via MEDIA_URL)."""
    require_role(request.user, *CLINICAL)
    consult_photo = selectors.photo_for(request.user, pk)
    try:
        handle = consult_photo.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit.record(
        actor=request.user,
        action="read",
        resident=consult_photo.consult.resident,
        object_type="consult_photo",
        object_id=consult_photo.pk,
        request=request,
    )
    content_type = mimetypes.guess_type(consult_photo.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# --- The physician's inbox --------------------------------------------------------------------


def _inbox_context(request: HttpRequest) -> dict:
    now = timezone.now()
    inbox = selectors.inbox_for(request.user, now=now)
    audit.record_many(
        actor=request.user,
        action="read",
        residents=inbox.residents,
        object_type="consult_inbox",
        request=request,
    )
    return {"inbox": inbox, "own_zone": physician_zone(request.user), "now": now}


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """A physician's consults by deadline, updating live."""
    require_role(request.user, Role.PHYSICIAN)
    return render(request, "consults/inbox.html", _inbox_context(request))


@login_required
@require_GET
def inbox_rows(request: HttpRequest) -> HttpResponse:
    """The live part of the inbox."""
    require_role(request.user, Role.PHYSICIAN)
    return render(request, "consults/inbox.html#rows", _inbox_context(request))
