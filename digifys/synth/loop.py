"""The digi-physical loop in the synthetic region: working hours, the on-duty rota, vital signs.

Called by :func:`digifys.synth.region.generate_region` once staff and residents exist; writes,
deterministically and mostly with bulk inserts:

* **Working hours** (``scheduling.WorkingPattern``) for every physician, locums included, in
  their own time zone (Málaga ``Europe/Madrid``, Gran Canaria ``Atlantic/Canary``, Sweden
  ``Europe/Stockholm``): Monday–Friday 08:00–17:00, about one in six on a four-day week.
* **The virtual clinic's on-duty rota** (``on_call=True``, ``works_on_holidays=True``): the
  Málaga physicians share 21 weekly slots — daytime 08:00–17:00, evening 17:00–24:00 and night
  00:00–08:00 of every day — so that at any instant of the week, holidays and DST changes included,
  at least one virtual-clinic physician is on duty. Gran Canaria physicians add weekend daytime
  cover on top.
* **Absences** (vacation, a few courses) starting in the coming weeks for some physicians and
  locums — never the personas, and never the last holder of a rota slot.
* **Vital signs** (``vitals.Observation``): for every active resident, two or three rounds a day
  over the last ``min(history_days, 3)`` days (only the last day above
  :data:`LARGE_SCALE` residents, to keep the 100,000-resident benchmark under two minutes),
  recorded by a nurse or assistant nurse of the resident's unit, realistic for frail elderly
  people (NEWS2 mostly 0–3). About 3 % of residents deteriorate during the last day to a medium
  or high score; a few have incomplete sets (no total). Every score is computed by
  :func:`digifys.vitals.news2.score_news2`.
* **The persona unit** (the first unit of ``sjukskoterska.mala``): one resident deteriorating
  now (latest NEWS2 medium, about 20 minutes ago) without a consult, so a demo user can send the
  SBAR; one open consult (same day, sent, routed to the resident's named physician — normally
  ``lakare.malaga`` — full Swedish SBAR, deadline in the future); one answered consult with the
  order "Kontrollera vitalparametrar var 4:e timme i 1 dygn", four tasks done with results and
  the next due in 40 minutes, and a signed journal note. These rows are what the services would
  have written (thread events in Swedish, notifications, deadline and overdue checks queued for
  the task worker), but with times relative to ``now`` and no access-log entries, like the rest
  of the synthetic data.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from digifys.accounts.models import Role
from digifys.consults.models import Consult, ConsultMessage, JournalNote
from digifys.consults.routing import deadline_for
from digifys.notifications.models import Notification
from digifys.orders.models import NurseTask, Order
from digifys.orders.services import due_times, observation_summary
from digifys.residents.models import Diagnosis, Medication, Resident, TreatmentLimitation
from digifys.scheduling.models import Absence, WorkingPattern
from digifys.vitals import services as vitals
from digifys.vitals.models import Observation, Urgency
from digifys.vitals.news2 import score_news2

from .region import FICTION_PHONES, STOCKHOLM, _between, _Table

UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)

OBSERVATION_DAYS = 3
LARGE_SCALE = 10_000  # above this, vital signs for the last day only (see the module docstring)
DETERIORATING_SHARE = 0.03
PATCHY_SHARE = 0.04  # residents who sometimes refuse part of the set (no NEWS2 total then)
PERSONA_PHYSICIANS = ("lakare.malaga", "lakare.grancanaria", "lakare.lycksele")

# The on-duty rota of the virtual clinic: (weekday, from, until) in the physician's own time.
DAYTIME, EVENING, NIGHT = (8, 17), (17, 0), (0, 8)
ROTA = [(day, *hours) for day in range(7) for hours in (DAYTIME, EVENING, NIGHT)]
CANARY_WEEKEND = [(5, 9, 15), (6, 9, 15)]

# Round times (minutes after local midnight) and the chance a resident is measured at each.
ROUNDS = ((8 * 60, 1.0), (14 * 60, 0.5), (20 * 60, 1.0))

OBSERVATION_FIELDS = [
    "resident",
    "unit",
    "measured_at",
    "recorded_by",
    "recorded_at",
    "source",
    "respiratory_rate",
    "spo2",
    "spo2_scale",
    "on_oxygen",
    "oxygen_flow",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "consciousness",
    "temperature",
    "weight",
    "blood_glucose",
    "pain",
    "note",
    "news2_total",
    "news2_subscores",
    "news2_band",
    "red_flag",
]

BAND_SV = {"low": "låg", "low-medium": "låg–medel", "medium": "medel", "high": "hög"}
PATCHY_NOTES = {
    "no_bp": "Blodtryck ej taget – ville inte ha manschetten på.",
    "oximeter": "Endast saturation och puls, sov. Resten tas vid nästa tillfälle.",
    "no_temp": "Temperatur ej tagen.",
}


def _sv(msgid: str, swedish: str) -> str:
    """MSGID as the services would write it in a Swedish record, else our Swedish wording.

    The services translate thread events with ``override("sv")``; until the catalogue has the
    string, the synthetic record still reads Swedish.
    """
    with translation.override("sv"):
        text = translation.gettext(msgid)
    return swedish if text == msgid else text


def _link(pk: int) -> str:
    try:
        return reverse("consults:detail", args=[pk])
    except NoReverseMatch:  # the consult pages are not mounted (yet)
        return ""


def _decimal_sv(value) -> str:
    return str(value).replace(".", ",")


@dataclass
class LoopSummary:
    working_patterns: int = 0
    absences: int = 0
    observations: int = 0
    consults: int = 0
    tasks: int = 0


class LoopBuilder:
    """Adds the loop's rows to a region being built by ``region._Builder`` (B)."""

    def __init__(self, builder) -> None:
        self.b = builder
        self.now = builder.now.astimezone(UTC)
        self.ops = connection.ops
        self.summary = LoopSummary()
        self.users = {user.username: user for user in builder.users}
        # By user id: a profile's cached `user` is gone once region.py set `user_id` after the
        # users' bulk insert, and reading it back would cost a query per profile.
        self.user_by_id = {user.pk: user for user in builder.users}

    def run(self) -> LoopSummary:
        self.create_schedules()
        self.plan_unit_staff()
        self.plan_scenario()
        self.create_observations()
        self.create_scenario()
        return self.summary

    # -- working hours, rota, absences

    def create_schedules(self) -> None:
        b = self.b
        rng = random.Random(f"rota-{b.seed}")
        clock = {
            hour: self.ops.adapt_timefield_value(datetime.time(hour)) for hour in (0, 8, 9, 15, 17)
        }
        patterns = _Table(
            WorkingPattern, ["staff", "weekday", "starts", "ends", "on_call", "works_on_holidays"]
        )
        everyone = [*b.physicians, *b.locums]
        others = [
            staff
            for staff in everyone
            if self.user_by_id[staff.user_id].username not in PERSONA_PHYSICIANS
        ]
        # About one in six works four days a week: mostly Fridays off, some Wednesdays or Mondays.
        short_week = {staff.pk for staff in rng.sample(others, max(1, round(len(others) / 6)))}
        for staff in everyone:
            weekdays = [0, 1, 2, 3, 4]
            if staff.pk in short_week:
                roll = rng.random()
                weekdays.remove(4 if roll < 0.6 else 2 if roll < 0.85 else 0)
            for weekday in weekdays:
                patterns.add((staff.pk, weekday, clock[8], clock[17], False, False))

        # The rota: Málaga physicians (one time zone) share the 21 slots of the week.
        members = [
            staff
            for staff, place in zip(b.physicians, b.physician_place, strict=True)
            if place == "M"
        ]
        holders: list[list] = [[] for _ in ROTA]
        if len(members) <= len(ROTA):
            for slot in range(len(ROTA)):
                holders[slot].append(members[slot % len(members)])
        else:
            for index, staff in enumerate(members):
                holders[index % len(ROTA)].append(staff)
        self.rota_slots: dict[int, list[int]] = {}
        for slot, (weekday, start, end) in enumerate(ROTA):
            for staff in holders[slot]:
                patterns.add((staff.pk, weekday, clock[start], clock[end], True, True))
                self.rota_slots.setdefault(staff.pk, []).append(slot)
        for staff, place in zip(b.physicians, b.physician_place, strict=True):
            if place == "C":  # Gran Canaria: weekend daytime cover on top of the rota
                for weekday, start, end in CANARY_WEEKEND:
                    patterns.add((staff.pk, weekday, clock[start], clock[end], True, True))
        patterns.flush()
        self.summary.working_patterns = patterns.count

        # Absences in the coming weeks; a rota slot always keeps one holder who is never away.
        absences = _Table(Absence, ["staff", "kind", "starts_on", "ends_on", "note"])
        away_in_slot = [0] * len(ROTA)
        pool = [staff for staff in others if not staff.is_locum]
        wanted = max(2, round(0.12 * len(b.physicians)))
        chosen = []
        for staff in rng.sample(pool, len(pool)):
            if len(chosen) >= wanted:
                break
            slots = self.rota_slots.get(staff.pk, [])
            if any(len(holders[s]) - away_in_slot[s] < 2 for s in slots):
                continue
            for s in slots:
                away_in_slot[s] += 1
            chosen.append(staff)
        chosen += rng.sample(b.locums, max(1, round(0.08 * len(b.locums))))
        for staff in chosen:
            start = _between(rng, 3, 35)
            if rng.random() < 0.8:
                kind, days, note = Absence.Kind.VACATION, _between(rng, 5, 14), "Semester"
            else:
                kind, days, note = (
                    Absence.Kind.COURSE,
                    _between(rng, 1, 3),
                    "Kurs: fortbildning i geriatrik",
                )
            absences.add((staff.pk, kind, b.db_date(start), b.db_date(start + days - 1), note))
        absences.flush()
        self.summary.absences = absences.count

    # -- who records vital signs

    def plan_unit_staff(self) -> None:
        b = self.b
        carers: list[list[int]] = [[] for _ in b.units]
        for profile, unit_ids in zip(b.profiles, b.unit_links, strict=True):
            if profile.profession in (Role.NURSE, Role.ASSISTANT_NURSE):
                for unit in unit_ids:
                    carers[unit].append(profile.user_id)
        everyone = sorted({pk for pks in carers for pk in pks})
        by_home: dict[int, set[int]] = {}
        for unit, pks in zip(b.units, carers, strict=True):
            by_home.setdefault(unit.home, set()).update(pks)
        for unit_index, unit in enumerate(b.units):
            if not carers[unit_index]:  # a unit without its own staff: the home's staff
                carers[unit_index] = sorted(by_home[unit.home]) or everyone
        self.unit_carers = carers

    # -- the persona unit's scenario: who, and until when the ordinary rounds run

    def plan_scenario(self) -> None:
        b = self.b
        nurse_user = self.users["sjukskoterska.mala"]
        nurse = next(i for i, p in enumerate(b.profiles) if p.user_id == nurse_user.pk)
        self.nurse_user = nurse_user
        nurse_units = b.unit_links[nurse]
        self.persona_units = set(nurse_units)
        rank = {unit: position for position, unit in enumerate(nurse_units)}
        candidates = sorted(
            (i for i, person in enumerate(b.people) if person.active and person.unit in rank),
            key=lambda i: (rank[b.people[i].unit], i == b.persona_resident, i),
        )

        def take(prefer_malaga: bool) -> int | None:
            for index in candidates:
                if not prefer_malaga or b.people[index].named == 0:
                    candidates.remove(index)
                    return index
            return take(False) if prefer_malaga and candidates else None

        self.open_resident = take(True)
        self.answered_resident = take(True)
        self.deteriorating_resident = take(False)
        now = self.now
        # Ordinary rounds stop where each story begins.
        self.cutoffs = {}
        if self.deteriorating_resident is not None:
            self.cutoffs[self.deteriorating_resident] = now - datetime.timedelta(hours=11)
        if self.open_resident is not None:
            self.cutoffs[self.open_resident] = now - datetime.timedelta(hours=3)
        if self.answered_resident is not None:
            self.cutoffs[self.answered_resident] = now - datetime.timedelta(hours=18)

    # -- vital signs

    def observation_days(self) -> list[tuple[int, int, int]]:
        """(day offset, first minute, end minute) of the observation window on each local day."""
        b = self.b
        days = min(b.history_days, OBSERVATION_DAYS)
        if b.scale > LARGE_SCALE:
            days = min(days, 1)
        start = self.now - datetime.timedelta(days=days)
        end = self.now - 10 * MINUTE
        window = []
        for k in range(-days - 1, 1):
            midnight = b.instant(k, 0)
            low = max(0, math.ceil((start - midnight) / MINUTE))
            high = min(24 * 60, math.floor((end - midnight) / MINUTE))
            if low < high:
                window.append((k, low, high))
        return window

    def create_observations(self) -> None:
        b = self.b
        rng = random.Random(f"vitals-{b.seed}")
        self.rng = rng
        table = _Table(Observation, OBSERVATION_FIELDS)
        self.table = table
        adapt_json = self.ops.adapt_json_value
        self.json_cache: dict[tuple, object] = {(): adapt_json({}, None)}
        self.adapt_json = adapt_json
        self.temperatures = {t: Decimal(t) / 10 for t in range(340, 420)}
        days = self.observation_days()
        end = self.now - 10 * MINUTE
        for index, person in enumerate(b.people):
            if not person.active:
                continue
            resident_id = b.resident_ids[index]
            unit_id = b.units[person.unit].org.pk
            carers = self.unit_carers[person.unit]
            copd = rng.random() < 0.12
            base = (
                14 + int(rng.random() * 5),  # respiration
                (92 if copd else 94) + int(rng.random() * (3 if copd else 5)),  # SpO2
                108 + int(rng.random() * 52),  # systolic
                58 + int(rng.random() * 26),  # diastolic
                58 + int(rng.random() * 32),  # pulse
                363 + int(rng.random() * 10),  # temperature, tenths
                450 + int(rng.random() * 400),  # weight, tenths of a kg
            )
            patchy = rng.random() < PATCHY_SHARE
            deteriorates = rng.random() < DETERIORATING_SHARE
            if index in self.cutoffs or person.unit in self.persona_units:
                deteriorates = False  # the persona units tell one deterioration story, on cue
            times = []
            for k, low, high in days:
                for centre, chance in ROUNDS:
                    if chance < 1.0 and rng.random() >= chance:
                        continue
                    minute = centre + _between(rng, -40, 45)
                    if low <= minute < high:
                        times.append((k, minute))
            cutoff = self.cutoffs.get(index)
            if cutoff is not None:
                times = [(k, m) for k, m in times if b.instant(k, m) < cutoff]
            if deteriorates and times:
                self._deterioration(resident_id, unit_id, carers, base, times, end)
                continue
            for k, minute in times:
                recorded_by = carers[int(rng.random() * len(carers))]
                measured = b.db_instant(k, minute)
                recorded = b.db_instant(k, minute + _between(rng, 1, 6))
                values = self._values(base, patchy, morning=minute < 11 * 60)
                table.add(
                    (resident_id, unit_id, measured, recorded_by, recorded, "manual", *values)
                )
        table.flush()
        self.summary.observations = table.count

    def _values(self, base, patchy: bool, *, morning: bool, severity: float = 0.0, amp=1.0):
        """One set of vital signs around BASE (worse with SEVERITY 0–1), scored; a row's tail."""
        rng = self.rng
        draw = rng.random
        rr0, sat0, sbp0, dbp0, pulse0, temp0, weight0 = base
        # Inlined `_between(rng, -n, n)`: this runs once per observation.
        rr = rr0 - 2 + int(draw() * 5)
        sat = sat0 - 1 + int(draw() * 3)
        sbp = sbp0 - 12 + int(draw() * 25)
        dbp = dbp0 - 8 + int(draw() * 17)
        pulse = pulse0 - 8 + int(draw() * 17)
        temp = temp0 - 3 + int(draw() * 7)
        consciousness = "A"
        on_oxygen = False
        flow = None
        note = ""
        if severity:
            push = severity * amp
            rr += round(9 * push)
            sat -= round(5 * push)
            sbp -= round(25 * push)
            pulse += round(28 * push)
            temp += round(20 * push)
            if severity > 0.7 and rng.random() < 0.3:
                consciousness = "C"
            if severity > 0.8 and rng.random() < 0.3:
                on_oxygen, flow, sat = True, Decimal("2.0"), sat + 2
            rr, sat, sbp, pulse = min(rr, 40), max(sat, 75), max(sbp, 70), min(pulse, 150)
        sat = min(sat, 100)
        temp = min(max(temp, 340), 419)
        dbp = min(dbp, sbp - 25)
        if patchy and rng.random() < 0.35:
            roll = rng.random()
            if roll < 0.4:
                sbp = dbp = None
                note = PATCHY_NOTES["no_bp"]
            elif roll < 0.8:
                rr = sbp = dbp = temp = None
                consciousness, on_oxygen, flow = "", None, None
                note = PATCHY_NOTES["oximeter"]
            else:
                temp = None
                note = PATCHY_NOTES["no_temp"]
        pain = _between(rng, 0, 4) if rng.random() < 0.25 else None
        weight = self.weight(weight0) if morning and rng.random() < 0.03 else None
        glucose = Decimal(_between(rng, 45, 115)) / 10 if rng.random() < 0.04 else None
        if None in (rr, sbp, temp):
            total, subscores, band, red_flag = None, self.json_cache[()], "", False
        else:
            result = score_news2(
                respiratory_rate=rr,
                spo2=sat,
                spo2_scale=1,
                on_oxygen=on_oxygen,
                systolic_bp=sbp,
                pulse=pulse,
                consciousness=consciousness,
                temperature=temp / 10,
            )
            key = tuple(result.subscores.values())
            subscores = self.json_cache.get(key)
            if subscores is None:
                subscores = self.json_cache[key] = self.adapt_json(result.subscores, None)
            total, band, red_flag = result.total, result.band, result.red_flag
        return (
            rr,
            sat,
            1,
            on_oxygen,
            flow,
            sbp,
            dbp,
            pulse,
            consciousness,
            None if temp is None else self.temperatures[temp],
            weight,
            glucose,
            pain,
            note,
            total,
            subscores,
            band,
            red_flag,
        )

    @staticmethod
    def weight(tenths: int) -> Decimal:
        return Decimal(tenths) / 10

    def _deterioration(self, resident_id, unit_id, carers, base, times, end) -> None:
        """Ordinary rounds, then a worsening during the last day, observed every 2–3 hours."""
        b, rng = self.b, self.rng
        onset = self.now - _between(rng, 6 * 60, 20 * 60) * MINUTE
        amp = 0.7 + 0.4 * rng.random()
        moments = [b.instant(k, m) for k, m in times if b.instant(k, m) < onset]
        worse = []
        when = onset + _between(rng, 20, 90) * MINUTE
        while when < end:
            worse.append(when)
            when += _between(rng, 120, 180) * MINUTE
        if not worse:
            worse = [end - _between(rng, 0, 30) * MINUTE]
        for moment in moments:
            morning = moment.astimezone(STOCKHOLM).hour < 11
            values = self._values(base, False, morning=morning)
            self._add_row(resident_id, unit_id, carers, moment, values)
        for number, moment in enumerate(worse, start=1):
            severity = number / len(worse)
            values = self._values(base, False, morning=False, severity=severity, amp=amp)
            if number == len(worse):  # the latest set: medium or high, however the dice fell
                for _attempt in range(30):
                    if values[16] in ("medium", "high"):
                        break
                    amp += 0.15
                    values = self._values(base, False, morning=False, severity=1.0, amp=amp)
                else:
                    raise AssertionError("no medium or high NEWS2 for a deteriorating resident")
                values = (
                    *values[:13],
                    "Försämrat allmäntillstånd, andas snabbare och är varm.",
                    *values[14:],
                )
            self._add_row(resident_id, unit_id, carers, moment, values)

    def _add_row(self, resident_id, unit_id, carers, moment, values) -> None:
        adapt = self.ops.adapt_datetimefield_value
        recorded_by = carers[int(self.rng.random() * len(carers))]
        recorded = moment + _between(self.rng, 1, 6) * MINUTE
        self.table.add(
            (resident_id, unit_id, adapt(moment), recorded_by, adapt(recorded), "manual", *values)
        )

    # -- the persona unit's story: a deterioration, an open consult, an answered one

    def create_scenario(self) -> None:
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
        ConsultMessage.objects.create(
            consult=consult,
            author=self.nurse_user,
            kind=ConsultMessage.Kind.EVENT,
            body=_sent_event(physician),
            created_at=sent,
        )
        Notification.objects.create(
            recipient=physician.user,
            kind=Notification.Kind.CONSULT_NEW,
            text=_sv(
                "New consult (%(urgency)s) from %(unit)s",
                "Ny konsultation (%(urgency)s) från %(unit)s",
            )
            % {"urgency": _sv("Same day", "Samma dag"), "unit": resident.unit.name},
            link=_link(consult.pk),
            created_at=sent,
        )
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
        title = f"{_sv('Measure vital signs', 'Mät vitalparametrar')}: {instructions}"[:200]
        tasks = []
        results = [
            ". Hostar fortfarande men dricker bra.",
            "",
            ". Piggare, har ätit och druckit bra.",
            "",
        ]
        for number, (due, task_obs, by) in enumerate(done):
            task = NurseTask(
                order=order, resident=resident, unit_id=resident.unit_id, title=title, due_at=due
            )
            if task_obs is not None:
                task.status = NurseTask.Status.DONE
                task.completed_at = due + 12 * MINUTE
                task.completed_by = by
                task.observation = task_obs
                task.result = observation_summary(task_obs) + results[number % len(results)]
            tasks.append(task)
        NurseTask.objects.bulk_create(tasks)
        messages = [
            (sent, self.nurse_user, ConsultMessage.Kind.EVENT, _sent_event(physician)),
            (
                accepted,
                doctor,
                ConsultMessage.Kind.EVENT,
                _sv("Accepted by %(name)s.", "Mottagen av %(name)s.") % {"name": physician.name},
            ),
            (
                answered,
                doctor,
                ConsultMessage.Kind.MESSAGE,
                f"Tack för en tydlig SBAR. Jag bedömer det som en trolig virusorsakad "
                f"luftvägsinfektion utan tecken på sepsis just nu. Jag ordinerar kontroll av "
                f"vitalparametrar var 4:e timme det närmaste dygnet. Paracetamol vid feber enligt "
                f"ordination. Hör av dig direkt om NEWS2 blir 5 eller mer, om {she} blir "
                f"andfådd i vila eller mer påverkad.",
            ),
            (
                ordered,
                doctor,
                ConsultMessage.Kind.EVENT,
                _sv(
                    "Order: %(title)s (%(count)s tasks)",
                    "Ordination: %(title)s (%(count)s uppgifter)",
                )
                % {"title": title, "count": len(tasks)},
            ),
        ]
        for task in tasks:
            if task.status == NurseTask.Status.DONE:
                body = _sv("Done: %(title)s — %(result)s", "Utfört: %(title)s — %(result)s") % {
                    "title": title,
                    "result": task.result,
                }
                messages.append((task.completed_at, task.completed_by, "event", body))
        ConsultMessage.objects.bulk_create(
            [
                ConsultMessage(
                    consult=consult, author=author, kind=kind, body=body, created_at=when
                )
                for when, author, kind, body in messages
            ]
        )
        consult.updated_at = max(when for when, *_rest in messages)
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
            Notification(
                recipient=self.nurse_user,
                kind=Notification.Kind.CONSULT_ANSWERED,
                # The services' wording: units, never residents (docs/security.md).
                text=_sv(
                    "%(name)s answered a consult from %(unit)s",
                    "%(name)s har besvarat en konsultation från %(unit)s",
                )
                % {"name": physician.name, "unit": resident.unit.name},
                link=link,
                created_at=answered,
                read_at=answered + 20 * MINUTE,
            )
        ]
        finished = [task for task in tasks if task.status == NurseTask.Status.DONE]
        for task in finished:
            notifications.append(
                Notification(
                    recipient=doctor,
                    kind=Notification.Kind.TASK_DONE,
                    text=_sv("A task on %(unit)s is done", "En uppgift på %(unit)s är utförd")
                    % {"unit": resident.unit.name},
                    link=link,
                    created_at=task.completed_at,
                    read_at=None if task is finished[-1] else task.completed_at + 30 * MINUTE,
                )
            )
        Notification.objects.bulk_create(notifications)
        self.summary.consults += 1
        self.summary.tasks += len(tasks)
        from django.conf import settings

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


def _sent_event(physician) -> str:
    return _sv("Sent to %(name)s (%(route)s).", "Skickad till %(name)s (%(route)s).") % {
        "name": physician.name,
        "route": _sv("Named physician", "Fast läkarkontakt"),
    }


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
