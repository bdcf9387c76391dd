"""Working hours, the virtual clinic's on-duty rota and absences (see `loop`)."""

from __future__ import annotations

import datetime
import random

from digifys.scheduling.models import Absence, WorkingPattern

from .tables import Table, between

PERSONA_PHYSICIANS = ("lakare.malaga", "lakare.grancanaria", "lakare.lycksele")

# The on-duty rota of the virtual clinic: (weekday, from, until) in the physician's own time.
DAYTIME, EVENING, NIGHT = (8, 17), (17, 0), (0, 8)
ROTA = [(day, *hours) for day in range(7) for hours in (DAYTIME, EVENING, NIGHT)]
CANARY_WEEKEND = [(5, 9, 15), (6, 9, 15)]


class ScheduleBuilder:
    """Physicians' working hours and rota (``WorkingPattern``) and coming absences."""

    def __init__(self, loop) -> None:
        self.b = loop.b
        self.ops = loop.ops
        self.summary = loop.summary
        self.user_by_id = loop.user_by_id

    def run(self) -> None:
        b = self.b
        rng = random.Random(f"rota-{b.seed}")
        clock = {
            hour: self.ops.adapt_timefield_value(datetime.time(hour)) for hour in (0, 8, 9, 15, 17)
        }
        patterns = Table(
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
        absences = Table(Absence, ["staff", "kind", "starts_on", "ends_on", "note"])
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
            start = between(rng, 3, 35)
            if rng.random() < 0.8:
                kind, days, note = Absence.Kind.VACATION, between(rng, 5, 14), "Semester"
            else:
                kind, days, note = (
                    Absence.Kind.COURSE,
                    between(rng, 1, 3),
                    "Kurs: fortbildning i geriatrik",
                )
            absences.add((staff.pk, kind, b.db_date(start), b.db_date(start + days - 1), note))
        absences.flush()
        self.summary.absences = absences.count
