"""Reads for the resident page, the hub a nurse or physician works from (issue 12 §1).

"Now" (latest NEWS2, when the next observation is due, open consults and tasks, the next visit and
ward round) and the vital-signs chart, each fetched through the models' `visible_to(user)` in a
constant number of queries however long the resident's history: the latest observations come
from the worklist's annotations (`worklist.selectors.observation_annotations`, one small JSON
value each), the chart reads only the columns it draws for the chosen range and keeps at most
`MAX_POINTS` sets. The timeline is `residents.timeline`.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digifys.accounts.models import Role
from digifys.consults.models import Consult
from digifys.orders.models import NurseTask, overdue_grace
from digifys.rounds.models import AgendaItem, Round
from digifys.scheduling.models import Booking
from digifys.vitals.models import Consciousness, Observation
from digifys.vitals.services import escalation_table
from digifys.worklist.selectors import Row, observation_annotations, observation_row

from .models import Resident

# The chart's ranges: the key is the GET value (`?range=`), the default is a week.
RANGES = {
    "24h": (datetime.timedelta(hours=24), gettext_lazy("24 hours")),
    "7d": (datetime.timedelta(days=7), gettext_lazy("7 days")),
    "30d": (datetime.timedelta(days=30), gettext_lazy("30 days")),
}
DEFAULT_RANGE = "7d"
# At most this many sets are drawn (and listed in the table behind the chart). A range with more
# is split into this many equal periods and each period keeps its worst set (highest NEWS2, then
# the latest), so no peak is hidden.
MAX_POINTS = 120
OPEN_TASKS_SHOWN = 5

# Who may do what from the hub: the same roles the target views require.
VITALS_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)  # vitals.services.RECORDING_ROLES
SBAR_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)  # consults.views.CLINICAL
BOOKING_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR)  # scheduling.views.BOOKING_ROLES
VIDEO_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE)  # visits.access.CALL_ROLES
FLAG_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE)  # rounds.views.flag
BEDSIDE_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE)


@dataclass
class Now:
    """What is going on for the resident now, as the user may see it."""

    row: Row  # the worklist's observation row: latest score, trend, when the next set is due
    consults: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    open_task_count: int = 0
    overdue_task_count: int = 0
    next_booking: Booking | None = None
    next_agenda_item: AgendaItem | None = None  # the next round the resident is on
    next_unit_round: Round | None = None  # the unit's next round (to flag the resident for)

    @property
    def more_tasks(self) -> int:
        return max(self.open_task_count - len(self.tasks), 0)


def load_resident(user, pk: int, queryset: QuerySet[Resident]) -> Resident:
    """Resident PK from QUERYSET (already `visible_to(user)`), annotated for `Now`."""
    return queryset.annotate(**observation_annotations(user)).get(pk=pk)


def now_for(user, resident: Resident, *, clinical: bool, now: datetime.datetime) -> Now:
    """The "now" section for RESIDENT (from `load_resident`) in a constant number of queries."""
    table = escalation_table(resident.unit) if clinical else {}
    state = Now(row=observation_row(resident, table=table, now=now))
    if clinical:
        state.consults = list(
            Consult.objects.visible_to(user)
            .unresolved()
            .filter(resident=resident)
            .order_by("deadline_at", "pk")
        )
        tasks = NurseTask.objects.visible_to(user).open().filter(resident=resident)
        # Overdue as `TaskQuerySet.late` says (TASKS are open already): no second subquery.
        late = Q(due_at__lt=now - overdue_grace())
        counts = tasks.aggregate(total=Count("pk"), overdue=Count("pk", filter=late))
        state.open_task_count, state.overdue_task_count = counts["total"], counts["overdue"]
        state.tasks = list(
            tasks.select_related("order").order_by("due_at", "pk")[:OPEN_TASKS_SHOWN]
        )
        state.next_agenda_item = (
            AgendaItem.objects.visible_to(user)
            .filter(
                resident=resident,
                removed_at__isnull=True,
                round__status__in=(Round.Status.PLANNED, Round.Status.IN_PROGRESS),
                round__ends_at__gte=now,
            )
            .select_related("round__physician__user")
            .order_by("round__starts_at")
            .first()
        )
        if getattr(user, "role", None) in FLAG_ROLES:
            state.next_unit_round = (
                Round.objects.visible_to(user)
                .open()
                .filter(unit_id=resident.unit_id, ends_at__gte=now)
                .order_by("starts_at")
                .first()
            )
    state.next_booking = (
        Booking.objects.visible_to(user)
        .active()
        .filter(resident=resident, ends_at__gte=now)
        .select_related("clinician__user")
        .order_by("starts_at")
        .first()
    )
    return state


def actions_for(user, resident: Resident, state: Now, *, clinical: bool) -> dict:
    """Which of the hub's actions USER may take (each the role its view requires)."""
    role = getattr(user, "role", None)
    booking = state.next_booking
    video_booking = None
    if (
        clinical
        and booking is not None
        and booking.kind == Booking.Kind.VIDEO
        and role in VIDEO_ROLES
        and (
            booking.clinician.user_id == user.pk
            or (role in BEDSIDE_ROLES and user.works_on(booking.unit_id))
        )
    ):
        video_booking = booking
    video_consult = None
    if clinical and role in VIDEO_ROLES and state.consults:
        video_consult = state.consults[0]
    return {
        "vitals": clinical and role in VITALS_ROLES,
        "sbar": clinical and role in SBAR_ROLES,
        "book": role in BOOKING_ROLES,
        "video_booking": video_booking,
        "video_consult": video_consult,
        "flag_round": state.next_unit_round if clinical and role in FLAG_ROLES else None,
    }


# --- The vital-signs chart -------------------------------------------------------------------

CHART_COLUMNS = (
    "pk",
    "measured_at",
    "respiratory_rate",
    "spo2",
    "spo2_scale",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
    "news2_total",
    "news2_band",
    "news2_subscores",
)


def parse_range(value: str | None) -> str:
    return value if value in RANGES else DEFAULT_RANGE


def _downsample(rows: list[dict], *, start: datetime.datetime, span: datetime.timedelta):
    """At most MAX_POINTS of ROWS (oldest first): the worst set of each equal period."""
    if len(rows) <= MAX_POINTS:
        return rows
    width = span / MAX_POINTS
    kept: dict[int, dict] = {}
    for row in rows:
        bucket = min(int((row["measured_at"] - start) / width), MAX_POINTS - 1)
        best = kept.get(bucket)
        score = -1 if row["news2_total"] is None else row["news2_total"]
        if best is None or score >= (-1 if best["news2_total"] is None else best["news2_total"]):
            kept[bucket] = row
    return [kept[bucket] for bucket in sorted(kept)]


@dataclass
class Chart:
    range: str
    start: datetime.datetime
    end: datetime.datetime
    points: list[dict]  # oldest first, at most MAX_POINTS
    total: int  # sets measured in the range
    period_hours: float | None  # the period each point stands for when downsampled

    @property
    def downsampled(self) -> bool:
        return self.period_hours is not None

    @property
    def newest_first(self) -> list[dict]:
        return list(reversed(self.points))

    def as_json(self) -> dict:
        """The chart's data for `json_script` (the table is rendered from the same points)."""

        def number(value):
            return None if value is None else float(value)

        return {
            "range": self.range,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "points": [
                {
                    "t": point["measured_at"].isoformat(),
                    "rr": point["respiratory_rate"],
                    "spo2": point["spo2"],
                    "scale": point["spo2_scale"],
                    "sbp": point["systolic_bp"],
                    "pulse": point["pulse"],
                    "temp": number(point["temperature"]),
                    "acvpu": point["consciousness"],
                    "news2": point["news2_total"],
                    "band": point["news2_band"],
                    "sub": point["news2_subscores"] or {},
                }
                for point in self.points
            ],
        }


def chart_for(user, resident: Resident, *, range_key: str, now: datetime.datetime) -> Chart | None:
    """The vital signs of RESIDENT over RANGE_KEY up to NOW (one query), None without access."""
    span = RANGES[range_key][0]
    start = now - span
    rows = list(
        Observation.objects.visible_to(user)
        .filter(resident=resident, measured_at__gt=start, measured_at__lte=now)
        .order_by("measured_at", "pk")
        .values(*CHART_COLUMNS)
    )
    points = _downsample(rows, start=start, span=span)
    period = span.total_seconds() / 3600 / MAX_POINTS if len(points) < len(rows) else None
    for point in points:
        if point["consciousness"]:
            point["consciousness_label"] = Consciousness(point["consciousness"]).label
        if point["news2_band"]:
            point["band_label"] = Observation.Band(point["news2_band"]).label
    return Chart(
        range=range_key,
        start=start,
        end=now,
        points=points,
        total=len(rows),
        period_hours=round(period, 1) if period else None,
    )


def chart_labels() -> dict:
    """The words the chart script shows, in the reader's language (passed with `json_script`)."""
    return {
        "news2": _("NEWS2 total"),
        "rr": _("Respiration rate (/min)"),
        "spo2": _("SpO2 (%)"),
        "sbp": _("Systolic BP (mmHg)"),
        "pulse": _("Pulse (/min)"),
        "temp": _("Temperature (°C)"),
        "bands": {band.value: str(band.label) for band in Observation.Band},
        "subscore": _("NEWS2 sub-score"),
        "scale": _("SpO2 scale"),
    }
