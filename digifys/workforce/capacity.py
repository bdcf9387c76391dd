"""Will there be enough clinicians? A six-month forecast of hours needed against hours had,
per profession (physicians and nurses) and per language.

Need, per unit and month (hours of the profession):
* history - over the last `HISTORY_MONTHS` full months, as a monthly mean:
  - physicians: the unit's recorded physician contacts (`CareContact`: video and physical
    visits, phone calls, ward-round contacts, consult answers; `CONTACT_MINUTES` each,
    documentation included);
  - nurses: the unit's recorded nursing work the system sees (`NURSE_MINUTES`): vital-sign
    sets measured (NEWS2, `Observation`), nurse tasks done (`NurseTask`, ordered by a
    physician) and consults sent (`Consult`: the SBAR, the call and the follow-up);
* growth - the unit's residents in care now against `HISTORY_MONTHS` ago, as a monthly rate
  (bounded to -5 %..+10 %), compounding the history month by month;
* medication reviews (physicians only) - each review the rules make due in the month
  (`due_reviews`; overdue ones count in the first month): `REVIEW_MINUTES`, the first
  (in-depth) one `FIRST_REVIEW_MINUTES`.
The hours are split over the languages the unit's residents need (interpreter language, else
first preferred language, else Swedish), in proportion to how many residents need each.

Available, per clinician of the profession and month: the ordinary weekly working hours
(`WorkingPattern`, not on duty: the contract) on each day of the month, less days away
(`Absence`), public holidays of their place that day (`location.place_of`, unless the pattern
works on holidays), hours they said they cannot work (`HourPreference`), and days without a
valid licence (`licences.licence_valid`: a licence that expires stops the hours). A clinician's
hours count for every language they speak at professional level or better.

Shortfall = need - available (total and per language); recruit = shortfall / `FTE_MONTH_HOURS`
rounded up: full-time clinicians of the profession to recruit, per language.
"""

import dataclasses
import datetime
import math
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone

from digifys.careteams.models import CareContact
from digifys.consults.models import Consult
from digifys.directory.models import StaffLanguage, StaffProfile
from digifys.medicationreviews.selectors import due_reviews
from digifys.orders.models import NurseTask
from digifys.residents.models import Resident
from digifys.scheduling.availability import is_public_holiday
from digifys.scheduling.models import Absence, WorkingPattern
from digifys.vitals.models import Observation

from . import licences
from .models import HourPreference

HISTORY_MONTHS = 6
HORIZON_MONTHS = 6
# Physician minutes per recorded contact, documentation included (DESIGN: estimates; a ward
# round contact is one resident's share of the round).
CONTACT_MINUTES = {
    CareContact.Kind.VIDEO: 30,
    CareContact.Kind.PHYSICAL: 60,
    CareContact.Kind.PHONE: 15,
    CareContact.Kind.ROUND: 20,
    CareContact.Kind.CONSULT: 20,
}
DEFAULT_CONTACT_MINUTES = 20
REVIEW_MINUTES = 30
FIRST_REVIEW_MINUTES = 60
# 40 hours a week, 52 weeks, less 25 vacation days and about 10 public holidays (35 days).
FTE_MONTH_HOURS = round(40 * (52 - 35 / 5) / 12, 1)
GROWTH_BOUNDS = (-0.05, 0.10)
SPEAKS = (
    StaffLanguage.Proficiency.NATIVE,
    StaffLanguage.Proficiency.FLUENT,
    StaffLanguage.Proficiency.PROFESSIONAL,
)
PHYSICIAN = StaffProfile.Profession.PHYSICIAN
NURSE = StaffProfile.Profession.NURSE
PROFESSIONS = (PHYSICIAN, NURSE)
PROFESSION = PHYSICIAN  # the default of `forecast`
# Nurse minutes per recorded piece of nursing work (DESIGN: estimates): a vital-sign set with
# its NEWS2 and note, a task a physician ordered, a consult (SBAR, call, follow-up).
NURSE_MINUTES = {"observation": 10, "task": 15, "consult": 20}


@dataclasses.dataclass
class Month:
    month: datetime.date
    need_hours: float
    available_hours: float
    by_language: dict[str, dict]  # language -> need, available, shortfall, recruit

    @property
    def shortfall_hours(self) -> float:
        return round(max(0.0, self.need_hours - self.available_hours), 1)

    @property
    def recruit(self) -> int:
        return math.ceil(self.shortfall_hours / FTE_MONTH_HOURS) if self.shortfall_hours else 0


@dataclasses.dataclass
class Forecast:
    months: list[Month]
    profession: str
    history_from: datetime.date
    history_to: datetime.date
    growth: dict[int, float]  # unit id -> monthly rate
    # Any recorded work of the profession in the history window: without it the need is
    # unknown (not zero), and the page says so instead of "no shortfall".
    has_history: bool = True

    @property
    def recruit(self) -> dict[str, int]:
        """Full-time clinicians to recruit per language: the worst month of the horizon."""
        worst: dict[str, int] = defaultdict(int)
        for month in self.months:
            for language, row in month.by_language.items():
                worst[language] = max(worst[language], row["recruit"])
        return dict(sorted(worst.items()))

    @property
    def recruit_total(self) -> int:
        return max((m.recruit for m in self.months), default=0)

    @property
    def has_shortfall(self) -> bool:
        """A shortfall in total hours or in any language, in any month."""
        return any(
            m.shortfall_hours > 0 or any(row["shortfall"] > 0 for row in m.by_language.values())
            for m in self.months
        )


def _add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _language(resident) -> str:
    if resident.needs_interpreter and resident.interpreter_language:
        return resident.interpreter_language.lower()
    languages = resident.preferred_languages or []
    return (languages[0] if languages else "sv").lower()


def _in_care_on(resident, day: datetime.date) -> bool:
    if resident.moved_in_on and resident.moved_in_on > day:
        return False
    return not (
        resident.created_at and resident.created_at.date() > day and not resident.moved_in_on
    )


def _history_minutes(profession: str, start_at, end_at) -> dict[int, float]:
    """{unit id: minutes of PROFESSION's recorded work in START_AT..END_AT}."""
    minutes = defaultdict(float)
    if profession == NURSE:
        sources = (
            (Observation.objects.filter(measured_at__gte=start_at, measured_at__lt=end_at),
             "unit_id", NURSE_MINUTES["observation"]),
            (NurseTask.objects.filter(completed_at__gte=start_at, completed_at__lt=end_at),
             "unit_id", NURSE_MINUTES["task"]),
            (Consult.objects.filter(created_at__gte=start_at, created_at__lt=end_at),
             "unit_id", NURSE_MINUTES["consult"]),
        )  # fmt: skip
        for queryset, unit, each in sources:
            for unit_id, count in (
                queryset.filter(**{f"{unit}__isnull": False})
                .values(unit)
                .annotate(n=Count("id"))
                .values_list(unit, "n")
            ):
                minutes[unit_id] += count * each
        return minutes
    for unit_id, kind, count in (
        CareContact.objects.filter(occurred_at__gte=start_at, occurred_at__lt=end_at)
        .values("unit_id", "kind")
        .annotate(n=Count("id"))
        .values_list("unit_id", "kind", "n")
    ):
        minutes[unit_id] += count * CONTACT_MINUTES.get(kind, DEFAULT_CONTACT_MINUTES)
    return minutes


def unit_needs(today: datetime.date, profession: str = PHYSICIAN):
    """Return (monthly history minutes by unit, growth by unit, languages by unit, window)."""
    this_month = today.replace(day=1)
    start = _add_months(this_month, -HISTORY_MONTHS)
    start_at = datetime.datetime.combine(start, datetime.time(0), tzinfo=datetime.UTC)
    end_at = datetime.datetime.combine(this_month, datetime.time(0), tzinfo=datetime.UTC)
    minutes = _history_minutes(profession, start_at, end_at)
    residents = list(Resident.objects.in_care().filter(unit__isnull=False))
    now_count, then_count = defaultdict(int), defaultdict(int)
    languages = defaultdict(lambda: defaultdict(int))
    for resident in residents:
        now_count[resident.unit_id] += 1
        then_count[resident.unit_id] += _in_care_on(resident, start)
        languages[resident.unit_id][_language(resident)] += 1
    growth = {}
    for unit_id, count in now_count.items():
        before = then_count[unit_id]
        rate = (count / before) ** (1 / HISTORY_MONTHS) - 1 if before else 0.0
        growth[unit_id] = min(max(rate, GROWTH_BOUNDS[0]), GROWTH_BOUNDS[1])
    monthly = {unit_id: total / HISTORY_MONTHS for unit_id, total in minutes.items()}
    return monthly, growth, languages, (start, this_month - datetime.timedelta(days=1))


def review_minutes(today: datetime.date, first: datetime.date, months: int):
    """{(unit id, month index): minutes} of medication reviews falling due in each month."""
    out = defaultdict(float)
    end = _add_months(first, months)
    for item in due_reviews(
        residents_queryset=Resident.objects.in_care().filter(unit__isnull=False),
        today=today,
        horizon_days=(end - today).days,
    ):
        due = max(item.due.due_on, first)
        if due >= end:
            continue
        index = (due.year - first.year) * 12 + due.month - first.month
        length = REVIEW_MINUTES if item.due.last_review_on else FIRST_REVIEW_MINUTES
        out[(item.resident.unit_id, index)] += length
    return out


def _pattern_minutes(pattern, cannot) -> float:
    """Minutes of PATTERN outside the hours the clinician cannot work (same weekday)."""
    start = pattern.starts.hour * 60 + pattern.starts.minute
    end = 1440 if pattern.ends == datetime.time(0) else pattern.ends.hour * 60 + pattern.ends.minute
    free = end - start
    for weekday, c_start, c_end in cannot:
        if weekday != pattern.weekday:
            continue
        a = c_start.hour * 60 + c_start.minute
        b = 1440 if c_end == datetime.time(0) else c_end.hour * 60 + c_end.minute
        free -= max(0, min(end, b) - max(start, a))
    return max(0, free)


def _licensed_until(staff, first: datetime.date, last: datetime.date) -> datetime.date | None:
    """The last day in FIRST..LAST with a valid licence, assuming validity only ends (expiry)."""
    if not licences.licence_valid(staff, on=first):
        return None
    if licences.licence_valid(staff, on=last):
        return last
    low, high = first, last  # valid at low, not at high
    while (high - low).days > 1:
        middle = low + (high - low) // 2
        if licences.licence_valid(staff, on=middle):
            low = middle
        else:
            high = middle
    return low


def available_minutes(first: datetime.date, months: int, profession: str = PHYSICIAN):
    """{(staff id, month index): minutes} and {staff id: languages} of PROFESSION's clinicians."""
    physicians = list(
        StaffProfile.objects.filter(profession=profession, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    patterns = defaultdict(list)
    for pattern in WorkingPattern.objects.filter(staff__in=physicians, on_call=False):
        patterns[pattern.staff_id].append(pattern)
    end = _add_months(first, months)
    away = defaultdict(list)
    for absence in Absence.objects.filter(
        staff__in=physicians, starts_on__lt=end, ends_on__gte=first
    ):
        away[absence.staff_id].append(absence)
    cannot = defaultdict(list)
    for pref in HourPreference.objects.filter(
        staff__in=physicians, kind=HourPreference.Kind.CANNOT
    ):
        cannot[pref.staff_id].append((pref.weekday, pref.starts, pref.ends))
    speaks = defaultdict(set)
    for staff_id, language in StaffLanguage.objects.filter(
        staff__in=physicians, proficiency__in=SPEAKS
    ).values_list("staff_id", "language"):
        speaks[staff_id].add(language.lower())
    out = defaultdict(float)
    for staff in physicians:
        if not patterns[staff.pk]:
            continue
        for index in range(months):
            month = _add_months(first, index)
            last = _add_months(month, 1) - datetime.timedelta(days=1)
            licensed = _licensed_until(staff, month, last)
            if licensed is None:
                continue
            day = month
            while day <= licensed:
                if not any(a.starts_on <= day <= a.ends_on for a in away[staff.pk]):
                    holiday = None
                    for pattern in patterns[staff.pk]:
                        if pattern.weekday != day.weekday():
                            continue
                        if not pattern.works_on_holidays:
                            if holiday is None:
                                holiday = is_public_holiday(staff, day)
                            if holiday:
                                continue
                        out[(staff.pk, index)] += _pattern_minutes(pattern, cannot[staff.pk])
                day += datetime.timedelta(days=1)
    return out, speaks, physicians


def forecast(
    *,
    today: datetime.date | None = None,
    months: int = HORIZON_MONTHS,
    profession: str = PROFESSION,
) -> Forecast:
    """The forecast of one profession (physicians: contacts and medication reviews; nurses:
    vital signs, tasks and consults)."""
    today = today or timezone.localdate()
    first = _add_months(today.replace(day=1), 1)
    history, growth, languages, window = unit_needs(today, profession)
    reviews = review_minutes(today, first, months) if profession == PHYSICIAN else {}
    available, speaks, _physicians = available_minutes(first, months, profession)
    units = set(history) | set(languages) | {u for u, _i in reviews}
    result = []
    for index in range(months):
        need_by_language = defaultdict(float)
        need_total = 0.0
        for unit_id in units:
            minutes = history.get(unit_id, 0.0) * (1 + growth.get(unit_id, 0.0)) ** (index + 1)
            minutes += reviews.get((unit_id, index), 0.0)
            need_total += minutes
            mix = languages.get(unit_id) or {"sv": 1}
            residents = sum(mix.values())
            for language, count in mix.items():
                need_by_language[language] += minutes * count / residents
        have_total = 0.0
        have_by_language = defaultdict(float)
        for (staff_id, i), minutes in available.items():
            if i != index:
                continue
            have_total += minutes
            for language in speaks.get(staff_id, ()):
                have_by_language[language] += minutes
        by_language = {}
        for language in sorted(need_by_language):
            need = round(need_by_language[language] / 60, 1)
            have = round(have_by_language.get(language, 0.0) / 60, 1)
            short = round(max(0.0, need - have), 1)
            by_language[language] = {
                "need": need,
                "available": have,
                "shortfall": short,
                "recruit": math.ceil(short / FTE_MONTH_HOURS) if short else 0,
            }
        result.append(
            Month(
                month=_add_months(first, index),
                need_hours=round(need_total / 60, 1),
                available_hours=round(have_total / 60, 1),
                by_language=by_language,
            )
        )
    return Forecast(
        months=result,
        profession=profession,
        history_from=window[0],
        history_to=window[1],
        growth=growth,
        has_history=any(history.values()),
    )


def forecasts(
    *, today: datetime.date | None = None, months: int = HORIZON_MONTHS
) -> list[Forecast]:
    """The forecast of every profession in `PROFESSIONS`, in that order."""
    today = today or timezone.localdate()
    return [forecast(today=today, months=months, profession=p) for p in PROFESSIONS]
