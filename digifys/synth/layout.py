"""The region's layout: homes and units (planned in pure Python), then the organisation tree.

Up to 450 residents the units are those of twelve SÄBO in the seven södra Lappland
municipalities; beyond that, more SÄBO are spread over all 15 municipalities by population.
Functions take B, the region being built (`region._Builder`), and add what later steps need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import F

from digifys.directory import geography
from digifys.directory.models import Organisation

REGION_NAME = "Region Västerbotten"
VIRTUAL_CLINIC_NAME = "Västerbotten utan gränser – Málaga"
RESIDENTS_PER_UNIT = 15


@dataclass
class Home:
    name: str
    municipality_code: str
    city: str
    unit_names: list[str] = field(default_factory=list)
    org: Organisation | None = None
    default_layout: bool = False


@dataclass
class Unit:
    home: int  # index into homes
    name: str
    number: int
    org: Organisation | None = None
    residents: int = 0
    named: int = -1  # physician index
    deputy: int = -1


def _municipality_name(name: str) -> str:
    """'Malå kommun', 'Storumans kommun', 'Robertsfors kommun'."""
    if name[-1] in "aeiouyåäös":
        return f"{name} kommun"
    return f"{name}s kommun"


def plan_units(b) -> None:
    unit_count = max(3, round(b.scale / RESIDENTS_PER_UNIT))
    unit_names = b.places["unit_names"]
    homes: list[Home] = []
    defaults = b.places["default_homes"]
    taken = [0] * len(defaults)
    wanted = min(unit_count, sum(home["units"] for home in defaults))
    order: list[int] = []  # round-robin over the default homes, Malå first
    while len(order) < wanted:
        for index, home in enumerate(defaults):
            if taken[index] < home["units"] and len(order) < wanted:
                taken[index] += 1
                order.append(index)
    home_index: dict[int, int] = {}
    b.units: list[Unit] = []
    for index in sorted(set(order)):
        spec = defaults[index]
        home_index[index] = len(homes)
        homes.append(Home(spec["name"], spec["municipality"], spec["city"], default_layout=True))
    for index in sorted(set(order)):
        home = home_index[index]
        for number in range(1, taken[index] + 1):
            _add_unit(b, homes, home, number, unit_names)

    extra = unit_count - len(b.units)
    if extra > 0:
        _plan_extra_homes(b, homes, extra, unit_names)
    b.homes = homes

    # Residents per unit: equal shares, the remainder to the first units.
    base, remainder = divmod(b.scale, len(b.units))
    for index, unit in enumerate(b.units):
        unit.residents = base + (1 if index < remainder else 0)


def _add_unit(b, homes: list[Home], home: int, number: int, unit_names: list[str]) -> None:
    tree = unit_names[(number - 1) % len(unit_names)]
    name = f"Avd {number} {tree}"
    homes[home].unit_names.append(name)
    b.units.append(Unit(home=home, name=name, number=number))


def _plan_extra_homes(b, homes: list[Home], extra: int, unit_names: list[str]) -> None:
    """Spread EXTRA units over all 15 municipalities by population (largest remainder)."""
    rng = b.rng
    codes = list(b.municipalities)
    population = [b.municipalities[code].population_2024 for code in codes]
    total = sum(population)
    shares = [extra * pop / total for pop in population]
    counts = [math.floor(share) for share in shares]
    by_remainder = sorted(range(len(codes)), key=lambda i: (counts[i] - shares[i], codes[i]))
    for i in by_remainder[: extra - sum(counts)]:
        counts[i] += 1
    combos = list(
        dict.fromkeys(
            prefix + suffix
            for prefix in b.places["home_prefixes"]
            for suffix in b.places["home_suffixes"]
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
            homes.append(Home(name, code, b.municipalities[code].name))
            for number in range(1, size + 1):
                _add_unit(b, homes, len(homes) - 1, number, unit_names)


# -- organisations


def create_organisations(b) -> None:
    rng = b.rng
    places = b.places
    kind = Organisation.Kind
    region = Organisation(kind=kind.REGION, name=REGION_NAME, hsa_id=b.org_hsa(), city="Umeå")
    Organisation.objects.bulk_create([region])
    b.region = region

    care_areas = {
        key: Organisation(kind=kind.CARE_AREA, name=name, parent=region, hsa_id=b.org_hsa())
        for key, name in geography.care_areas().items()
    }
    Organisation.objects.bulk_create(list(care_areas.values()))

    municipalities = {
        code: Organisation(
            kind=kind.MUNICIPALITY,
            name=_municipality_name(m.name),
            parent=care_areas[m.care_area],
            municipality_code=code,
            hsa_id=b.org_hsa(),
            city=m.name,
        )
        for code, m in b.municipalities.items()
    }
    Organisation.objects.bulk_create(list(municipalities.values()))
    Organisation.objects.filter(pk__in=[m.pk for m in municipalities.values()]).update(
        municipality=F("pk")
    )
    b.municipality_orgs = municipalities

    def address(code: str) -> dict:
        street = rng.choice(places["streets"])
        return {
            "street_address": f"{street} {rng.randint(1, 40)}",
            "postal_code": places["postal_codes"][code],
        }

    b.clinic = Organisation(
        kind=kind.VIRTUAL_CLINIC,
        name=VIRTUAL_CLINIC_NAME,
        parent=region,
        hsa_id=b.org_hsa(),
        street_address="Calle Larios 7",
        postal_code="29005",
        city="Málaga",
        country="ES",
        time_zone="Europe/Madrid",
    )
    b.health_centres: dict[str, Organisation] = {}
    for code, m in b.municipalities.items():
        if m.care_area != "sodra_lappland":
            continue
        b.health_centres[code] = Organisation(
            kind=kind.HEALTH_CENTRE,
            name=f"Hälsocentralen {m.name}",
            parent=care_areas[m.care_area],
            municipality=municipalities[code],
            municipality_code=code,
            hsa_id=b.org_hsa(),
            city=m.name,
            **address(code),
        )
    b.agencies = [
        Organisation(kind=kind.AGENCY, name=name, hsa_id=b.org_hsa(), city="Umeå")
        for name in places["agencies"]
    ]
    for home in b.homes:
        home.org = Organisation(
            kind=kind.NURSING_HOME,
            name=home.name,
            parent=municipalities[home.municipality_code],
            municipality=municipalities[home.municipality_code],
            municipality_code=home.municipality_code,
            hsa_id=b.org_hsa(),
            city=home.city,
            **address(home.municipality_code),
        )
    second_level = [
        b.clinic,
        *b.health_centres.values(),
        *b.agencies,
        *(home.org for home in b.homes),
    ]
    Organisation.objects.bulk_create(second_level, batch_size=1000)

    for unit in b.units:
        home = b.homes[unit.home]
        unit.org = Organisation(
            kind=kind.UNIT,
            name=unit.name,
            parent=home.org,
            municipality=municipalities[home.municipality_code],
            municipality_code=home.municipality_code,
            hsa_id=b.org_hsa(),
            street_address=home.org.street_address,
            postal_code=home.org.postal_code,
            city=home.city,
        )
    Organisation.objects.bulk_create([unit.org for unit in b.units], batch_size=1000)
    b.org_count = 1 + len(care_areas) + len(municipalities) + len(second_level)
    b.org_count += len(b.units)
