"""The synthetic region: deterministic, realistic, and carrying the fixed demo personas."""

import datetime
import hashlib
import io
import re
import statistics
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from digifys.accounts.demo import role_label
from digifys.accounts.models import Role, User
from digifys.careteams.models import CareContact, PhysicianAssignment
from digifys.clinicians.demo import RECRUIT_USERNAMES
from digifys.consults.models import Consult, ConsultMessage, JournalNote
from digifys.directory.models import Organisation, StaffProfile
from digifys.insights.models import GoLive
from digifys.notifications.models import Notification
from digifys.orders.models import NurseTask, Order
from digifys.residents.identity import is_reserve_number, parse_identity_number
from digifys.residents.models import Diagnosis, Medication, Relative, Resident, TreatmentLimitation
from digifys.residents.testnumbers import load_test_personnummer
from digifys.scheduling.models import Absence, WorkingPattern
from digifys.synth import region
from digifys.synth import residents as synth_residents
from digifys.synth.region import (
    DEMO_PASSWORD,
    STOCKHOLM,
    RegionExistsError,
    demo_logins,
    generate_region,
    region_exists,
)
from digifys.vitals.models import Observation

NOW = datetime.datetime(2026, 11, 27, 0, 0, tzinfo=STOCKHOLM)
TODAY = NOW.date()
PERSONAS = {
    "sjukskoterska.mala": Role.NURSE,
    "sjukskoterska.storuman": Role.NURSE,
    "underskoterska.mala": Role.ASSISTANT_NURSE,
    "lakare.malaga": Role.PHYSICIAN,
    "lakare.grancanaria": Role.PHYSICIAN,
    "lakare.lycksele": Role.PHYSICIAN,
    "anhorig": Role.RELATIVE,
    "boende": None,  # a resident's own login: no Role
    "samordnare": Role.COORDINATOR,
    "admin": Role.ADMINISTRATOR,
}

pytestmark = pytest.mark.django_db


def digest() -> str:
    """A fingerprint of the generated data that does not depend on primary keys."""
    parts = []
    for row in Resident.objects.order_by("identity_number").values_list(
        "identity_number",
        "given_name",
        "family_name",
        "birth_date",
        "unit__parent__name",
        "unit__name",
        "room",
        "status",
        "moved_in_on",
        "cognitive_baseline",
    ):
        parts.append(repr(row))
    medication_counts = Counter(
        Medication.objects.filter(is_active=True).values_list(
            "resident__identity_number", flat=True
        )
    )
    parts.append(repr(sorted(medication_counts.items())))
    parts.append(
        repr(
            sorted(
                PhysicianAssignment.objects.values_list(
                    "resident__identity_number", "physician__user__username", "role", "started_at"
                )
            )
        )
    )
    parts.append(
        repr(
            sorted(
                CareContact.objects.values_list(
                    "resident__identity_number", "clinician__user__username", "kind", "occurred_at"
                )
            )
        )
    )
    parts.append(
        repr(
            sorted(
                Relative.objects.values_list(
                    "resident__identity_number", "given_name", "family_name", "relationship"
                )
            )
        )
    )
    parts.append(
        repr(sorted(User.objects.values_list("username", "first_name", "last_name", "password")))
    )
    parts += loop_rows()
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def loop_rows() -> list[str]:
    """The digi-physical loop's rows (working hours, vital signs, consults …) without keys."""
    resident = "resident__identity_number"
    tables = [
        (
            WorkingPattern,
            ["staff__user__username", "weekday", "starts", "ends", "on_call", "works_on_holidays"],
        ),
        (Absence, ["staff__user__username", "kind", "starts_on", "ends_on", "note"]),
        (
            Observation,
            [
                resident,
                "unit__hsa_id",
                "measured_at",
                "recorded_by__username",
                "recorded_at",
                "respiratory_rate",
                "spo2",
                "on_oxygen",
                "oxygen_flow",
                "systolic_bp",
                "diastolic_bp",
                "pulse",
                "consciousness",
                "temperature",
                "weight",
                "blood_glucose",
                "pain",
                "note",
                "news2_total",
                "news2_band",
                "red_flag",
            ],
        ),
        (
            Consult,
            [
                resident,
                "created_at",
                "urgency",
                "situation",
                "background",
                "assessment",
                "recommendation",
                "status",
                "assigned_to__user__username",
                "routed_to",
                "deadline_at",
                "answered_at",
                "observation__measured_at",
            ],
        ),
        (ConsultMessage, ["consult__resident__identity_number", "created_at", "kind", "body"]),
        (Order, [resident, "kind", "instructions", "first_due_at", "every_hours", "for_days"]),
        (NurseTask, [resident, "due_at", "status", "completed_at", "result"]),
        (JournalNote, [resident, "aktuellt", "status", "bedomning", "atgard", "signed_at"]),
        (Notification, ["recipient__username", "kind", "text", "created_at", "read_at"]),
    ]
    parts = [repr(sorted(map(repr, model.objects.values_list(*names)))) for model, names in tables]
    parts.append(
        repr(sorted(map(repr, Observation.objects.values_list(resident, "news2_subscores"))))
    )
    return parts


def generated_digest(**kwargs) -> str:
    """Generate inside a savepoint, fingerprint, and roll back, leaving the database empty."""
    savepoint = transaction.savepoint()
    try:
        generate_region(now=NOW, **kwargs)
        return digest()
    finally:
        transaction.savepoint_rollback(savepoint)


def test_same_arguments_give_the_same_data_and_another_seed_does_not():
    first = generated_digest(seed=1, scale=60)
    assert not region_exists()
    assert generated_digest(seed=1, scale=60) == first
    assert generated_digest(seed=2, scale=60) != first


def test_the_loop_tables_are_part_of_the_fingerprint_and_deterministic():
    savepoint = transaction.savepoint()
    try:
        generate_region(seed=1, scale=60, now=NOW)
        first = loop_rows()
    finally:
        transaction.savepoint_rollback(savepoint)
    assert all(part != "[]" for part in first), "every loop table has rows"
    generate_region(seed=1, scale=60, now=NOW)
    assert loop_rows() == first


def test_default_scale_region_is_realistic():
    summary = generate_region(seed=1, scale=450, now=NOW)

    assert summary.residents == Resident.objects.count() == 450
    assert summary.units == 30
    assert summary.contacts == CareContact.objects.count()
    assert [login.username for login in summary.logins] == list(PERSONAS)
    assert_organisation_tree()
    assert_staff()
    assert_residents()
    assert_clinical_records()
    assert_care_teams()
    assert_continuity_improves()
    assert_relatives()
    assert_personas()


def assert_organisation_tree():
    kinds = Counter(Organisation.objects.values_list("kind", flat=True))
    assert kinds["region"] == 1
    assert kinds["care_area"] == 3
    assert kinds["municipality"] == 15
    assert 10 <= kinds["nursing_home"] <= 14
    assert kinds["unit"] == 30
    assert kinds["virtual_clinic"] == 1
    assert kinds["agency"] == 2
    assert kinds["health_centre"] >= 3
    for municipality in Organisation.objects.municipalities():
        assert municipality.municipality_id == municipality.pk
        assert len(municipality.municipality_code) == 4
    sodra_lappland = {"2418", "2421", "2422", "2425", "2462", "2463", "2481"}
    units = Organisation.objects.units().select_related("parent", "municipality")
    for unit in units:
        assert unit.parent.kind == "nursing_home"
        assert unit.municipality.municipality_code == unit.municipality_code
        assert unit.municipality_code in sodra_lappland
        assert unit.name.startswith("Avd ")
    clinic = Organisation.objects.get(kind="virtual_clinic")
    assert (clinic.country, clinic.time_zone) == ("ES", "Europe/Madrid")
    assert clinic.parent.kind == "region"
    hsa_ids = list(Organisation.objects.values_list("hsa_id", flat=True))
    assert len(set(hsa_ids)) == len(hsa_ids)
    assert all(hsa.startswith("SE2321000222-") for hsa in hsa_ids)


def assert_staff():
    staff = StaffProfile.objects.select_related("user", "employer")
    places = Counter(
        (p.work_country, p.work_city, p.time_zone)
        # The clinician register's recruits are not part of the hired staff.
        for p in staff.filter(profession="physician").exclude(user__username__in=RECRUIT_USERNAMES)
        if not p.is_locum
    )
    assert places[("ES", "Málaga", "Europe/Madrid")] == 6
    assert places[("ES", "Las Palmas de Gran Canaria", "Atlantic/Canary")] == 1
    assert sum(n for (country, _c, zone), n in places.items() if country == "SE") == 3
    assert all(zone == "Europe/Stockholm" for (c, _city, zone) in places if c == "SE")
    locums = staff.filter(is_locum=True)
    assert locums.count() >= 15
    assert {p.employer.kind for p in locums} == {"agency"}
    carers = staff.filter(profession__in=["nurse", "assistant_nurse"])
    assert 50 <= carers.count() <= 70
    for carer in carers.prefetch_related("units"):
        homes = {unit.parent_id for unit in carer.units.all()}
        assert len(homes) == 1
        assert 1 <= carer.units.count() <= 3
    assert staff.filter(profession="coordinator").count() == 2
    licences = [
        p.licence_number
        for p in staff.filter(profession__in=["physician", "nurse"]).exclude(
            user__username__in=RECRUIT_USERNAMES
        )
    ]
    assert all(len(number) == 7 and number.isdigit() for number in licences)
    assert len(set(licences)) == len(licences)
    # One password hash for everybody, and it is the demo password.
    assert User.objects.values("password").distinct().count() == 1
    assert User.objects.get(username="lakare.malaga").check_password(DEMO_PASSWORD)


def assert_residents():
    residents = list(Resident.objects.select_related("unit"))
    ages = [resident.age(TODAY) for resident in residents]
    assert min(ages) >= 70
    assert max(ages) <= 104
    assert 0.01 <= sum(age >= 100 for age in ages) / len(ages) <= 0.04
    test_numbers = set(load_test_personnummer())
    for resident in residents:
        if resident.identity_kind == "personnummer":
            assert resident.identity_number in test_numbers
            parsed = parse_identity_number(resident.identity_number, today=TODAY)
            assert parsed.birth_date == resident.birth_date
        else:
            assert resident.identity_kind == "reservnummer"
            assert is_reserve_number(resident.identity_number)
        assert resident.home_municipality_code == resident.unit.municipality_code
        assert resident.room
        assert resident.moved_in_on >= TODAY - datetime.timedelta(days=4 * 365 + 1)
    assert Resident.objects.eligible().count() == len(residents)
    women = sum(
        int(r.identity_number[10]) % 2 == 0 for r in residents if r.identity_kind == "personnummer"
    )
    assert 0.55 <= women / len(residents) <= 0.75
    inactive = [r for r in residents if r.status != "active"]
    assert 0 < len(inactive) <= 0.08 * len(residents)
    for resident in inactive:
        assert resident.deceased_on or resident.moved_out_on
    assert any(r.needs_interpreter and r.interpreter_language for r in residents)
    assert Counter(r.preferred_languages[0] for r in residents)["sv"] > 0.85 * len(residents)
    dementia = Diagnosis.objects.filter(icd10_code__in=["G30.9", "F03.9", "F01.9", "G31.8"])
    assert 0.35 <= dementia.values("resident").distinct().count() / len(residents) <= 0.55


def assert_clinical_records():
    active = Resident.objects.active()
    diagnoses = Counter(Diagnosis.objects.values_list("resident_id", flat=True))
    assert set(diagnoses.values()) <= set(range(2, 8))
    medications = Counter(
        Medication.objects.filter(is_active=True, resident__in=active).values_list(
            "resident_id", flat=True
        )
    )
    counts = [medications[pk] for pk in active.values_list("pk", flat=True)]
    assert min(counts) >= 3
    assert max(counts) <= 14
    assert statistics.median(counts) >= 5
    assert Medication.objects.filter(name="Alvedon", atc_code="N02BE01").exists()
    no_cpr = TreatmentLimitation.objects.filter(kind="no_cpr")
    assert 0.3 <= no_cpr.count() / Resident.objects.count() <= 0.5
    assert set(no_cpr.values_list("decided_by__profession", flat=True)) == {"physician"}
    share = Resident.objects.filter(drug_related_problems=True).count() / Resident.objects.count()
    assert share == pytest.approx(0.1, abs=0.01)


def assert_care_teams():
    current = PhysicianAssignment.objects.current()
    for role in ("named", "deputy"):
        assigned = set(current.filter(role=role).values_list("resident_id", flat=True))
        assert set(Resident.objects.active().values_list("pk", flat=True)) <= assigned
    assert not current.filter(physician__is_locum=True).exists()
    for named, deputy in zip(
        current.filter(role="named").order_by("resident_id").values_list("physician_id", flat=True),
        current.filter(role="deputy")
        .order_by("resident_id")
        .values_list("physician_id", flat=True),
        strict=True,
    ):
        assert named != deputy
    # Named physicians and deputies are assigned from the unit's go-live (synth.history), never
    # before it.
    go_live = go_live_starts()
    assert all(
        a.started_at >= go_live[a.resident.unit_id] for a in current.select_related("resident")
    )


def go_live_starts() -> dict[int, datetime.datetime]:
    """Each unit's go-live (Stockholm midnight at the start of its day), by unit pk."""
    return {
        unit: datetime.datetime.combine(day, datetime.time(0), tzinfo=STOCKHOLM)
        for unit, day in GoLive.objects.values_list("unit_id", "went_live_on")
    }


def assert_continuity_improves():
    eras: dict[str, dict[int, list[int]]] = {"locum": defaultdict(list), "new": defaultdict(list)}
    go_live = go_live_starts()
    for resident, clinician, unit, occurred in CareContact.objects.values_list(
        "resident_id", "clinician_id", "unit_id", "occurred_at"
    ):
        eras["locum" if occurred < go_live[unit] else "new"][resident].append(clinician)

    def distinct_per_resident(era: dict[int, list[int]]) -> float:
        return statistics.mean(len(set(v)) for v in era.values() if len(v) >= 4)

    assert distinct_per_resident(eras["locum"]) > 2 * distinct_per_resident(eras["new"])
    named = dict(
        PhysicianAssignment.objects.current().named().values_list("resident_id", "physician_id")
    )
    shares = [
        sum(c == named[r] for c in contacts) / len(contacts)
        for r, contacts in eras["new"].items()
        if r in named
    ]
    assert statistics.mean(shares) > 0.7
    occurred = list(CareContact.objects.values_list("occurred_at", flat=True))
    assert max(occurred) < NOW
    assert min(occurred) >= NOW - datetime.timedelta(days=region.HISTORY_DAYS + 1)
    assert all(t.astimezone(STOCKHOLM).weekday() < 5 for t in occurred)


def assert_consents(persona_user, persona_relative):
    """The persona relative sees everything by consent; the unit shows every other kind."""
    from digifys.relatives.models import Consent, Scope
    from digifys.relatives.policy import scopes_for

    assert scopes_for(persona_user, persona_relative.resident) == set(Scope.values)
    current = Consent.objects.current().filter(resident__unit=persona_relative.resident.unit)
    states = {consent.state(TODAY) for consent in current}
    assert {"in_force", "expired", "revoked"} <= states
    assert current.filter(basis="harm_assessment", assessed_by__isnull=False).exists()
    assert current.filter(updates=True, messages=True, care_team=False).exists()
    assert not Organisation.objects.units().filter(phone="").exists()


def assert_relatives():
    with_relatives = Relative.objects.values("resident").distinct().count()
    assert 0.75 <= with_relatives / Resident.objects.count() <= 0.95
    assert list(Relative.objects.exclude(user=None).values_list("user__username", flat=True)) == [
        "anhorig"
    ]
    represented = Relative.objects.exclude(legal_representative="").values("resident").distinct()
    assert 0.03 <= represented.count() / Resident.objects.count() <= 0.07
    for phone, email in Relative.objects.values_list("phone", "email"):
        assert phone.startswith("070-174 06 ")
        assert email.endswith("@example.com")


def assert_personas():
    users = {u.username: u for u in User.objects.filter(username__in=list(PERSONAS))}
    assert set(users) == set(PERSONAS)
    for username, role in PERSONAS.items():
        assert users[username].role == role, username

    def home_municipality(username: str) -> set[str]:
        profile = users[username].staff_profile
        return {unit.municipality_code for unit in profile.units.all()}

    assert home_municipality("sjukskoterska.mala") == {"2418"}
    assert home_municipality("underskoterska.mala") == {"2418"}
    assert home_municipality("sjukskoterska.storuman") == {"2421"}

    malaga = users["lakare.malaga"].staff_profile
    assert (malaga.work_country, malaga.work_subdivision, malaga.work_city, malaga.time_zone) == (
        "ES",
        "AN",
        "Málaga",
        "Europe/Madrid",
    )
    skills = dict(malaga.languages.values_list("language", "proficiency"))
    assert skills["es"] == "native"
    assert skills["sv"] in ("professional", "fluent")
    canary = users["lakare.grancanaria"].staff_profile
    assert (canary.work_subdivision, canary.time_zone) == ("CN", "Atlantic/Canary")
    lycksele = users["lakare.lycksele"].staff_profile
    assert (lycksele.work_country, lycksele.time_zone) == ("SE", "Europe/Stockholm")
    assert lycksele.employer.kind == "health_centre"

    # lakare.malaga is the named physician of most residents of the Malå units.
    malå = Resident.objects.active().filter(unit__municipality_code="2418")
    named_here = PhysicianAssignment.objects.current().named().filter(resident__in=malå)
    assert named_here.filter(physician=malaga).count() > 0.7 * malå.count()

    relative = Relative.objects.get(user=users["anhorig"])
    nurse_units = set(users["sjukskoterska.mala"].staff_profile.units.values_list("pk", flat=True))
    assert relative.resident.unit_id in nurse_units
    assert relative.resident.status == "active"
    assert (
        PhysicianAssignment.objects.current().named().get(resident=relative.resident).physician
        == malaga
    )
    assert_consents(users["anhorig"], relative)
    admin = users["admin"]
    assert admin.is_staff
    assert admin.is_superuser


def test_small_region_keeps_the_personas_and_invariants():
    summary = generate_region(seed=3, scale=40, now=NOW)
    assert Resident.objects.count() == 40
    assert summary.units == 3
    assert [login.username for login in summary.logins] == list(PERSONAS)
    assert_personas()
    assert_care_teams()
    assert demo_logins() == summary.logins


def test_reserve_numbers_when_test_personnummer_run_out(monkeypatch):
    few = [n for n in load_test_personnummer() if 1930 <= int(n[:4]) <= 1945][:10]
    monkeypatch.setattr(synth_residents, "load_test_personnummer", lambda: few)
    generate_region(seed=1, scale=60, now=NOW)
    kinds = Counter(Resident.objects.values_list("identity_kind", flat=True))
    assert kinds["personnummer"] <= 10
    assert kinds["reservnummer"] >= 50
    for number, birth in Resident.objects.filter(identity_kind="reservnummer").values_list(
        "identity_number", "birth_date"
    ):
        assert is_reserve_number(number)
        assert number.startswith(f"{birth:%Y%m%d}R")


def test_refuses_to_generate_twice_and_rejects_tiny_scales():
    generate_region(scale=40, now=NOW)
    assert region_exists()
    with pytest.raises(RegionExistsError):
        generate_region(scale=40, now=NOW)
    with pytest.raises(ValueError, match="at least"):
        generate_region(scale=5, now=NOW)


def test_command_generates_then_reuses_with_if_empty():
    out = io.StringIO()
    call_command("synth_region", "--scale", "40", "--now", "2026-11-27", stdout=out)
    text = out.getvalue()
    # The summary states what is in the database, one "label  count" line each.
    counts = {
        match[1]: int(match[2].replace(" ", ""))
        for match in re.finditer(r"^  (\S.*?) {2,}(\d{1,3}(?: \d{3})*)$", text, re.M)
    }
    assert counts["residents"] == Resident.objects.count() == 40
    assert counts["units"] == Organisation.objects.filter(kind="unit").count()
    assert counts["relatives"] == Relative.objects.count()
    assert counts["physician contacts"] == CareContact.objects.count()
    assert counts["consults"] == Consult.objects.count()
    assert counts["nurse tasks"] == NurseTask.objects.count()
    # Each persona's login row: role (in Swedish, the demo's language) and username on one line;
    # the shared password is printed once, with the authenticator it needs.
    rows = text.splitlines()
    assert sum(DEMO_PASSWORD in line for line in rows) == 1
    for username, role in PERSONAS.items():
        row = next(line for line in rows if f" {username} " in line)
        with translation.override("sv"):
            assert row.split(f" {username} ")[0].strip() == role_label(role or "resident")
    count = Resident.objects.count()

    out = io.StringIO()
    call_command("synth_region", "--if-empty", "--scale", "400", stdout=out)
    assert "already loaded" in out.getvalue()
    assert "lakare.malaga" in out.getvalue()
    assert Resident.objects.count() == count

    with pytest.raises(CommandError, match="already loaded"):
        call_command("synth_region", "--scale", "40", stdout=io.StringIO())


def test_the_region_has_a_realistic_medication_review_history():
    # Issue 12 §4 item 10: the demo showed 390 of 398 residents overdue, some since 2023, because
    # no review was ever written. Most qualifying residents are reviewed within the last year; a
    # few (about 5-10 %) are overdue, none by years.
    from digifys.medicationreviews.models import MedicationReview
    from digifys.medicationreviews.selectors import due_reviews

    generate_region(seed=1, scale=300, now=NOW)
    reviews = MedicationReview.objects.select_related("resident")
    assert reviews.count() > 300
    for review in reviews:
        assert review.performed_on <= TODAY
        assert (
            review.resident.moved_in_on is None
            or review.performed_on >= review.resident.moved_in_on
        )
        assert review.unit_id and review.findings
    residents = Resident.objects.in_care()
    items = due_reviews(residents_queryset=residents, today=TODAY, horizon_days=None)
    assert len(items) > 100, "the residents who qualify for yearly reviews"
    overdue = [item for item in items if item.due.overdue]
    assert 0.03 <= len(overdue) / len(items) <= 0.12, (len(overdue), len(items))
    assert min(item.due.due_on for item in items) >= TODAY - datetime.timedelta(days=120)
    # Reviewed within the last year: the yearly rule is kept for almost everyone.
    recent = sum(
        1
        for item in items
        if item.due.last_review_on
        and item.due.last_review_on > TODAY - datetime.timedelta(days=365)
    )
    assert recent / len(items) >= 0.85
