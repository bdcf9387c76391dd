"""Writes for vital signs, Scale-2 decisions and unit escalation tables.

Rules enforced here:
- every value is parsed, rounded (half-up) and checked against its plausibility limits by the one
  vital-signs parser (parsing.py, domain-spec §1.6); anything outside, or not a number, is refused
  with a message per field and nothing is saved;
- a partial set is saved without a NEWS2 total ("incomplete", domain-spec §1.6);
- SpO2 Scale 2 only with a physician's Scale-2 decision in force for the resident, and only for
  the prescribed 88–92 % target (§1.2, RCP/BTS);
- the scoring table is fixed; only the response per band is configured per unit (§1.5);
- an entry with an idempotency key (the offline outbox, issue #17 §1) makes at most one
  observation: the same key again returns the first observation, also when two copies race (the
  key is unique in the database), and a key is never answered with another user's or another
  resident's observation.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.core import live
from digifys.directory.models import Organisation
from digifys.residents.models import Resident

from . import news2, parsing
from .models import (
    Consciousness,
    EscalationRule,
    Level,
    Observation,
    OxygenDevice,
    Scale2Decision,
    Urgency,
)

RECORDING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)

# The vital signs beyond the NEWS2 parameters; parsing, limits and their messages live in the one
# vital-signs parser (parsing.py).
EXTRA_FIELDS = (
    "diastolic_bp",
    "oxygen_flow",
    "oxygen_device",
    "fio2",
    "weight",
    "blood_glucose",
    "pain",
)
NEWS2_FIELDS = (
    "respiratory_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)
LIMIT_MESSAGES = parsing.LIMIT_MESSAGES
NUMERIC_FIELDS = (*parsing.WHOLE_LIMITS, *parsing.DECIMAL_LIMITS)


@dataclass(frozen=True)
class Response:
    """What a unit's escalation table says for one observation."""

    level: str | None
    rule: EscalationRule | None

    @property
    def prompts_consult(self) -> bool:
        return bool(self.rule and self.rule.suggested_urgency)


# --- Escalation tables -----------------------------------------------------------------------

DEFAULT_RULES = {
    # RCP chart 4 adapted to a nursing home: no continuous monitoring, no HDU on site.
    Level.ZERO: (
        12 * 60,
        gettext_lazy("Continue routine observations at least every 12 hours."),
        "",
        False,
    ),
    Level.LOW: (
        6 * 60,
        gettext_lazy(
            "The registered nurse assesses the resident and decides whether to observe more "
            "often or to contact the physician. Observe at least every 6 hours."
        ),
        "",
        False,
    ),
    Level.LOW_MEDIUM: (
        60,
        gettext_lazy(
            "A single parameter scored 3: the nurse tells the physician, who decides whether to "
            "escalate. Observe at least every hour."
        ),
        Urgency.URGENT,
        False,
    ),
    Level.MEDIUM: (
        60,
        gettext_lazy(
            "Urgent response: the nurse informs the physician at once and asks for an urgent "
            "assessment. Observe at least every hour."
        ),
        Urgency.URGENT,
        False,
    ),
    Level.HIGH: (
        30,
        gettext_lazy(
            "Emergency response: call 112 per local routine unless a treatment-limitation "
            "decision says otherwise, and inform the physician at once. Stay with the resident "
            "and observe at least every 30 minutes."
        ),
        Urgency.EMERGENCY,
        True,
    ),
}


@dataclass(frozen=True)
class Floor:
    """The least a unit's escalation row may ask for at one NEWS2 level."""

    max_minutes: int  # observe at least this often
    min_urgency: str  # "" = no consult needed; otherwise at least this urgent
    call_112: bool  # the 112 advice must be given


# RCP NEWS2 Chart 4 (clinical response) as the minimum of every unit's table (issue #19 item 13;
# domain-spec §1.5): 0 → at least 12-hourly; 1–4 → at least 4–6-hourly (6 h); a single 3 and 5–6
# → at least hourly with the medical team told (an urgent consult, "urgent ward-based response");
# ≥7 → the emergency threshold: Chart 4's continuous monitoring is not available in a nursing
# home, so at least hourly, an urgent consult at least and the advice to call 112 per local
# routine (the treatment-limitation decision shown beside it may say otherwise).
FLOORS = {
    Level.ZERO: Floor(12 * 60, "", False),
    Level.LOW: Floor(6 * 60, "", False),
    Level.LOW_MEDIUM: Floor(60, Urgency.URGENT, False),
    Level.MEDIUM: Floor(60, Urgency.URGENT, False),
    Level.HIGH: Floor(60, Urgency.URGENT, True),
}


def _at_least_as_urgent(urgency: str, floor: str) -> bool:
    if not floor:
        return True
    return bool(urgency) and not is_lower_urgency(urgency, floor)


def floor_errors(
    level: str, *, monitor_every_minutes: int, suggested_urgency: str, call_112: bool
) -> dict[str, str]:
    """Return {field: message} for each way a row falls below the floor of LEVEL."""
    floor = FLOORS[level]
    errors = {}
    if monitor_every_minutes > floor.max_minutes:
        errors["monitor_every_minutes"] = _(
            "At this level the minimum is to observe %(frequency)s (RCP NEWS2 Chart 4)."
        ) % {"frequency": frequency_text(floor.max_minutes)}
    if not _at_least_as_urgent(suggested_urgency, floor.min_urgency):
        errors["suggested_urgency"] = _(
            "At this level a consult must be suggested, at least “%(urgency)s” (RCP NEWS2 Chart 4)."
        ) % {"urgency": Urgency(floor.min_urgency).label}
    if floor.call_112 and not call_112:
        errors["call_112"] = _(
            "At NEWS2 7 or more the nurse must be told to call 112 per local routine "
            "(RCP NEWS2 Chart 4: emergency response)."
        )
    return errors


def frequency_text(minutes: int) -> str:
    """Return 'every 12 hours', 'every hour', 'every 30 minutes' for a monitoring interval."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("at least every hour", "at least every %(n)d hours", hours) % {"n": hours}
    return ngettext("at least every minute", "at least every %(n)d minutes", minutes) % {
        "n": minutes
    }


def with_floor(rule: EscalationRule) -> EscalationRule:
    """Raise a stored row that falls below its floor (stored before the floors) to the floor."""
    floor = FLOORS[rule.level]
    rule.monitor_every_minutes = min(rule.monitor_every_minutes, floor.max_minutes)
    if not _at_least_as_urgent(rule.suggested_urgency, floor.min_urgency):
        rule.suggested_urgency = floor.min_urgency
    rule.call_112 = rule.call_112 or floor.call_112
    rule.floor = floor
    return rule


def default_rule(unit: Organisation, level: str) -> EscalationRule:
    minutes, response, urgency, call_112 = DEFAULT_RULES[level]
    return EscalationRule(
        unit=unit,
        level=level,
        monitor_every_minutes=minutes,
        response=str(response),
        suggested_urgency=urgency,
        call_112=call_112,
    )


def escalation_table(unit: Organisation, rules=None) -> dict[str, EscalationRule]:
    """Return the unit's rule per level; levels the unit has not configured get the default.

    RULES may be passed pre-fetched (any iterable of the unit's EscalationRule rows).
    """
    if rules is None:
        rules = EscalationRule.objects.filter(unit=unit)
    table = {rule.level: rule for rule in rules}
    return {
        level: with_floor(table.get(level) or default_rule(unit, level)) for level in Level.values
    }


def response_for(observation: Observation, table: dict[str, EscalationRule] | None = None):
    level = observation.level
    if level is None:
        return Response(level=None, rule=None)
    table = table or escalation_table(observation.unit)
    return Response(level=level, rule=table[level])


# Most urgent first: the order in which a chosen urgency is "lower" than a suggested one.
URGENCY_ORDER = (Urgency.EMERGENCY, Urgency.URGENT, Urgency.SAME_DAY, Urgency.NEXT_ROUND)


def suggested_urgency(observation: Observation | None) -> str:
    """The consult urgency the unit's escalation table suggests for OBSERVATION ("" for none)."""
    if observation is None:
        return ""
    response = response_for(observation)
    return response.rule.suggested_urgency if response.rule else ""


def is_lower_urgency(chosen: str, suggested: str) -> bool:
    """True when CHOSEN is less urgent than SUGGESTED (both Urgency values; "" suggests none)."""
    if not suggested or chosen not in URGENCY_ORDER or suggested not in URGENCY_ORDER:
        return False
    return URGENCY_ORDER.index(chosen) > URGENCY_ORDER.index(suggested)


@transaction.atomic
def update_escalation_rule(
    *,
    actor,
    unit: Organisation,
    level: str,
    monitor_every_minutes: int,
    response: str,
    suggested_urgency: str = "",
    call_112: bool = False,
) -> EscalationRule:
    """Set one row of a unit's escalation table (coordinators only), never below its floor."""
    if getattr(actor, "role", None) != Role.COORDINATOR:
        raise PermissionDenied(_("Only care coordinators change escalation tables."))
    errors = {}
    if level not in Level.values:
        errors["level"] = _("Choose one of the NEWS2 levels.")
    if not isinstance(monitor_every_minutes, int) or not 5 <= monitor_every_minutes <= 24 * 60:
        errors["monitor_every_minutes"] = _(
            "Observe at least every 5 minutes and at most every 24 hours (1440 minutes)."
        )
    if not response.strip():
        errors["response"] = _("Describe what the staff should do at this level.")
    if suggested_urgency and suggested_urgency not in Urgency.values:
        errors["suggested_urgency"] = _("Choose an urgency from the list.")
    if not errors:
        errors = floor_errors(
            level,
            monitor_every_minutes=monitor_every_minutes,
            suggested_urgency=suggested_urgency,
            call_112=call_112,
        )
    if errors:
        raise ValidationError(errors)
    rule, _created = EscalationRule.objects.update_or_create(
        unit=unit,
        level=level,
        defaults={
            "monitor_every_minutes": monitor_every_minutes,
            "response": response.strip(),
            "suggested_urgency": suggested_urgency,
            "call_112": call_112,
            "updated_at": timezone.now(),
            "updated_by": actor,
        },
    )
    live.publish([live.unit_group(unit.pk)], "escalation-table")
    return rule


# --- Scale 2 ---------------------------------------------------------------------------------


# Scale 2 is only for a prescribed SpO2 target of 88–92 % (RCP NEWS2 2017 Chart 1 and report
# ch. 6; BTS oxygen guideline 2017): a decision with another target would score, for example,
# SpO2 89 % on air as 0 for a resident whose target is 94–98 % (issue #19 item 4).
SCALE2_TARGET = (88, 92)


def scale2_target_message() -> str:
    return _(
        "SpO2 Scale 2 is only for a prescribed SpO2 target of 88–92 % (hypercapnic respiratory "
        "failure; RCP NEWS2 and BTS). For any other target, SpO2 is scored on Scale 1: write the "
        "target in the resident's care plan instead."
    )


def scale2_decision_for(resident: Resident) -> Scale2Decision | None:
    """Return the Scale-2 decision in force for RESIDENT, if any."""
    return (
        Scale2Decision.objects.filter(resident=resident, ended_at__isnull=True)
        .select_related("decided_by__user")
        .first()
    )


@transaction.atomic
def record_scale2_decision(
    *,
    actor,
    resident: Resident,
    target_low: int = 88,
    target_high: int = 92,
    note: str = "",
    request=None,
) -> Scale2Decision:
    """A physician decides that SpO2 Scale 2 applies (prescribed target 88–92 %, nothing else)."""
    if getattr(actor, "role", None) != Role.PHYSICIAN:
        raise PermissionDenied(_("Only a physician can decide that SpO2 Scale 2 is used."))
    if (target_low, target_high) != SCALE2_TARGET:
        raise ValidationError({"target_low": scale2_target_message()})
    Scale2Decision.objects.filter(resident=resident, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    decision = Scale2Decision.objects.create(
        resident=resident,
        decided_by=actor.staff_profile,
        target_low=target_low,
        target_high=target_high,
        note=note.strip(),
        unit=resident.unit,
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=resident,
        object_type="scale2_decision",
        object_id=decision.pk,
        request=request,
    )
    return decision


@transaction.atomic
def end_scale2_decision(*, actor, decision: Scale2Decision, request=None) -> Scale2Decision:
    if getattr(actor, "role", None) != Role.PHYSICIAN:
        raise PermissionDenied(_("Only a physician can end a Scale 2 decision."))
    if decision.ended_at is None:
        decision.ended_at = timezone.now()
        decision.save(update_fields=["ended_at"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            resident=decision.resident,
            object_type="scale2_decision",
            object_id=decision.pk,
            request=request,
        )
    return decision


# --- Observations ----------------------------------------------------------------------------


def validate_vitals(values: dict, *, saving: bool = True) -> dict:
    """Return the cleaned values or raise ValidationError with one message per bad field.

    Accepts strings (form input, decimal comma allowed) or numbers; empty means not measured.
    SAVING False (the live preview) skips what only a set being saved must have, so the score and
    a red-score cue show while the nurse is still typing the oxygen flow.
    """
    values = dict(values)
    errors: dict[str, str] = {}
    for name in NUMERIC_FIELDS:
        try:
            values[name] = parsing.parse_vital(name, values.get(name))
        except parsing.VitalSignError as error:
            errors[name] = error.message
    consciousness = values.get("consciousness") or ""
    if consciousness and consciousness not in Consciousness.values:
        errors["consciousness"] = _("Choose A, C, V, P or U.")
    values["consciousness"] = consciousness
    on_oxygen = values.get("on_oxygen")
    if on_oxygen in ("", None):
        values["on_oxygen"] = None
    elif not isinstance(on_oxygen, bool):
        errors["on_oxygen"] = _("Choose air or oxygen.")
    if values.get("on_oxygen") is False and values.get("oxygen_flow") is not None:
        errors["oxygen_flow"] = _("Oxygen flow is only entered when the resident is on oxygen.")
    device = values.get("oxygen_device") or ""
    if device and device not in OxygenDevice.values:
        errors["oxygen_device"] = _("Choose an oxygen device from the list.")
    elif device and values.get("on_oxygen") is False:
        errors["oxygen_device"] = _(
            "The oxygen device is only entered when the resident is on oxygen."
        )
    values["oxygen_device"] = device
    # On oxygen, the chart needs how much and how: without a flow or a device the dose behind the
    # SpO2 is unknown (issue 12 §4 item 9). Said beside the flow, the field usually left empty.
    if (
        saving
        and values.get("on_oxygen") is True
        and values.get("oxygen_flow") is None
        and not device
        and "oxygen_flow" not in errors
        and "oxygen_device" not in errors
    ):
        errors["oxygen_flow"] = _(
            "The resident is on oxygen: give the oxygen flow in l/min, or choose the oxygen device."
        )
    if values.get("on_oxygen") is False and values.get("fio2") is not None and "fio2" not in errors:
        errors["fio2"] = _("FiO2 is only entered when the resident is on oxygen.")
    systolic, diastolic = values.get("systolic_bp"), values.get("diastolic_bp")
    if (
        "systolic_bp" not in errors
        and "diastolic_bp" not in errors
        and systolic is not None
        and diastolic is not None
        and diastolic >= systolic
    ):
        errors["diastolic_bp"] = _("Diastolic pressure must be lower than systolic pressure.")
    if errors:
        raise ValidationError(errors)
    return values


def score(values: dict, *, spo2_scale: int) -> news2.News2Score | None:
    """Return the NEWS2 score of cleaned VALUES, or None when the set is incomplete."""
    if any(values.get(name) in (None, "") for name in NEWS2_FIELDS):
        return None
    return news2.score_news2(
        respiratory_rate=values["respiratory_rate"],
        spo2=values["spo2"],
        spo2_scale=spo2_scale,
        on_oxygen=values["on_oxygen"],
        systolic_bp=values["systolic_bp"],
        pulse=values["pulse"],
        consciousness=values["consciousness"],
        temperature=float(values["temperature"]),
    )


def score_any(values: dict, *, spo2_scale: int) -> news2.News2Score | news2.News2Parameters:
    """Return the score of cleaned VALUES: the full NEWS2 score of a complete set, otherwise the
    sub-scores and red flag of the parameters measured (issue #19 item 1, RCP Chart 4)."""
    result = score(values, spo2_scale=spo2_scale)
    if result is not None:
        return result
    present = {
        name: values.get(name) for name in NEWS2_FIELDS if values.get(name) not in (None, "")
    }
    if present.get("temperature") is not None:
        present["temperature"] = float(present["temperature"])
    return news2.score_parameters(spo2_scale=spo2_scale, **present)


def check_spo2_scale(
    resident: Resident, spo2_scale: int, *, decision: Scale2Decision | None = None
) -> Scale2Decision | None:
    """Refuse an unknown scale, and Scale 2 without a physician's decision in force.

    Return the decision Scale 2 rests on (None for Scale 1). DECISION may be passed pre-fetched.
    """
    if spo2_scale not in news2.SPO2_SCALES:
        raise ValidationError({"spo2_scale": _("Choose SpO2 scale 1 or 2.")})
    if spo2_scale == 1:
        return None
    decision = decision or scale2_decision_for(resident)
    if decision is not None and (decision.target_low, decision.target_high) != SCALE2_TARGET:
        # A decision stored before the 88–92 % rule: it does not allow Scale 2.
        raise ValidationError({"spo2_scale": scale2_target_message()})
    if decision is None:
        raise ValidationError(
            {
                "spo2_scale": _(
                    "SpO2 Scale 2 may only be used when a physician has decided it for this "
                    "resident. Use Scale 1, or ask the physician to record the decision."
                )
            }
        )
    return decision


@transaction.atomic
def record_observation(
    *,
    actor,
    resident: Resident,
    spo2_scale: int = 1,
    measured_at: datetime.datetime | None = None,
    note: str = "",
    source: str = Observation.Source.MANUAL,
    request=None,
    idempotency_key: uuid.UUID | None = None,
    **values,
) -> Observation:
    """Store one set of vital signs and, when complete, its NEWS2 score.

    VALUES are the vital-sign fields of `Observation` (respiratory_rate, spo2, on_oxygen,
    oxygen_flow, oxygen_device, fio2, systolic_bp, diastolic_bp, pulse, consciousness,
    temperature, weight, blood_glucose, pain); missing ones were not measured.
    """
    if getattr(actor, "role", None) not in RECORDING_ROLES:
        raise PermissionDenied(
            _("Only nurses, assistant nurses and physicians record vital signs.")
        )
    unknown = set(values) - set(EXTRA_FIELDS) - set(NEWS2_FIELDS)
    if unknown:
        raise TypeError(f"unknown vital signs: {sorted(unknown)}")
    # No eligibility check: the nurse at the bedside observes every resident of the unit,
    # whatever their registration (issue 19 item 2).
    cleaned = validate_vitals(values)
    if not any(value not in (None, "") for value in cleaned.values()):
        raise ValidationError(_("Enter at least one vital sign."))
    now = timezone.now()
    measured_at = measured_at or now
    if measured_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"measured_at": _("The time of measurement is in the future.")})
    decision = check_spo2_scale(resident, spo2_scale)
    result = score_any(cleaned, spo2_scale=spo2_scale)
    observation = Observation.objects.create(
        resident=resident,
        unit=resident.unit,
        measured_at=measured_at,
        recorded_by=actor,
        recorded_at=now,
        source=source,
        spo2_scale=spo2_scale,
        scale2_decision=decision,
        note=note.strip(),
        news2_total=result.total,
        news2_subscores=dict(result.subscores),
        news2_band=result.band or "",
        red_flag=result.red_flag,
        idempotency_key=idempotency_key,
        **cleaned,
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=resident,
        object_type="observation",
        object_id=observation.pk,
        request=request,
    )
    live.publish(
        [live.unit_group(resident.unit_id), live.resident_group(resident.pk)],
        "observation",
        resident=resident.pk,
    )
    return observation


@dataclass(frozen=True)
class Once:
    """The observation an idempotency key stands for, and whether this call made it."""

    observation: Observation
    created: bool


def _first_for_key(*, actor, resident: Resident, key: uuid.UUID) -> Observation | None:
    """Return the observation already stored under KEY; refuse a key used for something else."""
    observation = (
        Observation.objects.filter(idempotency_key=key).select_related("unit", "resident").first()
    )
    if observation is None:
        return None
    if observation.recorded_by_id != actor.pk or observation.resident_id != resident.pk:
        # A key belongs to one entry: never hand another user's observation to whoever guesses it.
        raise ValidationError(
            _("This entry's key was already used for another entry. Enter the vital signs again.")
        )
    return observation


def record_observation_once(
    *, actor, resident: Resident, idempotency_key: uuid.UUID, **arguments
) -> Once:
    """Record one set of vital signs under IDEMPOTENCY_KEY, or return the one already recorded.

    ARGUMENTS are those of `record_observation`. A second call with the same key, sequential or
    concurrent, makes no second observation (the database's unique constraint decides a race).
    """
    existing = _first_for_key(actor=actor, resident=resident, key=idempotency_key)
    if existing is not None:
        return Once(observation=existing, created=False)
    try:
        with transaction.atomic():
            observation = record_observation(
                actor=actor, resident=resident, idempotency_key=idempotency_key, **arguments
            )
    except IntegrityError:
        existing = _first_for_key(actor=actor, resident=resident, key=idempotency_key)
        if existing is None:
            raise
        return Once(observation=existing, created=False)
    return Once(observation=observation, created=True)
