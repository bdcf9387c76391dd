"""Pages for digital ward rounds: the list, slots, the agenda and conducting the round."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams import policy
from digifys.careteams.models import PhysicianAssignment
from digifys.consults.models import JournalNote
from digifys.core.forms import add_service_errors, parse_id
from digifys.orders.forms import OrderForm
from digifys.orders.models import Order
from digifys.residents.models import Medication, Resident
from digifys.vitals.models import Observation

from . import services
from .forms import FlagForm, NoteForm, SlotForm
from .models import AgendaItem, Round, RoundSlot

CLINICAL = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE)
NURSING = (Role.NURSE, Role.ASSISTANT_NURSE)
SCHEDULE_AHEAD = datetime.timedelta(days=14)
PAST_SHOWN = datetime.timedelta(days=14)


def _purpose(user, resident) -> str:
    """Reads through emergency access are logged as such (the log review picks them up)."""
    return "care" if policy.has_care_relationship(user, resident) else "emergency"


def _require_coordinator(request: HttpRequest) -> None:
    if request.user.role != Role.COORDINATOR:
        raise PermissionDenied


def _round_for(request: HttpRequest, pk: int) -> Round:
    """Return the round if the user takes part in it (or coordinates); 404 / 403 otherwise."""
    role = request.user.role
    if role not in (*CLINICAL, Role.COORDINATOR):
        raise PermissionDenied
    round = get_object_or_404(
        Round.objects.select_related("unit__parent", "physician__user", "slot"), pk=pk
    )
    if role in CLINICAL and not services.may_see_round(request.user, round):
        raise Http404
    return round


def _own_zone_label(user, round: Round) -> str:
    """The round's start in the clinician's own zone, when that is not Stockholm's clock."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(user.staff_profile.time_zone or services.UNIT_ZONE)
    except (ZoneInfoNotFoundError, ValueError, AttributeError):
        return ""
    local = round.starts_at.astimezone(zone)
    if local.utcoffset() == round.starts_at.astimezone(ZoneInfo(services.UNIT_ZONE)).utcoffset():
        return ""
    return _("%(time)s your time (%(zone)s)") % {
        "time": local.strftime("%H:%M"),
        "zone": zone.key,
    }


def _agenda(user, round: Round):
    return (
        AgendaItem.objects.visible_to(user)
        .filter(round=round, removed_at__isnull=True)
        .select_related("resident", "consult", "added_by")
        .order_by("position", "added_at", "pk")
    )


# --- Lists -----------------------------------------------------------------------------------


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    """Nurses: their units' rounds; physicians: theirs; coordinators: all. Upcoming first."""
    user = request.user
    role = user.role
    if role not in (*CLINICAL, Role.COORDINATOR):
        raise PermissionDenied
    now = timezone.now()
    # Occurrences exist once someone looks ahead (idempotent; the planner does the same).
    services.schedule_rounds(actor=None, starts=now - PAST_SHOWN, ends=now + SCHEDULE_AHEAD)
    rounds = Round.objects.filter(starts_at__gte=now - PAST_SHOWN).select_related(
        "unit__parent", "physician__user"
    )
    if role in NURSING:
        rounds = rounds.filter(unit__in=user.staff_profile.units.values("pk"))
    elif role == Role.PHYSICIAN:
        named_units = PhysicianAssignment.objects.filter(
            physician=user.staff_profile,
            role=PhysicianAssignment.Role.NAMED,
            ended_at__isnull=True,
        ).values("resident__unit")
        rounds = rounds.filter(Q(physician=user.staff_profile) | Q(unit__in=named_units))
    rounds = rounds.annotate(
        agenda_count=Count("agenda", filter=Q(agenda__removed_at__isnull=True)),
        done_count=Count(
            "agenda", filter=Q(agenda__removed_at__isnull=True, agenda__done_at__isnull=False)
        ),
    )
    upcoming = [r for r in rounds.order_by("starts_at") if r.ends_at >= now]
    past = [r for r in rounds.order_by("-starts_at") if r.ends_at < now]
    context = {
        "upcoming": upcoming,
        "past": past,
        "coordinator": role == Role.COORDINATOR,
        "now": now,
    }
    return render(request, "rounds/list.html", context)


@login_required
def slot_list(request: HttpRequest) -> HttpResponse:
    """Coordinators: every unit's recurring ward round, and the units without one."""
    _require_coordinator(request)
    slots = RoundSlot.objects.select_related("unit__parent", "physician__user")
    from digifys.directory.models import Organisation

    units_without = (
        Organisation.objects.units()
        .active()
        .exclude(pk__in=slots.values("unit"))
        .select_related("parent")
        .order_by("parent__name", "name")
    )
    return render(request, "rounds/slots.html", {"slots": slots, "units_without": units_without})


def _slot_form_page(request: HttpRequest, slot: RoundSlot | None) -> HttpResponse:
    _require_coordinator(request)
    if request.method == "POST":
        form = SlotForm(request.POST)
        if form.is_valid():
            try:
                slot = services.save_slot(actor=request.user, slot=slot, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The ward round slot was saved."))
                return redirect("rounds:slots")
    elif slot is not None:
        form = SlotForm(
            initial={
                "unit": slot.unit_id,
                "weekday": slot.weekday,
                "starts": slot.starts,
                "ends": slot.ends,
                "every_weeks": slot.every_weeks,
                "starts_on": slot.starts_on,
                "physician": slot.physician_id,
                "no_contact_weeks": slot.no_contact_weeks,
                "is_active": slot.is_active,
            }
        )
    else:
        initial = {"starts": datetime.time(9, 0), "ends": datetime.time(11, 0)}
        unit_pk = parse_id(request.GET.get("unit", ""))
        if unit_pk is not None:
            initial["unit"] = unit_pk
            named = services.unit_named_physician(unit_pk)
            if named is not None:
                initial["physician"] = named.pk
        form = SlotForm(initial=initial)
    status = 400 if form.errors else 200
    return render(request, "rounds/slot_form.html", {"form": form, "slot": slot}, status=status)


@login_required
def slot_new(request: HttpRequest) -> HttpResponse:
    """A coordinator gives a unit its recurring ward round."""
    return _slot_form_page(request, None)


@login_required
def slot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator changes a unit's recurring ward round."""
    _require_coordinator(request)
    return _slot_form_page(request, get_object_or_404(RoundSlot, pk=pk))


# --- The agenda ------------------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's agenda: reasons, questions and the nurses' edits. Coordinators: no residents."""
    round = _round_for(request, pk)
    user = request.user
    if user.role == Role.COORDINATOR:
        counts = round.agenda.filter(removed_at__isnull=True).aggregate(
            total=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False))
        )
        return render(request, "rounds/detail_organisation.html", {"round": round, **counts})
    if round.status in (Round.Status.PLANNED, Round.Status.IN_PROGRESS):
        services.build_agenda(round=round)
    items = list(_agenda(user, round))
    audit.record_many(
        actor=user,
        action="read",
        residents=[item.resident for item in items],
        object_type="round_agenda",
        request=request,
        details={"round": round.pk},
    )
    context = {
        "round": round,
        "items": items,
        "is_nurse": services.is_unit_nurse(user, round.unit_id),
        "is_physician": services.is_round_physician(user, round),
        "open": round.status in (Round.Status.PLANNED, Round.Status.IN_PROGRESS),
        "own_zone_label": _own_zone_label(user, round),
    }
    return render(request, "rounds/detail.html", context)


@login_required
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """A nurse puts a resident on the agenda with a question for the physician."""
    round = _round_for(request, pk)
    if request.user.role not in NURSING:
        raise PermissionDenied
    residents = (
        Resident.objects.visible_to(request.user)
        .in_care()
        .filter(unit_id=round.unit_id)
        .order_by("room", "family_name", "given_name")
    )
    form = FlagForm(request.POST or None, residents=residents)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_resident(
                actor=request.user,
                round=round,
                resident=form.cleaned_data["resident"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The resident is on the agenda."))
            return redirect("rounds:detail", pk=round.pk)
    elif request.method == "GET" and parse_id(request.GET.get("resident", "")) is not None:
        form = FlagForm(
            initial={"resident": parse_id(request.GET["resident"])}, residents=residents
        )
    shown = list(residents)
    audit.record_many(
        actor=request.user,
        action="read",
        residents=shown,
        object_type="round_flag_form",
        request=request,
        details={"round": round.pk},
    )
    status = 400 if form.errors else 200
    return render(request, "rounds/flag.html", {"round": round, "form": form}, status=status)


def _item_for(request: HttpRequest, pk: int) -> AgendaItem:
    role = request.user.role
    if role not in CLINICAL:
        raise PermissionDenied
    item = get_object_or_404(
        AgendaItem.objects.visible_to(request.user).select_related("round", "resident"), pk=pk
    )
    if not services.may_see_round(request.user, item.round):
        raise Http404
    return item


@login_required
@require_POST
def item_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A nurse moves an agenda item one place up or down."""
    item = _item_for(request, pk)
    if request.user.role not in NURSING:
        raise PermissionDenied
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        return HttpResponse(_("Move an item up or down."), status=400)
    try:
        services.move_item(actor=request.user, item=item, direction=direction)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("rounds:detail", args=[item.round_id]) + f"#item-{item.pk}")


@login_required
def item_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """A nurse takes a resident off the agenda, after confirming."""
    item = _item_for(request, pk)
    if request.user.role not in NURSING:
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.remove_item(actor=request.user, item=item, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("rounds:detail", pk=item.round_id)
        # No name in the message: the agenda page logs reads only for the residents it lists.
        messages.success(request, _("The resident was taken off the agenda."))
        return redirect("rounds:detail", pk=item.round_id)
    audit.record(
        actor=request.user,
        action="read",
        resident=item.resident,
        object_type="round_agenda_item",
        object_id=item.pk,
        purpose=_purpose(request.user, item.resident),
        request=request,
    )
    return render(request, "rounds/remove.html", {"item": item, "round": item.round})


# --- Conducting the round --------------------------------------------------------------------


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician starts the round and goes to the first resident."""
    round = _round_for(request, pk)
    try:
        services.start_round(actor=request.user, round=round, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("rounds:detail", pk=round.pk)
    return redirect("rounds:conduct", pk=round.pk)


@login_required
@require_POST
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician finishes the round; the residents seen get a ward-round contact."""
    round = _round_for(request, pk)
    try:
        services.finish_round(actor=request.user, round=round, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The ward round is finished."))
    return redirect("rounds:detail", pk=round.pk)


def _current_item(items: list[AgendaItem], wanted: str) -> AgendaItem | None:
    wanted_pk = parse_id(wanted)
    if wanted_pk is not None:
        for item in items:
            if item.pk == wanted_pk:
                return item
    return next((item for item in items if item.done_at is None), None)


@login_required
def conduct(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician works through the agenda one resident at a time: note, orders, next."""
    round = _round_for(request, pk)
    user = request.user
    if not services.is_round_physician(user, round):
        raise PermissionDenied
    items = list(_agenda(user, round))
    in_progress = round.status == Round.Status.IN_PROGRESS
    wanted = request.POST.get("item") or request.GET.get("item", "")
    # One resident at a time, and only while the round runs.
    item = _current_item(items, wanted) if in_progress else None
    note_form, order_form = NoteForm(), OrderForm()
    if request.method == "POST" and item is not None:
        action = request.POST.get("action")
        try:
            if action == "note":
                note_form = NoteForm(request.POST)
                if note_form.is_valid():
                    services.save_round_note(
                        actor=user, item=item, request=request, **note_form.cleaned_data
                    )
                    messages.success(request, _("The note was signed."))
                    return redirect(_conduct_url(round, item))
            elif action == "order":
                order_form = OrderForm(request.POST)
                if order_form.is_valid():
                    services.place_round_order(
                        actor=user, item=item, request=request, **order_form.order_arguments()
                    )
                    messages.success(request, _("The order was placed; the unit has the task."))
                    return redirect(_conduct_url(round, item))
            elif action == "done":
                services.mark_item_done(actor=user, item=item, request=request)
                return redirect("rounds:conduct", pk=round.pk)
            else:
                return HttpResponse(_("Unknown action."), status=400)
        except ValidationError as exc:
            if action == "order":
                order_form.add_service_errors(exc)
            elif action == "note":
                add_service_errors(note_form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect(_conduct_url(round, item))
    elif request.method == "POST":
        return HttpResponse(
            _("Nobody on the agenda is waiting, or the round is not running."), status=400
        )
    context = {
        "round": round,
        "item": item,
        "total": len(items),
        "done": sum(1 for i in items if i.done_at),
        "position": items.index(item) + 1 if item else None,
        "note_form": note_form,
        "order_form": order_form,
        "in_progress": in_progress,
    }
    if item is not None:
        resident = item.resident
        started = round.started_at or round.starts_at
        context.update(
            resident=resident,
            observation=Observation.objects.visible_to(user)
            .filter(resident=resident)
            .order_by("-measured_at")
            .first(),
            medications=Medication.objects.visible_to(user)
            .filter(resident=resident, is_active=True)
            .order_by("name"),
            notes=JournalNote.objects.visible_to(user)
            .filter(resident=resident, author=user.staff_profile, created_at__gte=started)
            .order_by("created_at"),
            orders=Order.objects.visible_to(user)
            .filter(resident=resident, ordered_by=user.staff_profile, created_at__gte=started)
            .order_by("created_at"),
            blocked_units=policy.blocked_units_for(user, resident),
        )
        audit.record(
            actor=user,
            action="read",
            resident=resident,
            object_type="round_conduct",
            object_id=item.pk,
            purpose=_purpose(user, resident),
            request=request,
        )
    status = 400 if (note_form.errors or order_form.errors) else 200
    return render(request, "rounds/conduct.html", context, status=status)


def _conduct_url(round: Round, item: AgendaItem) -> str:
    return reverse("rounds:conduct", args=[round.pk]) + f"?item={item.pk}"
