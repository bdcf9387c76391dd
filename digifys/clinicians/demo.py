"""Demo data for the clinician register (called by the synthetic region, digifys.synth).

Every physician of the region gets a register entry (active, licence valid, checked last night).
Eight recruits of the virtual clinic show every recruitment and licence state, one of them —
login `lakare.handledd`, the demo password — working under the supervision of `lakare.malaga`
with a medication review awaiting countersignature; `lakare.rekryt` is the recruited Spanish
physician a coordinator onboards (offered, licence and EU recognition in process).
"""

import datetime
import random

from django.core.files.base import ContentFile
from django.utils import timezone

from digifys.accounts.models import Role, User
from digifys.careteams.models import PhysicianAssignment
from digifys.directory.models import Organisation, StaffLanguage, StaffProfile

from .models import (
    ROUTINE_DEADLINE,
    ChecklistTick,
    Clinician,
    ClinicianDocument,
    ClinicianLanguage,
    LicenceCheck,
    SupervisedDraft,
)

R = Clinician.Recruitment
L = Clinician.Licence
IP = Clinician.Recognition.IN_PROCESS

# username, given, family, recruitment, licence, recognition, Swedish level, supervised
RECRUITS = [
    ("lakare.ansokan", "Marta", "Gil Navarro", R.APPLICANT, L.NONE, "in_process", "A2", False),
    ("lakare.intervju", "Pablo", "Ruiz Medina", R.INTERVIEWED, L.NONE, "in_process", "B1", False),
    (
        "lakare.rekryt",
        "Sofía",
        "Herrera Castillo",
        R.OFFERED,
        L.IN_PROCESS,
        "in_process",
        "B1",
        False,
    ),
    (
        "lakare.handledd",
        "Javier",
        "Moreno Vidal",
        R.ONBOARDING,
        L.IN_PROCESS,
        "in_process",
        "B2",
        True,
    ),
    ("lakare.indragen", "Raúl", "Ortega Prieto", R.ACTIVE, L.WITHDRAWN, "granted", "C1", False),
    ("lakare.utgangen", "Elena", "Campos Reyes", R.ACTIVE, L.EXPIRED, "granted", "C1", False),
    ("lakare.okand", "Diego", "Santos Iglesias", R.ACTIVE, L.UNKNOWN, "granted", "B2", False),
    ("lakare.slutat", "Carmen", "Vega Lozano", R.LEFT, L.VALID, "granted", "C1", False),
]

RECRUIT_USERNAMES = [recruit[0] for recruit in RECRUITS]

# A minimal, valid one-page PDF (the demo's uploaded documents).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _licence_number(rng: random.Random) -> str:
    return f"{rng.randrange(9000000, 9999999)}"  # 7 digits, above the hired staff's


def seed_clinicians(*, now: datetime.datetime, rng: random.Random) -> int:
    """Register every physician and add the demo recruits; return how many entries were made."""
    today = timezone.localdate(now)
    coordinator = User.objects.filter(username="samordnare").first()
    clinic = Organisation.objects.filter(kind=Organisation.Kind.VIRTUAL_CLINIC).first()
    supervisor = StaffProfile.objects.filter(user__username="lakare.malaga").first()
    checked = now - datetime.timedelta(hours=22)
    entries = [
        Clinician(
            staff=staff,
            recruitment_status=R.ACTIVE,
            employer_id=staff.employer_id,
            contract=Clinician.Contract.AGENCY if staff.is_locum else Clinician.Contract.EMPLOYED,
            licence_number=staff.licence_number,
            licence_date=today - datetime.timedelta(days=rng.randrange(900, 9000)),
            licence_status=L.VALID,
            licence_checked_at=checked,
            specialist_certificate=staff.get_title_display() if staff.title else "",
            eu_recognition=(
                Clinician.Recognition.GRANTED
                if staff.work_country == "ES"
                else Clinician.Recognition.NOT_NEEDED
            ),
            updated_at=now,
        )
        for staff in StaffProfile.objects.physicians().filter(clinician__isnull=True)
    ]
    Clinician.objects.bulk_create(entries)
    if clinic is None or coordinator is None or supervisor is None:
        return len(entries)
    password = supervisor.user.password  # the demo password's hash
    for username, given, family, recruitment, licence, recognition, level, supervised in RECRUITS:
        user = User.objects.create(
            username=username,
            first_name=given,
            last_name=family,
            email=f"{username}@example.com",
            password=password,
            language="es",
            is_active=recruitment != R.LEFT,
        )
        staff = StaffProfile.objects.create(
            user=user,
            profession=Role.PHYSICIAN,
            employer=clinic,
            work_country="ES",
            work_subdivision="AN",
            work_city="Málaga",
            time_zone="Europe/Madrid",
            licence_number="" if licence in (L.NONE, L.IN_PROCESS) else _licence_number(rng),
        )
        StaffLanguage.objects.bulk_create(
            [
                StaffLanguage(staff=staff, language="es", proficiency="native"),
                StaffLanguage(staff=staff, language="sv", proficiency="basic"),
            ]
        )
        clinician = Clinician.objects.create(
            staff=staff,
            recruitment_status=recruitment,
            employer=clinic,
            contract=Clinician.Contract.CLINIC,
            licence_number=staff.licence_number,
            licence_date=None if not staff.licence_number else today - datetime.timedelta(700),
            licence_status=licence,
            licence_valid_until=(
                today - datetime.timedelta(days=5) if licence == L.EXPIRED else None
            ),
            licence_checked_at=checked if staff.licence_number else None,
            specialist_certificate="Medicina Familiar y Comunitaria",
            eu_recognition=recognition,
            supervisor=supervisor if supervised else None,
            updated_at=now,
        )
        ClinicianLanguage.objects.bulk_create(
            [
                ClinicianLanguage(clinician=clinician, language="es", level="C2"),
                ClinicianLanguage(
                    clinician=clinician,
                    language="sv",
                    level=level,
                    course_until=(
                        today + datetime.timedelta(days=50) if recruitment == R.ONBOARDING else None
                    ),
                ),
            ]
        )
        if licence in (L.WITHDRAWN, L.EXPIRED, L.UNKNOWN):
            LicenceCheck.objects.create(
                clinician=clinician,
                checked_at=checked,
                outcome=licence,
                status_before=L.VALID,
                status_after=licence,
            )
        if recruitment in (R.ONBOARDING, R.ACTIVE):
            document = ClinicianDocument(
                clinician=clinician,
                kind=ClinicianDocument.Kind.RECOGNITION,
                expires_on=today + datetime.timedelta(days=40),
                uploaded_at=now - datetime.timedelta(days=30),
                uploaded_by=coordinator,
            )
            document.file.save(f"{username}.pdf", ContentFile(DEMO_PDF), save=True)
        if supervised:
            for step in ("accounts", "second_factor", "training", "shadowing"):
                ChecklistTick.objects.create(
                    clinician=clinician,
                    step=step,
                    ticked_by=coordinator,
                    ticked_at=now - datetime.timedelta(days=7),
                )
            _a_review_to_countersign(staff, supervisor, now)
        entries.append(clinician)
    return len(entries)


def _a_review_to_countersign(author: StaffProfile, supervisor: StaffProfile, now) -> None:
    """A medication review by the supervised recruit for one of the supervisor's residents."""
    assignment = (
        PhysicianAssignment.objects.current()
        .named()
        .filter(physician=supervisor)
        .select_related("resident")
        .order_by("resident__family_name", "pk")
        .first()
    )
    if assignment is None:
        return
    submitted = now - datetime.timedelta(hours=3)
    SupervisedDraft.objects.create(
        kind=SupervisedDraft.Kind.REVIEW,
        author=author,
        supervisor=supervisor,
        resident=assignment.resident,
        payload={
            "kind": "simple",
            "performed_on": timezone.localdate(submitted).isoformat(),
            "findings": (
                "Genomgång av läkemedelslistan. Inga interaktioner av betydelse. "
                "Njurfunktion kontrollerad."
            ),
            "changes": "Inga ändringar.",
            "drug_related_problems": False,
        },
        submitted_at=submitted,
        deadline=submitted + ROUTINE_DEADLINE,
    )
