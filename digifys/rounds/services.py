"""Writes for digital ward rounds (issue #5 item 3; DESIGN.md flow 2).

Rules enforced here:
- a slot's times are Europe/Stockholm wall-clock times; occurrences are stored as UTC instants,
  so a 09:00 round is 08:00 UTC in winter and 07:00 UTC in summer;
- scheduling is idempotent: one round per slot and start instant;
- coordinators manage slots and give rounds to physicians; the unit's nurses edit the agenda;
  the round's physician conducts it; every write to resident data leaves an audit entry.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.core.time import STOCKHOLM, STOCKHOLM_NAME, local_to_utc
from digifys.directory.models import StaffProfile
from digifys.residents.models import Resident

from .models import AgendaItem, Round, RoundSlot

UNIT_ZONE = STOCKHOLM_NAME
# A Monday: week 0 for slots without a start date (ISO week 1 of 1970 begins 1969-12-29).
WEEK_ZERO = datetime.date(1969, 12, 29)


def _week_index(day: datetime.date, origin: datetime.date) -> int:
    monday = day - datetime.timedelta(days=day.weekday())
    origin_monday = origin - datetime.timedelta(days=origin.weekday())
    return (monday - origin_monday).days // 7


def slot_occurs_on(slot: RoundSlot, day: datetime.date) -> bool:
    """Return True when SLOT has a round on the local date DAY."""
    if day.weekday() != slot.weekday:
        return False
    if slot.starts_on and day < slot.starts_on:
        return False
    every = max(slot.every_weeks or 1, 1)
    return _week_index(day, slot.starts_on or WEEK_ZERO) % every == 0


def slot_instants(
    slot: RoundSlot, day: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the UTC start and end of SLOT's round on the local date DAY."""
    try:
        starts_at = local_to_utc(day, slot.starts, UNIT_ZONE)
    except ValueError:
        # The spring gap (02:00–03:00) does not exist that night: start at 03:00 instead.
        starts_at = local_to_utc(day, datetime.time(3, 0), UNIT_ZONE)
    try:
        ends_at = local_to_utc(day, slot.ends, UNIT_ZONE)
    except ValueError:
        ends_at = local_to_utc(day, datetime.time(3, 0), UNIT_ZONE)
    if ends_at <= starts_at:
        ends_at = starts_at + datetime.timedelta(minutes=30)
    return starts_at, ends_at


def _local_date(instant: datetime.datetime) -> datetime.date:
    return instant.astimezone(STOCKHOLM).date()


@transaction.atomic
def schedule_rounds(*, actor, starts: datetime.datetime, ends: datetime.datetime) -> list[Round]:
    """Create (once) the rounds of every active slot starting in [STARTS, ENDS); return them."""
    if timezone.is_naive(starts) or timezone.is_naive(ends):
        raise ValueError("starts and ends must be aware datetimes")
    if ends <= starts:
        return []
    # Local dates may straddle the UTC bounds by a day; the instant check below decides.
    first = _local_date(starts) - datetime.timedelta(days=1)
    last = _local_date(ends) + datetime.timedelta(days=1)
    slots = RoundSlot.objects.filter(is_active=True, unit__is_active=True).select_related(
        "physician"
    )
    wanted: dict[tuple[int, datetime.datetime], Round] = {}
    for slot in slots:
        day = first
        while day <= last:
            if slot_occurs_on(slot, day):
                starts_at, ends_at = slot_instants(slot, day)
                if starts <= starts_at < ends:
                    wanted[(slot.pk, starts_at)] = Round(
                        slot=slot,
                        unit_id=slot.unit_id,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        physician=slot.physician,
                    )
            day += datetime.timedelta(days=1)
    # Set-based, because every look at the round list runs this: one query for what exists,
    # one insert for the rest. The unique constraint on (slot, starts_at) makes concurrent
    # callers safe: a row another request inserted first is skipped, then read back.
    in_range = Round.objects.filter(
        slot__isnull=False, starts_at__gte=starts, starts_at__lt=ends
    ).select_related("physician")
    # A round run on another day (reschedule_round) still stands for its planned occurrence:
    # it must not be created again for the day it was planned.
    moved = Round.objects.filter(
        slot__isnull=False, rescheduled_from__gte=starts, rescheduled_from__lt=ends
    ).values_list("slot_id", "rescheduled_from")
    moved_keys = set(moved)
    wanted = {key: r for key, r in wanted.items() if key not in moved_keys}
    existing = {(r.slot_id, r.starts_at): r for r in in_range}
    missing = [r for key, r in wanted.items() if key not in existing]
    if missing:
        Round.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {(r.slot_id, r.starts_at): r for r in in_range.all()}
    result = [existing[key] for key in wanted if key in existing]
    result.sort(key=lambda r: (r.starts_at, r.unit_id, r.pk))
    return result


def _is_coordinator(actor) -> bool:
    return getattr(actor, "role", None) == Role.COORDINATOR


@transaction.atomic
def assign_round_physician(*, actor, round: Round, physician: StaffProfile) -> Round:
    """Give ROUND to PHYSICIAN (a coordinator's or the planner's decision)."""
    if actor is not None and not _is_coordinator(actor):
        raise PermissionDenied(_("Only a coordinator can give a ward round to a physician."))
    if physician is None or physician.profession != StaffProfile.Profession.PHYSICIAN:
        raise ValidationError({"physician": _("Choose a physician.")})
    if not physician.user.is_active:
        raise ValidationError({"physician": _("This physician's account is not active.")})
    locked = Round.objects.select_for_update(of=("self",)).get(pk=round.pk)
    if locked.status in (Round.Status.DONE, Round.Status.CANCELLED):
        raise ValidationError(_("This ward round is over; it cannot be given to someone else."))
    locked.physician = physician
    locked.save(update_fields=["physician"])
    round.physician = physician
    return locked


# --- Who may do what -------------------------------------------------------------------------

NURSING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE)


def unit_named_physicians(unit_id: int) -> list[StaffProfile]:
    """Return the current named physicians of the unit's residents, most residents first."""
    from django.db.models import Count

    from digifys.careteams.models import PhysicianAssignment

    rows = (
        PhysicianAssignment.objects.filter(
            resident__unit_id=unit_id,
            resident__status=Resident.Status.ACTIVE,
            role=PhysicianAssignment.Role.NAMED,
            ended_at__isnull=True,
        )
        .values("physician")
        .annotate(residents=Count("resident", distinct=True))
        .order_by("-residents", "physician")
    )
    ids = [r["physician"] for r in rows]
    profiles = StaffProfile.objects.select_related("user").in_bulk(ids)
    return [profiles[pk] for pk in ids if pk in profiles]


def unit_named_physician(unit_id: int) -> StaffProfile | None:
    """Return the physician named for most residents of the unit (None without any)."""
    physicians = unit_named_physicians(unit_id)
    return physicians[0] if physicians else None


def is_unit_nurse(user, unit_id: int) -> bool:
    """Return True for a nurse or assistant nurse assigned to the unit."""
    return getattr(user, "role", None) in NURSING_ROLES and user.works_on(unit_id)


def is_round_physician(user, round: Round) -> bool:
    """Return True for the round's physician or a named physician of the unit's residents."""
    # The same rule that lets a physician see the round (careteams.policy.round_filter_for).
    if getattr(user, "role", None) != Role.PHYSICIAN:
        return False
    return Round.objects.visible_to(user).filter(pk=round.pk).exists()


def _require_nurse(actor, round: Round) -> None:
    if not is_unit_nurse(actor, round.unit_id):
        raise PermissionDenied(_("Only the unit's nurses edit the agenda of its ward round."))


def _require_physician(actor, round: Round) -> StaffProfile:
    if not is_round_physician(actor, round):
        raise PermissionDenied(_("Only the round's physician conducts the ward round."))
    return actor.staff_profile


def _require_open(round: Round) -> None:
    if round.status in (Round.Status.DONE, Round.Status.CANCELLED):
        raise ValidationError(_("This ward round is over; its agenda cannot be changed."))


def _publish(round: Round) -> None:
    from digifys.core import live

    live.publish([live.unit_group(round.unit_id)], "round", round=round.pk)


# --- The agenda ------------------------------------------------------------------------------

# The order in which automatic reasons are listed and which one becomes the item's main reason.
AUTOMATIC_REASONS = (
    AgendaItem.Reason.CONSULT,
    AgendaItem.Reason.MEDICATION_REVIEW,
    AgendaItem.Reason.NO_CONTACT,
)
NON_URGENT = ("same_day", "next_round")
DEFAULT_NO_CONTACT_WEEKS = 8


def _automatic_reasons(round: Round, now: datetime.datetime) -> dict[int, dict]:
    """Return {resident id: {"reasons": [...], "consult": Consult | None}} for ROUND's unit."""
    from digifys.careteams.models import CareContact
    from digifys.consults.models import Consult
    from digifys.medicationreviews.selectors import due_reviews

    residents = Resident.objects.in_care().filter(unit_id=round.unit_id)
    found: dict[int, dict] = {}

    def add(resident_id: int, reason: str, consult=None) -> None:
        entry = found.setdefault(resident_id, {"reasons": [], "consult": None})
        if reason not in entry["reasons"]:
            entry["reasons"].append(reason)
        if consult is not None and entry["consult"] is None:
            entry["consult"] = consult

    consults = (
        Consult.objects.filter(
            resident__in=residents, status__in=Consult.OPEN_STATUSES, urgency__in=NON_URGENT
        )
        .order_by("created_at")
        .only("pk", "resident_id")
    )
    for consult in consults:
        add(consult.resident_id, AgendaItem.Reason.CONSULT, consult)
    round_day = _local_date(max(round.starts_at, now))
    for item in due_reviews(residents_queryset=residents, today=round_day, horizon_days=0):
        add(item.resident.pk, AgendaItem.Reason.MEDICATION_REVIEW)
    weeks = round.slot.no_contact_weeks if round.slot_id else DEFAULT_NO_CONTACT_WEEKS
    since = round.starts_at - datetime.timedelta(weeks=weeks)
    seen = CareContact.objects.filter(
        resident__in=residents,
        clinician__profession=StaffProfile.Profession.PHYSICIAN,
        occurred_at__gte=since,
    ).values("resident")
    for resident_id in residents.exclude(pk__in=seen).values_list("pk", flat=True):
        add(resident_id, AgendaItem.Reason.NO_CONTACT)
    return found


def _next_position(round: Round) -> int:
    from django.db.models import Max

    top = round.agenda.filter(removed_at__isnull=True).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


@transaction.atomic
def build_agenda(*, round: Round, now: datetime.datetime | None = None) -> list[AgendaItem]:
    """Add the residents who need the round to its agenda (once); return the active agenda.

    Residents a nurse removed from this round's agenda stay off it.
    """
    now = now or timezone.now()
    round = Round.objects.select_for_update(of=("self",)).select_related("slot").get(pk=round.pk)
    if round.status in (Round.Status.DONE, Round.Status.CANCELLED):
        return list(round.agenda.filter(removed_at__isnull=True))
    existing = {item.resident_id: item for item in round.agenda.filter(removed_at__isnull=True)}
    removed = set(
        round.agenda.filter(removed_at__isnull=False).values_list("resident_id", flat=True)
    )
    found = _automatic_reasons(round, now)
    position = _next_position(round)

    def rank(entry):
        return min(AUTOMATIC_REASONS.index(r) for r in entry[1]["reasons"])

    for resident_id, entry in sorted(found.items(), key=lambda e: (rank(e), e[0])):
        reasons = sorted(entry["reasons"], key=AUTOMATIC_REASONS.index)
        item = existing.get(resident_id)
        if item is not None:
            changed = False
            for reason in reasons:
                if reason not in item.reasons:
                    item.other_reasons = [*item.other_reasons, reason]
                    changed = True
            if entry["consult"] is not None and item.consult_id is None:
                item.consult = entry["consult"]
                changed = True
            if changed:
                item.save(update_fields=["other_reasons", "consult"])
            continue
        if resident_id in removed:
            continue
        existing[resident_id] = AgendaItem.objects.create(
            round=round,
            resident_id=resident_id,
            unit_id=round.unit_id,
            reason=reasons[0],
            other_reasons=reasons[1:],
            consult=entry["consult"],
            position=position,
            added_at=now,
        )
        position += 1
    _publish(round)
    return list(round.agenda.filter(removed_at__isnull=True).order_by("position", "added_at"))


@transaction.atomic
def flag_resident(
    *, actor, round: Round, resident: Resident, note: str, request=None
) -> AgendaItem:
    """Put RESIDENT on ROUND's agenda with the nurse's question (or add the question)."""
    _require_nurse(actor, round)
    _require_open(round)
    note = (note or "").strip()
    errors = {}
    if resident.unit_id != round.unit_id:
        errors["resident"] = _("The resident does not live on this unit.")
    if not note:
        errors["note"] = _("Write the question for the physician.")
    elif len(note) > 500:
        errors["note"] = _("Keep the question under 500 characters.")
    if errors:
        raise ValidationError(errors)
    Round.objects.select_for_update(of=("self",)).get(pk=round.pk)
    item = round.agenda.filter(resident=resident, removed_at__isnull=True).first()
    created = item is None
    if created:
        item = AgendaItem(
            round=round,
            resident=resident,
            unit_id=round.unit_id,
            position=_next_position(round),
        )
    elif item.reason != AgendaItem.Reason.FLAGGED:
        item.other_reasons = [item.reason, *item.other_reasons]
    item.reason = AgendaItem.Reason.FLAGGED
    item.other_reasons = [r for r in item.other_reasons if r != AgendaItem.Reason.FLAGGED]
    item.note = note
    item.added_by = actor
    item.save()
    audit.record(
        actor=actor,
        action=audit.Action.CREATE if created else audit.Action.UPDATE,
        resident=resident,
        object_type="round_agenda_item",
        object_id=item.pk,
        request=request,
        details={"round": round.pk, "change": "flagged"},
    )
    _publish(round)
    return item


@transaction.atomic
def remove_item(*, actor, item: AgendaItem, request=None) -> AgendaItem:
    """Take an item off the agenda; the agenda builder will not put it back for this round."""
    _require_nurse(actor, item.round)
    _require_open(item.round)
    item = AgendaItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    if item.removed_at is None:
        item.removed_at = timezone.now()
        item.removed_by = actor
        item.save(update_fields=["removed_at", "removed_by"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            resident=item.resident,
            object_type="round_agenda_item",
            object_id=item.pk,
            request=request,
            details={"round": item.round_id, "change": "removed"},
        )
        _publish(item.round)
    return item


@transaction.atomic
def move_item(*, actor, item: AgendaItem, direction: str) -> list[AgendaItem]:
    """Move an item one place up or down the agenda; return the agenda in its new order."""
    _require_nurse(actor, item.round)
    _require_open(item.round)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("Move an item up or down.")})
    Round.objects.select_for_update(of=("self",)).get(pk=item.round_id)
    agenda = list(
        AgendaItem.objects.filter(round_id=item.round_id, removed_at__isnull=True).order_by(
            "position", "added_at", "pk"
        )
    )
    index = next((i for i, other in enumerate(agenda) if other.pk == item.pk), None)
    if index is None:
        raise ValidationError(_("This item is no longer on the agenda."))
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(agenda):
        agenda[index], agenda[target] = agenda[target], agenda[index]
    for position, other in enumerate(agenda):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])
    _publish(item.round)
    return agenda


# --- Conducting the round --------------------------------------------------------------------


RESCHEDULE_NEEDED = "reschedule_needed"


def stockholm_today() -> datetime.date:
    """Today's date on the unit (Stockholm)."""
    return _local_date(timezone.now())


def needs_reschedule(round: Round, now: datetime.datetime | None = None) -> bool:
    """True when a planned ROUND is for another Stockholm day than NOW's."""
    now = now or timezone.now()
    return round.status == Round.Status.PLANNED and _local_date(round.starts_at) != _local_date(now)


@transaction.atomic
def reschedule_round(
    *, actor, round: Round, now: datetime.datetime | None = None, request=None
) -> Round:
    """Move a planned ROUND to today (Stockholm), same wall-clock times; logged.

    Running a round on another day than planned changes which residents are due and when the
    nurses prepare, so it is an explicit decision of the round's physician, never a side effect
    of pressing "Start".
    """
    _require_physician(actor, round)
    now = now or timezone.now()
    locked = Round.objects.select_for_update(of=("self",)).get(pk=round.pk)
    if locked.status != Round.Status.PLANNED:
        raise ValidationError(_("Only a planned ward round can be moved to another day."))
    if not needs_reschedule(locked, now):
        return locked
    today = _local_date(now)
    local_start = locked.starts_at.astimezone(STOCKHOLM)
    local_end = locked.ends_at.astimezone(STOCKHOLM)
    planned = locked.starts_at
    try:
        starts_at = local_to_utc(today, local_start.time().replace(tzinfo=None), UNIT_ZONE)
    except ValueError:
        starts_at = local_to_utc(today, datetime.time(3, 0), UNIT_ZONE)
    duration = locked.ends_at - locked.starts_at
    if local_end.date() != local_start.date():
        duration = max(duration, datetime.timedelta(minutes=30))
    if locked.rescheduled_from is None:
        locked.rescheduled_from = planned
    locked.starts_at = starts_at
    locked.ends_at = starts_at + duration
    locked.save(update_fields=["starts_at", "ends_at", "rescheduled_from"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        object_type="round",
        object_id=locked.pk,
        request=request,
        details={
            "change": "rescheduled",
            "from": planned.isoformat(),
            "to": starts_at.isoformat(),
        },
    )
    round.starts_at, round.ends_at = locked.starts_at, locked.ends_at
    round.rescheduled_from = locked.rescheduled_from
    _publish(locked)
    return locked


@transaction.atomic
def start_round(*, actor, round: Round, reschedule: bool = False, request=None) -> Round:
    """The physician starts the round: the agenda is brought up to date first.

    A round planned for another day is refused (code RESCHEDULE_NEEDED) unless RESCHEDULE says
    the physician confirmed moving it to today.
    """
    physician = _require_physician(actor, round)
    locked = Round.objects.select_for_update(of=("self",)).get(pk=round.pk)
    _require_open(locked)
    if locked.status == Round.Status.PLANNED:
        if needs_reschedule(locked):
            if not reschedule:
                raise ValidationError(
                    _("This ward round is planned for another day."), code=RESCHEDULE_NEEDED
                )
            locked = reschedule_round(actor=actor, round=locked, request=request)
        locked.status = Round.Status.IN_PROGRESS
        locked.started_at = timezone.now()
        locked.conducted_by = physician
        if locked.physician_id is None:
            locked.physician = physician
        locked.save(update_fields=["status", "started_at", "physician", "conducted_by"])
    build_agenda(round=locked)
    return locked


def _require_in_progress(item: AgendaItem) -> None:
    if item.round.status != Round.Status.IN_PROGRESS:
        raise ValidationError(_("Start the ward round first."))
    if item.removed_at is not None:
        raise ValidationError(_("This resident was taken off the agenda."))


def _require_sees(actor, resident: Resident) -> None:
    if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
        raise PermissionDenied(_("You have no care relationship with this resident."))


@transaction.atomic
def save_round_note(
    *,
    actor,
    item: AgendaItem,
    aktuellt: str,
    status: str,
    bedomning: str,
    atgard: str,
    request=None,
):
    """Write and sign the physician's journal note for a resident on the round."""
    from digifys.consults.models import JournalNote
    from digifys.consults.services import sign_note

    physician = _require_physician(actor, item.round)
    _require_in_progress(item)
    _require_sees(actor, item.resident)
    texts = {
        "aktuellt": (aktuellt or "").strip(),
        "status": (status or "").strip(),
        "bedomning": (bedomning or "").strip(),
        "atgard": (atgard or "").strip(),
    }
    if not any(texts.values()):
        raise ValidationError(_("Write the note before saving."))
    now = timezone.now()
    note = JournalNote.objects.create(
        resident=item.resident,
        unit_id=item.resident.unit_id,
        consult=None,
        author=physician,
        created_at=now,
        updated_at=now,
        **texts,
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=item.resident,
        object_type="journal_note",
        object_id=note.pk,
        request=request,
        details={"round": item.round_id},
    )
    return sign_note(actor=actor, note=note, request=request)


def place_round_order(*, actor, item: AgendaItem, request=None, **order_arguments):
    """Order something for a resident on the round (consult=None); it becomes nurse tasks."""
    from digifys.orders.services import place_order

    _require_physician(actor, item.round)
    _require_in_progress(item)
    _require_sees(actor, item.resident)
    return place_order(
        actor=actor, resident=item.resident, consult=None, request=request, **order_arguments
    )


def _has_round_note(item: AgendaItem, physician: StaffProfile) -> bool:
    from digifys.consults.models import JournalNote

    started = item.round.started_at or item.round.starts_at
    return JournalNote.objects.filter(
        resident_id=item.resident_id,
        consult=None,
        author=physician,
        signed_at__isnull=False,
        created_at__gte=started,
    ).exists()


def _has_round_order(item: AgendaItem, physician: StaffProfile) -> bool:
    from digifys.orders.models import Order

    started = item.round.started_at or item.round.starts_at
    return Order.objects.filter(
        resident_id=item.resident_id, ordered_by=physician, created_at__gte=started
    ).exists()


def _carry_to_next_round(item: AgendaItem) -> AgendaItem | None:
    """Put ITEM's resident, with the nurse's question, on the unit's next planned round."""
    following = (
        Round.objects.filter(
            unit_id=item.round.unit_id,
            status=Round.Status.PLANNED,
            starts_at__gt=item.round.starts_at,
        )
        .order_by("starts_at")
        .first()
    )
    if following is None:
        # No later round exists yet: build_agenda adds the resident again when it is due.
        return None
    if following.agenda.filter(resident_id=item.resident_id, removed_at__isnull=True).exists():
        return None
    return AgendaItem.objects.create(
        round=following,
        resident_id=item.resident_id,
        unit_id=following.unit_id,
        reason=item.reason,
        other_reasons=item.other_reasons,
        consult_id=item.consult_id,
        note=item.note,
        added_by=item.added_by,
        position=_next_position(following),
    )


@transaction.atomic
def mark_item_done(
    *, actor, item: AgendaItem, outcome: str = "", reason: str = "", request=None
) -> AgendaItem:
    """The physician is done with this resident for the round, with an outcome.

    The outcome is a signed note or an order from this round, "no action" with a reason, or
    moved to the next round (the reason is optional there); nothing else closes an item.
    """
    physician = _require_physician(actor, item.round)
    _require_in_progress(item)
    item = (
        AgendaItem.objects.select_for_update(of=("self",)).select_related("round").get(pk=item.pk)
    )
    reason = (reason or "").strip()
    Outcome = AgendaItem.Outcome
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome for this resident.")})
    if outcome == Outcome.NOTE and not _has_round_note(item, physician):
        raise ValidationError({"outcome": _("Sign a journal note for this resident first.")})
    if outcome == Outcome.ORDER and not _has_round_order(item, physician):
        raise ValidationError({"outcome": _("Place an order for this resident first.")})
    if outcome == Outcome.NO_ACTION and not reason:
        raise ValidationError({"reason": _("Say why no action is needed.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    if outcome == Outcome.MOVED:
        _carry_to_next_round(item)
    item.done_at = item.done_at or timezone.now()
    item.outcome = outcome
    item.outcome_reason = reason
    item.save(update_fields=["done_at", "outcome", "outcome_reason"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=item.resident,
        object_type="round_agenda_item",
        object_id=item.pk,
        request=request,
        details={"round": item.round_id, "change": "done", "outcome": outcome},
    )
    _publish(item.round)
    return item


def record_round_contact(*, round: Round, item: AgendaItem, clinician: StaffProfile):
    """Record the ward round as a physician contact with the item's resident."""
    from digifys.careteams.models import CareContact

    return CareContact.objects.create(
        resident_id=item.resident_id,
        clinician=clinician,
        unit_id=round.unit_id,
        kind=CareContact.Kind.ROUND,
        occurred_at=item.done_at or timezone.now(),
    )


def items_blocking_finish(round: Round) -> tuple[list[AgendaItem], list[AgendaItem]]:
    """Return (unanswered nurse questions, other items without an outcome) of ROUND."""
    open_items = list(
        round.agenda.filter(removed_at__isnull=True, outcome="")
        .select_related("resident")
        .order_by("position", "added_at")
    )
    questions = [i for i in open_items if i.note]
    return questions, [i for i in open_items if not i.note]


@transaction.atomic
def finish_round(*, actor, round: Round, request=None) -> Round:
    """Close the round; every resident the physician saw gets a ward-round contact.

    Refused while a nurse's question is unanswered or any resident has no outcome (the
    physician can move a resident to the next round instead). Contacts are for the physician
    who ran the round, and only for residents seen (not those moved on).
    """
    physician = _require_physician(actor, round)
    locked = Round.objects.select_for_update(of=("self",)).get(pk=round.pk)
    if locked.status != Round.Status.IN_PROGRESS:
        raise ValidationError(_("Only a ward round in progress can be finished."))
    questions, others = items_blocking_finish(locked)
    errors = []
    if questions:
        errors.append(
            _("The nurse's question is not answered for: %(names)s.")
            % {"names": ", ".join(i.resident.full_name for i in questions)}
        )
    if others:
        errors.append(
            _("These residents have no outcome yet: %(names)s.")
            % {"names": ", ".join(i.resident.full_name for i in others)}
        )
    if errors:
        raise ValidationError(errors)
    locked.status = Round.Status.DONE
    locked.finished_at = timezone.now()
    if locked.conducted_by_id is None:
        locked.conducted_by = physician
    locked.save(update_fields=["status", "finished_at", "conducted_by"])
    clinician = locked.conducted_by
    seen = (
        locked.agenda.filter(removed_at__isnull=True, done_at__isnull=False)
        .exclude(outcome__in=("", AgendaItem.Outcome.MOVED))
        .select_related("resident")
    )
    for item in seen:
        contact = record_round_contact(round=locked, item=item, clinician=clinician)
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            resident=item.resident,
            object_type="care_contact",
            object_id=contact.pk,
            request=request,
            details={"round": locked.pk},
        )
    _publish(locked)
    return locked


# --- Slots -----------------------------------------------------------------------------------


@transaction.atomic
def save_slot(
    *,
    actor,
    unit,
    weekday: int,
    starts: datetime.time,
    ends: datetime.time,
    every_weeks: int = 1,
    physician: StaffProfile | None = None,
    no_contact_weeks: int = DEFAULT_NO_CONTACT_WEEKS,
    starts_on: datetime.date | None = None,
    is_active: bool = True,
    slot: RoundSlot | None = None,
) -> RoundSlot:
    """Create or change a unit's recurring ward round (coordinators only)."""
    if actor is not None and not _is_coordinator(actor):
        raise PermissionDenied(_("Only a coordinator manages ward round slots."))
    errors = {}
    if unit is None or unit.kind != unit.Kind.UNIT:
        errors["unit"] = _("Choose a unit.")
    if weekday not in RoundSlot.Weekday.values:
        errors["weekday"] = _("Choose a weekday.")
    if starts is None or ends is None:
        errors["starts"] = _("Give the start and end time.")
    elif ends <= starts:
        errors["ends"] = _("The round must end after it starts.")
    if not every_weeks or not 1 <= every_weeks <= 8:
        errors["every_weeks"] = _("Hold the round every 1 to 8 weeks.")
    if not no_contact_weeks or not 1 <= no_contact_weeks <= 52:
        errors["no_contact_weeks"] = _("Give between 1 and 52 weeks.")
    if physician is not None and physician.profession != StaffProfile.Profession.PHYSICIAN:
        errors["physician"] = _("Choose a physician.")
    if errors:
        raise ValidationError(errors)
    if physician is None:
        physician = unit_named_physician(unit.pk)
    slot = slot or RoundSlot()
    slot.unit = unit
    slot.weekday = weekday
    slot.starts = starts
    slot.ends = ends
    slot.every_weeks = every_weeks
    slot.physician = physician
    slot.no_contact_weeks = no_contact_weeks
    slot.starts_on = starts_on
    slot.is_active = is_active
    slot.save()
    return slot
