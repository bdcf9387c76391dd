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

Each part has its own builder: ``schedules.ScheduleBuilder`` (working hours, rota, absences),
``observations.ObservationBuilder`` (vital signs) and ``scenario.ScenarioBuilder`` (the persona
unit's story). This module decides who records vital signs on each unit and which residents
carry the story, then runs the three in that order (the order fixes the random streams).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection

from digifys.accounts.models import Role

from .observations import ObservationBuilder
from .scenario import ScenarioBuilder
from .schedules import ScheduleBuilder

UTC = datetime.UTC


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
        ScheduleBuilder(self).run()
        self.plan_unit_staff()
        self.plan_scenario()
        ObservationBuilder(self).run()
        ScenarioBuilder(self).run()
        return self.summary

    # -- working hours, rota, absences
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
