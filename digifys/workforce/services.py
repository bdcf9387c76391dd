"""Writes of the workforce app: preferences, work from elsewhere, the rota and shift swaps."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import User
from digifys.directory.models import Organisation, StaffProfile
from digifys.notifications.models import Notification
from digifys.notifications.services import notify

from . import checks, rota, rota_engine
from .models import HourPreference, Preference, RotaMonth, Shift, SwapRequest, WorkElsewhere

# --- preferences ----------------------------------------------------------------------------------


@transaction.atomic
def save_preferences(
    *, staff: StaffProfile, max_hours: int, units, hours: list[tuple[str, int, object, object]]
) -> Preference:
    """Replace STAFF's preferences: weekly maximum, preferred units and (kind, weekday, from,
    until) hour rows in their own zone."""
    if not 0 <= max_hours <= 168:
        raise ValidationError({"max_hours": _("Give a number of hours from 0 to 168.")})
    preference, _created = Preference.objects.get_or_create(staff=staff)
    preference.max_on_duty_hours_per_week = max_hours
    preference.save()
    preference.preferred_units.set(units)
    staff.hour_preferences.all().delete()
    rows = []
    for kind, weekday, starts, ends in hours:
        if ends != datetime.time(0) and ends <= starts:
            raise ValidationError({"hours": _("Each period must end after it starts.")})
        rows.append(
            HourPreference(staff=staff, kind=kind, weekday=weekday, starts=starts, ends=ends)
        )
    HourPreference.objects.bulk_create(rows)
    return preference


# --- working from elsewhere -----------------------------------------------------------------------


def branches():
    """Places of the virtual clinic one can apply to work from."""
    return Organisation.objects.filter(
        kind=Organisation.Kind.VIRTUAL_CLINIC, is_active=True
    ).order_by("name")


SUBDIVISION_OF_ZONE = {"Atlantic/Canary": "CN"}


@transaction.atomic
def apply_work_elsewhere(
    *,
    staff: StaffProfile,
    place: str,
    branch: Organisation | None,
    starts_on: datetime.date,
    ends_on: datetime.date,
    holidays_follow: bool,
    reason: str = "",
    today: datetime.date | None = None,
) -> WorkElsewhere:
    today = today or timezone.localdate()
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = _("The last day cannot be before the first.")
    if starts_on < today:
        errors["starts_on"] = _("The period cannot start in the past.")
    if place == WorkElsewhere.Place.BRANCH and branch is None:
        errors["branch"] = _("Choose the branch you would work from.")
    overlapping = WorkElsewhere.objects.filter(
        staff=staff,
        status__in=[WorkElsewhere.Status.PENDING, WorkElsewhere.Status.APPROVED],
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    )
    if not errors and overlapping.exists():
        errors["starts_on"] = _("You already have a period that overlaps these days.")
    if errors:
        raise ValidationError(errors)
    if place == WorkElsewhere.Place.BRANCH:
        zone, country, city = branch.time_zone, branch.country or "SE", branch.city
        subdivision = SUBDIVISION_OF_ZONE.get(zone, "AN" if country == "ES" else "")
    else:
        zone, country = staff.time_zone, staff.work_country
        subdivision, city = staff.work_subdivision, staff.work_city
    period = WorkElsewhere.objects.create(
        staff=staff,
        place=place,
        branch=branch if place == WorkElsewhere.Place.BRANCH else None,
        starts_on=starts_on,
        ends_on=ends_on,
        time_zone=zone,
        country=country,
        subdivision=subdivision,
        city=city,
        holidays_follow=holidays_follow,
        reason=reason.strip(),
    )
    return period


@transaction.atomic
def decide_work_elsewhere(
    *, actor: User, period: WorkElsewhere, approve: bool, reason: str = ""
) -> WorkElsewhere:
    """The coordinator approves or refuses (a refusal needs a reason); the panel is untouched."""
    period = WorkElsewhere.objects.select_for_update().get(pk=period.pk)
    if period.status != WorkElsewhere.Status.PENDING:
        raise ValidationError(_("This application has already been decided."))
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for refusing.")})
    period.status = WorkElsewhere.Status.APPROVED if approve else WorkElsewhere.Status.REFUSED
    period.decided_by = actor
    period.decided_at = timezone.now()
    period.decision_reason = reason.strip()
    period.save()
    return period


@transaction.atomic
def withdraw_work_elsewhere(*, staff: StaffProfile, period: WorkElsewhere) -> WorkElsewhere:
    if period.staff_id != staff.pk or period.status not in (
        WorkElsewhere.Status.PENDING,
        WorkElsewhere.Status.APPROVED,
    ):
        raise ValidationError(_("This period can no longer be withdrawn."))
    if period.status == WorkElsewhere.Status.APPROVED and period.starts_on <= timezone.localdate():
        raise ValidationError(
            _("A period that has begun cannot be withdrawn; ask the coordinator.")
        )
    period.status = WorkElsewhere.Status.WITHDRAWN
    period.save()
    return period


# --- the rota -------------------------------------------------------------------------------------


@transaction.atomic
def build_rota(
    *,
    actor: User,
    month: datetime.date,
    required: int = 1,
    seconds: float = 10.0,
    now: datetime.datetime | None = None,
    deterministic: bool = False,
) -> tuple[RotaMonth, rota_engine.Result]:
    """Build (or rebuild the not yet begun part of) MONTH's on-duty rota with CP-SAT."""
    now = now or timezone.now()
    month = rota.first_of(month)
    if rota.next_month(month) <= now.date() - datetime.timedelta(days=1):
        raise ValidationError(_("This month is over; its rota can no longer be built."))
    if not 1 <= required <= 5:
        raise ValidationError({"required": _("Give from 1 to 5 clinicians on duty at a time.")})
    if SwapRequest.objects.filter(
        status__in=SwapRequest.OPEN, shift__rota__month=month, shift__starts_at__gt=now
    ).exists():
        raise ValidationError(
            _("Swaps in this month are waiting; decide them before the rota is rebuilt.")
        )
    slots, people, intervals, _staff, _fixed = rota.engine_inputs(month, required=required, now=now)
    base = rota_engine.greedy(slots, people)
    result = (
        rota_engine.solve(slots, people, seconds=seconds, hint=base, deterministic=deterministic)
        if people
        else base
    )
    rota_month, _created = RotaMonth.objects.update_or_create(
        month=month,
        defaults={
            "required": required,
            "built_by": actor,
            "method": result.method,
            "seconds": round(result.seconds, 3),
            "status": result.status,
        },
    )
    rota_month.shifts.filter(Q(starts_at__gt=now) | Q(staff__isnull=True, ends_at__gt=now)).delete()
    rows = []
    for slot in slots:
        start, end = intervals[slot.id]
        holders = result.assignment.get(slot.id, [])
        for pid in holders:
            rows.append(Shift(rota=rota_month, starts_at=start, ends_at=end, staff_id=pid))
        for _missing in range(slot.required - len(holders)):
            rows.append(Shift(rota=rota_month, starts_at=start, ends_at=end, staff=None))
    Shift.objects.bulk_create(rows)
    return rota_month, result


# --- shift swaps ----------------------------------------------------------------------------------


def _coordinators():
    return User.objects.filter(
        staff_profile__profession=StaffProfile.Profession.COORDINATOR, is_active=True
    )


def _refuse(swap: SwapRequest, reason: checks.Reason) -> SwapRequest:
    swap.status = SwapRequest.Status.REFUSED
    swap.refusal_code = reason.code
    swap.refusal_params = reason.params
    swap.decided_at = timezone.now()
    swap.save()
    return swap


@transaction.atomic
def propose_swap(
    *,
    proposer: StaffProfile,
    counterpart: StaffProfile,
    shift: Shift,
    counter_shift: Shift | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> SwapRequest:
    """PROPOSER offers SHIFT (for COUNTER_SHIFT, or as a hand-over); checked at once.

    NOW (default the clock) is when the rules are judged; the synthetic region passes its own.
    """
    problem = checks.check_swap(
        proposer=proposer,
        counterpart=counterpart,
        shift=shift,
        counter_shift=counter_shift,
        now=now,
    )
    if problem:
        raise ValidationError(problem.text, code=problem.code)
    if SwapRequest.objects.filter(
        status__in=SwapRequest.OPEN, shift__in=[s for s in (shift, counter_shift) if s]
    ).exists() or (
        counter_shift
        and SwapRequest.objects.filter(
            status__in=SwapRequest.OPEN, counter_shift__in=[shift, counter_shift]
        ).exists()
    ):
        raise ValidationError(_("One of these shifts already has a swap waiting."))
    swap = SwapRequest.objects.create(
        proposer=proposer,
        counterpart=counterpart,
        shift=shift,
        counter_shift=counter_shift,
        note=note.strip(),
    )
    notify(
        recipients=[counterpart.user],
        kind=Notification.Kind.SHIFT_SWAP,
        code="swap_proposed",
        params={"name": proposer.name},
        link=reverse("workforce:swap", args=[swap.pk]),
    )
    return swap


def _locked(swap: SwapRequest) -> SwapRequest:
    return (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("proposer__user", "counterpart__user", "shift", "counter_shift")
        .get(pk=swap.pk)
    )


@transaction.atomic
def respond_swap(
    *, staff: StaffProfile, swap: SwapRequest, accept: bool, now: datetime.datetime | None = None
) -> SwapRequest:
    """The colleague accepts (checked again; then the coordinator is asked) or declines."""
    swap = _locked(swap)
    if swap.counterpart_id != staff.pk or swap.status != SwapRequest.Status.PROPOSED:
        raise ValidationError(_("This swap is not waiting for your answer."))
    if not accept:
        swap.status = SwapRequest.Status.DECLINED
        swap.decided_at = timezone.now()
        swap.save()
        notify(
            recipients=[swap.proposer.user],
            kind=Notification.Kind.SHIFT_SWAP,
            code="swap_declined",
            params={"name": swap.counterpart.name},
            link=reverse("workforce:swap", args=[swap.pk]),
        )
        return swap
    problem = checks.check_swap(
        proposer=swap.proposer,
        counterpart=swap.counterpart,
        shift=swap.shift,
        counter_shift=swap.counter_shift,
        now=now,
    )
    link = reverse("workforce:swap", args=[swap.pk])
    if problem:
        _refuse(swap, problem)
        notify(
            recipients=[swap.proposer.user, swap.counterpart.user],
            kind=Notification.Kind.SHIFT_SWAP,
            code="swap_refused",
            params={"name": swap.counterpart.name},
            link=link,
        )
        return swap
    swap.status = SwapRequest.Status.ACCEPTED
    swap.accepted_at = timezone.now()
    swap.save()
    notify(
        recipients=_coordinators(),
        kind=Notification.Kind.SHIFT_SWAP,
        code="swap_to_approve",
        params={"proposer": swap.proposer.name, "counterpart": swap.counterpart.name},
        link=link,
    )
    return swap


@transaction.atomic
def decide_swap(*, actor: User, swap: SwapRequest, approve: bool, reason: str = "") -> SwapRequest:
    """The coordinator approves (the rules are checked a last time; the rota changes) or refuses
    with a reason."""
    swap = _locked(swap)
    if swap.status != SwapRequest.Status.ACCEPTED:
        raise ValidationError(_("This swap is not waiting for a decision."))
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for refusing.")})
    link = reverse("workforce:swap", args=[swap.pk])
    recipients = [swap.proposer.user, swap.counterpart.user]
    swap.decided_by = actor
    if not approve:
        swap.status = SwapRequest.Status.REFUSED
        swap.decision_reason = reason.strip()
        swap.decided_at = timezone.now()
        swap.save()
        notify(
            recipients=recipients,
            kind=Notification.Kind.SHIFT_SWAP,
            code="swap_refused",
            params={"name": swap.counterpart.name},
            link=link,
        )
        return swap
    shifts = Shift.objects.select_for_update().filter(pk__in=[swap.shift_id, swap.counter_shift_id])
    by_pk = {s.pk: s for s in shifts}
    shift, counter = by_pk[swap.shift_id], by_pk.get(swap.counter_shift_id)
    problem = checks.check_swap(
        proposer=swap.proposer, counterpart=swap.counterpart, shift=shift, counter_shift=counter
    )
    if problem:
        _refuse(swap, problem)
        notify(
            recipients=recipients,
            kind=Notification.Kind.SHIFT_SWAP,
            code="swap_refused",
            params={"name": swap.counterpart.name},
            link=link,
        )
        return swap
    shift.staff = swap.counterpart
    shift.save(update_fields=["staff"])
    if counter is not None:
        counter.staff = swap.proposer
        counter.save(update_fields=["staff"])
    swap.status = SwapRequest.Status.APPROVED
    swap.decided_at = timezone.now()
    swap.save()
    # Other open swaps of these shifts no longer describe the rota.
    SwapRequest.objects.filter(status__in=SwapRequest.OPEN).filter(
        shift__in=[s for s in (shift, counter) if s]
    ).exclude(pk=swap.pk).update(status=SwapRequest.Status.WITHDRAWN)
    notify(
        recipients=recipients,
        kind=Notification.Kind.SHIFT_SWAP,
        code="swap_approved",
        params={"proposer": swap.proposer.name, "counterpart": swap.counterpart.name},
        link=link,
    )
    return swap


@transaction.atomic
def withdraw_swap(*, staff: StaffProfile, swap: SwapRequest) -> SwapRequest:
    swap = _locked(swap)
    if swap.proposer_id != staff.pk or swap.status not in SwapRequest.OPEN:
        raise ValidationError(_("This swap can no longer be withdrawn."))
    swap.status = SwapRequest.Status.WITHDRAWN
    swap.save()
    return swap
