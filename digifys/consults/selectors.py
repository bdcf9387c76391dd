"""Reads for the consult pages, always through `visible_to(user)`, in a constant number of queries.

The SBAR pre-fill texts are built here too: they become part of the record, which stays in
Swedish (DESIGN §5.7), so they are written under `override("sv")` whatever the UI language.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from digifys.careteams.models import PhysicianAssignment
from digifys.core.time import STOCKHOLM
from digifys.directory import phone
from digifys.orders.models import NurseTask, Order
from digifys.residents.models import Diagnosis, Medication, Resident, TreatmentLimitation
from digifys.vitals.models import Observation

from .models import Consult, ConsultMessage, ConsultPhoto, JournalNote

NEWER_OBSERVATIONS = 5


# --- One consult ---------------------------------------------------------------------------------


def consults_for(user) -> QuerySet[Consult]:
    return Consult.objects.visible_to(user).select_related(
        "resident__unit__parent",
        "unit__parent",
        "created_by__staff_profile",
        "assigned_to__user",
        "closed_by",
        "observation",
    )


def consult_for(user, pk: int) -> Consult:
    """Return consult PK if USER may see it (404 otherwise)."""
    return get_object_or_404(consults_for(user), pk=pk)


@dataclass
class Thread:
    consult: Consult
    entries: list[ConsultMessage]
    photos: list[ConsultPhoto]
    orders: list[Order]
    notes: list[JournalNote]
    newer_observations: list[Observation]
    draft: JournalNote | None = None


def thread_for(user, consult: Consult) -> Thread:
    """Everything the thread shows about CONSULT, as USER may see it."""
    entries = list(consult.messages.select_related("author__staff_profile"))
    photos = list(consult.photos.all())
    tasks = NurseTask.objects.select_related("completed_by", "observation").order_by("due_at", "pk")
    orders = list(
        Order.objects.visible_to(user)
        .filter(consult=consult)
        .select_related("ordered_by__user")
        .prefetch_related(Prefetch("tasks", queryset=tasks))
        .order_by("created_at", "pk")
    )
    notes = list(
        JournalNote.objects.visible_to(user)
        .filter(consult=consult)
        .select_related("author__user", "amends")
        .order_by("created_at", "pk")
    )
    profile = getattr(user, "staff_profile", None)
    signed = [note for note in notes if note.is_signed]
    draft = next(
        (note for note in notes if not note.is_signed and profile and note.author_id == profile.pk),
        None,
    )
    since = consult.observation.measured_at if consult.observation else consult.created_at
    newer = (
        Observation.objects.visible_to(user)
        .filter(resident=consult.resident_id, measured_at__gt=since)
        .order_by("-measured_at", "-pk")[:NEWER_OBSERVATIONS]
    )
    return Thread(
        consult=consult,
        entries=entries,
        photos=photos,
        orders=orders,
        notes=signed,
        newer_observations=list(newer),
        draft=draft,
    )


def photo_for(user, pk: int) -> ConsultPhoto:
    """Return photo PK if USER may see its consult (404 otherwise)."""
    visible = Consult.objects.visible_to(user)
    return get_object_or_404(
        ConsultPhoto.objects.select_related("consult__resident").filter(consult__in=visible), pk=pk
    )


def note_for(user, pk: int) -> JournalNote:
    return get_object_or_404(
        JournalNote.objects.visible_to(user).select_related("consult", "resident"), pk=pk
    )


# --- The SBAR form ------------------------------------------------------------------------------


def observation_for_consult(user, resident: Resident, pk: int | None = None) -> Observation | None:
    """The given observation of RESIDENT (when visible), else the latest one."""
    observations = Observation.objects.visible_to(user).filter(resident=resident)
    if pk is not None:
        given = observations.filter(pk=pk).first()
        if given is not None:
            return given
    return observations.order_by("-measured_at", "-pk").first()


def last_caller_phone(user) -> str:
    """The call-back number to pre-fill, as people write it: the one the user gave with their
    last consult, else the phone number of their staff profile; never text that is no number."""
    recent = (
        Consult.objects.visible_to(user)
        .filter(created_by=user)
        .exclude(caller_phone="")
        .order_by("-created_at", "-pk")
        .values_list("caller_phone", flat=True)[:5]
    )
    profile = getattr(user, "staff_profile", None)
    for candidate in [*recent, profile.phone if profile else ""]:
        if phone.is_valid(candidate):
            return phone.display(candidate)
    return ""


def stockholm_time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def sbar_background(user, resident: Resident) -> str:
    """Bakgrund: active diagnoses, active medication and treatment-limitation decisions."""
    diagnoses = Diagnosis.objects.visible_to(user).active().filter(resident=resident)
    medications = Medication.objects.visible_to(user).active().filter(resident=resident)
    limitations = (
        TreatmentLimitation.objects.visible_to(user)
        .active()
        .filter(resident=resident)
        .select_related("decided_by__user")
    )
    with override("sv"):
        lines = [_("Diagnoses:")]
        lines += [f"- {d.icd10_code} {d.text}" for d in diagnoses] or [
            "- " + _("No diagnoses recorded.")
        ]
        lines += ["", _("Current medication:")]
        lines += [f"- {m.name} {m.dose}".rstrip() for m in medications] or [
            "- " + _("No active medication.")
        ]
        lines += ["", _("Treatment limitation decisions:")]
        for limitation in limitations:
            decided = _("decided by %(name)s on %(date)s") % {
                "name": limitation.decided_by.name,
                "date": timezone.localtime(limitation.decided_at, STOCKHOLM).strftime("%Y-%m-%d"),
            }
            text = f"- {limitation.get_kind_display()} ({decided})"
            if limitation.description:
                text += f": {limitation.description}"
            lines.append(text)
        if not limitations:
            lines.append("- " + _("No treatment limitation decision recorded."))
        lines += ["", _("Allergies and recent changes:") + " "]
    return "\n".join(lines)


def _number(value, places: int = 0) -> str:
    return formats.number_format(value, decimal_pos=places) if places else str(value)


def sbar_assessment(observation: Observation | None) -> str:
    """Aktuellt tillstånd: the vital signs with NEWS2 total, band, sub-scores and SpO2 scale."""
    with override("sv"):
        if observation is None:
            return "\n".join(
                [
                    _(
                        "No vital signs recorded. Measure and record NEWS2 before sending if you "
                        "can."
                    ),
                    "",
                    _("My assessment:") + " ",
                ]
            )
        o, sub = observation, observation.news2_subscores or {}

        def points(key: str) -> str:
            # "p" = poäng, the NEWS2 sub-score.
            return f" ({sub[key]} p)" if key in sub else ""

        lines = [
            _("Vital signs %(time)s (Swedish time):") % {"time": stockholm_time(o.measured_at)}
        ]
        if o.respiratory_rate is not None:
            lines.append(
                _("Respiration rate %(value)s/min") % {"value": o.respiratory_rate}
                + points("respiratory_rate")
            )
        if o.spo2 is not None:
            lines.append(
                _("SpO2 %(value)s %% (scale %(scale)s)") % {"value": o.spo2, "scale": o.spo2_scale}
                + points("spo2")
            )
        if o.on_oxygen is not None:
            if o.on_oxygen:
                air = _("Oxygen")
                if o.oxygen_device:
                    air += ", " + o.get_oxygen_device_display()
                if o.oxygen_flow is not None:
                    air += " " + _("%(flow)s l/min") % {"flow": _number(o.oxygen_flow, 1)}
                if o.fio2 is not None:
                    air += ", " + _("FiO2 %(value)s %%") % {"value": o.fio2}
            else:
                air = _("Air")
            lines.append(air + points("air_or_oxygen"))
        if o.systolic_bp is not None:
            pressure = str(o.systolic_bp)
            if o.diastolic_bp is not None:
                pressure += f"/{o.diastolic_bp}"
            lines.append(
                _("Blood pressure %(value)s mmHg") % {"value": pressure} + points("systolic_bp")
            )
        if o.pulse is not None:
            lines.append(_("Pulse %(value)s/min") % {"value": o.pulse} + points("pulse"))
        if o.consciousness:
            lines.append(
                _("Consciousness %(value)s") % {"value": o.get_consciousness_display()}
                + points("consciousness")
            )
        if o.temperature is not None:
            lines.append(
                _("Temperature %(value)s °C") % {"value": _number(o.temperature, 1)}
                + points("temperature")
            )
        extras = []
        if o.weight is not None:
            extras.append(_("weight %(value)s kg") % {"value": _number(o.weight, 1)})
        if o.blood_glucose is not None:
            extras.append(
                _("blood glucose %(value)s mmol/l") % {"value": _number(o.blood_glucose, 1)}
            )
        if o.pain is not None:
            extras.append(_("pain %(value)s of 10") % {"value": o.pain})
        if extras:
            lines.append(", ".join(extras).capitalize())
        if o.is_complete:
            lines.append(
                _("NEWS2 total %(total)s – %(band)s. SpO2 scale %(scale)s.")
                % {"total": o.news2_total, "band": o.band_label, "scale": o.spo2_scale}
            )
            if o.red_flag:
                lines.append(_("A single parameter scored 3."))
        else:
            lines.append(
                _("NEWS2: incomplete set of vital signs, no total. SpO2 scale %(scale)s.")
                % {"scale": o.spo2_scale}
            )
            if o.red_flag:
                lines.append(_("Incomplete – single-parameter red score"))
        if o.note:
            lines.append(_("Note: %(note)s") % {"note": o.note})
        lines += ["", _("My assessment:") + " "]
    return "\n".join(lines)


# --- The physician's inbox ------------------------------------------------------------------------


@dataclass
class Score:
    observation: Observation | None
    previous: Observation | None = None

    @property
    def trend(self) -> str:
        """ "up" (worse), "down" (better), "same", or "" when there is nothing to compare."""
        if self.observation is None or self.previous is None:
            return ""
        now, before = self.observation.news2_total, self.previous.news2_total
        if now is None or before is None:
            return ""
        if self.observation.spo2_scale != self.previous.spo2_scale:
            return "scale"  # totals on different SpO2 scales are not comparable (#19 item 5)
        return "up" if now > before else "down" if now < before else "same"


def latest_scores(user, resident_ids) -> dict[int, Score]:
    """The two latest scored observations of each resident, in one query."""
    ranked = (
        Observation.objects.visible_to(user)
        .scored()
        .filter(resident__in=list(resident_ids))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("resident_id")],
                order_by=[F("measured_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=2)
        .order_by("resident_id", "rank")
    )
    scores: dict[int, Score] = {}
    for observation in ranked:
        score = scores.setdefault(observation.resident_id, Score(observation=None))
        if score.observation is None:
            score.observation = observation
        else:
            score.previous = observation
    return scores


@dataclass
class InboxRow:
    consult: Consult
    score: Score
    overdue: bool
    time_left: datetime.timedelta


@dataclass
class Inbox:
    mine: list[InboxRow] = field(default_factory=list)  # waiting for my answer, by deadline
    team: list[InboxRow] = field(default_factory=list)  # waiting, held by another physician
    answered: list[InboxRow] = field(default_factory=list)  # answered, not yet closed

    @property
    def residents(self) -> list[Resident]:
        seen: dict[int, Resident] = {}
        for row in self.mine + self.team + self.answered:
            seen.setdefault(row.consult.resident_id, row.consult.resident)
        return list(seen.values())


def inbox_for(user, *, now: datetime.datetime | None = None) -> Inbox:
    """A physician's unresolved consults by deadline, and those of their panel held by others.

    Consults still waiting for an answer come first, the earliest deadline first; answered ones
    (waiting only to be closed) are kept apart so they never sit above an unanswered urgent one
    (issue 12 §4 item 3).
    """
    now = now or timezone.now()
    profile = user.staff_profile
    panel = PhysicianAssignment.objects.current().filter(physician=profile).values("resident")
    # Mine and the panel's held by others, in one query, split here.
    # Only the relations the inbox shows (resident, unit, holder, the consult's observation):
    # `consults_for` joins six more tables the consult page needs and the inbox does not.
    consults = list(
        Consult.objects.visible_to(user)
        .select_related("resident", "unit__parent", "assigned_to__user", "observation")
        .unresolved()
        .filter(Q(assigned_to=profile) | Q(resident__in=panel))
        .order_by("deadline_at", "pk")
    )
    mine = [consult for consult in consults if consult.assigned_to_id == profile.pk]
    team = [consult for consult in consults if consult.assigned_to_id != profile.pk]
    scores = latest_scores(user, {c.resident_id for c in mine + team})

    def row(consult: Consult) -> InboxRow:
        score = scores.get(consult.resident_id) or Score(observation=consult.observation)
        return InboxRow(
            consult=consult,
            score=score,
            overdue=consult.is_waiting and consult.deadline_at <= now,
            time_left=consult.deadline_at - now,
        )

    return Inbox(
        mine=[row(c) for c in mine if c.is_waiting],
        team=[row(c) for c in team if c.is_waiting],
        answered=[row(c) for c in mine + team if not c.is_waiting],
    )
