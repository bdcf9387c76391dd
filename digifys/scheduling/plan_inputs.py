"""The week planner's reads: the database turned into the engine's inputs for one week.

The engine (`planner/engine.py`) works in integer minutes since the horizon start, which is Monday
00:00 Europe/Stockholm of the planned week as a UTC instant. `collect` reads working patterns (in
each clinician's own zone), absences, public holidays, existing bookings, the week's ward rounds,
due medication reviews and open work requests, and returns a `Problem`: engine items and
clinicians plus what `planning` needs to store the answer.
"""

import dataclasses
import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import timezone

from digifys.careteams.models import PhysicianAssignment
from digifys.clinicians.rules import NAMED, why_blocked
from digifys.core.time import STOCKHOLM, zone_of
from digifys.directory.models import StaffLanguage, StaffProfile
from digifys.medicationreviews.selectors import due_reviews
from digifys.residents.models import Resident
from digifys.rounds.models import AgendaItem, Round
from digifys.rounds.services import schedule_rounds

from .availability import is_public_holiday
from .models import Absence, Booking, WorkRequest

UTC = datetime.UTC
HORIZON_DAYS = 7
# DESIGN: a first review (no earlier one documented) is the in-depth kind and takes an hour.
FIRST_REVIEW_MINUTES = 60
REVIEW_MINUTES = 30
# Medication reviews due within this many days after the week are planned too, as items that may
# move to a later week (deferrable) rather than leave the named physician (issue 15 section 5).
REVIEW_SLACK_DAYS = 21


def load_engine():
    """Return the engine module (`planner.engine`)."""
    # Imported lazily: the engine module is pure Python + OR-Tools and loads OR-Tools on import.
    from .planner import engine

    return engine


def monday_of(day: datetime.date) -> datetime.date:
    """Return the Monday of DAY's week."""
    return day - datetime.timedelta(days=day.weekday())


def horizon_start_of(week_start: datetime.date) -> datetime.datetime:
    """Return Monday 00:00 Stockholm time of WEEK_START as a UTC instant."""
    return datetime.datetime.combine(week_start, datetime.time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def minute_of(start: datetime.datetime, instant: datetime.datetime) -> int:
    """Return INSTANT as whole minutes after START (the engine's clock)."""
    return int((instant - start).total_seconds() // 60)


def instant_at(start: datetime.datetime, minute: int) -> datetime.datetime:
    """Return the instant MINUTE minutes after START."""
    return start + datetime.timedelta(minutes=minute)


def _local_instant(day: datetime.date, time: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    # ZoneInfo shifts a time in the spring gap forwards, which is what a working period means.
    return datetime.datetime.combine(day, time, tzinfo=zone).astimezone(UTC)


def _subtract(windows: list[tuple[int, int]], busy: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return WINDOWS minus BUSY intervals (all half-open, in minutes)."""
    result = []
    for start, end in windows:
        pieces = [(start, end)]
        for b_start, b_end in busy:
            next_pieces = []
            for p_start, p_end in pieces:
                if b_end <= p_start or b_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if p_start < b_start:
                    next_pieces.append((p_start, b_start))
                if b_end < p_end:
                    next_pieces.append((b_end, p_end))
            pieces = next_pieces
        result.extend(pieces)
    return result


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(windows):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


@dataclasses.dataclass
class Problem:
    """Engine inputs plus what the Django side needs to store the answer."""

    horizon_start: datetime.datetime
    items: list  # engine.Item
    clinicians: list  # engine.Clinician
    meta: dict[str, dict]  # by item id: kind, resident_id, unit_id, round_id, work_request_id
    staff: dict[str, StaffProfile]
    # By engine id: the minutes of the week each physician stated they cannot work (issue 15
    # section 3), left out of their free time; the explanations name them.
    cannot: dict[str, list[tuple[int, int]]] = dataclasses.field(default_factory=dict)


def _cannot_windows(
    preferences, *, staff, horizon_start: datetime.datetime, week_start: datetime.date
) -> list[tuple[int, int]]:
    """The minutes of the week STAFF cannot work by their PREFERENCES (their own zone, which a
    work-from-elsewhere period changes per day)."""
    if preferences is None or not preferences.cannot:
        return []
    total = HORIZON_DAYS * 1440
    windows = []
    for offset in range(-1, HORIZON_DAYS + 1):
        day = week_start + datetime.timedelta(days=offset)
        zone = zone_of(staff, day)
        for weekday, starts, ends in preferences.cannot:
            if weekday != day.weekday():
                continue
            start = _local_instant(day, starts, zone)
            end_day = day + datetime.timedelta(days=1) if ends == datetime.time(0) else day
            end = _local_instant(end_day, ends, zone)
            s = max(minute_of(horizon_start, start), 0)
            e = min(minute_of(horizon_start, end), total)
            if e > s:
                windows.append((s, e))
    return _merge(windows)


def _free_windows(
    staff: StaffProfile,
    *,
    horizon_start: datetime.datetime,
    week_start: datetime.date,
    patterns,
    absences,
    busy: list[tuple[int, int]],
    not_before: int,
    cannot: list[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """STAFF's free minutes in the week: working patterns in their own zone on each day (a
    work-from-elsewhere period changes it), less absences, holidays, bookings and CANNOT."""
    total = HORIZON_DAYS * 1440
    windows = []
    # Local days one either side: a clinician's local day may straddle Stockholm's midnight.
    for offset in range(-1, HORIZON_DAYS + 1):
        day = week_start + datetime.timedelta(days=offset)
        if any(a.starts_on <= day <= a.ends_on for a in absences):
            continue
        zone = zone_of(staff, day)
        holiday = None
        for pattern in patterns:
            if pattern.weekday != day.weekday() or pattern.on_call:
                continue
            if not pattern.works_on_holidays:
                if holiday is None:
                    holiday = is_public_holiday(staff, day)
                if holiday:
                    continue
            start = _local_instant(day, pattern.starts, zone)
            if pattern.ends == datetime.time(0):
                end = _local_instant(day + datetime.timedelta(days=1), pattern.ends, zone)
            else:
                end = _local_instant(day, pattern.ends, zone)
            s = max(minute_of(horizon_start, start), 0, not_before)
            e = min(minute_of(horizon_start, end), total)
            if e > s:
                windows.append((s, e))
    return _subtract(_merge(windows), list(busy) + list(cannot))


def _resident_language(resident: Resident) -> str:
    if resident.needs_interpreter and resident.interpreter_language:
        return resident.interpreter_language
    languages = resident.preferred_languages or []
    return languages[0] if languages else "sv"


def collect(
    *,
    week_start: datetime.date,
    actor=None,
    ignore_bookings: set[int] = frozenset(),
    now: datetime.datetime | None = None,
) -> Problem:
    engine = load_engine()
    now = now or timezone.now()
    horizon_start = horizon_start_of(week_start)
    horizon_end = instant_at(horizon_start, HORIZON_DAYS * 1440)
    not_before = max(0, minute_of(horizon_start, now) + 1)
    week_end = week_start + datetime.timedelta(days=HORIZON_DAYS - 1)

    physicians = list(
        StaffProfile.objects.physicians()
        .filter(user__is_active=True)
        .select_related("user", "clinician")
        .prefetch_related("working_patterns")
    )
    absences = defaultdict(list)
    for absence in Absence.objects.filter(
        staff__in=physicians,
        starts_on__lte=week_end + datetime.timedelta(days=1),
        ends_on__gte=week_start - datetime.timedelta(days=1),
    ):
        absences[absence.staff_id].append(absence)
    busy = defaultdict(list)
    for booking in Booking.objects.active().filter(
        clinician__in=physicians, starts_at__lt=horizon_end, ends_at__gt=horizon_start
    ):
        if booking.pk in ignore_bookings:
            continue
        busy[booking.clinician_id].append(
            (minute_of(horizon_start, booking.starts_at), minute_of(horizon_start, booking.ends_at))
        )
    languages = defaultdict(set)
    for staff_id, language in StaffLanguage.objects.filter(staff__in=physicians).values_list(
        "staff_id", "language"
    ):
        languages[staff_id].add(language.lower())

    from digifys.workforce.selectors import planner_preferences  # workforce reads scheduling

    preferences = planner_preferences([s.pk for s in physicians])
    clinicians, staff_by_id, cannot_of = [], {}, {}
    for staff in physicians:
        prefs = preferences.get(staff.pk)
        cannot = _cannot_windows(
            prefs, staff=staff, horizon_start=horizon_start, week_start=week_start
        )
        if cannot:
            cannot_of[str(staff.pk)] = cannot
        windows = _free_windows(
            staff,
            horizon_start=horizon_start,
            week_start=week_start,
            patterns=list(staff.working_patterns.all()),
            absences=absences[staff.pk],
            busy=busy[staff.pk],
            not_before=not_before,
            cannot=cannot,
        )
        staff_by_id[str(staff.pk)] = staff
        clinicians.append(
            engine.Clinician(
                id=str(staff.pk),
                team=str(staff.employer_id),
                # DESIGN: a physician without registered languages consults in Swedish.
                languages=frozenset(languages[staff.pk] or {"sv"}),
                windows=tuple(engine.Window(s, e) for s, e in windows),
                is_locum=staff.is_locum,
                # A physician whose licence does not let them be named physician or deputy
                # (withdrawn, expired, in process) is not planned at all (issue 15 section 1).
                licensed=why_blocked(staff, NAMED, week_start) is None,
                preferred_units=frozenset(
                    str(u) for u in (prefs.preferred_unit_ids if prefs else ())
                ),
            )
        )

    def team_of(physician_id):
        staff = staff_by_id.get(str(physician_id)) if physician_id else None
        return str(staff.employer_id) if staff else None

    items, meta = [], {}
    total = HORIZON_DAYS * 1440

    # Ward rounds: one item per occurrence in the week, at its fixed time.
    if actor is not None:
        schedule_rounds(actor=actor, starts=horizon_start, ends=horizon_end)
    rounds = (
        Round.objects.filter(starts_at__gte=horizon_start, starts_at__lt=horizon_end)
        .exclude(status=Round.Status.CANCELLED)
        .select_related("slot")
    )
    rounds = list(rounds)
    agenda, unit_residents, unit_deputies = _round_context(rounds)
    for round_ in rounds:
        start = minute_of(horizon_start, round_.starts_at)
        if start < not_before:
            continue
        duration = minute_of(round_.starts_at, round_.ends_at)
        named = round_.slot.physician_id if round_.slot and round_.slot.physician_id else None
        named = named or round_.physician_id
        key = f"round:{round_.pk}"
        # The deputy most of the unit's residents with this named physician have.
        deputies = unit_deputies.get((round_.unit_id, named), {})
        deputy = max(deputies, key=lambda d: (deputies[d], -d), default=None)
        items.append(
            engine.Item(
                id=key,
                kind="round",
                duration=duration,
                earliest=start,
                deadline=start + duration,
                named=str(named) if named else None,
                deputy=str(deputy) if deputy and deputy != named else None,
                team=team_of(named),
                fixed_start=start,
                unit=str(round_.unit_id),
                # A round counts for every resident on its agenda; before the agenda is built,
                # for the unit's residents.
                weight=max(1, agenda.get(round_.pk) or unit_residents.get(round_.unit_id, 1)),
            )
        )
        meta[key] = {"kind": "round", "unit_id": round_.unit_id, "round_id": round_.pk}

    resident_items = []  # (key, resident, kind, duration, earliest, deadline, language, extra)

    booked_reviews = set(
        Booking.objects.active()
        .filter(kind=Booking.Kind.MEDICATION_REVIEW, ends_at__gte=now)
        .values_list("resident_id", flat=True)
    )
    due = due_reviews(
        residents_queryset=Resident.objects.in_care(),
        today=week_start,
        horizon_days=HORIZON_DAYS - 1 + REVIEW_SLACK_DAYS,
    )
    for entry in due:
        resident = entry.resident
        if resident.pk in booked_reviews or resident.unit_id is None:
            continue
        minutes = FIRST_REVIEW_MINUTES if entry.due.last_review_on is None else REVIEW_MINUTES
        resident_items.append(
            (
                f"review:{resident.pk}",
                resident,
                "medication_review",
                minutes,
                not_before,
                total,
                _resident_language(resident),
                {"due_on": entry.due.due_on.isoformat(), "deferrable": entry.due.due_on > week_end},
            )
        )
    requests = WorkRequest.objects.filter(
        status=WorkRequest.Status.OPEN, earliest_on__lte=week_end, deadline_on__gte=week_start
    ).select_related("resident")
    for request in requests:
        earliest = minute_of(
            horizon_start,
            datetime.datetime.combine(request.earliest_on, datetime.time(0), tzinfo=STOCKHOLM),
        )
        deadline = minute_of(
            horizon_start,
            datetime.datetime.combine(
                request.deadline_on + datetime.timedelta(days=1), datetime.time(0), tzinfo=STOCKHOLM
            ),
        )
        resident_items.append(
            (
                f"request:{request.pk}",
                request.resident,
                request.kind,
                request.duration_minutes,
                max(earliest, not_before, 0),
                min(deadline, total),
                request.language or "sv",
                {
                    "work_request_id": request.pk,
                    "unit_id": request.unit_id,
                    # Due after this week: it may wait for a later week.
                    "deferrable": request.deadline_on > week_end,
                },
            )
        )

    named_of, deputy_of = {}, {}

    for resident_id, physician_id, role in (
        PhysicianAssignment.objects.current()
        .filter(resident__in=[entry[1].pk for entry in resident_items])
        .values_list("resident_id", "physician_id", "role")
    ):
        target = named_of if role == PhysicianAssignment.Role.NAMED else deputy_of
        target[resident_id] = str(physician_id)
    for key, resident, kind, minutes, earliest, deadline, language, extra in resident_items:
        if deadline - earliest < minutes:
            continue  # cannot fit this week any more
        named = named_of.get(resident.pk)
        items.append(
            engine.Item(
                id=key,
                kind=kind,
                duration=minutes,
                earliest=earliest,
                deadline=deadline,
                named=named,
                deputy=deputy_of.get(resident.pk),
                team=team_of(named),
                language=language,
                resident=str(resident.pk),
                unit=str(extra.get("unit_id") or resident.unit_id),
                deferrable=bool(extra.get("deferrable")),
            )
        )
        meta[key] = {
            "kind": kind,
            "resident_id": resident.pk,
            "unit_id": extra.get("unit_id", resident.unit_id),
            "work_request_id": extra.get("work_request_id"),
        }
    return Problem(horizon_start, items, clinicians, meta, staff_by_id, cannot_of)


def _round_context(rounds) -> tuple[dict, dict, dict]:
    """For ROUNDS: agenda sizes by round, residents in care by unit, and per (unit, named
    physician) how many of those residents have each deputy."""
    round_ids = [r.pk for r in rounds]
    unit_ids = {r.unit_id for r in rounds}
    agenda = dict(
        AgendaItem.objects.filter(round_id__in=round_ids, removed_at__isnull=True)
        .values("round_id")
        .annotate(n=Count("pk"))
        .values_list("round_id", "n")
    )
    residents = dict(
        Resident.objects.in_care()
        .filter(unit_id__in=unit_ids)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    roles: dict[int, dict[str, int]] = defaultdict(dict)
    for resident_id, physician_id, role in (
        PhysicianAssignment.objects.current()
        .filter(resident__unit_id__in=unit_ids, resident__in=Resident.objects.in_care())
        .values_list("resident_id", "physician_id", "role")
    ):
        roles[resident_id][role] = physician_id
    unit_of = dict(
        Resident.objects.in_care().filter(unit_id__in=unit_ids).values_list("pk", "unit_id")
    )
    deputies: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for resident_id, held in roles.items():
        named = held.get(PhysicianAssignment.Role.NAMED)
        deputy = held.get(PhysicianAssignment.Role.DEPUTY)
        if named and deputy and resident_id in unit_of:
            deputies[unit_of[resident_id], named][deputy] += 1
    return agenda, residents, deputies


def build_problem(*, week_start: datetime.date, actor=None):
    """Return (items, clinicians, horizon_start): the engine's inputs for the week of WEEK_START."""
    problem = collect(week_start=week_start, actor=actor)
    return problem.items, problem.clinicians, problem.horizon_start
