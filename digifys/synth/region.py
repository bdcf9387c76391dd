"""A deterministic synthetic Region Västerbotten for the demo, the sandbox and benchmarks.

``generate_region(seed=..., scale=..., now=...)`` fills an empty database with an organisation
tree (region → care areas → 15 municipalities → SÄBO → units, a virtual clinic in Málaga,
health centres, staffing agencies), staff and physicians, ``scale`` residents with diagnoses,
medications, treatment limitations, relatives, named physicians and deputies, and two years of
physician contacts in which continuity visibly improves when each unit goes live with the
named-physician model (:mod:`digifys.synth.history`: the personas' home 12 months before ``now``,
the second home 6 months before, the others 2–5 months before), with hospital transfers that
become rarer after it. :mod:`digifys.synth.loop` then adds the digi-physical loop:
physicians' working hours and the virtual clinic's on-duty rota, absences, vital signs with
NEWS2 for the last days, and the persona unit's deteriorating resident, open and answered
consults, order and tasks. The fixed demo personas (``sjukskoterska.mala``,
``lakare.malaga``, ``anhorig`` … see :data:`PERSONAS`) exist at every scale (the minimum is
10 residents, in three units: Malå, Storuman, Lycksele); they all share :data:`DEMO_PASSWORD`.

Scale: about 15 residents per unit. Up to 450 residents the units are those of twelve SÄBO in
the seven södra Lappland municipalities; beyond that, more SÄBO are spread over all 15
municipalities by population. Staff scale along: one nurse or assistant nurse per 7.5
residents, one physician per 45 (at least 10: six in Málaga, one on Gran Canaria, three in
Sweden) and one locum per 30 (at least 15).

Determinism: all randomness comes from ``random.Random`` instances seeded from ``seed`` (one
stream for the data, one for the password salt, and in ``loop`` one each for the rota and the
vital signs), and all times are derived
from ``now``, so equal arguments give identical rows (except auto-increment primary keys,
which depend on what the database has handed out before).

Layout: this module holds the entry points and ``_Builder`` (the seed, the clock, the random
stream and what each step adds); each table group has its own builder module, run in this order
(the order fixes the random stream): ``layout`` (homes, units, organisations), ``staff``,
``residents``, ``records`` (each resident's child rows and contact history), ``consents``,
``trust``, ``reviews``, ``history`` (go-live dates and hospital transfers), then ``loop``, the
history's consults, the other apps' demo seeds and last ``care_history`` (relatives' messages,
NEWS2 events, nurse tasks and bookings before and after go-live).
``tables`` holds the shared low-level helpers. The demo personas live in
:mod:`digifys.accounts.demo`, so the login page does not import the generator.

Privacy: personnummer come only from Skatteverket's published test list
(:func:`digifys.residents.testnumbers.load_test_personnummer`); when the numbers that fit the
age range run out, residents get Region Västerbotten reserve numbers. Phone numbers are from
PTS's range reserved for fiction (070-174 06 05 – 070-174 06 99); e-mail addresses are at
example.com (a reserved domain). Names are drawn from invented lists, so every person is fictional.

Writes: this is a synthetic-data loader, not a domain flow. It deliberately bypasses the
services layer (no audit entries) and writes straight to the tables: ``bulk_create`` for the
rows whose primary keys are needed later (organisations, users, staff, residents, the persona
unit's consults and orders — both SQLite and PostgreSQL return ids from ``bulk_create``), and
plain parameterised ``executemany`` for the large child tables (diagnoses, medications,
relatives, assignments, contacts, working hours, vital signs …), whose values are adapted with
the connection's own ``ops`` so the same code works on SQLite and PostgreSQL. Everything runs in
one transaction. This keeps 100,000 residents (about four million rows) under two minutes on
SQLite; see ``docs/performance.md``.
"""

from __future__ import annotations

import datetime
import json
import random
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.db import connection, transaction

from digifys.accounts.demo import DEMO_PASSWORD, Login, demo_logins
from digifys.clinicians.demo import seed_clinicians
from digifys.core.time import STOCKHOLM
from digifys.directory import geography
from digifys.directory.models import Organisation
from digifys.messaging.demo import seed_messages
from digifys.residents.models import Relative
from digifys.rounds.demo import seed_round_slots
from digifys.scheduling.demo import seed_work_requests
from digifys.visits.demo import seed_family_meeting
from digifys.workforce.demo import seed_flexible_work

from . import care_history, consents, history, layout, records, residents, reviews, staff, trust
from .layout import REGION_NAME
from .loop import LoopBuilder
from .observations import LARGE_SCALE
from .tables import Pick

__all__ = [
    "DEMO_PASSWORD",
    "Login",
    "RegionExistsError",
    "RegionSummary",
    "default_now",
    "demo_logins",
    "generate_region",
    "region_exists",
]

HSA_PREFIX = "SE2321000222-"
UTC = datetime.UTC

MIN_SCALE = 10
HISTORY_DAYS = 730  # two years of history: each unit's go-live (`history`) falls within it
# Above LARGE_SCALE residents the default history is one year, to keep the 100,000-resident
# benchmark (bench/synth.py) near its two-minute limit.
LARGE_SCALE_HISTORY_DAYS = 365

DATA_DIR = Path(__file__).resolve().parent / "data"


class RegionExistsError(RuntimeError):
    """A synthetic region is already loaded; generate into an empty database."""


@dataclass
class RegionSummary:
    seed: int
    scale: int
    organisations: int
    units: int
    residents: int
    staff: int  # all staff profiles, physicians and locums included
    physicians: int  # physicians, locums included
    relatives: int
    contacts: int
    seconds: float
    logins: list[Login] = field(default_factory=list)
    working_patterns: int = 0  # physicians' working hours and on-duty rota rows
    absences: int = 0
    observations: int = 0  # vital-sign sets
    consults: int = 0
    tasks: int = 0
    medication_reviews: int = 0
    transfers: int = 0  # hospital transfers and emergency visits


@cache
def _data(name: str) -> dict:
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def default_now() -> datetime.datetime:
    """The current minute in Europe/Stockholm: the default `now` of the demo.

    The persona unit's story (a resident deteriorating about 20 minutes ago, an open consult with
    its deadline ahead, a task due soon) is told relative to `now`, so the demo starts live.
    """
    return datetime.datetime.now(STOCKHOLM).replace(second=0, microsecond=0)


def region_exists() -> bool:
    """True if a synthetic region (the region organisation) is already loaded."""
    return Organisation.objects.filter(
        kind=Organisation.Kind.REGION, name=REGION_NAME, hsa_id=f"{HSA_PREFIX}E0001"
    ).exists()


def generate_region(
    *,
    seed: int = 1,
    scale: int = 450,
    history_days: int | None = None,
    now: datetime.datetime | None = None,
) -> RegionSummary:
    """Fill an empty database with a synthetic region of SCALE residents; return a summary.

    HISTORY_DAYS defaults to two years (`HISTORY_DAYS`), one year above `LARGE_SCALE` residents.

    Raises ``RegionExistsError`` if a region is already loaded and ``ValueError`` for a scale
    below 10 or a negative history.
    """
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE} residents; got {scale}.")
    if history_days is None:
        history_days = HISTORY_DAYS if scale <= LARGE_SCALE else LARGE_SCALE_HISTORY_DAYS
    if history_days < 0:
        raise ValueError(f"history_days must not be negative; got {history_days}.")
    if now is None:
        now = default_now()
    elif now.tzinfo is None:
        now = now.replace(tzinfo=STOCKHOLM)
    started = time.perf_counter()
    with transaction.atomic():
        if region_exists():
            raise RegionExistsError(
                "A synthetic region is already loaded. Start from an empty database "
                "(manage.py flush) or use --if-empty."
            )
        summary = _Builder(seed=seed, scale=scale, history_days=history_days, now=now).run()
    summary.seconds = time.perf_counter() - started
    summary.logins = demo_logins()
    return summary


class _Builder:
    """The region being built: its seed, clock, random stream and what each step adds."""

    def __init__(self, *, seed: int, scale: int, history_days: int, now: datetime.datetime) -> None:
        self.seed = seed
        self.scale = scale
        self.history_days = history_days
        self.now = now
        self.today = now.astimezone(STOCKHOLM).date()
        self.rng = random.Random(seed)
        self.names = _data("names")
        self.places = _data("places")
        self.clinical = _data("clinical")
        self.municipalities = geography.municipalities()
        self.hsa_org = 0
        self.hsa_staff = 0
        self._instants: dict[tuple[int, int], object] = {}
        self._dates: dict[int, object] = {}
        self._day_utc: dict[int, datetime.datetime] = {}
        # Each unit's go-live day and the earliest of them: set by `history.plan_go_live`.
        self.go_live_k: list[int] = []
        self.model_start_k = 0
        clinical = self.clinical
        kinds = Relative.Relationship
        self.pick_language = Pick(["sv", "fi", "se", "ar"], [94, 3, 2, 1])
        self.pick_dementia = Pick(clinical["dementia"], [d["weight"] for d in clinical["dementia"]])
        self.pick_diagnosis_count = Pick([2, 3, 4, 5, 6, 7], [10, 20, 25, 22, 15, 8])
        self.pick_diagnosis = Pick(
            clinical["diagnoses"], [d["weight"] for d in clinical["diagnoses"]]
        )
        self.pick_common_drug = Pick(
            [key for key, _w in clinical["common_drugs"]],
            [weight for _k, weight in clinical["common_drugs"]],
        )
        self.pick_stopped_count = Pick([0, 1, 2], [50, 30, 20])
        self.pick_relative_count = Pick([1, 2, 3], [40, 40, 20])
        self.pick_relationship = Pick(
            [
                kinds.CHILD,
                kinds.GRANDCHILD,
                kinds.SIBLING,
                kinds.NIECE_NEPHEW,
                kinds.FRIEND,
                kinds.OTHER,
            ],
            [60, 12, 8, 12, 4, 4],
        )
        self.pick_representative = Pick(["god_man", "forvaltare"], [80, 20])
        # Kinds of physician contact: by era and by where the physician works.
        kinds_of = ["physical", "video", "round", "consult", "phone"]
        self.contact_kinds = {
            "locum era": Pick(kinds_of, [45, 0, 15, 10, 30]),
            "locum": Pick(kinds_of, [50, 0, 0, 20, 30]),
            "M": Pick(kinds_of, [2, 40, 30, 20, 8]),  # Málaga
            "C": Pick(kinds_of, [2, 40, 30, 20, 8]),  # Gran Canaria
            "S": Pick(kinds_of, [25, 25, 25, 15, 10]),  # Sweden
        }
        ops = connection.ops
        self._adapt_date = ops.adapt_datefield_value
        self._adapt_instant = ops.adapt_datetimefield_value

    # -- time helpers: day offsets k relative to today, minutes after local midnight

    def date(self, k: int) -> datetime.date:
        return self.today + datetime.timedelta(days=k)

    def instant(self, k: int, minute: int) -> datetime.datetime:
        """An aware UTC datetime: local (Stockholm) wall time MINUTE on day K."""
        base = self._day_utc.get(k)
        if base is None:
            day = self.date(k)
            offset = datetime.datetime.combine(day, datetime.time(12), tzinfo=STOCKHOLM)
            base = datetime.datetime.combine(day, datetime.time(0), tzinfo=UTC) - (
                offset.utcoffset() or datetime.timedelta(0)
            )
            self._day_utc[k] = base
        return base + datetime.timedelta(minutes=minute)

    def db_instant(self, k: int, minute: int):
        key = (k, minute)
        value = self._instants.get(key)
        if value is None:
            value = self._adapt_instant(self.instant(k, minute))
            self._instants[key] = value
        return value

    def db_date(self, k: int):
        value = self._dates.get(k)
        if value is None:
            value = self._adapt_date(self.date(k))
            self._dates[k] = value
        return value

    def org_hsa(self) -> str:
        self.hsa_org += 1
        return f"{HSA_PREFIX}E{self.hsa_org:04d}"

    def staff_hsa(self) -> str:
        self.hsa_staff += 1
        return f"{HSA_PREFIX}P{self.hsa_staff:04d}"

    # -- the whole run

    def run(self) -> RegionSummary:
        layout.plan_units(self)
        history.plan_go_live(self)
        layout.create_organisations(self)
        history.create_go_live_rows(self)
        staff.create_staff(self)
        residents.create_residents(self)
        records.create_resident_rows(self)
        consents.create_consent_rows(self)
        trust.create_trust_rows(self)
        medication_reviews = reviews.create_review_rows(self)
        transfers = history.create_transfer_rows(self)
        loop = LoopBuilder(self).run()
        history_consults = history.create_consult_rows(self)
        # Ward rounds go through their own service: a weekly slot per unit with its named
        # physician, and this and next week's rounds with their agendas.
        seed_round_slots(now=self.now)
        # Open planning requests (family meetings, follow-ups) for the coordinator's week planner.
        seed_work_requests(now=self.now, rng=random.Random(f"planning-{self.seed}"))
        # The clinician register: every physician, and recruits in every recruitment and
        # licence state (one under supervision).
        seed_clinicians(now=self.now, rng=random.Random(f"clinicians-{self.seed}"))
        # Relatives' updates and a conversation with the persona relative (messaging.demo).
        seed_messages(now=self.now)
        # Today's family meeting, with the persona relative invited by name (the Join button).
        seed_family_meeting(now=self.now)
        # Flexible work: preferences, work from Spain, the on-duty rota and a pending swap.
        seed_flexible_work(now=self.now, rng=random.Random(f"workforce-{self.seed}"))
        # Relatives' messages, NEWS2 events, nurse tasks and bookings before and after go-live,
        # last: the bookings keep clear of those the steps above made.
        care = care_history.create_care_rows(self)
        return RegionSummary(
            seed=self.seed,
            scale=self.scale,
            organisations=self.org_count,
            units=len(self.units),
            residents=len(self.people),
            staff=len(self.profiles),
            physicians=len(self.physicians) + len(self.locums),
            relatives=self.relative_count,
            contacts=self.contact_count,
            seconds=0.0,
            working_patterns=loop.working_patterns,
            medication_reviews=medication_reviews,
            absences=loop.absences,
            observations=loop.observations + care.get("news2_events", 0),
            consults=loop.consults + history_consults,
            tasks=loop.tasks + care.get("tasks", 0),
            transfers=transfers,
        )
