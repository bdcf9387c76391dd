"""Each resident's rows: diagnoses, medications, treatment limitations, relatives, named
physicians and deputies from their unit's go-live, and the history of physician contacts (locum era
before the unit's go-live, then the named-physician model)."""

from __future__ import annotations

from digifys.accounts.demo import PERSONAS
from digifys.accounts.models import User
from digifys.careteams.models import CareContact, PhysicianAssignment
from digifys.residents.models import Diagnosis, Medication, Relative, TreatmentLimitation

from .tables import FICTION_PHONES, Table, ascii_name, between, has_field

NO_CPR_TEXTS = [
    "Ej HLR vid hjärtstopp. Beslutat efter samtal med patienten och närstående.",
    "Ej HLR. Patienten informerad; närstående informerade per telefon.",
    "Ej HLR; HLR bedöms inte kunna gagna patienten. Närstående informerade.",
]


def create_resident_rows(b) -> None:
    # Clinical records say which unit recorded them when the model has that field.
    record_unit = ["unit"] if has_field(Diagnosis, "unit") else []
    b.record_unit = bool(record_unit)
    b.limitation_unit = has_field(TreatmentLimitation, "unit")
    diagnoses = Table(
        Diagnosis, ["resident", "icd10_code", "text", "is_active", "recorded_on", *record_unit]
    )
    medications = Table(
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
    limitations = Table(
        TreatmentLimitation,
        [
            "resident",
            "kind",
            "description",
            "decided_by",
            "decided_at",
            "is_active",
            *(["unit"] if b.limitation_unit else []),
        ],
    )
    relatives = Table(
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
    assignments = Table(
        PhysicianAssignment,
        ["resident", "physician", "role", "started_at", "ended_at", "reason", "assigned_by"],
    )
    contacts = Table(CareContact, ["resident", "clinician", "unit", "kind", "occurred_at"])
    b.relative_user = _relative_user(b)
    b.week_locum: dict[tuple[int, int], int] = {}
    b.weekday0 = b.today.weekday()
    b.sweden_pks = [b.physicians[i].pk for i, place in enumerate(b.physician_place) if place == "S"]
    b.locum_pks = [locum.pk for locum in b.locums]
    for index, person in enumerate(b.people):
        resident_id = b.resident_ids[index]
        plan = b.medication_plans[index]
        _clinical_rows(b, person, resident_id, plan, diagnoses, medications)
        _limitation_rows(b, person, resident_id, limitations)
        _relative_rows(b, index, person, resident_id, relatives)
        _assignment_rows(b, person, resident_id, assignments)
        _contact_rows(b, person, resident_id, contacts)
    for table in (diagnoses, medications, limitations, relatives, assignments, contacts):
        table.flush()
    b.relative_count = relatives.count
    # What relatives may see (their consents) is written by synth.consents.
    b.contact_count = contacts.count


def _relative_user(b) -> User:
    index = b.persona_resident
    family = b.resident_names[index][1]
    given = PERSONAS["anhorig"][1]
    user = User(
        username="anhorig",
        first_name=given,
        last_name=family,
        email=f"{ascii_name(given)}.{ascii_name(family)}@example.com",
        password=b.users[0].password,
        date_joined=b.instant(b.model_start_k, 9 * 60),
    )
    User.objects.bulk_create([user])
    return user


def _clinical_rows(b, person, resident_id, plan, diagnoses, medications) -> None:
    rng = b.rng
    drugs_data = b.clinical["drugs"]
    dx_list, drug_keys = plan
    unit = (b.units[person.unit].org.pk,) if b.record_unit else ()
    for diagnosis in dx_list:
        recorded = b.db_date(person.moved_in_k - between(rng, 0, 8 * 365))
        diagnoses.add((resident_id, diagnosis["code"], diagnosis["text"], True, recorded, *unit))
    end_k = person.left_k if not person.active else 0
    stopped_on = None if person.active else b.db_date(end_k)
    for key in drug_keys:
        drug = drugs_data[key]
        started = b.db_date(between(rng, person.moved_in_k - 700, end_k - 1))
        dose = rng.choice(drug["doses"])
        row = (resident_id, drug["name"], drug["atc"], dose, person.active, started, stopped_on)
        medications.add((*row, *unit))
    common = b.clinical["common_drugs"]
    for _ in range(b.pick_stopped_count(rng)):  # drugs stopped earlier
        key = rng.choice(common)[0]
        if key in drug_keys:
            continue
        drug = drugs_data[key]
        started_k = between(rng, person.moved_in_k - 700, end_k - 2)
        stopped_k = between(rng, started_k + 1, end_k - 1)
        dose = rng.choice(drug["doses"])
        dates = (b.db_date(started_k), b.db_date(stopped_k))
        medications.add((resident_id, drug["name"], drug["atc"], dose, False, *dates, *unit))


def _limitation_rows(b, person, resident_id, limitations) -> None:
    rng = b.rng
    probability = 0.30 + (0.15 if person.dementia else 0.0) + (0.1 if person.age >= 90 else 0.0)
    if rng.random() >= probability:
        return
    end_k = person.left_k if not person.active else 0
    decided_k = between(rng, min(person.moved_in_k + 3, end_k - 1), end_k - 1)
    if decided_k >= b.go_live_k[person.unit]:
        decider = b.physicians[person.named if rng.random() < 0.85 else person.deputy]
    elif rng.random() < 0.7:
        decider = b.locums[int(rng.random() * len(b.locums))]
    else:
        decider = b.physicians[person.named]
    decided = (decider.pk, b.db_instant(decided_k, between(rng, 9 * 60, 16 * 60)), True)
    unit = (b.units[person.unit].org.pk,) if b.limitation_unit else ()
    kind = TreatmentLimitation.Kind
    text = rng.choice(NO_CPR_TEXTS)
    limitations.add((resident_id, kind.NO_CPR, text, *decided, *unit))
    roll = rng.random()
    if roll < 0.2:
        text = "Ej inläggning på sjukhus vid försämring; behandling och symtomlindring på boendet."
        limitations.add((resident_id, kind.NO_HOSPITAL, text, *decided, *unit))
    elif roll < 0.35:
        text = "Ej intensivvård eller respiratorbehandling."
        limitations.add((resident_id, kind.NO_ICU, text, *decided, *unit))


def _relative_rows(b, index, person, resident_id, relatives) -> None:
    rng = b.rng
    adult = b.names["adult"]
    sv_family = b.names["elderly"]["sv"]["family"]
    persona = index == b.persona_resident
    has_relatives = persona or rng.random() < 0.85
    count = b.pick_relative_count(rng) if has_relatives else 0
    kinds = Relative.Relationship
    rows = []
    for number in range(count):
        if persona and number == 0:
            relationship = kinds.CHILD
        elif number == 0 and person.age < 92 and rng.random() < 0.2:
            relationship = kinds.SPOUSE
        else:
            relationship = b.pick_relationship(rng)
        female = rng.random() < 0.55
        given = rng.choice(adult["female"] if female else adult["male"])
        if relationship == kinds.SPOUSE:
            given = rng.choice(b.names["elderly"]["sv"]["male" if person.female else "female"])
        same_family = relationship in (kinds.SPOUSE, kinds.SIBLING) or rng.random() < 0.5
        family = person.family_name if same_family else rng.choice(sv_family)
        user_id = None
        if persona and number == 0:
            given, family = b.relative_user.first_name, b.relative_user.last_name
            user_id = b.relative_user.pk
        rows.append([resident_id, user_id, given, family, relationship])
    if index in b.represented:
        representative = b.pick_representative(rng)
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
                f"{ascii_name(given)}.{ascii_name(family)}@example.com",
                representative,
            )
        )


def _assignment_rows(b, person, resident_id, assignments) -> None:
    go_live = b.go_live_k[person.unit]
    start_k = max(go_live, person.moved_in_k)
    if person.active:
        ended = None
    elif person.left_k > start_k:
        ended = b.db_instant(person.left_k, 12 * 60)
    else:
        return
    started = b.db_instant(start_k, 8 * 60 if start_k == go_live else 10 * 60)
    reason = "Fast läkarkontakt i den digifysiska modellen"
    coordinator = b.coordinator.pk
    named = b.physicians[person.named].pk
    deputy = b.physicians[person.deputy].pk
    assignments.add((resident_id, named, "named", started, ended, reason, coordinator))
    assignments.add((resident_id, deputy, "deputy", started, ended, reason, coordinator))


def _contact_rows(b, person, resident_id, contacts) -> None:
    rng = b.rng
    start_k = max(-b.history_days, person.moved_in_k + 1)
    end_k = person.left_k if not person.active else 0
    unit_id = b.units[person.unit].org.pk
    home = b.units[person.unit].home
    named = b.physicians[person.named].pk
    deputy = b.physicians[person.deputy].pk
    named_kinds = b.contact_kinds[b.physician_place[person.named]]
    deputy_kinds = b.contact_kinds[b.physician_place[person.deputy]]
    sweden = b.sweden_pks
    locums = b.locum_pks
    model_start = b.go_live_k[person.unit]
    k = start_k + between(rng, 0, 14)
    while k < end_k:
        day = k
        weekday = (b.weekday0 + day) % 7
        if weekday >= 5:
            day += 7 - weekday
        if day >= end_k:
            break
        roll = rng.random()
        if day < model_start:  # the locum era: mostly this week's locum at the home
            if roll < 0.9:
                key = (home, day // 7)
                clinician = b.week_locum.get(key)
                if clinician is None:
                    clinician = locums[int(rng.random() * len(locums))]
                    b.week_locum[key] = clinician
            else:
                clinician = sweden[int(rng.random() * len(sweden))]
            kind = b.contact_kinds["locum era"](rng)
            k = day + between(rng, 8, 24)
        else:  # the named-physician model
            if roll < 0.8:
                clinician, kind = named, named_kinds(rng)
            elif roll < 0.92:
                clinician, kind = deputy, deputy_kinds(rng)
            else:
                clinician = locums[int(rng.random() * len(locums))]
                kind = b.contact_kinds["locum"](rng)
            k = day + between(rng, 7, 18)
        minute = between(rng, 8 * 60, 16 * 60 + 30)
        contacts.add((resident_id, clinician, unit_id, kind, b.db_instant(day, minute)))
