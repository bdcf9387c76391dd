"""The persona unit's story: a deterioration, an open consult and an answered one (see `loop`)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from digifys.consults.models import Consult, ConsultMessage, JournalNote
from digifys.consults.routing import deadline_for
from digifys.notifications.models import MESSAGES, Notification
from digifys.orders.models import NurseTask, Order
from digifys.orders.services import due_times
from digifys.residents.models import Diagnosis, Medication, Resident, TreatmentLimitation
from digifys.vitals import services as vitals
from digifys.vitals.models import Observation, Urgency
from digifys.vitals.summary import values_of

from .tables import FICTION_PHONES

MINUTE = datetime.timedelta(minutes=1)

BAND_SV = {"low": "låg", "low-medium": "låg–medel", "medium": "medel", "high": "hög"}


def _event(consult, code: str, params: dict, *, author, when) -> ConsultMessage:
    """A thread event as `consults.services.event` stores it: code + parameters."""
    return ConsultMessage(
        consult=consult,
        author=author,
        kind=ConsultMessage.Kind.EVENT,
        code=code,
        params=params,
        created_at=when,
    )


def _notification(recipient, kind: str, code: str, params: dict, **fields) -> Notification:
    """A notification as `notifications.services.notify` stores it: code + parameters, and the
    text rendered in the recipient's language (the delivery log)."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        text = MESSAGES[code](params)
    return Notification(
        recipient=recipient, kind=kind, code=code, params=params, text=text[:300], **fields
    )


def _link(pk: int) -> str:
    try:
        return reverse("consults:detail", args=[pk])
    except NoReverseMatch:  # the consult pages are not mounted (yet)
        return ""


def _decimal_sv(value) -> str:
    return str(value).replace(".", ",")


class ScenarioBuilder:
    """The rows the services would have written for the persona unit's three residents."""

    def __init__(self, loop) -> None:
        self.b = loop.b
        self.now = loop.now
        self.summary = loop.summary
        self.users = loop.users
        self.user_by_id = loop.user_by_id
        self.unit_carers = loop.unit_carers
        self.nurse_user = loop.nurse_user
        self.open_resident = loop.open_resident
        self.answered_resident = loop.answered_resident
        self.deteriorating_resident = loop.deteriorating_resident

    def run(self) -> None:
        b = self.b
        carers = self.unit_carers
        nurse = self.nurse_user
        assistant = self.users.get("underskoterska.mala")
        observations: list[Observation] = []
        stories = []
        now = self.now

        def at(hours: float = 0, minutes: int = 0) -> datetime.datetime:
            return now + datetime.timedelta(hours=hours, minutes=minutes)

        def helper(index: int):
            """The persona assistant nurse when she works on the unit, else a colleague."""
            unit_carers = carers[b.people[index].unit]
            if assistant is not None and assistant.pk in unit_carers:
                return assistant
            return self.user_by_id.get(unit_carers[0], nurse)

        if self.deteriorating_resident is not None:
            index = self.deteriorating_resident
            series = [
                (at(-10, -5), _vitals(17, 96, 134, 78, 84, "37.4"), helper(index), ""),
                (at(-6, -10), _vitals(19, 95, 126, 74, 92, "37.9"), helper(index), ""),
                (
                    at(0, -20),
                    _vitals(22, 94, 118, 70, 104, "38.4"),
                    nurse,
                    "Tröttare än vanligt, varm och andas snabbare. Hostar. Äter dåligt.",
                ),
            ]
            for moment, values, by, note in series:
                observations.append(self._observation(index, moment, values, by=by, note=note))
            latest = observations[-1]
            if latest.news2_band != "medium":  # the values above are chosen to score 5
                raise AssertionError(f"the deteriorating persona scores {latest.news2_total}")
        if self.open_resident is not None:
            index = self.open_resident
            obs = self._observation(
                index, at(-2, -15), _vitals(18, 95, 138, 80, 92, "38.1"), by=nurse
            )
            observations.append(obs)
            stories.append(("open", index, obs))
        if self.answered_resident is not None:
            index = self.answered_resident
            sent = at(-17, -10)
            obs = self._observation(
                index, sent - 15 * MINUTE, _vitals(20, 94, 124, 72, 96, "38.2"), by=nurse
            )
            observations.append(obs)
            ordered = at(-15, -50)
            first_due = ordered + 30 * MINUTE
            task_values = [
                _vitals(19, 95, 128, 74, 90, "37.8"),
                _vitals(18, 95, 130, 76, 86, "37.5"),
                _vitals(17, 96, 132, 78, 82, "37.2"),
                _vitals(16, 96, 134, 76, 80, "37.0"),
            ]
            done = []
            for number, due in enumerate(due_times(first_due, 4, 1)):
                if due >= now - 30 * MINUTE:
                    done.append((due, None, None))
                    continue
                by = nurse if number % 2 else helper(index)
                measured = due + 4 * MINUTE
                values = task_values[number % len(task_values)]
                task_obs = self._observation(index, measured, values, by=by)
                observations.append(task_obs)
                done.append((due, task_obs, by))
            stories.append(("answered", index, obs, sent, ordered, first_due, done))
        Observation.objects.bulk_create(observations)
        self.summary.observations += len(observations)

        for story in stories:
            if story[0] == "open":
                self._open_consult(*story[1:])
            else:
                self._answered_consult(*story[1:])

    def _observation(self, index: int, moment, values: dict, *, by, note: str = "") -> Observation:
        """An observation as `vitals.services.record_observation` stores it."""
        cleaned = vitals.validate_vitals(values)
        result = vitals.score(cleaned, spo2_scale=1)
        person = self.b.people[index]
        return Observation(
            resident_id=self.b.resident_ids[index],
            unit_id=self.b.units[person.unit].org.pk,
            measured_at=moment,
            recorded_by=by,
            recorded_at=moment + 3 * MINUTE,
            source=Observation.Source.MANUAL,
            spo2_scale=1,
            note=note,
            news2_total=result.total if result else None,
            news2_subscores=dict(result.subscores) if result else {},
            news2_band=result.band if result else "",
            red_flag=result.red_flag if result else False,
            **cleaned,
        )

    def _resident(self, index: int) -> Resident:
        return Resident.objects.select_related("unit").get(pk=self.b.resident_ids[index])

    def _open_consult(self, index: int, obs: Observation) -> None:
        b = self.b
        person = b.people[index]
        resident = self._resident(index)
        physician = b.physicians[person.named]
        she = "hon" if person.female else "han"
        sent = obs.measured_at + 20 * MINUTE
        consult = Consult.objects.create(
            resident=resident,
            unit_id=resident.unit_id,
            created_by=self.nurse_user,
            created_at=sent,
            urgency=Urgency.SAME_DAY,
            situation=(
                f"{resident.given_name} har sedan i går kväll sveda vid vattenkastning och täta "
                f"trängningar och är tröttare än vanligt. Temp 38,1 °C. Jag är orolig för "
                f"urinvägsinfektion."
            ),
            background=_background(resident, b.today)
            + " Senaste urinvägsinfektionen för ungefär ett år sedan.",
            assessment=(
                f"{_vitals_line(obs)} {she.capitalize()} är vaken och orienterad som vanligt, "
                f"äter och dricker något mindre än vanligt. Urinsticka: leukocyter 2+, nitrit "
                f"positivt. Ingen flanksmärta, inga kräkningar."
            ),
            recommendation=(
                f"Jag ber om bedömning under dagen: behövs urinodling och antibiotika? Vi mäter "
                f"vitalparametrar var 6:e timme och hör av oss direkt om {she} blir sämre eller "
                f"om NEWS2 stiger."
            ),
            caller_phone=FICTION_PHONES[12],
            observation=obs,
            status=Consult.Status.SENT,
            assigned_to=physician,
            routed_to=Consult.RoutedTo.NAMED,
            deadline_at=deadline_for(Urgency.SAME_DAY, start=sent),
            updated_at=sent,
        )
        _sent_event(consult, physician, author=self.nurse_user, when=sent).save()
        _notification(
            physician.user,
            Notification.Kind.CONSULT_NEW,
            "consult_new",
            {"urgency": Urgency.SAME_DAY, "unit": resident.unit.name},
            link=_link(consult.pk),
            created_at=sent,
        ).save()
        self.summary.consults += 1
        consult_id, deadline = consult.pk, consult.deadline_at

        def enqueue() -> None:  # as the service does: the deadline check for the task worker
            from digifys.consults.tasks import check_consult_deadline

            check_consult_deadline.using(run_after=deadline).enqueue(consult_id=consult_id)

        transaction.on_commit(enqueue)

    def _answered_consult(self, index, obs, sent, ordered, first_due, done) -> None:
        b = self.b
        person = b.people[index]
        resident = self._resident(index)
        physician = b.physicians[person.named]
        doctor = physician.user
        she = "hon" if person.female else "han"
        accepted = sent + 35 * MINUTE
        answered = ordered - 8 * MINUTE
        consult = Consult.objects.create(
            resident=resident,
            unit_id=resident.unit_id,
            created_by=self.nurse_user,
            created_at=sent,
            urgency=Urgency.SAME_DAY,
            situation=(
                f"{resident.given_name} har hostat sedan i går och har i morse feber 38,2 °C. "
                f"{she.capitalize()} är tröttare än vanligt men vaken och svarar som vanligt."
            ),
            background=_background(resident, b.today),
            assessment=(
                f"{_vitals_line(obs)} Andas lite snabbare vid ansträngning, ingen andnöd i vila. "
                f"Dricker bra. Inga tecken på ny förvirring."
            ),
            recommendation=(
                "Jag ber om bedömning i dag: behöver vi ta prover eller ändra något i "
                "behandlingen, och hur ofta ska vi kontrollera vitalparametrar?"
            ),
            caller_phone=FICTION_PHONES[12],
            observation=obs,
            status=Consult.Status.ANSWERED,
            assigned_to=physician,
            routed_to=Consult.RoutedTo.NAMED,
            deadline_at=deadline_for(Urgency.SAME_DAY, start=sent),
            accepted_at=accepted,
            answered_at=answered,
            updated_at=sent,
        )
        instructions = "Kontrollera vitalparametrar var 4:e timme i 1 dygn"
        order = Order.objects.create(
            resident=resident,
            unit_id=resident.unit_id,
            consult=consult,
            ordered_by=physician,
            kind=Order.Kind.VITALS,
            instructions=instructions,
            first_due_at=first_due,
            every_hours=4,
            for_days=1,
            created_at=ordered,
        )
        tasks = []
        # What the nurse typed beside the vital signs measured (stored as the observation).
        results = [
            "Hostar fortfarande men dricker bra.",
            "",
            "Piggare, har ätit och druckit bra.",
            "",
        ]
        for number, (due, task_obs, by) in enumerate(done):
            task = NurseTask(order=order, resident=resident, unit_id=resident.unit_id, due_at=due)
            if task_obs is not None:
                task.status = NurseTask.Status.DONE
                task.completed_at = due + 12 * MINUTE
                task.completed_by = by
                task.observation = task_obs
                task.result = results[number % len(results)]
            tasks.append(task)
        NurseTask.objects.bulk_create(tasks)
        messages = [
            _sent_event(consult, physician, author=self.nurse_user, when=sent),
            _event(consult, "accepted", {"name": physician.name}, author=doctor, when=accepted),
            ConsultMessage(
                consult=consult,
                author=doctor,
                kind=ConsultMessage.Kind.MESSAGE,
                created_at=answered,
                body=f"Tack för en tydlig SBAR. Jag bedömer det som en trolig virusorsakad "
                f"luftvägsinfektion utan tecken på sepsis just nu. Jag ordinerar kontroll av "
                f"vitalparametrar var 4:e timme det närmaste dygnet. Paracetamol vid feber enligt "
                f"ordination. Hör av dig direkt om NEWS2 blir 5 eller mer, om {she} blir "
                f"andfådd i vila eller mer påverkad.",
            ),
            _event(
                consult,
                "order_placed",
                {"kind": Order.Kind.VITALS, "instructions": instructions, "count": len(tasks)},
                author=doctor,
                when=ordered,
            ),
        ]
        for task in tasks:
            if task.status == NurseTask.Status.DONE:
                params = {
                    "kind": Order.Kind.VITALS,
                    "instructions": instructions,
                    "note": task.result,
                    "vitals": values_of(task.observation),
                }
                messages.append(
                    _event(
                        consult,
                        "task_done",
                        params,
                        author=task.completed_by,
                        when=task.completed_at,
                    )
                )
        ConsultMessage.objects.bulk_create(messages)
        consult.updated_at = max(message.created_at for message in messages)
        consult.save(update_fields=["updated_at"])
        JournalNote.objects.create(
            resident=resident,
            unit_id=resident.unit_id,
            consult=consult,
            author=physician,
            aktuellt=(
                f"SBAR från sjuksköterska på {resident.unit.name}: hosta sedan i går, feber "
                f"38,2 °C i morse, tröttare än vanligt."
            ),
            status=(
                f"{_vitals_line(obs)} Vaken och orienterad som vanligt. Ingen andnöd i vila. "
                f"Dricker bra."
            ),
            bedomning=(
                "Trolig virusorsakad luftvägsinfektion. Inga tecken på sepsis eller pneumoni "
                "i nuläget."
            ),
            atgard=(
                f"{instructions}. Paracetamol vid feber enligt ordination. Ny kontakt vid "
                f"NEWS2 5 eller mer, andningspåverkan eller sämre allmäntillstånd. Uppföljning "
                f"via video i morgon."
            ),
            created_at=ordered + 5 * MINUTE,
            updated_at=ordered + 5 * MINUTE,
            signed_at=ordered + 12 * MINUTE,
        )
        link = _link(consult.pk)
        notifications = [
            # The services' wording: units, never residents (docs/security.md).
            _notification(
                self.nurse_user,
                Notification.Kind.CONSULT_ANSWERED,
                "consult_answered",
                {"name": physician.name, "unit": resident.unit.name},
                link=link,
                created_at=answered,
                read_at=answered + 20 * MINUTE,
            )
        ]
        finished = [task for task in tasks if task.status == NurseTask.Status.DONE]
        for task in finished:
            notifications.append(
                _notification(
                    doctor,
                    Notification.Kind.TASK_DONE,
                    "task_done",
                    {"unit": resident.unit.name},
                    link=link,
                    created_at=task.completed_at,
                    read_at=None if task is finished[-1] else task.completed_at + 30 * MINUTE,
                )
            )
        Notification.objects.bulk_create(notifications)
        self.summary.consults += 1
        self.summary.tasks += len(tasks)
        grace = datetime.timedelta(minutes=settings.TASK_OVERDUE_GRACE_MINUTES)
        plan = [(task.pk, task.due_at + grace) for task in tasks if task.status == "open"]

        def enqueue() -> None:  # as the service does: overdue checks for the task worker
            from digifys.orders.tasks import check_task_overdue

            for pk, when in plan:
                check_task_overdue.using(run_after=when).enqueue(task_id=pk)

        transaction.on_commit(enqueue)


# -- texts ---------------------------------------------------------------------------------------


def _vitals(rr, spo2, sbp, dbp, pulse, temperature, consciousness="A") -> dict:
    return {
        "respiratory_rate": rr,
        "spo2": spo2,
        "on_oxygen": False,
        "systolic_bp": sbp,
        "diastolic_bp": dbp,
        "pulse": pulse,
        "consciousness": consciousness,
        "temperature": temperature,
    }


def _sent_event(consult, physician, *, author, when) -> ConsultMessage:
    params = {"name": physician.name, "route": Consult.RoutedTo.NAMED}
    return _event(consult, "sent", params, author=author, when=when)


def _vitals_line(obs: Observation) -> str:
    air = f"syrgas {_decimal_sv(obs.oxygen_flow)} l/min" if obs.on_oxygen else "luft"
    return (
        f"NEWS2 {obs.news2_total} ({BAND_SV[obs.news2_band]} risk), SpO2 skala {obs.spo2_scale}: "
        f"AF {obs.respiratory_rate}/min, SpO2 {obs.spo2} % på {air}, "
        f"BT {obs.systolic_bp}/{obs.diastolic_bp} mmHg, puls {obs.pulse}/min, "
        f"ACVPU {obs.consciousness}, temp {_decimal_sv(obs.temperature)} °C."
    )


def _background(resident: Resident, today: datetime.date) -> str:
    """Bakgrund as a nurse writes it: age, diagnoses, medication, limitations, cognition."""
    diagnoses = Diagnosis.objects.filter(resident=resident, is_active=True).order_by("pk")
    drugs = list(
        Medication.objects.filter(resident=resident, is_active=True)
        .order_by("pk")
        .values_list("name", "dose")
    )
    limitations = list(
        TreatmentLimitation.objects.filter(resident=resident, is_active=True)
        .order_by("pk")
        .values_list("description", flat=True)
    )
    parts = [
        f"{resident.age(today)} år. Diagnoser: "
        + ", ".join(diagnoses.values_list("text", flat=True))
        + ".",
        f"Läkemedel ({len(drugs)} st): " + "; ".join(f"{n} {d}" for n, d in drugs) + ".",
        ("Behandlingsbegränsning: " + " ".join(limitations))
        if limitations
        else "Inga beslut om behandlingsbegränsning.",
        f"Kognition: {resident.cognitive_baseline}",
        "Ingen känd överkänslighet.",
    ]
    return " ".join(parts)
