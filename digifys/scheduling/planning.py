"""The week planner's writes: proposing, editing, accepting and re-planning a week's plan.

The engine (`planner/engine.py`) works in integer minutes since the horizon start, which is Monday
00:00 Europe/Stockholm of the planned week as a UTC instant. This module turns working patterns,
absences, public holidays, bookings, ward rounds, due medication reviews and open work requests
into engine items and clinicians, stores the engine's answer as a `Plan` with `PlanItem`s, and
turns an accepted plan into bookings and round physicians.

Rules (issue #5 item 6):
- only coordinators plan;
- accepting is all or nothing: if one booking is refused (someone booked the time after the
  proposal), nothing changes and the message lists the items that failed;
- a re-plan after an absence keeps every assignment that is still feasible and moves the rest;
  accepting it cancels or moves only the affected bookings.
"""

import dataclasses
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import Resident

from . import plan_explanations, services
from .models import Booking, Plan, PlanItem, WorkRequest
from .plan_explanations import when_text
from .plan_inputs import (
    HORIZON_DAYS,
    Problem,
    build_problem,
    collect,
    horizon_start_of,
    instant_at,
    load_engine,
    minute_of,
    monday_of,
)

__all__ = [
    "accept_plan",
    "build_problem",
    "create_work_request",
    "edit_item",
    "horizon_start_of",
    "monday_of",
    "propose_plan",
    "replan_after_absence",
    "require_coordinator",
]

BOOKING_KIND = {
    PlanItem.Kind.MEDICATION_REVIEW: Booking.Kind.MEDICATION_REVIEW,
    PlanItem.Kind.FAMILY_MEETING: Booking.Kind.FAMILY_MEETING,
    PlanItem.Kind.FOLLOW_UP: Booking.Kind.VIDEO,
}


def require_coordinator(actor) -> None:
    """Raise PermissionDenied unless ACTOR is a coordinator (only coordinators plan)."""
    if getattr(actor, "role", None) != Role.COORDINATOR:
        raise PermissionDenied(_("Only coordinators plan."))


def _store(
    *, actor, problem: Problem, result, week_start, replanned_from=None, reason="", previous=None
) -> Plan:
    """Save the engine's RESULT for PROBLEM as a proposed plan."""
    items = problem.items
    contacts = sum(i.weight for i in items)
    named_contacts = sum(
        i.weight
        for i in items
        if result and result.assignments.get(i.id) and result.assignments[i.id].tier == "named"
    )
    contact_bound = 0.0
    if result and items:
        contact_bound = getattr(result, "contact_bound", 0.0) or load_engine().contact_upper_bound(
            items, problem.clinicians
        )
    plan = Plan.objects.create(
        week_start=week_start,
        horizon_start=problem.horizon_start,
        horizon_days=HORIZON_DAYS,
        created_by=actor,
        method=getattr(result, "method", "") if result else "",
        named_share=result.named_share() if result and items else 0.0,
        upper_bound=float(result.upper_bound) if result and items else 0.0,
        seconds=float(result.seconds) if result else 0.0,
        contact_share=named_contacts / contacts if result and contacts else 0.0,
        contact_bound=float(contact_bound),
        replanned_from=replanned_from,
        reason=reason[:300],
    )
    previous = previous or {}
    people = _people(items)
    absences_of = plan_explanations.absences_for_staff(people, week_start)
    holidays_of = _holidays_of(people, week_start)
    cannot_of = {
        int(pid): [
            (instant_at(problem.horizon_start, s), instant_at(problem.horizon_start, e))
            for s, e in spans
        ]
        for pid, spans in problem.cannot.items()
    }
    next_week = (week_start + datetime.timedelta(days=7)).isocalendar()[1]
    units = dict(
        Organisation.objects.filter(
            pk__in={m["unit_id"] for m in problem.meta.values() if m.get("round_id")}
        ).values_list("pk", "name")
    )
    rows = []
    for item in items:
        info = problem.meta[item.id]
        assignment = result.assignments.get(item.id) if result else None
        clinician_id = assignment.clinician_id if assignment else None
        starts_at = (
            instant_at(problem.horizon_start, assignment.start)
            if assignment and assignment.start is not None and clinician_id
            else None
        )
        kept = bool(assignment and assignment.kept)
        old = previous.get(item.id)
        row = PlanItem(
            plan=plan,
            key=item.id,
            kind=info["kind"],
            resident_id=info.get("resident_id"),
            unit_id=info["unit_id"],
            round_id=info.get("round_id"),
            work_request_id=info.get("work_request_id"),
            duration_minutes=item.duration,
            earliest_at=instant_at(problem.horizon_start, item.earliest),
            deadline_at=instant_at(problem.horizon_start, item.deadline),
            language=item.language,
            named_id=int(item.named) if item.named else None,
            deputy_id=int(item.deputy) if item.deputy else None,
            clinician_id=int(clinician_id) if clinician_id else None,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=item.duration) if starts_at else None,
            tier=(assignment.tier or "") if assignment and clinician_id else "",
            interpreter=bool(assignment and clinician_id and assignment.interpreter),
            named_status=assignment.named_status if assignment else "",
            deputy_status=assignment.deputy_status if assignment else "",
            kept=kept,
            weight=min(item.weight, 32767),
            deferred=bool(assignment and assignment.deferred),
            # A kept item of an accepted plan keeps its booking: nothing changes for it.
            booking_id=old.booking_id if kept and old is not None else None,
        )
        row.named = people.get(item.named)
        row.deputy = people.get(item.deputy)
        extra = {"deferred_week": next_week}
        if assignment and assignment.deferred_for in problem.meta:
            extra["round_unit"] = units.get(problem.meta[assignment.deferred_for]["unit_id"], "")
        if result is not None:
            row.reasons = plan_explanations.reasons_for(
                row,
                absences_of=absences_of,
                holidays_of=holidays_of,
                extra=extra,
                cannot_of=cannot_of,
            )
        rows.append(row)
    PlanItem.objects.bulk_create(rows, batch_size=500)
    return plan


def _people(items) -> dict[str, StaffProfile]:
    """The named physicians and deputies of ITEMS by the engine's id (the staff pk as text)."""
    ids = {int(i.named) for i in items if i.named} | {int(i.deputy) for i in items if i.deputy}
    staff = StaffProfile.objects.filter(pk__in=ids).select_related("user")
    return {str(s.pk): s for s in staff.prefetch_related("working_patterns")}


def _holidays_of(people: dict, week_start: datetime.date) -> dict:
    """Per staff pk, the public holidays in the week on weekdays they usually work."""
    result = {}
    for person in people.values():
        workdays = {p.weekday for p in person.working_patterns.all() if not p.on_call}
        result[person.pk] = [
            (day, name)
            for day, name in services.holidays_ahead(person, week_start, HORIZON_DAYS)
            if day.weekday() in workdays
        ]
    return result


def propose_plan(*, actor, week_start: datetime.date, time_limit: float = 10.0) -> Plan:
    """Run the optimiser for the week of WEEK_START and save its answer as a proposed plan.

    The solve (up to TIME_LIMIT seconds) runs outside any transaction, so it holds no database
    lock; the plan is then saved atomically.
    """
    require_coordinator(actor)
    week_start = monday_of(week_start)
    if Plan.objects.filter(week_start=week_start, status=Plan.Status.ACCEPTED).exists():
        raise ValidationError(
            _("This week already has an accepted plan. Re-plan it instead, to keep its bookings.")
        )
    with transaction.atomic():
        problem = collect(week_start=week_start, actor=actor)
    result = None
    if problem.items:
        result = load_engine().optimise(problem.items, problem.clinicians, time_limit=time_limit)
    with transaction.atomic():
        plan = _store(actor=actor, problem=problem, result=result, week_start=week_start)
        _audit_plan(
            actor, plan, {"week_start": week_start.isoformat(), "items": len(problem.items)}
        )
    return plan


def _audit_plan(actor, plan: Plan, details: dict) -> None:
    audit.record(
        actor=actor,
        action="create",
        object_type="plan",
        object_id=plan.pk,
        details=details,
    )


def _item_from_row(engine, row: PlanItem, horizon_start, staff_by_id):
    start = minute_of(horizon_start, row.earliest_at)
    named = str(row.named_id) if row.named_id else None
    team = None
    if named and named in staff_by_id:
        team = str(staff_by_id[named].employer_id)
    return engine.Item(
        id=row.key,
        kind=row.kind,
        duration=row.duration_minutes,
        earliest=start,
        deadline=minute_of(horizon_start, row.deadline_at),
        named=named,
        deputy=str(row.deputy_id) if row.deputy_id else None,
        team=team,
        language=row.language,
        fixed_start=start if row.kind == PlanItem.Kind.ROUND else None,
        resident=str(row.resident_id) if row.resident_id else None,
        weight=row.weight,
    )


def replan_after_absence(*, actor, plan: Plan, reason: str, time_limit: float = 10.0) -> Plan:
    """Propose a new plan for PLAN's week that keeps every still-feasible assignment of PLAN.

    As in `propose_plan`, the solve runs outside a transaction and the result is saved atomically.
    """
    require_coordinator(actor)
    if plan.status == Plan.Status.SUPERSEDED:
        raise ValidationError(_("This plan has been replaced; re-plan the newer one."))
    engine = load_engine()
    now = timezone.now()
    old_rows = list(plan.items.all())
    # The plan's own bookings must not block the times they hold.
    own_bookings = {row.booking_id for row in old_rows if row.booking_id}
    with transaction.atomic():
        problem = collect(
            week_start=plan.week_start, actor=actor, ignore_bookings=own_bookings, now=now
        )
    fresh = {item.id: item for item in problem.items}
    items, meta, previous, done = [], {}, {}, []
    for row in old_rows:
        if row.starts_at is not None and row.starts_at < now:
            done.append(row)  # already begun: history, carried over as it is
            continue
        item = fresh.get(row.key) or _item_from_row(
            engine, row, problem.horizon_start, problem.staff
        )
        if item.fixed_start is not None and item.fixed_start <= minute_of(
            problem.horizon_start, now
        ):
            done.append(row)
            continue
        items.append(item)
        meta[row.key] = {
            "kind": row.kind,
            "resident_id": row.resident_id,
            "unit_id": row.unit_id,
            "round_id": row.round_id,
            "work_request_id": row.work_request_id,
        }
        if row.clinician_id and row.starts_at:
            previous[row.key] = engine.Assignment(
                item_id=row.key,
                clinician_id=str(row.clinician_id),
                start=minute_of(problem.horizon_start, row.starts_at),
                tier=row.tier or None,
                interpreter=row.interpreter,
                named_status=row.named_status,
                deputy_status=row.deputy_status,
            )
    for item in problem.items:
        if item.id not in meta and item.id not in {row.key for row in done}:
            items.append(item)
            meta[item.id] = problem.meta[item.id]
    problem = dataclasses.replace(problem, items=items, meta=meta)
    result = None
    if items:
        result = engine.replan(items, problem.clinicians, previous, time_limit=time_limit)
    by_key = {row.key: row for row in old_rows}
    with transaction.atomic():
        new_plan = _store(
            actor=actor,
            problem=problem,
            result=result,
            week_start=plan.week_start,
            replanned_from=plan,
            reason=reason.strip(),
            previous=by_key,
        )
        PlanItem.objects.bulk_create([_copy_row(row, new_plan) for row in done])
        _audit_plan(actor, new_plan, {"replanned_from": plan.pk, "reason": new_plan.reason})
    return new_plan


def _copy_row(row: PlanItem, plan: Plan) -> PlanItem:
    # The row was already used to build the new plan, so it may become the copy itself.
    row.pk = None
    row.plan = plan
    row.kept = True
    return row


def _tier_for(item: PlanItem, clinician: StaffProfile) -> str:
    if item.named_id == clinician.pk:
        return PlanItem.Tier.NAMED
    if item.deputy_id == clinician.pk:
        return PlanItem.Tier.DEPUTY
    if clinician.is_locum:
        return PlanItem.Tier.LOCUM
    if item.named_id and item.named and item.named.employer_id == clinician.employer_id:
        return PlanItem.Tier.TEAM
    return PlanItem.Tier.OTHER


def _speaks(clinician: StaffProfile, language: str) -> bool:
    spoken = set(clinician.languages.values_list("language", flat=True)) or {"sv"}
    return language in spoken


@transaction.atomic
def edit_item(
    *, actor, item: PlanItem, clinician: StaffProfile, starts_at: datetime.datetime | None = None
) -> PlanItem:
    """Move ITEM of a proposed plan to CLINICIAN at STARTS_AT (a ward round keeps its time)."""
    require_coordinator(actor)
    item = (
        PlanItem.objects.select_for_update(of=("self",))
        .select_related("plan", "named")
        .get(pk=item.pk)
    )
    if item.plan.status != Plan.Status.PROPOSED:
        raise ValidationError(_("Only a proposed plan can be edited; re-plan an accepted one."))
    if clinician.profession != StaffProfile.Profession.PHYSICIAN:
        raise ValidationError({"clinician": _("Choose a physician.")})
    if item.kind == PlanItem.Kind.ROUND or starts_at is None:
        starts_at = item.starts_at or item.earliest_at
    ends_at = starts_at + datetime.timedelta(minutes=item.duration_minutes)
    if item.kind != PlanItem.Kind.ROUND and (
        starts_at < item.earliest_at or ends_at > item.deadline_at
    ):
        raise ValidationError(
            {
                "starts_at": _("Choose a time between %(first)s and %(last)s Stockholm time.")
                % {"first": when_text(item.earliest_at), "last": when_text(item.deadline_at)}
            }
        )
    # Working, not absent, not in the past: the same checks as any booking.
    services._check_times(clinician, starts_at, ends_at)
    # Bookings this plan gives up (its own earlier booking, and those of the plan it re-plans
    # that it no longer keeps) are cancelled on acceptance, so they do not block the move.
    released = {item.booking_id} if item.booking_id else set()
    if item.plan.replanned_from_id:
        kept = set(
            item.plan.items.exclude(pk=item.pk)
            .exclude(booking__isnull=True)
            .values_list("booking_id", flat=True)
        )
        released |= (
            set(
                PlanItem.objects.filter(plan_id=item.plan.replanned_from_id)
                .exclude(booking__isnull=True)
                .values_list("booking_id", flat=True)
            )
            - kept
        )
    other = (
        Booking.objects.overlapping(clinician, starts_at, ends_at).exclude(pk__in=released).first()
    )
    if other is not None:
        raise services._overlap_error(clinician, other)
    clash = (
        item.plan.items.filter(clinician=clinician, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk=item.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": _(
                    "%(name)s already has %(kind)s in this plan %(start)s–%(end)s Stockholm time."
                )
                % {
                    "name": clinician.name,
                    "kind": clash.get_kind_display().lower(),
                    "start": services._stockholm(clash.starts_at),
                    "end": services._stockholm(clash.ends_at),
                }
            },
            code="overlap",
        )
    item.clinician = clinician
    item.starts_at = starts_at
    item.ends_at = ends_at
    item.tier = _tier_for(item, clinician)
    item.interpreter = not _speaks(clinician, item.language)
    item.kept = False
    item.deferred = False  # placed by hand this week after all
    item.booking = None  # a moved item is booked anew on acceptance; the old booking goes
    item.edited_by = actor
    item.save()
    if item.resident_id:
        audit.record(
            actor=actor,
            action="update",
            resident=item.resident,
            object_type="plan_item",
            object_id=item.pk,
            details={"clinician": clinician.pk, "starts_at": starts_at.isoformat()},
        )
    _refresh_share(item.plan)
    return item


def _refresh_share(plan: Plan) -> None:
    total = plan.items.count()
    named = plan.items.filter(tier=PlanItem.Tier.NAMED).count()
    plan.named_share = named / total if total else 0.0
    contacts = plan.items.aggregate(n=Sum("weight"))["n"] or 0
    named_contacts = plan.items.filter(tier=PlanItem.Tier.NAMED).aggregate(n=Sum("weight"))["n"]
    plan.contact_share = (named_contacts or 0) / contacts if contacts else 0.0
    plan.save(update_fields=["named_share", "contact_share"])


@transaction.atomic
def accept_plan(*, actor, plan: Plan, request=None) -> Plan:
    """Accept PLAN: book its resident items and give rounds their physicians, all or nothing."""
    require_coordinator(actor)
    plan = Plan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    if plan.status != Plan.Status.PROPOSED:
        raise ValidationError(_("Only a proposed plan can be accepted."))
    previous = {}
    if plan.replanned_from_id:
        previous = {row.key: row for row in plan.replanned_from.items.all()}
    rows = list(plan.items.select_related("resident", "clinician__user", "round", "work_request"))
    new_keys = {row.key for row in rows}
    # First free what the re-plan moves, so the new bookings may use those times.
    for key, old in previous.items():
        if old.booking_id is None:
            continue
        row = next((r for r in rows if r.key == key), None)
        unchanged = row is not None and (
            row.booking_id == old.booking_id
            or (row.clinician_id == old.clinician_id and row.starts_at == old.starts_at)
        )
        if unchanged:
            row.booking_id = old.booking_id
            continue
        booking = Booking.objects.get(pk=old.booking_id)
        if booking.cancelled_at is None:
            services.cancel_booking(
                actor=actor,
                booking=booking,
                reason=_("Re-planned: %(reason)s") % {"reason": plan.reason or "-"},
                request=request,
            )
    failures = []
    now = timezone.now()
    for row in rows:
        if row.clinician_id is None or row.starts_at is None or row.starts_at < now:
            continue
        if row.kind == PlanItem.Kind.ROUND:
            if row.round_id and row.round.physician_id != row.clinician_id:
                from digifys.rounds.services import assign_round_physician

                assign_round_physician(actor=actor, round=row.round, physician=row.clinician)
            continue
        if row.booking_id:
            continue
        try:
            booking = services.book(
                actor=actor,
                clinician=row.clinician,
                resident=row.resident,
                kind=BOOKING_KIND[row.kind],
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                note=_("Planned (week %(week)s)") % {"week": plan.week_start.isocalendar()[1]},
                reason=_("Accepted weekly plan %(plan)s: %(reason)s")
                % {"plan": plan.pk, "reason": plan.reason or "-"},
                request=request,
            )
        except ValidationError as exc:
            failures.append(
                _("%(kind)s for %(resident)s with %(name)s %(when)s: %(why)s")
                % {
                    "kind": row.get_kind_display(),
                    "resident": row.resident.full_name,
                    "name": row.clinician.name,
                    "when": when_text(row.starts_at),
                    "why": " ".join(exc.messages),
                }
            )
            continue
        row.booking = booking
        if row.work_request_id:
            WorkRequest.objects.filter(pk=row.work_request_id).update(
                status=WorkRequest.Status.PLANNED, booking=booking
            )
    if failures:
        # Raising rolls back every booking made above: the plan applies fully or not at all.
        raise ValidationError(
            [
                _("Nothing was booked. These items could not be booked; edit them and try again:"),
                *failures,
            ],
            code="accept_failed",
        )
    PlanItem.objects.bulk_update(rows, ["booking"], batch_size=500)
    # Work requests the re-plan no longer places go back to open.
    for key, old in previous.items():
        if old.work_request_id and (key not in new_keys):
            WorkRequest.objects.filter(pk=old.work_request_id).update(
                status=WorkRequest.Status.OPEN, booking=None
            )
    Plan.objects.filter(week_start=plan.week_start, status=Plan.Status.ACCEPTED).exclude(
        pk=plan.pk
    ).update(status=Plan.Status.SUPERSEDED)
    if plan.replanned_from_id:
        Plan.objects.filter(pk=plan.replanned_from_id).update(status=Plan.Status.SUPERSEDED)
    plan.status = Plan.Status.ACCEPTED
    plan.accepted_by = actor
    plan.accepted_at = now
    plan.save(update_fields=["status", "accepted_by", "accepted_at"])
    audit.record(
        actor=actor,
        action="update",
        object_type="plan",
        object_id=plan.pk,
        request=request,
        details={"change": "accepted"},
    )
    return plan


@transaction.atomic
def create_work_request(
    *,
    actor,
    resident: Resident,
    kind: str,
    duration_minutes: int,
    earliest_on: datetime.date,
    deadline_on: datetime.date,
    language: str = "sv",
    note: str = "",
    request=None,
) -> WorkRequest:
    """Ask the planner for a family meeting or a follow-up about RESIDENT."""
    role = getattr(actor, "role", None)
    if role not in (Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR):
        raise PermissionDenied
    if kind not in WorkRequest.Kind.values:
        raise ValidationError({"kind": _("Choose a kind.")})
    if resident.unit_id is None:
        raise ValidationError(_("The resident has no unit; register the move-in first."))
    if deadline_on < earliest_on:
        raise ValidationError(
            {"deadline_on": _("The deadline must be on or after the earliest date.")}
        )
    if deadline_on < timezone.localdate():
        raise ValidationError({"deadline_on": _("The deadline has passed. Choose a later date.")})
    if not 15 <= duration_minutes <= 240:
        raise ValidationError({"duration_minutes": _("Choose between 15 and 240 minutes.")})
    work = WorkRequest.objects.create(
        kind=kind,
        resident=resident,
        unit_id=resident.unit_id,
        duration_minutes=duration_minutes,
        earliest_on=earliest_on,
        deadline_on=deadline_on,
        language=(language or "sv").strip().lower()[:8],
        note=note.strip(),
        requested_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        resident=resident,
        object_type="work_request",
        object_id=work.pk,
        request=request,
        details={"kind": kind, "deadline_on": deadline_on.isoformat()},
    )
    return work
