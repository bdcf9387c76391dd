"""The region's residents: identities, names, units, dementia, diagnoses and medication plans.

Identity numbers come only from Skatteverket's published test list; when the numbers that fit
the age range run out, residents get Region Västerbotten reserve numbers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from digifys.directory.models import Organisation
from digifys.residents.identity import make_reserve_number
from digifys.residents.models import Resident
from digifys.residents.testnumbers import load_test_personnummer

MIN_AGE, MAX_AGE = 70, 104


@dataclass
class Person:
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


def _identity_pool(b) -> dict[tuple[int, bool], list[tuple[str, datetime.date]]]:
    """Test personnummer whose holders are MIN_AGE–MAX_AGE today, by (age, female)."""
    pool: dict[tuple[int, bool], list[tuple[str, datetime.date]]] = {}
    today = b.today
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
        b.rng.shuffle(pool[key])
    return pool


def _draw_identity(b, age: int, female: bool) -> tuple[str, str, datetime.date]:
    for delta in (0, 1, -1, 2, -2, 3, -3):
        if (age + delta >= 100) != (age >= 100):  # keep centenarians centenarians
            continue
        bucket = b.pool.get((age + delta, female))
        if bucket:
            number, birth = bucket.pop()
            return Resident.IdentityKind.PERSONNUMMER, number, birth
    # Out of test numbers near this age: a Region Västerbotten reserve number.
    rng = b.rng
    while True:
        birthday_this_year = b.today - datetime.timedelta(days=rng.randint(1, 365))
        try:
            birth = birthday_this_year.replace(year=birthday_this_year.year - age)
        except ValueError:  # 29 February
            continue
        serial = b.reserve_serials.get(birth, 0)
        if serial < 200:
            b.reserve_serials[birth] = serial + 1
            return (
                Resident.IdentityKind.RESERVNUMMER,
                make_reserve_number(birth_date=birth, serial=serial),
                birth,
            )


RESERVE_ENTITLEMENT = (
    "Bor på särskilt boende i kommunen; identiteten utreds. Beslut: vårdsamordnaren."
)


def create_residents(b) -> None:
    rng = b.rng
    b.pool = _identity_pool(b)
    b.reserve_serials: dict[datetime.date, int] = {}
    elderly = b.names["elderly"]
    b.people: list[Person] = []
    b.dementia_of: list[dict | None] = []
    residents: list[Resident] = []
    # Exactly about 2 % centenarians, so that even small regions show a few.
    centenarians = set(rng.sample(range(b.scale), max(1, round(b.scale * 0.02))))
    for unit_index, unit in enumerate(b.units):
        home = b.homes[unit.home]
        active_flags = [rng.random() >= 0.03 for _ in range(unit.residents)]
        active_rooms = max(1, sum(active_flags))
        room_number = 0
        # The unit's rooms are {number}01 … {number}{active_rooms:02d}; everyone below lives or
        # lived in one of them, and registration accepts only these (issue 12 §4.8).
        unit.org.first_room = unit.number * 100 + 1
        unit.org.last_room = unit.number * 100 + active_rooms
        for active in active_flags:
            female = rng.random() < 0.65
            if len(residents) in centenarians:
                age = rng.randint(100, MAX_AGE)
            else:
                age = round(rng.gauss(85.5, 6.0))
                while not MIN_AGE <= age < 100:
                    age = round(rng.gauss(85.5, 6.0))
            kind, number, birth = _draw_identity(b, age, female)
            language = b.pick_language(rng)
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
                    Resident.Status.DECEASED if rng.random() < 0.8 else Resident.Status.MOVED_OUT
                )
            dementia = rng.random() < 0.45
            dementia_dx = b.pick_dementia(rng) if dementia else None
            swap = rng.random() < 0.12
            named, deputy = (unit.deputy, unit.named) if swap else (unit.named, unit.deputy)
            person = Person(
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
            b.people.append(person)
            b.dementia_of.append(dementia_dx)
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
                    moved_in_on=b.date(moved_in_k),
                    moved_out_on=(b.date(left_k) if status == Resident.Status.MOVED_OUT else None),
                    deceased_on=(b.date(left_k) if status == Resident.Status.DECEASED else None),
                    cognitive_baseline=_cognition(b, dementia_dx),
                    created_at=b.instant(moved_in_k, 10 * 60),
                    # Known only by a reserve number: registration cannot be shown, so the
                    # coordinator documents the basis for entitlement (issue 19 item 10).
                    **(
                        {
                            "entitlement_basis": RESERVE_ENTITLEMENT,
                            "entitlement_decided_by": b.coordinator.staff_profile,
                            "entitlement_decided_at": b.instant(moved_in_k, 10 * 60),
                        }
                        if kind == Resident.IdentityKind.RESERVNUMMER
                        else {}
                    ),
                )
            )
    # The persona relative's resident: active, in the persona nurse's Malå unit (unit 0),
    # with lakare.malaga (physician 0) as named physician.
    b.persona_resident = next(
        (
            index
            for index, person in enumerate(b.people)
            if person.unit == 0 and person.active and person.named == 0 and person.language == "sv"
        ),
        None,
    )
    if b.persona_resident is None:  # tiny scales: make the first resident fit
        b.persona_resident = 0
        person = b.people[0]
        person.active, person.left_k = True, 0
        person.named, person.deputy = b.units[0].named, b.units[0].deputy
        residents[0].status = Resident.Status.ACTIVE
        residents[0].moved_out_on = residents[0].deceased_on = None
    b.medication_plans = [_medication_plan(b, index) for index in range(len(residents))]
    # Drug-related problems suspected for 10 %, three times as likely with 11 or more drugs
    # (weighted sampling without replacement: the largest random() ** (1 / weight) keys).
    keys = [rng.random() ** (1 / (3 if len(plan[1]) >= 11 else 1)) for plan in b.medication_plans]
    flagged = sorted(range(len(residents)), key=keys.__getitem__, reverse=True)
    for index in flagged[: round(0.1 * len(residents))]:
        residents[index].drug_related_problems = True
    # About 5 % have a legal representative (god man or förvaltare).
    others = [i for i in range(len(residents)) if i != b.persona_resident]
    b.represented = set(rng.sample(others, round(0.05 * len(residents))))
    Organisation.objects.bulk_update(
        [unit.org for unit in b.units], ["first_room", "last_room"], batch_size=1000
    )
    Resident.objects.bulk_create(residents, batch_size=1000)
    b.resident_ids = [resident.pk for resident in residents]
    b.resident_names = [(resident.given_name, resident.family_name) for resident in residents]


def _cognition(b, dementia: dict | None) -> str:
    rng = b.rng
    year = b.today.year - rng.randint(0, 2)
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


def _medication_plan(b, index: int) -> tuple[list[dict], list[str]]:
    """Diagnoses and active drug keys for resident INDEX."""
    rng = b.rng
    diagnoses: list[dict] = []
    dementia = b.dementia_of[index]
    if dementia is not None:
        diagnoses.append(dementia)
    target = b.pick_diagnosis_count(rng)
    seen = {d["code"] for d in diagnoses}
    for _attempt in range(40):
        if len(diagnoses) >= target:
            break
        diagnosis = b.pick_diagnosis(rng)
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
        key = b.pick_common_drug(rng)
        if key not in drugs:
            drugs.append(key)
    drugs = drugs[: max(count, min(len(drugs), 14))]
    return diagnoses, drugs
