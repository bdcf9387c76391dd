"""Pages of video visits: opening a room, the room page, guest links and the call record."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from digifys.accounts.decorators import role_required
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams import policy
from digifys.consults.models import Consult
from digifys.core.forms import add_service_errors
from digifys.core.time import STOCKHOLM, zone_of
from digifys.rounds.access import access_round_by_id
from digifys.rounds.models import AgendaItem
from digifys.scheduling.models import Booking
from digifys.vitals.models import Observation

from . import services
from .access import (
    CALL_ROLES,
    access_guest_participant,
    access_meeting_as_relative,
    access_room_as_host,
    access_room_by_id,
    access_room_record_by_id,
)
from .forms import EndForm, GuestCodeForm, InviteForm, InviteRelativeForm
from .models import BEDSIDE_ROLES, Participant, Room


def _open_result(request: HttpRequest, open_room, back: str, **kwargs) -> HttpResponse:
    try:
        room = open_room(actor=request.user, request=request, **kwargs)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    return redirect("visits:room", room_pk=room.pk)


# --- Opening a room --------------------------------------------------------------------------


@login_required
@role_required(*CALL_ROLES)
@require_POST
def consult_room(request: HttpRequest, consult_pk: int) -> HttpResponse:
    """Open (or rejoin) the consult's video room."""
    consult = get_object_or_404(
        Consult.objects.visible_to(request.user).select_related("assigned_to"), pk=consult_pk
    )
    back = reverse("consults:detail", args=[consult.pk])
    return _open_result(request, services.open_room_for_consult, back, consult=consult)


@login_required
@role_required(*CALL_ROLES)
@require_POST
def booking_room(request: HttpRequest, booking_pk: int) -> HttpResponse:
    """Open (or rejoin) the booking's video room."""
    booking = get_object_or_404(
        Booking.objects.visible_to(request.user).select_related("clinician"), pk=booking_pk
    )
    user = request.user
    if booking.clinician.user_id != user.pk and not (
        user.role in BEDSIDE_ROLES and user.works_on(booking.unit_id)
    ):
        raise Http404
    return _open_result(
        request, services.open_room_for_booking, reverse("scheduling:calendar"), booking=booking
    )


@login_required
@require_POST
def round_room(request: HttpRequest, round_pk: int) -> HttpResponse:
    """Open (or rejoin) the ward round's video room (its physician or the unit's nurses)."""
    round_ = access_round_by_id(request.user, round_pk, roles=CALL_ROLES)
    return _open_result(request, services.open_room_for_round, reverse("home"), round=round_)


# --- The room page ---------------------------------------------------------------------------


def _call_context(room: Room, *, is_host: bool, self_name: str, thread_url: str) -> dict:
    return {
        "room": room,
        "state": room.state(),
        "is_host": is_host,
        "self_name": self_name,
        "thread_url": thread_url,
        "low_bandwidth": False,
        "closed_message": services.closed_message(room),
    }


def _thread_url(room: Room) -> str:
    if room.kind == Room.Kind.CONSULT:
        return reverse("visits:thread", args=[room.pk])
    return ""


def _panel(request: HttpRequest, room: Room) -> tuple[dict, list]:
    """The host's side panel and the residents it shows."""
    user = request.user
    panel: dict = {}
    shown = []
    if room.resident_id is not None:
        shown.append(room.resident)
        panel["observation"] = (
            Observation.objects.visible_to(user)
            .filter(resident=room.resident)
            .order_by("-measured_at", "-pk")
            .first()
        )
    if room.consult_id is not None:
        # The consult goes through the policy: a block (spärr) on the unit that sent it hides
        # its SBAR, whose background carries diagnoses and medication (issue 20, item 2).
        panel["consult"] = Consult.objects.visible_to(user).filter(pk=room.consult_id).first()
    if room.resident_id is not None:
        panel["blocked_units"] = policy.blocked_units_for(user, room.resident)
    if room.round_id is not None:
        items = list(
            AgendaItem.objects.visible_to(user)
            .filter(round=room.round, removed_at__isnull=True)
            .select_related("resident")
        )
        panel["agenda"] = items
        for item in items:
            if item.resident not in shown:
                shown.append(item.resident)
    return panel, shown


def _sfu_csp(response: HttpResponse, room: Room) -> HttpResponse:
    """Let the page's scripts reach the video server (Janus) of a large room."""
    if services.uses_sfu(room) and settings.JANUS_PUBLIC_URL:
        response._csp_update = {"connect-src": [settings.JANUS_PUBLIC_URL]}
    return response


def _meeting_context(room: Room) -> dict:
    """The host's family-meeting panel: the resident's relatives, who can be invited and why not."""
    if not room.is_family_meeting:
        return {}
    return {
        "meeting": True,
        "candidates": services.candidates(room),
        "sfu_missing": not services.uses_sfu(room),
        "mesh_limit": services.MESH_LIMIT,
    }


def _render_room(
    request: HttpRequest,
    room: Room,
    *,
    status: int = 200,
    invite_form=None,
    end_form=None,
    note_form=None,
) -> HttpResponse:
    user = request.user
    is_host = room.host.user_id == user.pk
    state = room.state()
    if state in ("open", "early"):
        services.participant_for_user(room=room, user=user)
    context = _call_context(
        room,
        is_host=is_host,
        self_name=user.get_full_name() or user.get_username(),
        thread_url=_thread_url(room),
    )
    shown = [room.resident] if room.resident_id is not None else []
    if is_host:
        panel, shown = _panel(request, room)
        context.update(panel)
        context["invite_form"] = invite_form or InviteForm(
            prefix="invite", interpreter_only=room.is_family_meeting
        )
        context.update(_meeting_context(room))
        context["end_form"] = end_form or EndForm()
        if room.consult_id is not None and user.role == Role.PHYSICIAN:
            context.update(_note_context(request, room, form=note_form))
        context["guests"] = room.participants.filter(role=Participant.Role.GUEST).select_related(
            "guest"
        )
    context["resident"] = room.resident
    context["zone"] = zone_of(user)
    for resident in shown:
        audit.record_read(
            actor=user,
            residents=[resident],
            object_type="video_room",
            object_id=room.pk,
            request=request,
        )
    return _sfu_csp(render(request, "visits/room.html", context, status=status), room)


@login_required
@require_GET
def room(request: HttpRequest, room_pk: int) -> HttpResponse:
    """The video room: the call, and for the host the side panel."""
    return _render_room(request, access_room_by_id(request.user, room_pk))


@require_GET
def ice(request: HttpRequest, room_pk: int) -> HttpResponse:
    """STUN/TURN servers for this participant's browser (TURN credentials expire)."""
    participant = access_guest_participant(request.session, room_pk)
    if participant is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.role == Role.RELATIVE:
            _room, participant = access_meeting_as_relative(request.user, room_pk)
        else:
            room = access_room_by_id(request.user, room_pk)
            participant = services.participant_for_user(room=room, user=request.user)
    response = JsonResponse(services.ice_servers(participant=participant))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def invite(request: HttpRequest, room_pk: int) -> HttpResponse:
    """The host invites a relative or an interpreter by SMS or e-mail."""
    room = access_room_as_host(request.user, room_pk)
    form = InviteForm(request.POST, prefix="invite", interpreter_only=room.is_family_meeting)
    if form.is_valid():
        try:
            guest = services.invite_guest(
                actor=request.user, room=room, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            sent = _("The invitation to %(name)s was sent: a link and a separate code.") % {
                "name": guest.name
            }
            if request.htmx:
                return render(
                    request,
                    "visits/room.html#invite",
                    {
                        "room": room,
                        "invite_form": InviteForm(
                            prefix="invite", interpreter_only=room.is_family_meeting
                        ),
                        "sent": sent,
                        **_meeting_context(room),
                    },
                )
            messages.success(request, sent)
            return redirect("visits:room", room_pk=room.pk)
    if request.htmx:
        # htmx swaps only successful responses: the refused form comes back as 200.
        return render(
            request,
            "visits/room.html#invite",
            {"room": room, "invite_form": form, **_meeting_context(room)},
        )
    return _render_room(request, room, status=400, invite_form=form)


@login_required
@require_POST
def invite_relative(request: HttpRequest, room_pk: int) -> HttpResponse:
    """The host invites a registered relative by name to a family meeting."""
    room = access_room_as_host(request.user, room_pk)
    form = InviteRelativeForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose a relative.")
    else:
        try:
            participant = services.invite_relative(
                actor=request.user,
                room=room,
                relative_id=form.cleaned_data["relative"],
                request=request,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if error:
        if request.htmx:
            return render(
                request,
                "visits/room.html#relatives",
                {"room": room, "relatives_error": error, **_meeting_context(room)},
            )
        messages.error(request, error)
        return redirect("visits:room", room_pk=room.pk)
    sent = _(
        "%(name)s is invited. They join from the relatives' portal with their own login; "
        "you let them in from the waiting room."
    ) % {"name": participant.display_name}
    if request.htmx:
        return render(
            request,
            "visits/room.html#relatives",
            {"room": room, "relatives_sent": sent, **_meeting_context(room)},
        )
    messages.success(request, sent)
    return redirect("visits:room", room_pk=room.pk)


@login_required
@require_GET
def relative_room(request: HttpRequest, room_pk: int) -> HttpResponse:
    """A family meeting for an invited relative (own login, no guest code; no resident data)."""
    room_, participant = access_meeting_as_relative(request.user, room_pk)
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[room_.resident],
        object_type="video_room",
        purpose="patient_request",
        request=request,
        details={"room": room_.pk},
    )
    context = _call_context(room_, is_host=False, self_name=participant.display_name, thread_url="")
    context["zone"] = STOCKHOLM
    context["removed"] = participant.status == Participant.Status.REMOVED
    response = render(request, "visits/relative_room.html", context)
    return _sfu_csp(response, room_)


@login_required
def end(request: HttpRequest, room_pk: int) -> HttpResponse:
    """The host ends the room for everybody (after confirming)."""
    room = access_room_as_host(request.user, room_pk)
    if request.method != "POST":
        return render(request, "visits/end.html", {"room": room, "end_form": EndForm()})
    form = EndForm(request.POST)
    if form.is_valid():
        services.end_room(actor=request.user, room=room, request=request)
        messages.success(request, _("The video visit has ended."))
        return redirect("visits:events", room_pk=room.pk)
    return render(request, "visits/end.html", {"room": room, "end_form": form}, status=400)


def _note_context(request: HttpRequest, room: Room, form=None, saved: str = "") -> dict:
    from digifys.consults.forms import NoteForm
    from digifys.consults.models import JournalNote

    draft = (
        JournalNote.objects.visible_to(request.user)
        .filter(consult_id=room.consult_id, author__user=request.user, signed_at__isnull=True)
        .first()
    )
    if form is None:
        initial = {}
        if draft is not None:
            initial = {f: getattr(draft, f) for f in ("aktuellt", "status", "bedomning", "atgard")}
        form = NoteForm(prefix="visitnote", initial=initial)
    return {"room": room, "note_form": form, "draft": draft, "note_saved": saved}


@login_required
@require_POST
def note(request: HttpRequest, room_pk: int) -> HttpResponse:
    """The host saves the consult's draft journal note from the side panel, staying in the call."""
    from digifys.consults import services as consults
    from digifys.consults.forms import NoteForm

    room = access_room_as_host(request.user, room_pk, roles=(Role.PHYSICIAN,))
    if room.consult_id is None:
        raise Http404
    consult = get_object_or_404(Consult.objects.visible_to(request.user), pk=room.consult_id)
    form = NoteForm(request.POST, prefix="visitnote")
    saved = ""
    if form.is_valid():
        texts = {f: form.cleaned_data[f] for f in ("aktuellt", "status", "bedomning", "atgard")}
        try:
            consults.save_note(actor=request.user, consult=consult, request=request, **texts)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved = _("The draft note was saved. Sign it in the consult thread when it is ready.")
    if not request.htmx:
        if saved:
            messages.success(request, saved)
            return redirect("visits:room", room_pk=room.pk)
        return _render_room(request, room, status=400, note_form=form)
    # htmx swaps only successful responses: the refused form comes back as 200.
    context = _note_context(request, room, form=None if saved else form, saved=saved)
    return render(request, "visits/room.html#note", context)


@login_required
@require_GET
def thread(request: HttpRequest, room_pk: int) -> HttpResponse:
    """'Continue in the message thread': noted in the call record, then the consult's thread."""
    room = access_room_by_id(request.user, room_pk)
    if room.consult_id is None:
        raise Http404
    services.record_fallback(room=room, user=request.user, request=request)
    return redirect(reverse("consults:detail", args=[room.consult_id]) + "#consult-actions")


@login_required
@require_GET
def events(request: HttpRequest, room_pk: int) -> HttpResponse:
    """The record of the call: who was invited, joined, waited, was admitted, left; durations."""
    room = access_room_record_by_id(request.user, room_pk)
    rows = room.events.select_related("participant")
    participants = room.participants.order_by("pk")
    if room.resident_id is not None:
        audit.record_read(
            actor=request.user,
            residents=[room.resident],
            object_type="video_call_record",
            object_id=room.pk,
            request=request,
        )
    context = {
        "room": room,
        "events": rows,
        "participants": participants,
        "zone": zone_of(request.user),
        "state": room.state(),
    }
    return render(request, "visits/events.html", context)


# --- Guests ----------------------------------------------------------------------------------


def guest_join(request: HttpRequest, token: str) -> HttpResponse:
    """A guest opens the link from the message and types the code from the other message."""
    invite_ = services.invite_for_token(token)
    if invite_ is not None:
        mine = access_guest_participant(request.session, invite_.room_id)
        if mine is not None and mine.guest_id == invite_.pk:
            return redirect("visits:guest_room", token=token)
    problem = services.link_problem(invite_)
    form = GuestCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if problem:
        status = 404 if invite_ is None else 410
    elif request.method == "POST":
        if form.is_valid():
            try:
                services.redeem_guest_link(
                    token=token, code=form.cleaned_data["code"], request=request
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                invite_.refresh_from_db()
                problem = services.link_problem(invite_)
            else:
                return redirect("visits:guest_room", token=token)
        status = 400
    context = {"invite": invite_, "problem": problem, "form": form}
    return render(request, "visits/guest_join.html", context, status=status)


@require_GET
def guest_room(request: HttpRequest, token: str) -> HttpResponse:
    """The room page for a guest who has used the link with the code (no resident data)."""
    invite_ = services.invite_for_token(token)
    if invite_ is None:
        raise Http404
    participant = access_guest_participant(request.session, invite_.room_id)
    if participant is None or participant.guest_id != invite_.pk:
        if not services.link_problem(invite_):
            return redirect("visits:guest_join", token=token)
        context = {"invite": invite_, "problem": services.link_problem(invite_), "form": None}
        return render(request, "visits/guest_join.html", context, status=403)
    room_ = invite_.room
    if participant.status == Participant.Status.REMOVED:
        context = {
            "invite": invite_,
            "problem": _("You were removed from this video visit."),
            "form": None,
        }
        return render(request, "visits/guest_join.html", context, status=403)
    context = _call_context(room_, is_host=False, self_name=participant.display_name, thread_url="")
    context["zone"] = STOCKHOLM
    return _sfu_csp(render(request, "visits/guest_room.html", context), room_)
