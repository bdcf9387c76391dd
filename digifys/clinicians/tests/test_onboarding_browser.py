"""Chromium: a coordinator onboards a recruited Spanish physician, who then works a supervised
week — their journal note takes effect when the supervisor countersigns (issue #15 acceptance)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from digifys.accounts.models import Role
from digifys.clinicians.models import ChecklistTick, Clinician, ClinicianDocument, SupervisedDraft
from digifys.consults.models import Consult, JournalNote
from digifys.testing.screens import screenshot
from digifys.testing.world import make_staff

from .conftest import a_consult, entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_a_coordinator_onboards_a_spanish_physician_who_works_under_supervision(
    world, browser_login, live_server, tmp_path
):
    entry(world.other_physician)  # the supervisor, licensed
    sofia = make_staff(
        "sofia.herrera",
        Role.PHYSICIAN,
        world.clinic,
        work_country="ES",
        work_city="Málaga",
        time_zone="Europe/Madrid",
    )
    recruit = Clinician.objects.create(
        staff=sofia,
        recruitment_status=Clinician.Recruitment.OFFERED,
        licence_status=Clinician.Licence.IN_PROCESS,
        eu_recognition=Clinician.Recognition.IN_PROCESS,
        employer=world.clinic,
    )
    base = live_server.url

    # 1. The coordinator finds the recruit, starts onboarding with a supervisor.
    page = browser_login(world.coordinator, language="en")
    page.goto(f"{base}{reverse('clinicians:register')}")
    page.get_by_label("Name or licence number").fill("Herrera")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("table").get_by_role("link", name="Sofia Herrera").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sofia Herrera")
    page.get_by_role("link", name="Edit the entry").click()
    page.get_by_label("recruitment status").select_option("onboarding")
    page.get_by_label("supervisor").select_option(str(world.other_physician.staff_profile.pk))
    page.get_by_label("work location").fill("Málaga")
    page.get_by_label("time zone").select_option("Europe/Madrid")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("body")).to_contain_text("Works under supervision")

    # 2. Upload the recognition decision (a PDF) and tick the checklist.
    pdf = tmp_path / "erkannande.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("kind").select_option("recognition")
    page.get_by_label("file").set_input_files(str(pdf))
    page.get_by_label("expires on").fill("2027-06-30")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#documents")).to_contain_text("Recognition of qualifications")
    for step in ("Accounts created", "Second factor set up", "Shadowing rounds"):
        page.get_by_role("button", name=f"Tick – {step}").click()
        expect(page.locator("#checklist")).to_contain_text("ticked by Eva Coordinator")
    assert ClinicianDocument.objects.filter(clinician=recruit).count() == 1
    assert set(ChecklistTick.objects.values_list("step", flat=True)) == {
        "accounts",
        "second_factor",
        "shadowing",
    }
    screenshot(page, "clinicians", "onboarding")

    # 3. In the supervised week the recruit answers a consult with a journal note and signs it:
    # it goes to the supervisor instead of taking effect.
    consult = a_consult(world)
    Consult.objects.filter(pk=consult.pk).update(assigned_to=sofia)
    page = browser_login(sofia.user, language="en")
    page.goto(f"{base}{reverse('consults:detail', args=[consult.pk])}")
    page.get_by_label("Aktuellt").fill("Tröttare sedan i morse.")
    page.get_by_label("Bedömning").fill("Trolig virusinfektion.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_label("I have read the note and sign it").check()
    page.get_by_role("button", name="Sign note").click()
    expect(page.locator("body")).to_contain_text("sent to your supervisor for countersignature")
    note = JournalNote.objects.get(consult=consult)
    assert not note.is_signed

    # 4. The nurse sees that it awaits countersignature.
    nurse = browser_login(world.nurse_mala, language="en")
    nurse.goto(f"{base}{reverse('consults:detail', args=[consult.pk])}")
    expect(nurse.locator("#notes")).to_contain_text("Awaiting countersignature")

    # 5. The supervisor finds it in the inbox and countersigns.
    supervisor = browser_login(world.other_physician, language="en")
    supervisor.goto(f"{base}{reverse('consults:inbox')}")
    supervisor.get_by_role("link", name="Journal note – Sofia Herrera").click()
    expect(supervisor.locator("body")).to_contain_text("Trolig virusinfektion.")
    supervisor.get_by_label("I have read the draft and take responsibility for it.").check()
    supervisor.get_by_role("button", name="Countersign", exact=True).click()
    expect(supervisor.locator("body")).to_contain_text("Countersigned. It is now in effect.")
    note.refresh_from_db()
    assert note.is_signed
    assert SupervisedDraft.objects.get().status == "countersigned"

    nurse.reload()
    expect(nurse.locator("#notes")).not_to_contain_text("Awaiting countersignature")
    expect(nurse.locator("main")).to_contain_text("countersigned")
