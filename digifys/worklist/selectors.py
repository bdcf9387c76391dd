"""Reads for the unit worklist, the nurse's start page (SCREENS.md "Unit worklist").

One row per resident of the unit in care: latest NEWS2 with its trend, when the next observation
is due by the unit's escalation table (driven by the LAST score, domain-spec §1.6), open consults
and open tasks. `unit_worklist` loads a whole unit in a constant number of queries however long
the history: the latest observations (the latest set, the two latest scores and the latest
incomplete set with a single-parameter red score) come from `Subquery` annotations (one small
JSON value each, so no history is loaded), consults, the limitation decisions in force and the
next open task from `Prefetch` (a sliced prefetch: one task per resident however many an order
made, issue 12 §4 item 1), the counts of open and overdue tasks and the newest order's time from
one `Subquery` (one JSON value), and the unit's escalation table is annotated onto the unit
(`unit_for`, one JSON value).
"""

import dataclasses
import datetime
import math
import re
from dataclasses import dataclass, field
from functools import cache, cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.consults.models import Consult
from digifys.directory.models import Organisation
from digifys.messaging.selectors import unread_count_subquery
from digifys.orders.models import NurseTask, overdue_grace
from digifys.residents.models import Resident, TreatmentLimitation
from digifys.residents.selectors import named_physician, with_care_team
from digifys.vitals.models import EscalationRule, Level, Observation
from digifys.vitals.services import escalation_table

NURSING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE)
# Bands that need the nurse's attention even when observations are on time (RCP chart 4: a
# single 3, medium and high all call for a response beyond routine monitoring).
ATTENTION_BANDS = ("low-medium", "medium", "high")
# A row whose latest change is younger than this gets a quiet "changed" cue.
CHANGED_WITHIN = datetime.timedelta(minutes=2)

SHOW_ALL, SHOW_ATTENTION = "all", "attention"


def units_for(user) -> QuerySet[Organisation]:
    """Return the units USER works in (nurses and assistant nurses)."""
    if getattr(user, "role", None) not in NURSING_ROLES:
        return Organisation.objects.none()
    return user.staff_profile.units.filter(kind=Organisation.Kind.UNIT).select_related("parent")


def unit_for(user, pk: int) -> tuple[Organisation, list[Organisation]]:
    """Return unit PK (with its escalation table) and USER's other units, in one query.

    PermissionDenied for roles without a worklist; 404 for a unit USER does not work in.
    """
    if getattr(user, "role", None) not in NURSING_ROLES:
        raise PermissionDenied
    # The unit's monitoring frequency per level as one JSON value ({level: minutes}, None for a
    # level the unit has not configured): one subquery, not one per level.
    rules = EscalationRule.objects.filter(unit=OuterRef("pk"))
    minutes = JSONObject(
        **{level: Max("monitor_every_minutes", filter=Q(level=level)) for level in Level.values}
    )
    units = units_for(user).annotate(
        escalation_minutes=Subquery(
            rules.order_by().values("unit").annotate(data=minutes).values("data")
        )
    )
    units = sorted(units, key=lambda unit: (unit.parent.name if unit.parent else "", unit.name))
    unit = next((unit for unit in units if unit.pk == pk), None)
    if unit is None:
        raise Http404
    return unit, [other for other in units if other.pk != pk]


def _escalation_table(unit: Organisation) -> dict[str, EscalationRule]:
    """The unit's escalation table from the frequencies `unit_for` annotated (no query)."""
    if not hasattr(unit, "escalation_minutes"):  # a unit that did not come from `unit_for`
        return escalation_table(unit)
    configured = unit.escalation_minutes or {}  # None: the unit has no rule of its own
    rules = [
        EscalationRule(unit=unit, level=level, monitor_every_minutes=minutes)
        for level in Level.values
        if (minutes := configured.get(level)) is not None
    ]
    return escalation_table(unit, rules=rules)


def duration_text(delta: datetime.timedelta, *, round_up: bool = False) -> str:
    """Say how long DELTA is, briefly: '45 min', '2 h 5 min', '3 d 4 h'."""
    seconds = max(delta.total_seconds(), 0)
    minutes = math.ceil(seconds / 60) if round_up else int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


@dataclass
class Row:
    """One resident on the worklist, as of NOW.

    The derived figures (when the next set is due, why the row needs attention, …) are computed
    once per row: the template asks for most of them several times. A row is complete when it
    is read (`observation_row`, `unit_worklist` fill it in before anything asks).
    """

    resident: Resident
    now: datetime.datetime
    latest: Observation | None = None  # the latest set, scored or not
    scored: Observation | None = None  # the latest set with a NEWS2 total
    previous: Observation | None = None  # the scored set before it (for the trend)
    rule: EscalationRule | None = None  # the unit's rule for the latest score's level
    # The latest incomplete set with a single parameter scored 3 (RCP Chart 4 calls for a response
    # without a total), and the unit's rule for it; only when newer than the latest score.
    red_partial: Observation | None = None
    red_rule: EscalationRule | None = None
    consults: list = field(default_factory=list)
    tasks: list = field(default_factory=list)  # the next open task (at most one)
    open_task_count: int = 0  # all open tasks, the shown one included
    overdue_task_count: int = 0
    latest_order_at: datetime.datetime | None = None  # when the newest open task was ordered
    limitations: list = field(default_factory=list)
    unread_messages: int = 0  # relatives' messages about the resident not yet read

    @cached_property
    def named(self):
        return named_physician(self.resident)

    @property
    def band_label(self) -> str:
        return str(self.scored.band_label) if self.scored else ""

    @property
    def incomplete(self) -> bool:
        """True when the latest set had no NEWS2 total (a partial set, domain-spec §1.6)."""
        return self.latest is not None and not self.latest.is_complete

    @cached_property
    def trend(self) -> str | None:
        """'up' (worse), 'down' (better) or 'same' against the previous score; None without one.

        'scale' when the two scores used different SpO2 scales: not comparable (issue #19 item 5).
        """
        if self.scored is None or self.previous is None:
            return None
        if self.scored.spo2_scale != self.previous.spo2_scale:
            return "scale"
        if self.scored.news2_total > self.previous.news2_total:
            return "up"
        if self.scored.news2_total < self.previous.news2_total:
            return "down"
        return "same"

    @property
    def trend_text(self) -> str:
        if self.trend is None:
            return ""
        values = {"before": self.previous.news2_total}
        if self.trend == "scale":
            return _(
                "SpO2 scale changed from %(before)s to %(now)s: not comparable with the "
                "previous score"
            ) % {"before": self.previous.spo2_scale, "now": self.scored.spo2_scale}
        if self.trend == "up":
            return _("rising from %(before)s") % values
        if self.trend == "down":
            return _("falling from %(before)s") % values
        return _("unchanged since the previous score")

    @cached_property
    def due_at(self) -> datetime.datetime | None:
        """When the next full set is due: the last score's time plus the unit's frequency.

        A newer incomplete set with a single-parameter red score brings it forward to that set's
        time plus the unit's single-red-score frequency (issue #19 item 1), whichever is sooner.
        """
        due = []
        if self.scored is not None and self.rule is not None:
            minutes = self.rule.monitor_every_minutes
            due.append(self.scored.measured_at + datetime.timedelta(minutes=minutes))
        if self.red_partial is not None and self.red_rule is not None:
            minutes = self.red_rule.monitor_every_minutes
            due.append(self.red_partial.measured_at + datetime.timedelta(minutes=minutes))
        return min(due, default=None)

    @property
    def observation_overdue(self) -> bool:
        """True when a full set is overdue, or none has ever been scored (observe now)."""
        due = self.due_at
        return due is None or due <= self.now

    @property
    def due_text(self) -> str:
        due = self.due_at
        if self.latest is None:
            return _("No observations yet – observe now")
        if due is None:
            return _("No complete NEWS2 yet – observe now")
        if due <= self.now:
            return _("Overdue by %(time)s") % {"time": duration_text(self.now - due)}
        return _("Due in %(time)s") % {"time": duration_text(due - self.now, round_up=True)}

    @property
    def more_tasks(self) -> int:
        """Open tasks beyond the one shown."""
        return max(self.open_task_count - len(self.tasks), 0)

    @cached_property
    def attention_reasons(self) -> list[str]:
        """Why this resident needs attention now (empty when nothing does)."""
        reasons = []
        if self.observation_overdue:
            reasons.append(str(_("observation overdue")))
        if self.scored and self.scored.news2_band in ATTENTION_BANDS:
            reasons.append(str(_("NEWS2 band %(band)s") % {"band": self.band_label.lower()}))
        if self.red_partial is not None:
            reasons.append(str(_("incomplete set with a single-parameter red score")))
        if self.consults:
            reasons.append(str(_("open consult")))
        if self.overdue_task_count:
            reasons.append(str(_("overdue task")))
        return reasons

    @property
    def needs_attention(self) -> bool:
        return bool(self.attention_reasons)

    @cached_property
    def changed_at(self) -> datetime.datetime | None:
        """The latest change shown on the row: a new set, a consult change, a new order."""
        times = [self.latest.recorded_at] if self.latest else []
        times += [consult.updated_at for consult in self.consults]
        times += [self.latest_order_at] if self.latest_order_at else []
        return max(times, default=None)

    @property
    def changed(self) -> bool:
        changed_at = self.changed_at
        return changed_at is not None and self.now - changed_at < CHANGED_WITHIN


@dataclass
class Worklist:
    unit: Organisation
    rows: list[Row]  # the rows shown (after the filter)
    total: int  # rows matching the search
    attention: int  # of those, rows that need attention
    show: str
    search: str
    unread_messages: int = 0  # relatives' unread messages about the rows matching the search


def _room_key(resident: Resident) -> tuple:
    """Order rooms naturally: 2 before 10, letters after numbers, no room last."""
    room = resident.room.strip()
    match = re.match(r"(\d+)", room)
    number = int(match.group(1)) if match else math.inf
    return (not room, number, room.casefold(), resident.family_name, resident.given_name)


# The few fields of an observation the worklist shows, fetched as one JSON value per resident
# (JSONObject works on SQLite and PostgreSQL), so no observation history is loaded.
OBSERVATION_FIELDS = (
    "pk",
    "measured_at",
    "recorded_at",
    "news2_total",
    "news2_band",
    "spo2_scale",
    "red_flag",
)


def _latest(observations: QuerySet[Observation], offset: int = 0) -> Subquery:
    rows = observations.filter(resident=OuterRef("pk")).order_by("-measured_at", "-id")
    data = JSONObject(**{name: name for name in OBSERVATION_FIELDS})
    return Subquery(rows.values(data=data)[offset : offset + 1])


def _task_summary(open_tasks: QuerySet[NurseTask], now: datetime.datetime) -> Subquery:
    """Each resident's open tasks as one small JSON value: how many, how many shown as overdue
    at NOW (`TaskQuerySet.late`) and when the newest was ordered (one subquery, not three)."""
    late = Q(due_at__lt=now - overdue_grace())
    summary = (
        open_tasks.filter(resident=OuterRef("pk"))
        .order_by()
        .values("resident")
        .annotate(
            data=JSONObject(
                count=Count("pk"),
                overdue=Count("pk", filter=late),
                latest=Max("order__created_at"),
            )
        )
        .values("data")
    )
    return Subquery(summary)


def _instant(value) -> datetime.datetime:
    # SQLite gives "YYYY-MM-DD HH:MM:SS[.f]" in UTC, PostgreSQL an ISO 8601 string with offset.
    instant = parse_datetime(value)
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, datetime.UTC)
    return instant


@cache
def _loaded_names() -> list[str]:
    """The columns `_observation` fills, in the model's field order (as `from_db` takes them)."""
    filled = {
        "id", "unit_id", "resident_id", "measured_at", "recorded_at",
        "news2_total", "news2_band", "spo2_scale", "red_flag",
    }  # fmt: skip
    return [f.attname for f in Observation._meta.concrete_fields if f.attname in filled]


def _observation(data: dict | None, resident: Resident) -> Observation | None:
    """An Observation carrying the fields of DATA (from `_latest`) and RESIDENT.

    Built as the ORM builds a row it read with `only()` (`Model.from_db`): the other columns
    are deferred, not filled with their defaults one by one. `Observation(**fields)` walked
    every field of the model for each of a worklist's ~4 observations per resident, about a
    twentieth of the page's Python work (issue 12 §3). Only the fields of OBSERVATION_FIELDS
    may be read from it (another would be read from the database).
    """
    if not data:
        return None
    loaded = {
        "id": data["pk"],
        "unit_id": resident.unit_id,
        "resident_id": resident.pk,
        "measured_at": _instant(data["measured_at"]),
        "recorded_at": _instant(data["recorded_at"]),
        "news2_total": data["news2_total"],
        "news2_band": data["news2_band"] or "",
        "spo2_scale": data["spo2_scale"],
        "red_flag": bool(data["red_flag"]),
    }
    names = _loaded_names()
    observation = Observation.from_db(None, names, [loaded[name] for name in names])
    Observation.resident.field.set_cached_value(observation, resident)
    return observation


def _newer(observation: Observation, *, than: Observation) -> bool:
    return (observation.measured_at, observation.pk) > (than.measured_at, than.pk)


def observation_annotations(user) -> dict:
    """Annotations for a resident queryset: the observations a `Row` needs, as small JSON values.

    Used by the worklist and the resident page (`residents.hub`), so both say the same about
    the latest score and when the next observation is due.
    """
    observations = Observation.objects.visible_to(user)
    scored = observations.scored()
    return {
        "latest_data": _latest(observations),
        "scored_data": _latest(scored),
        "previous_data": _latest(scored, offset=1),
        "red_partial_data": _latest(observations.filter(news2_total__isnull=True, red_flag=True)),
    }


def observation_row(
    resident: Resident, *, table: dict[str, EscalationRule], now: datetime.datetime
) -> Row:
    """The observation part of RESIDENT's row (annotated by `observation_annotations`), no query.

    TABLE is the unit's escalation table: it gives the rule for the latest score's level, and so
    when the next observation is due (`Row.due_at`).
    """
    row = Row(
        resident=resident,
        now=now,
        latest=_observation(resident.latest_data, resident),
        scored=_observation(resident.scored_data, resident),
        previous=_observation(resident.previous_data, resident),
    )
    if row.scored is not None:
        row.rule = table.get(row.scored.level)
    red_partial = _observation(resident.red_partial_data, resident)
    if red_partial is not None and (row.scored is None or _newer(red_partial, than=row.scored)):
        row.red_partial = red_partial
        row.red_rule = table.get(Level.LOW_MEDIUM)
    return row


def unit_worklist(
    *,
    unit: Organisation,
    user,
    show: str = SHOW_ALL,
    search: str = "",
    now: datetime.datetime | None = None,
) -> Worklist:
    """Return the worklist of UNIT as USER may see it, in a constant number of queries."""
    now = now or timezone.now()
    limitations = TreatmentLimitation.objects.visible_to(user).active()
    open_tasks = NurseTask.objects.visible_to(user).open()
    residents = (
        with_care_team(Resident.objects.visible_to(user).in_care().filter(unit=unit).search(search))
        .annotate(
            **observation_annotations(user),
            task_data=_task_summary(open_tasks, now),
            unread_messages=unread_count_subquery(user),
        )
        .prefetch_related(
            # Which kinds of limitation decision are in force (a marker, not the decision).
            Prefetch(
                "treatment_limitations",
                queryset=limitations.only("resident_id", "kind"),
                to_attr="active_limitations",
            ),
            Prefetch(
                "consults",
                # The row shows status and deadline: no holder joined in.
                queryset=Consult.objects.visible_to(user)
                .unresolved()
                .order_by("deadline_at", "pk"),
                to_attr="open_consults",
            ),
            Prefetch(
                "tasks",
                queryset=open_tasks.select_related("order").order_by("due_at", "pk")[:1],
                to_attr="open_tasks",
            ),
        )
    )
    table = _escalation_table(unit)
    rows = []
    for resident in sorted(residents, key=_room_key):
        tasks = resident.task_data or {}
        kinds = {limitation.kind for limitation in resident.active_limitations}
        row = dataclasses.replace(
            observation_row(resident, table=table, now=now),
            consults=resident.open_consults,
            tasks=resident.open_tasks,
            open_task_count=tasks.get("count") or 0,
            overdue_task_count=tasks.get("overdue") or 0,
            latest_order_at=_instant(tasks["latest"]) if tasks.get("latest") else None,
            unread_messages=resident.unread_messages,
            limitations=[
                TreatmentLimitation.Kind(kind).label
                for kind in TreatmentLimitation.Kind.values
                if kind in kinds
            ],
        )
        rows.append(row)
    attention = [row for row in rows if row.needs_attention]
    shown = attention if show == SHOW_ATTENTION else rows
    return Worklist(
        unit=unit,
        rows=shown,
        total=len(rows),
        attention=len(attention),
        show=show,
        search=search,
        unread_messages=sum(row.unread_messages for row in rows),
    )
