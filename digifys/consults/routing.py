"""Who receives a consult, and who is next in line when its deadline slips.

Order of preference (DESIGN §3.1): the resident's named physician when on duty (in their own time
zone), else the deputy when on duty, else an on-duty physician of the virtual clinic (the one with
the fewest consults waiting). When nobody is on duty the consult still goes to the named physician
(or deputy) so that it is never without an owner; the unit is told to follow its local routine.

Who is on duty comes from the dated rota (`workforce`: the month's shifts built by CP-SAT, with
the swaps the coordinator approved already in them) for the instant's day: a physician holding
the shift that covers the instant, unless registered as away that day. Only for a day without
any rota shift does the weekly on-duty pattern (`WorkingPattern.on_call`) stand in, and the
consult's thread says so (`Candidate.reason`, a code + parameters rendered per reader). Ordinary
working hours (not on duty) are read as before, in the clinician's zone of the day (working from
elsewhere moves it).

A resident not (or no longer) eligible for the virtual clinic's care (not registered in
Västerbotten and no other documented basis) is still cared for at the bedside, and consults still
escalate: only physicians working in Sweden may take them — the region's on-call route —
because the virtual clinic abroad serves only Västerbotten's residents (domain-spec §3.5, §3.6;
issue 19 item 2). The same rule holds for every new care action of the virtual clinic — orders,
medication reviews, bookings and video visits (issue 12 §4 item 17): `may_serve` is the rule,
`refusal_reason` says why a physician may not take a consult, `care_refusal` why they may not
take another care action.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import Resident
from digifys.scheduling.availability import is_working
from digifys.workforce.selectors import DutyAt, duty_at

from .models import Consult

RoutedTo = Consult.RoutedTo

# Why an on-duty physician was chosen (consult thread event codes, see events.EVENTS).
REASON_ROTA = "route_rota"
REASON_WEEKLY = "route_weekly_pattern"


@dataclass(frozen=True)
class Candidate:
    physician: StaffProfile
    routed_to: str
    # On duty per the dated rota or, without a rota that day, per the weekly pattern: an event
    # code + parameters for the consult's thread; empty for ordinary working hours.
    reason: str = ""
    params: dict = field(default_factory=dict)


def deadline_for(urgency: str, *, start: datetime.datetime | None = None) -> datetime.datetime:
    """Return when a consult of URGENCY sent at START must be answered (settings-configurable)."""
    minutes = settings.CONSULT_DEADLINE_MINUTES[urgency]
    return (start or timezone.now()) + datetime.timedelta(minutes=minutes)


def may_serve(physician: StaffProfile, resident: Resident) -> bool:
    """The one rule: may PHYSICIAN take new care actions for RESIDENT?

    Yes for a resident eligible for the virtual clinic's care; for one who is not, only a
    physician working in Sweden (the region's on-call route) may.
    """
    return resident.is_eligible or physician.work_country == StaffProfile.Country.SWEDEN


def refusal_reason(physician: StaffProfile, resident: Resident) -> str | None:
    """Return why PHYSICIAN may not take consults for RESIDENT, or None if they may."""
    if may_serve(physician, resident):
        return None
    return _(
        "%(name)s is not registered in Västerbotten and has no other documented entitlement to "
        "the virtual clinic's care, so physicians working abroad may not take the consult. It "
        "goes to a physician working in Sweden (the region's on-call route); the care "
        "coordinator settles the care responsibility."
    ) % {"name": resident.full_name}


def care_refusal(clinician: StaffProfile, resident: Resident) -> str | None:
    """Return why CLINICIAN may not be booked for or hold a video visit with RESIDENT, or None."""
    if may_serve(clinician, resident):
        return None
    return _(
        "%(name)s is not registered in Västerbotten and has no other documented entitlement to "
        "the virtual clinic's care, so %(clinician)s, who works abroad, may not be booked for "
        "them or hold a video visit with them. Choose a physician working in Sweden (the "
        "region's on-call route); the care coordinator settles the care responsibility."
    ) % {"name": resident.full_name, "clinician": clinician.name}


def restriction(resident: Resident) -> str | None:
    """Return the routing restriction that applies to RESIDENT (shown to the sender), if any."""
    if resident.is_eligible:
        return None
    return refusal_reason(StaffProfile(work_country=StaffProfile.Country.SPAIN), resident)


def _team(resident: Resident) -> tuple[StaffProfile | None, StaffProfile | None]:
    named = deputy = None
    for assignment in resident.physician_assignments.filter(ended_at__isnull=True).select_related(
        "physician__user"
    ):
        if assignment.role == "named":
            named = assignment.physician
        else:
            deputy = assignment.physician
    return named, deputy


def on_duty_clinic_physicians(
    at: datetime.datetime, *, in_sweden_only: bool = False, duty: DutyAt | None = None
) -> list[StaffProfile]:
    """Physicians of the virtual clinic on duty at AT, fewest waiting consults first.

    From the dated rota when one exists for AT's day (DUTY, read if not given), else from the
    weekly on-duty pattern. IN_SWEDEN_ONLY: the region's on-call route for a resident the
    clinic abroad may not serve — on-call physicians of any employer who work in Sweden.
    """
    duty = duty or duty_at(at)
    if in_sweden_only:
        where = Q(work_country=StaffProfile.Country.SWEDEN)
    else:
        where = Q(employer__kind=Organisation.Kind.VIRTUAL_CLINIC)
    if duty.has_rota:
        return _rota_physicians(at, where, duty)
    physicians = (
        StaffProfile.objects.filter(
            where,
            profession=StaffProfile.Profession.PHYSICIAN,
            user__is_active=True,
            working_patterns__on_call=True,
            working_patterns__weekday__in=_weekdays_around(at),
        )
        .distinct()
        .select_related("user")
        .prefetch_related("working_patterns", "absences")
        .annotate(
            waiting=Count(
                "consults", filter=Q(consults__status__in=Consult.WAITING_STATUSES), distinct=True
            )
        )
        .order_by("waiting", "pk")
    )
    return [
        staff
        for staff in physicians
        if is_working(
            staff,
            at,
            on_call=True,
            patterns=staff.working_patterns.all(),
            absences=staff.absences.all(),
        )
    ]


def _rota_physicians(at: datetime.datetime, where: Q, duty: DutyAt) -> list[StaffProfile]:
    """The holders of the rota's shifts at AT who match WHERE and are not away that day."""
    holders = {s.staff_id for s in duty.shifts}
    if not holders:
        return []
    physicians = (
        StaffProfile.objects.filter(
            where,
            pk__in=holders,
            profession=StaffProfile.Profession.PHYSICIAN,
            user__is_active=True,
        )
        .exclude(absences__starts_on__lte=duty.day, absences__ends_on__gte=duty.day)
        .select_related("user")
        .annotate(
            waiting=Count(
                "consults", filter=Q(consults__status__in=Consult.WAITING_STATUSES), distinct=True
            )
        )
        .order_by("waiting", "pk")
    )
    return list(physicians)


def _duty_reason(physician: StaffProfile, duty: DutyAt) -> tuple[str, dict]:
    """The routing reason (event code, parameters) of an on-duty physician."""
    if duty.has_rota:
        shift = duty.shift_of(physician.pk)
        return REASON_ROTA, {
            "name": physician.name,
            "start": shift.starts_at.isoformat() if shift else "",
            "end": shift.ends_at.isoformat() if shift else "",
        }
    return REASON_WEEKLY, {"name": physician.name, "day": duty.day.isoformat()}


def _available(physician: StaffProfile, at: datetime.datetime, duty) -> tuple[bool, bool]:
    """(works at AT, by being on duty): ordinary hours, else on duty per the rota of the day
    (or, without a rota that day, per the weekly on-duty pattern). DUTY returns the `DutyAt`
    (read only when ordinary hours do not answer)."""
    if is_working(physician, at, on_call=False):
        return True, False
    rota = duty()
    if not rota.has_rota:
        return is_working(physician, at, on_call=True), True
    if rota.shift_of(physician.pk) is not None:
        return not physician.absences.filter(
            starts_on__lte=rota.day, ends_on__gte=rota.day
        ).exists(), True
    return False, False


def _weekdays_around(at: datetime.datetime) -> list[int]:
    # Local weekdays differ from UTC's by at most one day either side.
    day = at.weekday()
    return [(day - 1) % 7, day, (day + 1) % 7]


def _in_order(at: datetime.datetime, team, resident: Resident) -> Iterator[Candidate]:
    """Yield who could take a consult, best first; the on-duty rota is read only if reached."""
    named, deputy = team
    seen = set()
    read: list[DutyAt] = []

    def duty() -> DutyAt:
        if not read:
            read.append(duty_at(at))
        return read[0]

    for physician, routed_to in ((named, RoutedTo.NAMED), (deputy, RoutedTo.DEPUTY)):
        if physician and physician.user.is_active and refusal_reason(physician, resident) is None:
            works, on_duty = _available(physician, at, duty)
            if works:
                seen.add(physician.pk)
                reason, params = _duty_reason(physician, duty()) if on_duty else ("", {})
                yield Candidate(physician, routed_to, reason, params)
    for physician in on_duty_clinic_physicians(
        at, in_sweden_only=not resident.is_eligible, duty=duty()
    ):
        if physician.pk not in seen:
            seen.add(physician.pk)
            yield Candidate(physician, RoutedTo.ON_DUTY, *_duty_reason(physician, duty()))


def candidates(resident: Resident, *, at: datetime.datetime | None = None) -> list[Candidate]:
    """Return everyone who could take a consult for RESIDENT now, in order of preference."""
    return list(_in_order(at or timezone.now(), _team(resident), resident))


def route(resident: Resident, *, at: datetime.datetime | None = None) -> Candidate | None:
    """Return who receives a new consult for RESIDENT; None only if the resident has no
    physician at all and nobody is on duty. Stops at the first candidate found."""
    team = _team(resident)
    first = next(_in_order(at or timezone.now(), team, resident), None)
    if first is not None:
        return first
    allowed = [p for p in team if p and refusal_reason(p, resident) is None]
    fallback = allowed[0] if allowed else None
    return Candidate(fallback, RoutedTo.NOBODY_ON_DUTY) if fallback else None


def next_in_line(consult: Consult, *, at: datetime.datetime | None = None) -> Candidate | None:
    """Return who a consult escalates to when its deadline slips (None: nobody else)."""
    found = candidates(consult.resident, at=at)
    current = consult.assigned_to_id
    order = [c.physician.pk for c in found]
    if current in order:
        # Everyone after the current owner; then wrap around to those before.
        index = order.index(current)
        found = found[index + 1 :] + found[:index]
    found = [c for c in found if c.physician.pk != current]
    return found[0] if found else None
