"""A deterministic synthetic Region Västerbotten for the demo, the sandbox and benchmarks.

``generate_region(seed=..., scale=..., now=...)`` fills an empty database with an organisation
tree (region → care areas → 15 municipalities → SÄBO → units, a virtual clinic in Málaga,
health centres, staffing agencies), staff and physicians, ``scale`` residents with diagnoses,
medications, treatment limitations, relatives, named physicians and deputies, and a year of
physician contacts in which continuity visibly improves when the named-physician model starts
(about four months before ``now``). :mod:`digifys.synth.loop` then adds the digi-physical loop:
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

import bisect
import datetime
import heapq
import itertools
import json
import math
import random
import time
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, transaction
from django.db.models import F

from digifys.accounts.models import Role, User
from digifys.careteams.models import CareContact, PhysicianAssignment
from digifys.consults.models import Consult
from digifys.directory import geography
from digifys.directory.models import Organisation, StaffLanguage, StaffProfile
from digifys.residents.identity import make_reserve_number
from digifys.residents.models import (
    Diagnosis,
    Medication,
    Relative,
    Resident,
    TreatmentLimitation,
)
from digifys.residents.testnumbers import load_test_personnummer
from digifys.vitals.models import Observation

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

DEMO_PASSWORD = "digifys-demo-2026"  # noqa: S105 — the public demo password, printed by the demo

REGION_NAME = "Region Västerbotten"
VIRTUAL_CLINIC_NAME = "Västerbotten utan gränser – Málaga"
HSA_PREFIX = "SE2321000222-"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = datetime.UTC

MIN_SCALE = 10
RESIDENTS_PER_UNIT = 15
RESIDENTS_PER_PHYSICIAN = 45
RESIDENTS_PER_CARER = 7.5
RESIDENTS_PER_LOCUM = 30
NEW_MODEL_DAYS = 120  # the named-physician model started about four months before `now`
MIN_AGE, MAX_AGE = 70, 104
FLUSH_ROWS = 20_000

DATA_DIR = Path(__file__).resolve().parent / "data"

# Fictional phone numbers: PTS reserves 070-174 06 05 … 070-174 06 99 for fiction.
FICTION_PHONES = [f"070-174 06 {n:02d}" for n in range(5, 100)]

NO_CPR_TEXTS = [
    "Ej HLR vid hjärtstopp. Beslutat efter samtal med patienten och närstående.",
    "Ej HLR. Patienten informerad; närstående informerade per telefon.",
    "Ej HLR; HLR bedöms inte kunna gagna patienten. Närstående informerade.",
]

# Fixed personas: username → (role, given name, family name). Later features rely on these.
PERSONAS: dict[str, tuple[str, str, str]] = {
    "sjukskoterska.mala": (Role.NURSE, "Maria", "Lindqvist"),
    "sjukskoterska.storuman": (Role.NURSE, "Johanna", "Sjölund"),
    "underskoterska.mala": (Role.ASSISTANT_NURSE, "Elin", "Burman"),
    "lakare.malaga": (Role.PHYSICIAN, "Lucía", "Fernández Ortega"),
    "lakare.grancanaria": (Role.PHYSICIAN, "Alejandro", "Suárez Déniz"),
    "lakare.lycksele": (Role.PHYSICIAN, "Ingrid", "Marklund"),
    "anhorig": (Role.RELATIVE, "Eva", ""),  # family name: the resident's
    "samordnare": (Role.COORDINATOR, "Karin", "Öhman"),
    "admin": (Role.ADMINISTRATOR, "Per", "Åström"),
}

MALAGA = ("ES", "AN", "Málaga", "Europe/Madrid")
GRAN_CANARIA = ("ES", "CN", "Las Palmas de Gran Canaria", "Atlantic/Canary")


class RegionExistsError(RuntimeError):
    """A synthetic region is already loaded; generate into an empty database."""


@dataclass(frozen=True)
class Login:
    role: str  # a Role value, e.g. "nurse"
    username: str
    name: str
    detail: str


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
    history_days: int = 365,
    now: datetime.datetime | None = None,
) -> RegionSummary:
    """Fill an empty database with a synthetic region of SCALE residents; return a summary.

    Raises ``RegionExistsError`` if a region is already loaded and ``ValueError`` for a scale
    below 10 or a negative history.
    """
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE} residents; got {scale}.")
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


# --- Reading the personas back ----------------------------------------------------------------


def demo_logins() -> list[Login]:
    """The fixed demo personas as they are in the database (empty if no region is loaded)."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=list(PERSONAS)).select_related(
            "staff_profile__employer"
        )
    }
    logins = []
    for username, (persona_role, _given, _family) in PERSONAS.items():
        user = users.get(username)
        if user is None:
            continue
        role = user.role or persona_role  # as the database has it
        logins.append(
            Login(
                role=str(role),
                username=username,
                name=user.get_full_name(),
                detail=_persona_detail(user, role),
            )
        )
    return logins


def _persona_detail(user: User, role: str) -> str:
    if role == Role.RELATIVE:
        link = user.relative_links.select_related("resident__unit__parent").first()
        if link is None:
            return ""
        resident = link.resident
        return (
            f"{link.get_relationship_display()} – {resident.full_name}, "
            f"{resident.unit.parent.name} {resident.unit.name}"
        )
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return ""
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        units = list(profile.units.select_related("parent").order_by("name"))
        if not units:
            return profile.employer.name
        detail = f"{units[0].parent.name}: " + ", ".join(unit.name for unit in units)
        worse = _deteriorating(units) if role == Role.NURSE else None
        if worse is not None:
            detail += (
                f"; deteriorating now, no consult yet: {worse.resident.full_name} "
                f"(room {worse.resident.room}, NEWS2 {worse.news2_total})"
            )
        return detail
    if role == Role.PHYSICIAN:
        named = (
            PhysicianAssignment.objects.current()
            .named()
            .filter(physician=profile, resident__status=Resident.Status.ACTIVE)
            .count()
        )
        detail = (
            f"{profile.employer.name}; {profile.work_city} ({profile.time_zone}); "
            f"named physician of {named} residents"
        )
        waiting = Consult.objects.filter(
            assigned_to=profile, status__in=Consult.WAITING_STATUSES
        ).count()
        if waiting:
            detail += f"; {waiting} consult{'s' if waiting > 1 else ''} waiting"
        return detail
    if role == Role.ADMINISTRATOR:
        return f"{profile.employer.name}; Django admin (/admin/)"
    return profile.employer.name


def _deteriorating(units) -> Observation | None:
    """The latest medium or high NEWS2 in UNITS whose resident has no open consult, if it is
    that resident's latest observation."""
    latest = (
        Observation.objects.filter(
            unit__in=units,
            news2_band__in=("medium", "high"),
            resident__status=Resident.Status.ACTIVE,
        )
        .exclude(resident__consults__status__in=Consult.OPEN_STATUSES)
        .select_related("resident")
        .order_by("-measured_at", "-pk")
        .first()
    )
    if latest is None:
        return None
    newest = latest.resident.observations.order_by("-measured_at", "-pk").first()
    return latest if newest == latest else None


# --- Low-level writing ------------------------------------------------------------------------


class _Table:
    """Buffered ``executemany`` into one table; values must already be database-ready."""

    def __init__(self, model, fields: list[str]) -> None:
        opts = model._meta
        quote = connection.ops.quote_name
        columns = ", ".join(quote(opts.get_field(name).column) for name in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Identifiers come from the model's metadata, quoted; values are always parameters.
        table = quote(opts.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch in ".-")


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _municipality_name(name: str) -> str:
    """'Malå kommun', 'Storumans kommun', 'Robertsfors kommun'."""
    if name[-1] in "aeiouyåäös":
        return f"{name} kommun"
    return f"{name}s kommun"


class _Pick:
    """A weighted choice with precomputed cumulative weights (cheaper than ``rng.choices``)."""

    def __init__(self, items, weights) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


def _between(rng: random.Random, low: int, high: int) -> int:
    """Like ``rng.randint(low, high)`` (inclusive), without its overhead in the hot loops."""
    return low + int(rng.random() * (high - low + 1))


# --- Plans (pure Python, before anything is written) ------------------------------------------


@dataclass
class _Home:
    name: str
    municipality_code: str
    city: str
    unit_names: list[str] = field(default_factory=list)
    org: Organisation | None = None
    default_layout: bool = False


@dataclass
class _Unit:
    home: int  # index into homes
    name: str
    number: int
    org: Organisation | None = None
    residents: int = 0
    named: int = -1  # physician index
    deputy: int = -1


RESERVE_ENTITLEMENT = (
    "Bor på särskilt boende i kommunen; identiteten utreds. Beslut: vårdsamordnaren."
)


@dataclass
class _Person:
    """One resident's plan; fields that child rows need after the resident is saved."""

    unit: int
    active: bool
    moved_in_k: int  # day offsets relative to today (negative = past)
    left_k: int  # day the resident left (0 for active residents)
    age: int
    dementia: bool
    family_name: str
    female: bool
    language: str
    named: int
    deputy: int


class _Builder:
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
        self.model_start_k = -NEW_MODEL_DAYS
        clinical = self.clinical
        kinds = Relative.Relationship
        self.pick_language = _Pick(["sv", "fi", "se", "ar"], [94, 3, 2, 1])
        self.pick_dementia = _Pick(
            clinical["dementia"], [d["weight"] for d in clinical["dementia"]]
        )
        self.pick_diagnosis_count = _Pick([2, 3, 4, 5, 6, 7], [10, 20, 25, 22, 15, 8])
        self.pick_diagnosis = _Pick(
            clinical["diagnoses"], [d["weight"] for d in clinical["diagnoses"]]
        )
        self.pick_common_drug = _Pick(
            [key for key, _w in clinical["common_drugs"]],
            [weight for _k, weight in clinical["common_drugs"]],
        )
        self.pick_stopped_count = _Pick([0, 1, 2], [50, 30, 20])
        self.pick_relative_count = _Pick([1, 2, 3], [40, 40, 20])
        self.pick_relationship = _Pick(
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
        self.pick_representative = _Pick(["god_man", "forvaltare"], [80, 20])
        # Kinds of physician contact: by era and by where the physician works.
        kinds_of = ["physical", "video", "round", "consult", "phone"]
        self.contact_kinds = {
            "locum era": _Pick(kinds_of, [45, 0, 15, 10, 30]),
            "locum": _Pick(kinds_of, [50, 0, 0, 20, 30]),
            "M": _Pick(kinds_of, [2, 40, 30, 20, 8]),  # Málaga
            "C": _Pick(kinds_of, [2, 40, 30, 20, 8]),  # Gran Canaria
            "S": _Pick(kinds_of, [25, 25, 25, 15, 10]),  # Sweden
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
        self.plan_units()
        self.create_organisations()
        self.create_staff()
        self.create_residents()
        self.create_resident_rows()
        from .loop import LoopBuilder  # imports this module

        loop = LoopBuilder(self).run()
        # Ward rounds go through their own service: a weekly slot per unit with its named
        # physician, and this and next week's rounds with their agendas.
        from digifys.rounds.demo import seed_round_slots

        seed_round_slots(now=self.now)
        # Open planning requests (family meetings, follow-ups) for the coordinator's week planner.
        from digifys.scheduling.demo import seed_work_requests

        seed_work_requests(now=self.now, rng=random.Random(f"planning-{self.seed}"))
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
            absences=loop.absences,
            observations=loop.observations,
            consults=loop.consults,
            tasks=loop.tasks,
        )

    # -- layout: homes and units

    def plan_units(self) -> None:
        unit_count = max(3, round(self.scale / RESIDENTS_PER_UNIT))
        unit_names = self.places["unit_names"]
        homes: list[_Home] = []
        defaults = self.places["default_homes"]
        taken = [0] * len(defaults)
        wanted = min(unit_count, sum(home["units"] for home in defaults))
        order: list[int] = []  # round-robin over the default homes, Malå first
        while len(order) < wanted:
            for index, home in enumerate(defaults):
                if taken[index] < home["units"] and len(order) < wanted:
                    taken[index] += 1
                    order.append(index)
        home_index: dict[int, int] = {}
        self.units: list[_Unit] = []
        for index in sorted(set(order)):
            spec = defaults[index]
            home_index[index] = len(homes)
            homes.append(
                _Home(spec["name"], spec["municipality"], spec["city"], default_layout=True)
            )
        for index in sorted(set(order)):
            home = home_index[index]
            for number in range(1, taken[index] + 1):
                self._add_unit(homes, home, number, unit_names)

        extra = unit_count - len(self.units)
        if extra > 0:
            self._plan_extra_homes(homes, extra, unit_names)
        self.homes = homes

        # Residents per unit: equal shares, the remainder to the first units.
        base, remainder = divmod(self.scale, len(self.units))
        for index, unit in enumerate(self.units):
            unit.residents = base + (1 if index < remainder else 0)

    def _add_unit(self, homes: list[_Home], home: int, number: int, unit_names: list[str]) -> None:
        tree = unit_names[(number - 1) % len(unit_names)]
        name = f"Avd {number} {tree}"
        homes[home].unit_names.append(name)
        self.units.append(_Unit(home=home, name=name, number=number))

    def _plan_extra_homes(self, homes: list[_Home], extra: int, unit_names: list[str]) -> None:
        """Spread EXTRA units over all 15 municipalities by population (largest remainder)."""
        rng = self.rng
        codes = list(self.municipalities)
        population = [self.municipalities[code].population_2024 for code in codes]
        total = sum(population)
        shares = [extra * pop / total for pop in population]
        counts = [math.floor(share) for share in shares]
        by_remainder = sorted(range(len(codes)), key=lambda i: (counts[i] - shares[i], codes[i]))
        for i in by_remainder[: extra - sum(counts)]:
            counts[i] += 1
        combos = list(
            dict.fromkeys(
                prefix + suffix
                for prefix in self.places["home_prefixes"]
                for suffix in self.places["home_suffixes"]
            )
        )
        used = {(home.municipality_code, home.name) for home in homes}
        for code, count in zip(codes, counts, strict=True):
            names = combos[:]
            rng.shuffle(names)
            serial = 0
            left = count
            while left > 0:
                size = min(left, rng.randint(2, 6))
                left -= size
                while True:
                    base = names[serial % len(names)]
                    round_ = serial // len(names)
                    name = base if round_ == 0 else f"{base} {round_ + 1}"
                    serial += 1
                    if (code, name) not in used:
                        break
                used.add((code, name))
                homes.append(_Home(name, code, self.municipalities[code].name))
                for number in range(1, size + 1):
                    self._add_unit(homes, len(homes) - 1, number, unit_names)

    # -- organisations

    def create_organisations(self) -> None:
        rng = self.rng
        places = self.places
        kind = Organisation.Kind
        region = Organisation(
            kind=kind.REGION, name=REGION_NAME, hsa_id=self.org_hsa(), city="Umeå"
        )
        Organisation.objects.bulk_create([region])
        self.region = region

        care_areas = {
            key: Organisation(kind=kind.CARE_AREA, name=name, parent=region, hsa_id=self.org_hsa())
            for key, name in geography.care_areas().items()
        }
        Organisation.objects.bulk_create(list(care_areas.values()))

        municipalities = {
            code: Organisation(
                kind=kind.MUNICIPALITY,
                name=_municipality_name(m.name),
                parent=care_areas[m.care_area],
                municipality_code=code,
                hsa_id=self.org_hsa(),
                city=m.name,
            )
            for code, m in self.municipalities.items()
        }
        Organisation.objects.bulk_create(list(municipalities.values()))
        Organisation.objects.filter(pk__in=[m.pk for m in municipalities.values()]).update(
            municipality=F("pk")
        )
        self.municipality_orgs = municipalities

        def address(code: str) -> dict:
            street = rng.choice(places["streets"])
            return {
                "street_address": f"{street} {rng.randint(1, 40)}",
                "postal_code": places["postal_codes"][code],
            }

        self.clinic = Organisation(
            kind=kind.VIRTUAL_CLINIC,
            name=VIRTUAL_CLINIC_NAME,
            parent=region,
            hsa_id=self.org_hsa(),
            street_address="Calle Larios 7",
            postal_code="29005",
            city="Málaga",
            country="ES",
            time_zone="Europe/Madrid",
        )
        self.health_centres: dict[str, Organisation] = {}
        for code, m in self.municipalities.items():
            if m.care_area != "sodra_lappland":
                continue
            self.health_centres[code] = Organisation(
                kind=kind.HEALTH_CENTRE,
                name=f"Hälsocentralen {m.name}",
                parent=care_areas[m.care_area],
                municipality=municipalities[code],
                municipality_code=code,
                hsa_id=self.org_hsa(),
                city=m.name,
                **address(code),
            )
        self.agencies = [
            Organisation(kind=kind.AGENCY, name=name, hsa_id=self.org_hsa(), city="Umeå")
            for name in places["agencies"]
        ]
        for home in self.homes:
            home.org = Organisation(
                kind=kind.NURSING_HOME,
                name=home.name,
                parent=municipalities[home.municipality_code],
                municipality=municipalities[home.municipality_code],
                municipality_code=home.municipality_code,
                hsa_id=self.org_hsa(),
                city=home.city,
                **address(home.municipality_code),
            )
        second_level = [
            self.clinic,
            *self.health_centres.values(),
            *self.agencies,
            *(home.org for home in self.homes),
        ]
        Organisation.objects.bulk_create(second_level, batch_size=1000)

        for unit in self.units:
            home = self.homes[unit.home]
            unit.org = Organisation(
                kind=kind.UNIT,
                name=unit.name,
                parent=home.org,
                municipality=municipalities[home.municipality_code],
                municipality_code=home.municipality_code,
                hsa_id=self.org_hsa(),
                street_address=home.org.street_address,
                postal_code=home.org.postal_code,
                city=home.city,
            )
        Organisation.objects.bulk_create([unit.org for unit in self.units], batch_size=1000)
        self.org_count = 1 + len(care_areas) + len(municipalities) + len(second_level)
        self.org_count += len(self.units)

    # -- staff

    def create_staff(self) -> None:
        rng = self.rng
        names = self.names
        places = self.places
        password = make_password(DEMO_PASSWORD, salt=self._salt())
        joined = self.instant(self.model_start_k - 30, 9 * 60)
        self.users: list[User] = []
        self.profiles: list[StaffProfile] = []
        self.languages: list[list[tuple[str, str]]] = []
        self.unit_links: list[list[int]] = []  # unit indices per profile
        counter = [0]

        def person(username: str | None, given: str, family: str, **user_fields) -> User:
            if username is None:
                counter[0] += 1
                username = f"user{counter[0]:05d}"
            user = User(
                username=username,
                first_name=given,
                last_name=family,
                email=f"{username}@example.com",
                password=password,
                date_joined=joined,
                **user_fields,
            )
            self.users.append(user)
            return user

        def profile(user: User, langs: list[tuple[str, str]], units=(), **fields) -> StaffProfile:
            staff = StaffProfile(user=user, hsa_id=self.staff_hsa(), **fields)
            self.profiles.append(staff)
            self.languages.append(langs)
            self.unit_links.append(list(units))
            return staff

        adult = names["adult"]
        sv_family = names["elderly"]["sv"]["family"]

        def swedish_name(female: bool) -> tuple[str, str]:
            given = rng.choice(adult["female"] if female else adult["male"])
            return given, rng.choice(sv_family)

        physician_count = max(10, round(self.scale / RESIDENTS_PER_PHYSICIAN))
        locum_count = max(15, round(self.scale / RESIDENTS_PER_LOCUM))
        units_of_home: list[list[int]] = [[] for _ in self.homes]
        for index, unit in enumerate(self.units):
            units_of_home[unit.home].append(index)
        carers = []
        for home_index, unit_ids in enumerate(units_of_home):
            residents = sum(self.units[i].residents for i in unit_ids)
            carers.append((home_index, unit_ids, max(2, round(residents / RESIDENTS_PER_CARER))))
        licensed = (
            physician_count + locum_count + sum(max(1, round(n * 0.3)) for _h, _u, n in carers)
        )
        licences = iter(rng.sample(range(1_000_000, 10_000_000), licensed))

        # Administrator and coordinators (region).
        given, family = PERSONAS["admin"][1:]
        admin = person("admin", given, family, is_staff=True, is_superuser=True)
        profile(
            admin,
            [("sv", "native"), ("en", "fluent")],
            profession=Role.ADMINISTRATOR,
            title="Systemförvaltare",
            employer=self.region,
        )
        given, family = PERSONAS["samordnare"][1:]
        self.coordinator = person("samordnare", given, family)
        profile(
            self.coordinator,
            [("sv", "native"), ("en", "fluent")],
            profession=Role.COORDINATOR,
            title="Vårdsamordnare",
            employer=self.region,
        )
        given, family = swedish_name(rng.random() < 0.7)
        profile(
            person(None, given, family),
            [("sv", "native")],
            profession=Role.COORDINATOR,
            title="Vårdsamordnare",
            employer=self.region,
        )

        # Physicians: six of every ten in Málaga, one on Gran Canaria, three in Sweden.
        spanish = names["spanish"]
        pattern = ["M", "M", "M", "M", "M", "M", "C", "S", "S", "S"]
        health_centres = list(self.health_centres)  # municipality codes
        sweden_first = ["2481", "2462", "2421"]  # Lycksele (persona), Vilhelmina, Storuman
        self.physicians: list[StaffProfile] = []
        self.physician_place: list[str] = []
        swedish_seen = 0
        for index in range(physician_count):
            place = pattern[index % len(pattern)]
            username = None
            if index == 0:
                username = "lakare.malaga"
            elif index == 6:
                username = "lakare.grancanaria"
            elif index == 7:
                username = "lakare.lycksele"
            female = rng.random() < 0.55
            if username:
                given, family = PERSONAS[username][1:]
            elif place in "MC":
                given = rng.choice(spanish["female"] if female else spanish["male"])
                first, second = rng.sample(spanish["family"], 2)
                family = f"{first} {second}"
            else:
                given, family = swedish_name(female)
            user = person(username, given, family)
            if place in "MC" and username is None and rng.random() < 0.4:
                user.language = "es"
            if place in "MC":
                country, subdivision, city, zone = MALAGA if place == "M" else GRAN_CANARIA
                employer = self.clinic
                langs = [
                    ("es", "native"),
                    ("sv", rng.choice(["professional", "fluent"])),
                    ("en", "fluent"),
                ]
                where = (
                    "digitalt från den virtuella mottagningen i Málaga"
                    if place == "M"
                    else "digitalt från Gran Canaria inom den virtuella mottagningen"
                )
            else:
                code = (
                    sweden_first[swedish_seen]
                    if swedish_seen < len(sweden_first)
                    else health_centres[swedish_seen % len(health_centres)]
                )
                swedish_seen += 1
                employer = self.health_centres[code]
                country, subdivision, city, zone = ("SE", "", employer.city, "Europe/Stockholm")
                langs = [("sv", "native"), ("en", "fluent")]
                where = f"på {employer.name} och digitalt"
            title = "Specialist i geriatrik" if rng.random() < 0.3 else "Specialist i allmänmedicin"
            self.physicians.append(
                profile(
                    user,
                    langs,
                    profession=Role.PHYSICIAN,
                    title=title,
                    licence_number=str(next(licences)),
                    employer=employer,
                    work_country=country,
                    work_subdivision=subdivision,
                    work_city=city,
                    time_zone=zone,
                    presentation=(
                        f"{title} med inriktning mot äldres hälsa. "
                        f"Arbetar {where} tillsammans med sjuksköterskorna på boendet."
                    ),
                )
            )
            self.physician_place.append(place)

        # Locums from the two agencies: mostly Swedish, some European, a few living in Spain.
        self.locums: list[StaffProfile] = []
        european = names["european"]
        for index in range(locum_count):
            female = rng.random() < 0.45
            roll = rng.random()
            country, subdivision, zone = "SE", "", "Europe/Stockholm"
            city = rng.choice(places["swedish_cities"])
            if roll < 0.55:
                given, family = swedish_name(female)
                langs = [("sv", "native"), ("en", "fluent")]
            elif roll < 0.85:
                origin = european[index % len(european)]
                given = rng.choice(origin["female"] if female else origin["male"])
                family = rng.choice(origin["family"])
                langs = [(origin["language"], "native"), ("sv", "professional"), ("en", "fluent")]
            else:
                given = rng.choice(spanish["female"] if female else spanish["male"])
                first, second = rng.sample(spanish["family"], 2)
                family = f"{first} {second}"
                city, subdivision = rng.choice(places["spanish_cities"])
                country, zone = "ES", "Europe/Madrid"
                langs = [("es", "native"), ("sv", "professional"), ("en", "fluent")]
            self.locums.append(
                profile(
                    person(None, given, family),
                    langs,
                    profession=Role.PHYSICIAN,
                    title="Legitimerad läkare, stafettläkare",
                    licence_number=str(next(licences)),
                    employer=self.agencies[index % len(self.agencies)],
                    work_country=country,
                    work_subdivision=subdivision,
                    work_city=city,
                    time_zone=zone,
                    is_locum=True,
                )
            )

        # Nurses and assistant nurses, per SÄBO (about one per 7.5 residents).
        first_home_persona = {0: ("sjukskoterska.mala", "underskoterska.mala")}
        storuman_home = next(
            (i for i, home in enumerate(self.homes) if home.municipality_code == "2421"), None
        )
        fi_names = names["elderly"]["fi"]
        for home_index, unit_ids, carer_count in carers:
            home = self.homes[home_index]
            employer = self.municipality_orgs[home.municipality_code]
            nurses = max(1, round(carer_count * 0.3))
            assistants = max(1, carer_count - nurses)
            k = len(unit_ids)
            for j in range(nurses + assistants):
                is_nurse = j < nurses
                username = None
                if is_nurse and j == 0:
                    if home_index in first_home_persona:
                        username = first_home_persona[home_index][0]
                    elif home_index == storuman_home:
                        username = "sjukskoterska.storuman"
                elif not is_nurse and j == nurses and home_index in first_home_persona:
                    username = first_home_persona[home_index][1]
                female = rng.random() < 0.85
                langs = [("sv", "native")]
                if username:
                    given, family = PERSONAS[username][1:]
                elif rng.random() < 0.05:
                    given = rng.choice(adult["female"] if female else adult["male"])
                    family = rng.choice(fi_names["family"])
                    langs = [("fi", "native"), ("sv", "fluent")]
                else:
                    given, family = swedish_name(female)
                if is_nurse:
                    start = j % k
                    span = min(k, 2 if username else rng.randint(1, 3))
                    units = [unit_ids[(start + step) % k] for step in range(span)]
                    if username:  # the persona nurse: Avd 1 (and Avd 2) of her home
                        units = sorted(units)
                    title = rng.choice(
                        [
                            "Legitimerad sjuksköterska",
                            "Distriktssköterska",
                            "Specialistsjuksköterska, vård av äldre",
                        ]
                    )
                    licence = str(next(licences))
                    profession = Role.NURSE
                else:
                    start = (j - nurses) % k
                    span = 1 if username or rng.random() < 0.8 else min(k, 2)
                    units = [unit_ids[(start + step) % k] for step in range(span)]
                    title, licence, profession = "Undersköterska", "", Role.ASSISTANT_NURSE
                profile(
                    person(username, given, family),
                    langs,
                    units=units,
                    profession=profession,
                    title=title,
                    licence_number=licence,
                    employer=employer,
                    work_city=home.city,
                )

        User.objects.bulk_create(self.users, batch_size=1000)
        for staff in self.profiles:
            staff.user_id = staff.user.pk
        StaffProfile.objects.bulk_create(self.profiles, batch_size=1000)

        links = _Table(StaffProfile.units.through, ["staffprofile", "organisation"])
        for staff, unit_ids in zip(self.profiles, self.unit_links, strict=True):
            for unit in unit_ids:
                links.add((staff.pk, self.units[unit].org.pk))
        links.flush()
        skills = _Table(StaffLanguage, ["staff", "language", "proficiency"])
        for staff, langs in zip(self.profiles, self.languages, strict=True):
            for language, proficiency in langs:
                skills.add((staff.pk, language, proficiency))
        skills.flush()
        self.assign_units_to_physicians()

    def _salt(self) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "".join(random.Random(f"salt-{self.seed}").choice(alphabet) for _ in range(22))

    def assign_units_to_physicians(self) -> None:
        """Give each unit a named physician (non-locum) and a deputy, balancing panel sizes."""
        count = len(self.physicians)
        load = [0] * count
        spain = [i for i, place in enumerate(self.physician_place) if place in "MC"]
        sweden = [i for i, place in enumerate(self.physician_place) if place == "S"]

        def assign(unit: _Unit, physician: int) -> None:
            unit.named = physician
            team = spain if physician in spain else sweden
            unit.deputy = team[(team.index(physician) + 1) % len(team)]
            load[physician] += unit.residents

        pending = []
        first_in = set()
        for unit in self.units:
            home = self.homes[unit.home]
            code = home.municipality_code
            if home.default_layout and code == "2418":
                assign(unit, 0)  # lakare.malaga: the Malå units
            elif home.default_layout and code == "2481" and code not in first_in:
                first_in.add(code)
                assign(unit, 7)  # lakare.lycksele
            elif home.default_layout and code == "2421" and code not in first_in:
                first_in.add(code)
                assign(unit, 6)  # lakare.grancanaria
            else:
                pending.append(unit)
        heap = [(load[i], i) for i in range(count)]
        heapq.heapify(heap)
        for unit in pending:
            current, physician = heapq.heappop(heap)
            while current != load[physician]:  # stale entry
                current, physician = heapq.heappushpop(heap, (load[physician], physician))
            assign(unit, physician)
            heapq.heappush(heap, (load[physician], physician))

    # -- residents

    def _identity_pool(self) -> dict[tuple[int, bool], list[tuple[str, datetime.date]]]:
        """Test personnummer whose holders are MIN_AGE–MAX_AGE today, by (age, female)."""
        pool: dict[tuple[int, bool], list[tuple[str, datetime.date]]] = {}
        today = self.today
        for number in load_test_personnummer():
            year, month, day = int(number[:4]), int(number[4:6]), int(number[6:8])
            if not 1900 <= year <= today.year or day > 31:
                continue
            birth = datetime.date(year, month, day)
            age = today.year - year - ((today.month, today.day) < (month, day))
            if MIN_AGE <= age <= MAX_AGE:
                female = int(number[10]) % 2 == 0
                pool.setdefault((age, female), []).append((number, birth))
        for key in sorted(pool):
            self.rng.shuffle(pool[key])
        return pool

    def _draw_identity(self, age: int, female: bool) -> tuple[str, str, datetime.date]:
        for delta in (0, 1, -1, 2, -2, 3, -3):
            if (age + delta >= 100) != (age >= 100):  # keep centenarians centenarians
                continue
            bucket = self.pool.get((age + delta, female))
            if bucket:
                number, birth = bucket.pop()
                return Resident.IdentityKind.PERSONNUMMER, number, birth
        # Out of test numbers near this age: a Region Västerbotten reserve number.
        rng = self.rng
        while True:
            birthday_this_year = self.today - datetime.timedelta(days=rng.randint(1, 365))
            try:
                birth = birthday_this_year.replace(year=birthday_this_year.year - age)
            except ValueError:  # 29 February
                continue
            serial = self.reserve_serials.get(birth, 0)
            if serial < 200:
                self.reserve_serials[birth] = serial + 1
                return (
                    Resident.IdentityKind.RESERVNUMMER,
                    make_reserve_number(birth_date=birth, serial=serial),
                    birth,
                )

    def create_residents(self) -> None:
        rng = self.rng
        self.pool = self._identity_pool()
        self.reserve_serials: dict[datetime.date, int] = {}
        decider = self.coordinator.staff_profile
        elderly = self.names["elderly"]
        self.people: list[_Person] = []
        self.dementia_of: list[dict | None] = []
        residents: list[Resident] = []
        # Exactly about 2 % centenarians, so that even small regions show a few.
        centenarians = set(rng.sample(range(self.scale), max(1, round(self.scale * 0.02))))
        for unit_index, unit in enumerate(self.units):
            home = self.homes[unit.home]
            active_flags = [rng.random() >= 0.03 for _ in range(unit.residents)]
            active_rooms = max(1, sum(active_flags))
            room_number = 0
            for active in active_flags:
                female = rng.random() < 0.65
                if len(residents) in centenarians:
                    age = rng.randint(100, MAX_AGE)
                else:
                    age = round(rng.gauss(85.5, 6.0))
                    while not MIN_AGE <= age < 100:
                        age = round(rng.gauss(85.5, 6.0))
                kind, number, birth = self._draw_identity(age, female)
                language = self.pick_language(rng)
                names = elderly[language]
                given = rng.choice(names["female"] if female else names["male"])
                family = rng.choice(names["family"])
                interpreter = False
                preferred = [language]
                if language == "fi":
                    interpreter = rng.random() < 0.4
                    if not interpreter:
                        preferred = ["fi", "sv"]
                elif language == "se":
                    interpreter = rng.random() < 0.3
                    if not interpreter:
                        preferred = ["se", "sv"]
                elif language == "ar":
                    interpreter = rng.random() < 0.8
                moved_in_k = -rng.randint(1, 4 * 365)
                left_k = 0
                status = Resident.Status.ACTIVE
                if active:
                    room_number += 1
                    room = room_number
                else:
                    room = rng.randint(1, active_rooms)
                    left_k = rng.randint(min(moved_in_k + 30, -1), -1)
                    status = (
                        Resident.Status.DECEASED
                        if rng.random() < 0.8
                        else Resident.Status.MOVED_OUT
                    )
                dementia = rng.random() < 0.45
                dementia_dx = self.pick_dementia(rng) if dementia else None
                swap = rng.random() < 0.12
                named, deputy = (unit.deputy, unit.named) if swap else (unit.named, unit.deputy)
                person = _Person(
                    unit=unit_index,
                    active=active,
                    moved_in_k=moved_in_k,
                    left_k=left_k,
                    age=age,
                    dementia=dementia,
                    family_name=family,
                    female=female,
                    language=language,
                    named=named,
                    deputy=deputy,
                )
                self.people.append(person)
                self.dementia_of.append(dementia_dx)
                residents.append(
                    Resident(
                        identity_kind=kind,
                        identity_number=number,
                        given_name=given,
                        family_name=family,
                        birth_date=birth,
                        home_municipality_code=home.municipality_code,
                        unit=unit.org,
                        room=f"{unit.number}{room:02d}",
                        preferred_languages=preferred,
                        needs_interpreter=interpreter,
                        interpreter_language=language if interpreter else "",
                        status=status,
                        moved_in_on=self.date(moved_in_k),
                        moved_out_on=(
                            self.date(left_k) if status == Resident.Status.MOVED_OUT else None
                        ),
                        deceased_on=(
                            self.date(left_k) if status == Resident.Status.DECEASED else None
                        ),
                        cognitive_baseline=self._cognition(dementia_dx),
                        created_at=self.instant(moved_in_k, 10 * 60),
                        # Known only by a reserve number: registration cannot be shown, so the
                        # coordinator documents the basis for entitlement (issue 19 item 10).
                        **(
                            {
                                "entitlement_basis": RESERVE_ENTITLEMENT,
                                "entitlement_decided_by": decider,
                                "entitlement_decided_at": self.instant(moved_in_k, 10 * 60),
                            }
                            if kind == Resident.IdentityKind.RESERVNUMMER
                            else {}
                        ),
                    )
                )
        # The persona relative's resident: active, in the persona nurse's Malå unit (unit 0),
        # with lakare.malaga (physician 0) as named physician.
        self.persona_resident = next(
            (
                index
                for index, person in enumerate(self.people)
                if person.unit == 0
                and person.active
                and person.named == 0
                and person.language == "sv"
            ),
            None,
        )
        if self.persona_resident is None:  # tiny scales: make the first resident fit
            self.persona_resident = 0
            person = self.people[0]
            person.active, person.left_k = True, 0
            person.named, person.deputy = self.units[0].named, self.units[0].deputy
            residents[0].status = Resident.Status.ACTIVE
            residents[0].moved_out_on = residents[0].deceased_on = None
        self.medication_plans = [self._medication_plan(index) for index in range(len(residents))]
        # Drug-related problems suspected for 10 %, three times as likely with 11 or more drugs
        # (weighted sampling without replacement: the largest random() ** (1 / weight) keys).
        keys = [
            rng.random() ** (1 / (3 if len(plan[1]) >= 11 else 1)) for plan in self.medication_plans
        ]
        flagged = sorted(range(len(residents)), key=keys.__getitem__, reverse=True)
        for index in flagged[: round(0.1 * len(residents))]:
            residents[index].drug_related_problems = True
        # About 5 % have a legal representative (god man or förvaltare).
        others = [i for i in range(len(residents)) if i != self.persona_resident]
        self.represented = set(rng.sample(others, round(0.05 * len(residents))))
        Resident.objects.bulk_create(residents, batch_size=1000)
        self.resident_ids = [resident.pk for resident in residents]
        self.resident_names = [
            (resident.given_name, resident.family_name) for resident in residents
        ]

    def _cognition(self, dementia: dict | None) -> str:
        rng = self.rng
        year = self.today.year - rng.randint(0, 2)
        if dementia is not None:
            orientation = rng.choice(
                [
                    "Orienterad till person, ej till tid och rum.",
                    "Desorienterad till tid, delvis till rum.",
                    "Orienterad till person och delvis rum, ej tid.",
                    "Desorienterad till tid, rum och situation.",
                ]
            )
            extra = rng.choice(
                [
                    "Behöver stöd vid måltider.",
                    "Uttrycker smärta med oro; använd Abbey Pain Scale.",
                    "Orolig kvällstid.",
                    "Kommunicerar med korta meningar.",
                    "Känner igen närstående.",
                    "",
                ]
            )
            text = (
                f"{orientation} Känd demenssjukdom ({dementia['label']}), "
                f"MMT {rng.randint(6, 22)}/30 ({year})."
            )
            return f"{text} {extra}".strip()
        return rng.choice(
            [
                "Orienterad till tid, rum och person.",
                f"Lätt minnessvikt, ej utredd. MMT {rng.randint(23, 27)}/30 ({year}).",
                "Kognitivt intakt. Nedsatt hörsel – tala tydligt och vänd ansiktet mot hen.",
                "Orienterad till person och rum, osäker på tid.",
            ]
        )

    def _medication_plan(self, index: int) -> tuple[list[dict], list[str]]:
        """Diagnoses and active drug keys for resident INDEX."""
        rng = self.rng
        diagnoses: list[dict] = []
        dementia = self.dementia_of[index]
        if dementia is not None:
            diagnoses.append(dementia)
        target = self.pick_diagnosis_count(rng)
        seen = {d["code"] for d in diagnoses}
        for _attempt in range(40):
            if len(diagnoses) >= target:
                break
            diagnosis = self.pick_diagnosis(rng)
            if diagnosis["code"] not in seen:
                seen.add(diagnosis["code"])
                diagnoses.append(diagnosis)
        count = min(14, max(3, round(rng.gauss(8.3, 2.7))))
        drugs: list[str] = []
        for diagnosis in diagnoses:
            for key, probability in diagnosis["drugs"]:
                if rng.random() < probability and key not in drugs:
                    drugs.append(key)
        for _attempt in range(60):
            if len(drugs) >= count:
                break
            key = self.pick_common_drug(rng)
            if key not in drugs:
                drugs.append(key)
        drugs = drugs[: max(count, min(len(drugs), 14))]
        return diagnoses, drugs

    # -- child rows

    def create_resident_rows(self) -> None:
        # Clinical records say which unit recorded them when the model has that field.
        record_unit = ["unit"] if _has_field(Diagnosis, "unit") else []
        self.record_unit = bool(record_unit)
        self.limitation_unit = _has_field(TreatmentLimitation, "unit")
        diagnoses = _Table(
            Diagnosis, ["resident", "icd10_code", "text", "is_active", "recorded_on", *record_unit]
        )
        medications = _Table(
            Medication,
            [
                "resident",
                "name",
                "atc_code",
                "dose",
                "is_active",
                "started_on",
                "stopped_on",
                *record_unit,
            ],
        )
        limitations = _Table(
            TreatmentLimitation,
            [
                "resident",
                "kind",
                "description",
                "decided_by",
                "decided_at",
                "is_active",
                *(["unit"] if self.limitation_unit else []),
            ],
        )
        relatives = _Table(
            Relative,
            [
                "resident",
                "user",
                "given_name",
                "family_name",
                "relationship",
                "phone",
                "email",
                "legal_representative",
            ],
        )
        assignments = _Table(
            PhysicianAssignment,
            ["resident", "physician", "role", "started_at", "ended_at", "reason", "assigned_by"],
        )
        contacts = _Table(CareContact, ["resident", "clinician", "unit", "kind", "occurred_at"])
        self.relative_user = self._relative_user()
        self.week_locum: dict[tuple[int, int], int] = {}
        self.weekday0 = self.today.weekday()
        self.sweden_pks = [
            self.physicians[i].pk for i, place in enumerate(self.physician_place) if place == "S"
        ]
        self.locum_pks = [locum.pk for locum in self.locums]
        for index, person in enumerate(self.people):
            resident_id = self.resident_ids[index]
            plan = self.medication_plans[index]
            self._clinical_rows(person, resident_id, plan, diagnoses, medications)
            self._limitation_rows(person, resident_id, limitations)
            self._relative_rows(index, person, resident_id, relatives)
            self._assignment_rows(person, resident_id, assignments)
            self._contact_rows(person, resident_id, contacts)
        for table in (diagnoses, medications, limitations, relatives, assignments, contacts):
            table.flush()
        self.relative_count = relatives.count
        # The persona relative has the resident's consent (inserted rows default to none).
        Relative.objects.filter(user=self.relative_user).update(
            consent=Relative.Consent.RESIDENT,
            consent_recorded_at=self.instant(self.model_start_k, 0),
        )
        self.contact_count = contacts.count

    def _relative_user(self) -> User:
        index = self.persona_resident
        family = self.resident_names[index][1]
        given = PERSONAS["anhorig"][1]
        user = User(
            username="anhorig",
            first_name=given,
            last_name=family,
            email=f"{_ascii(given)}.{_ascii(family)}@example.com",
            password=self.users[0].password,
            date_joined=self.instant(self.model_start_k, 9 * 60),
        )
        User.objects.bulk_create([user])
        return user

    def _clinical_rows(self, person, resident_id, plan, diagnoses, medications) -> None:
        rng = self.rng
        drugs_data = self.clinical["drugs"]
        dx_list, drug_keys = plan
        unit = (self.units[person.unit].org.pk,) if self.record_unit else ()
        for diagnosis in dx_list:
            recorded = self.db_date(person.moved_in_k - _between(rng, 0, 8 * 365))
            diagnoses.add(
                (resident_id, diagnosis["code"], diagnosis["text"], True, recorded, *unit)
            )
        end_k = person.left_k if not person.active else 0
        stopped_on = None if person.active else self.db_date(end_k)
        for key in drug_keys:
            drug = drugs_data[key]
            started = self.db_date(_between(rng, person.moved_in_k - 700, end_k - 1))
            dose = rng.choice(drug["doses"])
            row = (resident_id, drug["name"], drug["atc"], dose, person.active, started, stopped_on)
            medications.add((*row, *unit))
        common = self.clinical["common_drugs"]
        for _ in range(self.pick_stopped_count(rng)):  # drugs stopped earlier
            key = rng.choice(common)[0]
            if key in drug_keys:
                continue
            drug = drugs_data[key]
            started_k = _between(rng, person.moved_in_k - 700, end_k - 2)
            stopped_k = _between(rng, started_k + 1, end_k - 1)
            dose = rng.choice(drug["doses"])
            dates = (self.db_date(started_k), self.db_date(stopped_k))
            medications.add((resident_id, drug["name"], drug["atc"], dose, False, *dates, *unit))

    def _limitation_rows(self, person, resident_id, limitations) -> None:
        rng = self.rng
        probability = 0.30 + (0.15 if person.dementia else 0.0) + (0.1 if person.age >= 90 else 0.0)
        if rng.random() >= probability:
            return
        end_k = person.left_k if not person.active else 0
        decided_k = _between(rng, min(person.moved_in_k + 3, end_k - 1), end_k - 1)
        if decided_k >= self.model_start_k:
            decider = self.physicians[person.named if rng.random() < 0.85 else person.deputy]
        elif rng.random() < 0.7:
            decider = self.locums[int(rng.random() * len(self.locums))]
        else:
            decider = self.physicians[person.named]
        decided = (decider.pk, self.db_instant(decided_k, _between(rng, 9 * 60, 16 * 60)), True)
        unit = (self.units[person.unit].org.pk,) if self.limitation_unit else ()
        kind = TreatmentLimitation.Kind
        text = rng.choice(NO_CPR_TEXTS)
        limitations.add((resident_id, kind.NO_CPR, text, *decided, *unit))
        roll = rng.random()
        if roll < 0.2:
            text = (
                "Ej inläggning på sjukhus vid försämring; behandling och symtomlindring på boendet."
            )
            limitations.add((resident_id, kind.NO_HOSPITAL, text, *decided, *unit))
        elif roll < 0.35:
            text = "Ej intensivvård eller respiratorbehandling."
            limitations.add((resident_id, kind.NO_ICU, text, *decided, *unit))

    def _relative_rows(self, index, person, resident_id, relatives) -> None:
        rng = self.rng
        adult = self.names["adult"]
        sv_family = self.names["elderly"]["sv"]["family"]
        persona = index == self.persona_resident
        has_relatives = persona or rng.random() < 0.85
        count = self.pick_relative_count(rng) if has_relatives else 0
        kinds = Relative.Relationship
        rows = []
        for number in range(count):
            if persona and number == 0:
                relationship = kinds.CHILD
            elif number == 0 and person.age < 92 and rng.random() < 0.2:
                relationship = kinds.SPOUSE
            else:
                relationship = self.pick_relationship(rng)
            female = rng.random() < 0.55
            given = rng.choice(adult["female"] if female else adult["male"])
            if relationship == kinds.SPOUSE:
                given = rng.choice(
                    self.names["elderly"]["sv"]["male" if person.female else "female"]
                )
            same_family = relationship in (kinds.SPOUSE, kinds.SIBLING) or rng.random() < 0.5
            family = person.family_name if same_family else rng.choice(sv_family)
            user_id = None
            if persona and number == 0:
                given, family = self.relative_user.first_name, self.relative_user.last_name
                user_id = self.relative_user.pk
            rows.append([resident_id, user_id, given, family, relationship])
        if index in self.represented:
            representative = self.pick_representative(rng)
            if rows and rng.random() < 0.5:
                rows[0].append(representative)
            else:
                given = rng.choice(adult["female"] + adult["male"])
                rows.append(
                    [resident_id, None, given, rng.choice(sv_family), kinds.OTHER, representative]
                )
        for row in rows:
            given, family = row[2], row[3]
            representative = row[5] if len(row) > 5 else ""
            relatives.add(
                (
                    row[0],
                    row[1],
                    given,
                    family,
                    row[4],
                    FICTION_PHONES[int(rng.random() * len(FICTION_PHONES))],
                    f"{_ascii(given)}.{_ascii(family)}@example.com",
                    representative,
                )
            )

    def _assignment_rows(self, person, resident_id, assignments) -> None:
        start_k = max(self.model_start_k, person.moved_in_k)
        if person.active:
            ended = None
        elif person.left_k > start_k:
            ended = self.db_instant(person.left_k, 12 * 60)
        else:
            return
        started = self.db_instant(start_k, 8 * 60 if start_k == self.model_start_k else 10 * 60)
        reason = "Fast läkarkontakt i den digifysiska modellen"
        coordinator = self.coordinator.pk
        named = self.physicians[person.named].pk
        deputy = self.physicians[person.deputy].pk
        assignments.add((resident_id, named, "named", started, ended, reason, coordinator))
        assignments.add((resident_id, deputy, "deputy", started, ended, reason, coordinator))

    def _contact_rows(self, person, resident_id, contacts) -> None:
        rng = self.rng
        start_k = max(-self.history_days, person.moved_in_k + 1)
        end_k = person.left_k if not person.active else 0
        unit_id = self.units[person.unit].org.pk
        home = self.units[person.unit].home
        named = self.physicians[person.named].pk
        deputy = self.physicians[person.deputy].pk
        named_kinds = self.contact_kinds[self.physician_place[person.named]]
        deputy_kinds = self.contact_kinds[self.physician_place[person.deputy]]
        sweden = self.sweden_pks
        locums = self.locum_pks
        model_start = self.model_start_k
        k = start_k + _between(rng, 0, 14)
        while k < end_k:
            day = k
            weekday = (self.weekday0 + day) % 7
            if weekday >= 5:
                day += 7 - weekday
            if day >= end_k:
                break
            roll = rng.random()
            if day < model_start:  # the locum era: mostly this week's locum at the home
                if roll < 0.9:
                    key = (home, day // 7)
                    clinician = self.week_locum.get(key)
                    if clinician is None:
                        clinician = locums[int(rng.random() * len(locums))]
                        self.week_locum[key] = clinician
                else:
                    clinician = sweden[int(rng.random() * len(sweden))]
                kind = self.contact_kinds["locum era"](rng)
                k = day + _between(rng, 12, 30)
            else:  # the named-physician model
                if roll < 0.8:
                    clinician, kind = named, named_kinds(rng)
                elif roll < 0.92:
                    clinician, kind = deputy, deputy_kinds(rng)
                else:
                    clinician = locums[int(rng.random() * len(locums))]
                    kind = self.contact_kinds["locum"](rng)
                k = day + _between(rng, 7, 18)
            minute = _between(rng, 8 * 60, 16 * 60 + 30)
            contacts.add((resident_id, clinician, unit_id, kind, self.db_instant(day, minute)))
