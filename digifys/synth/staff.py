"""The region's staff: administrator, coordinators, physicians, locums, nurses, assistant nurses.

One physician per 45 residents (at least 10: six in Málaga, one on Gran Canaria, three in
Sweden), one locum per 30 (at least 15), one nurse or assistant nurse per 7.5 residents. Each
unit then gets a named physician and a deputy, balancing panel sizes.
"""

from __future__ import annotations

import heapq
import random

from django.contrib.auth.hashers import make_password

from digifys.accounts.demo import DEMO_PASSWORD, PERSONAS
from digifys.accounts.models import Role, User
from digifys.directory.models import StaffLanguage, StaffProfile

from .layout import Unit
from .tables import Table

RESIDENTS_PER_PHYSICIAN = 45
RESIDENTS_PER_CARER = 7.5
RESIDENTS_PER_LOCUM = 30
MALAGA = ("ES", "AN", "Málaga", "Europe/Madrid")
GRAN_CANARIA = ("ES", "CN", "Las Palmas de Gran Canaria", "Atlantic/Canary")


class _Hiring:
    """Staff being hired, in order: users, profiles, and each profile's languages and units."""

    def __init__(self, b) -> None:
        self.b = b
        self.password = make_password(DEMO_PASSWORD, salt=_salt(b))
        self.joined = b.instant(b.model_start_k - 30, 9 * 60)
        self.counter = 0
        b.users: list[User] = []
        b.profiles: list[StaffProfile] = []
        b.languages: list[list[tuple[str, str]]] = []
        b.unit_links: list[list[int]] = []  # unit indices per profile
        self.adult = b.names["adult"]
        self.sv_family = b.names["elderly"]["sv"]["family"]

    def person(self, username: str | None, given: str, family: str, **user_fields) -> User:
        if username is None:
            self.counter += 1
            username = f"user{self.counter:05d}"
        user = User(
            username=username,
            first_name=given,
            last_name=family,
            email=f"{username}@example.com",
            password=self.password,
            date_joined=self.joined,
            **user_fields,
        )
        self.b.users.append(user)
        return user

    def profile(self, user: User, langs: list[tuple[str, str]], units=(), **fields) -> StaffProfile:
        staff = StaffProfile(user=user, hsa_id=self.b.staff_hsa(), **fields)
        self.b.profiles.append(staff)
        self.b.languages.append(langs)
        self.b.unit_links.append(list(units))
        return staff

    def swedish_name(self, female: bool) -> tuple[str, str]:
        rng = self.b.rng
        given = rng.choice(self.adult["female"] if female else self.adult["male"])
        return given, rng.choice(self.sv_family)


def create_staff(b) -> None:
    """Hire the region's staff, save them with their units and languages, assign panels."""
    rng = b.rng
    hire = _Hiring(b)
    physician_count = max(10, round(b.scale / RESIDENTS_PER_PHYSICIAN))
    locum_count = max(15, round(b.scale / RESIDENTS_PER_LOCUM))
    units_of_home: list[list[int]] = [[] for _ in b.homes]
    for index, unit in enumerate(b.units):
        units_of_home[unit.home].append(index)
    carers = []
    for home_index, unit_ids in enumerate(units_of_home):
        residents = sum(b.units[i].residents for i in unit_ids)
        carers.append((home_index, unit_ids, max(2, round(residents / RESIDENTS_PER_CARER))))
    licensed = physician_count + locum_count + sum(max(1, round(n * 0.3)) for _h, _u, n in carers)
    licences = iter(rng.sample(range(1_000_000, 10_000_000), licensed))

    _hire_administration(b, hire)
    _hire_physicians(b, hire, physician_count, licences)
    _hire_locums(b, hire, locum_count, licences)
    _hire_carers(b, hire, carers, licences)
    _save_staff(b)
    assign_units_to_physicians(b)


def _hire_administration(b, hire: _Hiring) -> None:
    """Hire the administrator and the coordinators (employed by the region)."""
    rng = b.rng
    given, family = PERSONAS["admin"][1:]
    admin = hire.person("admin", given, family, is_staff=True, is_superuser=True)
    hire.profile(
        admin,
        [("sv", "native"), ("en", "fluent")],
        profession=Role.ADMINISTRATOR,
        title=StaffProfile.Title.SYSTEM_ADMINISTRATOR,
        employer=b.region,
    )
    given, family = PERSONAS["samordnare"][1:]
    b.coordinator = hire.person("samordnare", given, family)
    hire.profile(
        b.coordinator,
        [("sv", "native"), ("en", "fluent")],
        profession=Role.COORDINATOR,
        title=StaffProfile.Title.CARE_COORDINATOR,
        employer=b.region,
    )
    given, family = hire.swedish_name(rng.random() < 0.7)
    hire.profile(
        hire.person(None, given, family),
        [("sv", "native")],
        profession=Role.COORDINATOR,
        title=StaffProfile.Title.CARE_COORDINATOR,
        employer=b.region,
    )


def _hire_physicians(b, hire: _Hiring, count: int, licences) -> None:
    """Hire COUNT physicians: six of every ten in Málaga, one on Gran Canaria, three in Sweden."""
    rng = b.rng
    names = b.names
    spanish = names["spanish"]
    pattern = ["M", "M", "M", "M", "M", "M", "C", "S", "S", "S"]
    health_centres = list(b.health_centres)  # municipality codes
    sweden_first = ["2481", "2462", "2421"]  # Lycksele (persona), Vilhelmina, Storuman
    b.physicians: list[StaffProfile] = []
    b.physician_place: list[str] = []
    swedish_seen = 0
    for index in range(count):
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
            given, family = hire.swedish_name(female)
        user = hire.person(username, given, family)
        if place in "MC" and username is None and rng.random() < 0.4:
            user.language = "es"
        if place in "MC":
            country, subdivision, city, zone = MALAGA if place == "M" else GRAN_CANARIA
            employer = b.clinic
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
            employer = b.health_centres[code]
            country, subdivision, city, zone = ("SE", "", employer.city, "Europe/Stockholm")
            langs = [("sv", "native"), ("en", "fluent")]
            where = f"på {employer.name} och digitalt"
        geriatrician = rng.random() < 0.3
        title = (
            StaffProfile.Title.GERIATRICS if geriatrician else StaffProfile.Title.GENERAL_PRACTICE
        )
        # The physician's own presentation, written in Swedish.
        title_sv = "Specialist i geriatrik" if geriatrician else "Specialist i allmänmedicin"
        b.physicians.append(
            hire.profile(
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
                    f"{title_sv} med inriktning mot äldres hälsa. "
                    f"Arbetar {where} tillsammans med sjuksköterskorna på boendet."
                ),
            )
        )
        b.physician_place.append(place)


def _hire_locums(b, hire: _Hiring, count: int, licences) -> None:
    """Hire COUNT locums from the agencies: mostly Swedish, some European, a few in Spain."""
    rng = b.rng
    names = b.names
    places = b.places
    spanish = names["spanish"]
    b.locums: list[StaffProfile] = []
    european = names["european"]
    for index in range(count):
        female = rng.random() < 0.45
        roll = rng.random()
        country, subdivision, zone = "SE", "", "Europe/Stockholm"
        city = rng.choice(places["swedish_cities"])
        if roll < 0.55:
            given, family = hire.swedish_name(female)
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
        b.locums.append(
            hire.profile(
                hire.person(None, given, family),
                langs,
                profession=Role.PHYSICIAN,
                title=StaffProfile.Title.LOCUM_PHYSICIAN,
                licence_number=str(next(licences)),
                employer=b.agencies[index % len(b.agencies)],
                work_country=country,
                work_subdivision=subdivision,
                work_city=city,
                time_zone=zone,
                is_locum=True,
            )
        )


def _hire_carers(b, hire: _Hiring, carers, licences) -> None:
    """Hire the nurses and assistant nurses of each SÄBO (about one per 7.5 residents)."""
    rng = b.rng
    names = b.names
    adult = names["adult"]
    first_home_persona = {0: ("sjukskoterska.mala", "underskoterska.mala")}
    storuman_home = next(
        (i for i, home in enumerate(b.homes) if home.municipality_code == "2421"), None
    )
    fi_names = names["elderly"]["fi"]
    for home_index, unit_ids, carer_count in carers:
        home = b.homes[home_index]
        employer = b.municipality_orgs[home.municipality_code]
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
                given, family = hire.swedish_name(female)
            if is_nurse:
                start = j % k
                span = min(k, 2 if username else rng.randint(1, 3))
                units = [unit_ids[(start + step) % k] for step in range(span)]
                if username:  # the persona nurse: Avd 1 (and Avd 2) of her home
                    units = sorted(units)
                title = rng.choice(
                    [
                        StaffProfile.Title.REGISTERED_NURSE,
                        StaffProfile.Title.DISTRICT_NURSE,
                        StaffProfile.Title.SPECIALIST_NURSE_OLDER_PEOPLE,
                    ]
                )
                licence = str(next(licences))
                profession = Role.NURSE
            else:
                start = (j - nurses) % k
                span = 1 if username or rng.random() < 0.8 else min(k, 2)
                units = [unit_ids[(start + step) % k] for step in range(span)]
                title, licence, profession = (
                    StaffProfile.Title.ASSISTANT_NURSE,
                    "",
                    Role.ASSISTANT_NURSE,
                )
            hire.profile(
                hire.person(username, given, family),
                langs,
                units=units,
                profession=profession,
                title=title,
                licence_number=licence,
                employer=employer,
                work_city=home.city,
            )


def _save_staff(b) -> None:
    """Insert the users, profiles, unit links and languages in a few statements."""
    User.objects.bulk_create(b.users, batch_size=1000)
    for staff in b.profiles:
        staff.user_id = staff.user.pk
    StaffProfile.objects.bulk_create(b.profiles, batch_size=1000)

    links = Table(StaffProfile.units.through, ["staffprofile", "organisation"])
    for staff, unit_ids in zip(b.profiles, b.unit_links, strict=True):
        for unit in unit_ids:
            links.add((staff.pk, b.units[unit].org.pk))
    links.flush()
    skills = Table(StaffLanguage, ["staff", "language", "proficiency"])
    for staff, langs in zip(b.profiles, b.languages, strict=True):
        for language, proficiency in langs:
            skills.add((staff.pk, language, proficiency))
    skills.flush()


def _salt(b) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(random.Random(f"salt-{b.seed}").choice(alphabet) for _ in range(22))


def assign_units_to_physicians(b) -> None:
    """Give each unit a named physician (non-locum) and a deputy, balancing panel sizes."""
    count = len(b.physicians)
    load = [0] * count
    spain = [i for i, place in enumerate(b.physician_place) if place in "MC"]
    sweden = [i for i, place in enumerate(b.physician_place) if place == "S"]

    def assign(unit: Unit, physician: int) -> None:
        unit.named = physician
        team = spain if physician in spain else sweden
        unit.deputy = team[(team.index(physician) + 1) % len(team)]
        load[physician] += unit.residents

    pending = []
    first_in = set()
    for unit in b.units:
        home = b.homes[unit.home]
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
