"""Shared test personas and data builders (pytest fixtures are registered in conftest.py).

The personas, after healthchecks' Alice/Bob/Charlie:
- nurse_mala works in the Malå unit and sees its residents;
- nurse_storuman works in Storuman and must not see Malå's residents;
- physician_spain (Málaga) is the named physician of the Malå residents;
- other_physician (Lycksele) has no panel at all;
- coordinator sees organisation data; administrator sees no resident data;
- relative_with_consent is linked to one Malå resident with a consent in force that shares
  everything; relative_without is linked to another Malå resident without consent and sees
  nothing; relative_scoped has a consent for that other resident that shares only updates and
  messages (no care team, no meetings); relative_expired's consent for the first resident ran
  out yesterday; relative_revoked's consent for it was revoked; relative_other has a full consent
  for Storuman's resident only;
- resident_self is Greta (resident_mala) logging in herself: her own card and who has looked,
  nothing of anyone else and no staff page;
- an anonymous visitor is redirected to log in.
"""

import datetime
import itertools
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from digifys.accounts.models import Role, User
from digifys.careteams.models import PhysicianAssignment
from digifys.directory.models import Organisation, StaffProfile
from digifys.relatives.models import Consent, ResidentLogin, Scope, stockholm_today
from digifys.residents.identity import parse_identity_number
from digifys.residents.models import Relative, Resident
from digifys.residents.testnumbers import load_test_personnummer

PASSWORD = "correct-horse-battery-9"  # noqa: S105 - test personas only
_PASSWORD_HASH = None


# Tests type this number in to register a new resident (a centenarian in December 2026), so a
# world built later in the same worker must never hand it to one of its residents.
TYPED_IN_TESTS = {"192612239232"}


def elderly_test_numbers():
    """Yield Skatteverket test personnummer for people born 1920-1950, in list order."""
    for number in load_test_personnummer():
        if "1920" <= number[:4] <= "1950" and number not in TYPED_IN_TESTS:
            yield number


_ELDERLY = list(elderly_test_numbers())
_numbers = itertools.cycle(_ELDERLY)
_used: set[str] = set()


def next_identity_number() -> str:
    """Return a fresh test personnummer not handed out before in this process."""
    for _ in range(len(_ELDERLY)):
        number = next(_numbers)
        if number not in _used:
            _used.add(number)
            return number
    raise RuntimeError("All elderly test personnummer are in use in this test.")


def make_user(username: str, *, first_name: str = "", last_name: str = "", **extra) -> User:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = make_password(PASSWORD)
    return User.objects.create(
        username=username,
        first_name=first_name,
        last_name=last_name,
        password=_PASSWORD_HASH,
        **extra,
    )


def make_org(kind: str, name: str, parent: Organisation | None = None, **extra) -> Organisation:
    org = Organisation.objects.create(kind=kind, name=name, parent=parent, **extra)
    if kind == Organisation.Kind.MUNICIPALITY:
        org.municipality = org
        org.save(update_fields=["municipality"])
    return org


def make_staff(
    username: str, profession: str, employer: Organisation, *, units=(), **profile
) -> StaffProfile:
    first, _, last = username.partition(".")
    user = make_user(username, first_name=first.title(), last_name=last.title() or "Testsson")
    staff = StaffProfile.objects.create(
        user=user, profession=profession, employer=employer, **profile
    )
    if units:
        staff.units.set(units)
    return staff


def make_resident(unit: Organisation, *, room: str = "", **extra) -> Resident:
    identity = parse_identity_number(extra.pop("identity_number", None) or next_identity_number())
    fields = {
        "identity_kind": identity.kind,
        "identity_number": identity.canonical,
        "given_name": "Test",
        "family_name": f"Boende{identity.canonical[-4:]}",
        "birth_date": identity.birth_date,
        "home_municipality_code": unit.municipality.municipality_code,
        "unit": unit,
        "room": room,
        "preferred_languages": ["sv"],
    }
    fields.update(extra)
    return Resident.objects.create(**fields)


def assign(resident: Resident, physician: StaffProfile, role: str = "named") -> PhysicianAssignment:
    return PhysicianAssignment.objects.create(
        resident=resident,
        physician=physician,
        role=role,
        started_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )


def make_relative(
    resident: Resident, username: str, given: str, family: str, relationship: str
) -> Relative:
    """A relative of RESIDENT with a login of their own (no consent yet)."""
    user = make_user(username, first_name=given, last_name=family)
    return Relative.objects.create(
        resident=resident,
        user=user,
        given_name=given,
        family_name=family,
        relationship=relationship,
    )


def give_consent(
    relative: Relative, recorded_by: User, scopes, *, valid_until=None, **extra
) -> Consent:
    """Register the resident's consent for RELATIVE sharing SCOPES (in force since 2020)."""
    fields = {
        "event": Consent.Event.GIVEN,
        "basis": Consent.Basis.RESIDENT,
        "given_on": datetime.date(2020, 1, 1),
        "review_on": datetime.date(2027, 1, 1),
    }
    fields.update(extra)
    return Consent.objects.create(
        relative=relative,
        resident=relative.resident,
        valid_until=valid_until,
        recorded_by=recorded_by,
        recorded_at=datetime.datetime(2020, 1, 1, 9, tzinfo=datetime.UTC),
        **{scope: scope in set(scopes) for scope in Scope.values},
        **fields,
    )


@dataclass
class World:
    region: Organisation
    mala: Organisation
    storuman: Organisation
    clinic: Organisation
    unit_mala: Organisation
    unit_storuman: Organisation
    nurse_mala: User
    nurse_storuman: User
    physician_spain: User
    other_physician: User
    coordinator: User
    administrator: User
    relative_with_consent: User
    relative_without: User
    relative_scoped: User
    relative_expired: User
    relative_revoked: User
    relative_other: User
    resident_self: User
    resident_mala: Resident
    resident_mala_2: Resident
    resident_storuman: Resident

    def persona(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONAS = [
    "nurse_mala",
    "nurse_storuman",
    "physician_spain",
    "other_physician",
    "coordinator",
    "administrator",
    "relative_with_consent",
    "relative_without",
    "relative_scoped",
    "relative_expired",
    "relative_revoked",
    "relative_other",
    "resident_self",
    "anonymous",
]


def build_world() -> World:
    """Create a small region with one unit in Malå and one in Storuman, and the personas."""
    # Each test's database starts empty, so numbers handed out to earlier tests are free again.
    _used.clear()
    region = make_org(Organisation.Kind.REGION, "Region Västerbotten")
    area = make_org(Organisation.Kind.CARE_AREA, "Södra Lappland", region)
    mala = make_org(Organisation.Kind.MUNICIPALITY, "Malå", area, municipality_code="2418")
    storuman = make_org(Organisation.Kind.MUNICIPALITY, "Storuman", area, municipality_code="2421")
    home_mala = make_org(Organisation.Kind.NURSING_HOME, "Malåhemmet", mala, municipality=mala)
    home_storuman = make_org(
        Organisation.Kind.NURSING_HOME, "Blå Vägen", storuman, municipality=storuman
    )
    unit_mala = make_org(Organisation.Kind.UNIT, "Avd 1 Björken", home_mala, municipality=mala)
    unit_storuman = make_org(
        Organisation.Kind.UNIT, "Avd 2 Tallen", home_storuman, municipality=storuman
    )
    clinic = make_org(
        Organisation.Kind.VIRTUAL_CLINIC,
        "Västerbotten utan gränser – Málaga",
        region,
        country="ES",
        time_zone="Europe/Madrid",
    )
    nurse_mala = make_staff("anna.nurse", Role.NURSE, home_mala, units=[unit_mala])
    nurse_storuman = make_staff("bertil.nurse", Role.NURSE, home_storuman, units=[unit_storuman])
    physician_spain = make_staff(
        "carmen.doctor",
        Role.PHYSICIAN,
        clinic,
        work_country="ES",
        work_subdivision="AN",
        work_city="Málaga",
        time_zone="Europe/Madrid",
    )
    other_physician = make_staff("david.doctor", Role.PHYSICIAN, clinic, work_city="Lycksele")
    coordinator = make_staff("eva.coordinator", Role.COORDINATOR, region)
    administrator = make_staff("frida.admin", Role.ADMINISTRATOR, region)
    administrator.user.is_staff = True
    administrator.user.is_superuser = True
    administrator.user.save()
    resident_mala = make_resident(unit_mala, room="1", given_name="Greta", family_name="Lind")
    resident_mala_2 = make_resident(unit_mala, room="2", given_name="Helge", family_name="Nord")
    resident_storuman = make_resident(
        unit_storuman, room="7", given_name="Inga", family_name="Berg"
    )
    for resident in (resident_mala, resident_mala_2):
        assign(resident, physician_spain)
    recorder = nurse_mala.user
    relative_with = make_relative(
        resident_mala, "gustav.relative", "Gustav", "Lind", Relative.Relationship.CHILD
    )
    give_consent(relative_with, recorder, Scope.values)
    relative_without = make_relative(
        resident_mala_2, "harriet.relative", "Harriet", "Ek", Relative.Relationship.NIECE_NEPHEW
    )
    relative_scoped = make_relative(
        resident_mala_2, "jonas.relative", "Jonas", "Strand", Relative.Relationship.GRANDCHILD
    )
    give_consent(relative_scoped, recorder, [Scope.UPDATES, Scope.MESSAGES])
    relative_expired = make_relative(
        resident_mala, "karin.relative", "Karin", "Vik", Relative.Relationship.SIBLING
    )
    yesterday = stockholm_today() - datetime.timedelta(days=1)
    give_consent(relative_expired, recorder, Scope.values, valid_until=yesterday)
    relative_revoked = make_relative(
        resident_mala, "lars.relative", "Lars", "Holm", Relative.Relationship.FRIEND
    )
    given = give_consent(relative_revoked, recorder, Scope.values)
    Consent.objects.create(
        relative=given.relative,
        resident=given.resident,
        event=Consent.Event.REVOKED,
        basis=given.basis,
        given_on=given.given_on,
        reason="The resident asked for it.",
        recorded_by=recorder,
    )
    relative_other = make_relative(
        resident_storuman, "maja.relative", "Maja", "Dahl", Relative.Relationship.CHILD
    )
    give_consent(relative_other, nurse_storuman.user, Scope.values)
    # Greta herself logs in (BankID in production): her own card and who has looked.
    # No name on the login: pages name her through her resident record.
    resident_self = make_user("greta.resident")
    ResidentLogin.objects.create(user=resident_self, resident=resident_mala)
    return World(
        region=region,
        mala=mala,
        storuman=storuman,
        clinic=clinic,
        unit_mala=unit_mala,
        unit_storuman=unit_storuman,
        nurse_mala=nurse_mala.user,
        nurse_storuman=nurse_storuman.user,
        physician_spain=physician_spain.user,
        other_physician=other_physician.user,
        coordinator=coordinator.user,
        administrator=administrator.user,
        relative_with_consent=relative_with.user,
        relative_without=relative_without.user,
        relative_scoped=relative_scoped.user,
        relative_expired=relative_expired.user,
        relative_revoked=relative_revoked.user,
        relative_other=relative_other.user,
        resident_self=resident_self,
        resident_mala=resident_mala,
        resident_mala_2=resident_mala_2,
        resident_storuman=resident_storuman,
    )


def give_hours(
    staff: StaffProfile,
    starts: datetime.time,
    ends: datetime.time,
    *,
    weekdays=range(7),
    on_call: bool = False,
    works_on_holidays: bool = True,
) -> None:
    """Give STAFF a working pattern (local time in their own zone) on WEEKDAYS."""
    from digifys.scheduling.models import WorkingPattern

    WorkingPattern.objects.bulk_create(
        WorkingPattern(
            staff=staff,
            weekday=day,
            starts=starts,
            ends=ends,
            on_call=on_call,
            works_on_holidays=works_on_holidays,
        )
        for day in weekdays
    )


def record_news2_six(actor, resident):
    """Record through the vitals service a complete set that scores NEWS2 6 (medium): the
    domain-spec §1.7 vector 1 (RR 22, SpO2 95 on air, BP 105, pulse 95, alert, 38.3 °C)."""
    from digifys.vitals import services as vitals

    return vitals.record_observation(
        actor=actor,
        resident=resident,
        respiratory_rate=22,
        spo2=95,
        on_oxygen=False,
        systolic_bp=105,
        pulse=95,
        consciousness="A",
        temperature="38.3",
    )
