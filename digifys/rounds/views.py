"""Pages for digital ward rounds: the list, slots, the agenda and conducting the round."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from digifys.accounts.decorators import require_role, role_required
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams import policy
from digifys.consults.models import Consult, JournalNote
from digifys.core.forms import add_service_errors, parse_id
from digifys.core.time import own_time_label, zone_of
from digifys.orders.forms import OrderForm
from digifys.orders.models import Order
from digifys.residents.models import Medication, Resident
from digifys.vitals.models import Observation

from . import services
from .access import ROUND_ROLES, access_agenda_item_by_id, access_round_by_id
from .forms import FlagForm, NoteForm, OutcomeForm, SlotForm
from .models import AgendaItem, Round, RoundSlot

NURSING = (Role.NURSE, Role.ASSISTANT_NURSE)
SCHEDULE_AHEAD = datetime.timedelta(days=14)
PAST_SHOWN = datetime.timedelta(days=14)


def _agenda(user, round: Round):
    return (
        AgendaItem.objects.visible_to(user)
        .filter(round=round, removed_at__isnull=True)
        .select_related("resident", "consult", "added_by")
        .order_by("position", "added_at", "pk")
    )


# --- Lists -----------------------------------------------------------------------------------


@login_required
@role_required(*ROUND_ROLES)
def round_list(request: HttpRequest) -> HttpResponse:
    """Nurses: their units' rounds; physicians: theirs; coordinators: all. Upcoming first."""
    user = request.user
    now = timezone.now()
    # Occurrences exist once someone looks ahead (idempotent; the planner does the same).
    services.schedule_rounds(actor=None, starts=now - PAST_SHOWN, ends=now + SCHEDULE_AHEAD)
    rounds = (
        Round.objects.visible_to(user)
        .filter(starts_at__gte=now - PAST_SHOWN)
        .select_related("unit__parent", "physician__user")
    )
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
        "coordinator": user.role == Role.COORDINATOR,
        "now": now,
    }
    return render(request, "rounds/list.html", context)


@login_required
@role_required(Role.COORDINATOR)
def slot_list(request: HttpRequest) -> HttpResponse:
    """Coordinators: every unit's recurring ward round, and the units without one."""
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
@role_required(Role.COORDINATOR)
def slot_new(request: HttpRequest) -> HttpResponse:
    """A coordinator gives a unit its recurring ward round."""
    return _slot_form_page(request, None)


@login_required
@role_required(Role.COORDINATOR)
def slot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator changes a unit's recurring ward round."""
    return _slot_form_page(request, get_object_or_404(RoundSlot, pk=pk))


# --- The agenda ------------------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's agenda: reasons, questions and the nurses' edits. Coordinators: no residents."""
    round = access_round_by_id(request.user, pk)
    user = request.user
    if user.role == Role.COORDINATOR:
        counts = round.agenda.filter(removed_at__isnull=True).aggregate(
            total=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False))
        )
        return render(request, "rounds/detail_organisation.html", {"round": round, **counts})
    if round.status in (Round.Status.PLANNED, Round.Status.IN_PROGRESS):
        services.build_agenda(round=round)
    items = list(_agenda(user, round))
    audit.record_read(
        actor=user,
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
        "own_zone_label": own_time_label(round.starts_at, zone_of(user)),
    }
    return render(request, "rounds/detail.html", context)


@login_required
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """A nurse puts a resident on the agenda with a question for the physician."""
    round = access_round_by_id(request.user, pk)
    require_role(request.user, *NURSING)
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
    audit.record_read(
        actor=request.user,
        residents=shown,
        object_type="round_flag_form",
        request=request,
        details={"round": round.pk},
    )
    status = 400 if form.errors else 200
    return render(request, "rounds/flag.html", {"round": round, "form": form}, status=status)


@login_required
@require_POST
def item_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A nurse moves an agenda item one place up or down."""
    item = access_agenda_item_by_id(request.user, pk)
    require_role(request.user, *NURSING)
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
    item = access_agenda_item_by_id(request.user, pk)
    require_role(request.user, *NURSING)
    if request.method == "POST":
        try:
            services.remove_item(actor=request.user, item=item, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("rounds:detail", pk=item.round_id)
        # No name in the message: the agenda page logs reads only for the residents it lists.
        messages.success(request, _("The resident was taken off the agenda."))
        return redirect("rounds:detail", pk=item.round_id)
    audit.record_read(
        actor=request.user,
        residents=[item.resident],
        object_type="round_agenda_item",
        object_id=item.pk,
        request=request,
    )
    return render(request, "rounds/remove.html", {"item": item, "round": item.round})


# --- Conducting the round --------------------------------------------------------------------


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician starts the round and goes to the first resident."""
    round = access_round_by_id(request.user, pk)
    try:
        services.start_round(actor=request.user, round=round, request=request)
    except ValidationError as exc:
        if any(e.code == services.RESCHEDULE_NEEDED for e in exc.error_list):
            return redirect("rounds:reschedule", pk=round.pk)
        messages.error(request, " ".join(exc.messages))
        return redirect("rounds:detail", pk=round.pk)
    return redirect("rounds:conduct", pk=round.pk)


@login_required
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm running a round planned for another day today, then start it."""
    round = _round_as_physician(request, pk)
    if not services.needs_reschedule(round):
        return redirect("rounds:detail", pk=round.pk)
    if request.method == "POST":
        try:
            services.start_round(actor=request.user, round=round, reschedule=True, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("rounds:detail", pk=round.pk)
        messages.success(request, _("The ward round was moved to today and started."))
        return redirect("rounds:conduct", pk=round.pk)
    return render(
        request, "rounds/reschedule.html", {"round": round, "today": services.stockholm_today()}
    )


@login_required
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then finish the round; the residents seen get a ward-round contact."""
    round = _round_as_physician(request, pk)
    if request.method == "POST":
        try:
            services.finish_round(actor=request.user, round=round, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("rounds:finish", pk=round.pk)
        messages.success(request, _("The ward round is finished."))
        return redirect("rounds:detail", pk=round.pk)
    questions, others = services.items_blocking_finish(round)
    items = list(_agenda(request.user, round))
    audit.record_read(
        actor=request.user,
        residents=[i.resident for i in items],
        object_type="round_finish",
        request=request,
        details={"round": round.pk},
    )
    context = {
        "round": round,
        "questions": questions,
        "others": others,
        "seen": [i for i in items if i.seen],
        "moved": [i for i in items if i.outcome == AgendaItem.Outcome.MOVED],
        "in_progress": round.status == Round.Status.IN_PROGRESS,
    }
    return render(request, "rounds/finish.html", context)


def _current_item(items: list[AgendaItem], wanted: str) -> AgendaItem | None:
    wanted_pk = parse_id(wanted)
    if wanted_pk is not None:
        for item in items:
            if item.pk == wanted_pk:
                return item
    return next((item for item in items if not item.outcome), None)


def _round_as_physician(request: HttpRequest, pk: int) -> Round:
    round = access_round_by_id(request.user, pk)
    if not services.is_round_physician(request.user, round):
        raise PermissionDenied
    return round


def _conduct_page(
    request: HttpRequest,
    round: Round,
    item: AgendaItem | None,
    *,
    note_form: NoteForm | None = None,
    order_form: OrderForm | None = None,
    outcome_form: OutcomeForm | None = None,
) -> HttpResponse:
    """Render the conduct page at ITEM, with the forms as typed when a POST was refused."""
    user = request.user
    items = list(_agenda(user, round))
    note_form, order_form = note_form or NoteForm(), order_form or OrderForm()
    if outcome_form is None:
        initial = {"outcome": item.outcome, "reason": item.outcome_reason} if item else {}
        outcome_form = OutcomeForm(initial=initial)
    context = {
        "round": round,
        "item": item,
        "total": len(items),
        "done": sum(1 for i in items if i.outcome),
        "position": items.index(item) + 1 if item in items else None,
        "note_form": note_form,
        "order_form": order_form,
        "outcome_form": outcome_form,
        "in_progress": round.status == Round.Status.IN_PROGRESS,
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
            # The consult that put the resident on the agenda, through the policy (a block on
            # the unit that sent it hides it, as everywhere).
            consult=Consult.objects.visible_to(user).filter(pk=item.consult_id).first(),
        )
        audit.record_read(
            actor=user,
            residents=[resident],
            object_type="round_conduct",
            object_id=item.pk,
            request=request,
        )
    status = 400 if (note_form.errors or order_form.errors or outcome_form.errors) else 200
    return render(request, "rounds/conduct.html", context, status=status)


@login_required
def conduct(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician works through the agenda one resident at a time: note, orders, next."""
    round = _round_as_physician(request, pk)
    # One resident at a time, and only while the round runs.
    item = None
    if round.status == Round.Status.IN_PROGRESS:
        item = _current_item(list(_agenda(request.user, round)), request.GET.get("item", ""))
    return _conduct_page(request, round, item)


def _item_in_running_round(request: HttpRequest, pk: int) -> AgendaItem | HttpResponse:
    """The agenda item a conduct action is about, or a 400 when the round is not running."""
    item = access_agenda_item_by_id(request.user, pk)
    if not services.is_round_physician(request.user, item.round):
        raise PermissionDenied
    if item.round.status != Round.Status.IN_PROGRESS or item.removed_at is not None:
        return HttpResponse(
            _("Nobody on the agenda is waiting, or the round is not running."), status=400
        )
    return item


@login_required
@require_POST
def item_note(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician signs a journal note for the resident in front of them."""
    item = _item_in_running_round(request, pk)
    if isinstance(item, HttpResponse):
        return item
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.save_round_note(
                actor=request.user, item=item, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The note was signed."))
            return redirect(_conduct_url(item))
    return _conduct_page(request, item.round, item, note_form=form)


@login_required
@require_POST
def item_order(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician places an order for the resident; the unit gets the task."""
    item = _item_in_running_round(request, pk)
    if isinstance(item, HttpResponse):
        return item
    form = OrderForm(request.POST)
    if form.is_valid():
        try:
            services.place_round_order(
                actor=request.user, item=item, request=request, **form.order_arguments()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The order was placed; the unit has the task."))
            return redirect(_conduct_url(item))
    return _conduct_page(request, item.round, item, order_form=form)


@login_required
@require_POST
def item_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician gives the resident an outcome and goes on to the next one."""
    item = _item_in_running_round(request, pk)
    if isinstance(item, HttpResponse):
        return item
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.mark_item_done(
                actor=request.user,
                item=item,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("rounds:conduct", pk=item.round_id)
    return _conduct_page(request, item.round, item, outcome_form=form)


def _conduct_url(item: AgendaItem) -> str:
    return reverse("rounds:conduct", args=[item.round_id]) + f"?item={item.pk}"
