"""Vital signs for every active resident over the last days, scored by NEWS2 (see `loop`)."""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

from digifys.core.time import STOCKHOLM
from digifys.vitals.models import Observation
from digifys.vitals.news2 import score_news2, score_parameters

from .tables import Table, between

MINUTE = datetime.timedelta(minutes=1)
OBSERVATION_DAYS = 3
LARGE_SCALE = 10_000  # above this, vital signs for the last day only (see the module docstring)
DETERIORATING_SHARE = 0.03
PATCHY_SHARE = 0.04  # residents who sometimes refuse part of the set (no NEWS2 total then)

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

PATCHY_NOTES = {
    "no_bp": "Blodtryck ej taget – ville inte ha manschetten på.",
    "oximeter": "Endast saturation och puls, sov. Resten tas vid nästa tillfälle.",
    "no_temp": "Temperatur ej tagen.",
}


class ObservationBuilder:
    """Ordinary rounds of vital signs, some residents deteriorating, a few incomplete sets."""

    def __init__(self, loop) -> None:
        self.b = loop.b
        self.now = loop.now
        self.ops = loop.ops
        self.summary = loop.summary
        self.cutoffs = loop.cutoffs
        self.persona_units = loop.persona_units
        self.unit_carers = loop.unit_carers

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

    def run(self) -> None:
        b = self.b
        rng = random.Random(f"vitals-{b.seed}")
        self.rng = rng
        table = Table(Observation, OBSERVATION_FIELDS)
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
                    minute = centre + between(rng, -40, 45)
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
                recorded = b.db_instant(k, minute + between(rng, 1, 6))
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
        # Inlined `between(rng, -n, n)`: this runs once per observation.
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
        pain = between(rng, 0, 4) if rng.random() < 0.25 else None
        weight = self.weight(weight0) if morning and rng.random() < 0.03 else None
        glucose = Decimal(between(rng, 45, 115)) / 10 if rng.random() < 0.04 else None
        if None in (rr, sbp, temp):
            # A partial set: no total, but each measured parameter is scored and a single 3
            # raises the red flag, as vitals.services stores it (RCP Chart 4, issue #19 item 1).
            result = score_parameters(
                respiratory_rate=rr,
                spo2=sat,
                spo2_scale=1,
                on_oxygen=on_oxygen,
                systolic_bp=sbp,
                pulse=pulse,
                consciousness=consciousness or None,
                temperature=None if temp is None else temp / 10,
            )
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
        key = tuple(result.subscores.items())
        subscores = self.json_cache.get(key)
        if subscores is None:
            subscores = self.json_cache[key] = self.adapt_json(result.subscores, None)
        total, band, red_flag = result.total, result.band or "", result.red_flag
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
        onset = self.now - between(rng, 6 * 60, 20 * 60) * MINUTE
        amp = 0.7 + 0.4 * rng.random()
        moments = [b.instant(k, m) for k, m in times if b.instant(k, m) < onset]
        worse = []
        when = onset + between(rng, 20, 90) * MINUTE
        while when < end:
            worse.append(when)
            when += between(rng, 120, 180) * MINUTE
        if not worse:
            worse = [end - between(rng, 0, 30) * MINUTE]
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
        recorded = moment + between(self.rng, 1, 6) * MINUTE
        self.table.add(
            (resident_id, unit_id, adapt(moment), recorded_by, adapt(recorded), "manual", *values)
        )
