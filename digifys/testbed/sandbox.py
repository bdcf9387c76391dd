"""Generating a company's sandbox: a synthetic nursing home outside the region's tree.

The people come from the synthetic generator's own sources (digifys.synth): its invented name
lists and Skatteverket's published test personnummer, never a real person. Unlike
`synth.region.generate_region`, which fills an empty database with the whole region (and its
fixed demo personas), this adds one small tenant beside existing data: a root organisation with
no parent (so it is no part of the region), a nursing home, one unit, a nurse (the device user
the company's API clients act for), a physician named for every resident, residents, a week
of vital signs scored by the same service as the vitals form, and one open consult.
"""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from digifys.accounts.models import Role, User
from digifys.careteams.models import PhysicianAssignment
from digifys.consults.models import Consult
from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.identity import parse_identity_number
from digifys.residents.models import Resident
from digifys.residents.testnumbers import load_test_personnummer
from digifys.synth.region import _data as synth_data
from digifys.vitals import services as vitals_services

from .models import SANDBOX_USERNAME_PREFIX, Sandbox

RESIDENTS = 6
HISTORY_DAYS = 7
MUNICIPALITY_CODE = "2418"  # Malå: a registration code for the synthetic residents


def _free_test_numbers(rng: random.Random, count: int) -> list[str]:
    """COUNT unused Skatteverket test personnummer of people born 1930–1950 (aged about 75–95)."""
    used = set(Resident.objects.values_list("identity_number", flat=True))
    numbers = [n for n in load_test_personnummer() if "1930" <= n[:4] <= "1950" and n not in used]
    if len(numbers) < count:
        raise RuntimeError("No free test personnummer for a sandbox.")
    return rng.sample(numbers, count)


def _staff(sandbox: Sandbox, home, unit, profession: str, first: str, last: str) -> User:
    user = User.objects.create(
        username=f"{SANDBOX_USERNAME_PREFIX}{sandbox.pk}.{profession}.{sandbox.seed}",
        first_name=first,
        last_name=last,
        password=make_password(None),  # no password: nobody logs in as sandbox staff
    )
    profile = StaffProfile.objects.create(user=user, profession=profession, employer=home)
    profile.units.set([unit])
    return user


@transaction.atomic
def generate(sandbox: Sandbox) -> Sandbox:
    """Fill SANDBOX (without data yet) with its synthetic nursing home; mark it ready."""
    rng = random.Random(f"sandbox-{sandbox.pk}-{sandbox.seed}")
    names = synth_data("names")
    company = sandbox.application.company
    if sandbox.unit_id is None:
        root = Organisation.objects.create(
            kind=Organisation.Kind.NURSING_HOME, name=f"Sandbox: {company}"
        )
        unit = Organisation.objects.create(
            kind=Organisation.Kind.UNIT,
            name="Testavdelningen",
            parent=root,
            first_room=1,
            last_room=20,
        )
        sandbox.root, sandbox.unit = root, unit
        sandbox.save(update_fields=["root", "unit"])
    else:  # a reset: the same home and unit, new residents and staff (services.reset_data)
        root, unit = sandbox.root, sandbox.unit
    home = root
    adult = names["adult"]
    family = names["elderly"]["sv"]["family"]
    nurse = _staff(sandbox, home, unit, Role.NURSE, rng.choice(adult["female"]), rng.choice(family))
    physician = _staff(
        sandbox, home, unit, Role.PHYSICIAN, rng.choice(adult["male"]), rng.choice(family)
    )
    now = timezone.now()
    residents = []
    for index, number in enumerate(_free_test_numbers(rng, RESIDENTS)):
        identity = parse_identity_number(number)
        female = int(identity.canonical[-2]) % 2 == 0
        given = rng.choice(names["elderly"]["sv"]["female" if female else "male"])
        resident = Resident.objects.create(
            identity_kind=identity.kind,
            identity_number=identity.canonical,
            given_name=given,
            family_name=rng.choice(family),
            birth_date=identity.birth_date,
            home_municipality_code=MUNICIPALITY_CODE,
            unit=unit,
            room=str(101 + index),
            preferred_languages=["sv"],
        )
        PhysicianAssignment.objects.create(
            resident=resident, physician=physician.staff_profile, role="named", started_at=now
        )
        residents.append(resident)
    for resident in residents:
        for day in range(HISTORY_DAYS - 1, -1, -1):  # one set a day, the last a few hours ago
            vitals_services.record_observation(
                actor=nurse,
                resident=resident,
                measured_at=now - datetime.timedelta(days=day, hours=rng.randint(2, 6)),
                respiratory_rate=rng.randint(14, 18),
                spo2=rng.randint(95, 98),
                on_oxygen=False,
                systolic_bp=rng.randint(115, 140),
                diastolic_bp=rng.randint(65, 85),
                pulse=rng.randint(62, 88),
                consciousness="A",
                temperature=f"{rng.uniform(36.4, 37.4):.1f}",
            )
    first = residents[0]
    Consult.objects.create(
        resident=first,
        unit=unit,
        created_by=nurse,
        urgency="same_day",
        situation="Tröttare än vanligt sedan i går.",
        background="Synthetic sandbox resident.",
        assessment="Vitalparametrar inom normalgränser.",
        recommendation="Bedömning under dagen.",
        assigned_to=physician.staff_profile,
        routed_to=Consult.RoutedTo.NAMED,
        deadline_at=now + datetime.timedelta(hours=8),
    )
    sandbox.device_user = nurse
    sandbox.status = Sandbox.Status.READY
    sandbox.generated_at = now
    sandbox.save(update_fields=["device_user", "status", "generated_at"])
    return sandbox
