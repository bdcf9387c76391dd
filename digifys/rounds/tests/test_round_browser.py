"""A ward round in real Chromium: the nurse prepares the agenda, the physician works through it."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from digifys.careteams.models import CareContact
from digifys.consults.models import JournalNote
from digifys.orders.models import NurseTask
from digifys.rounds.models import Round

from .helpers import make_round, recent_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 1280, "height": 800}


def _no_serious_violations(page) -> None:
    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert not serious, results.generate_report()


def test_nurse_prepares_physician_conducts_nurse_gets_the_task(world, browser_login, live_server):
    # Greta was seen last week; Helge has not seen a physician for months (automatic reason).
    recent_contact(world, world.resident_mala)
    occurrence = make_round(world)
    detail = f"{live_server.url}{reverse('rounds:detail', args=[occurrence.pk])}"

    nurse = browser_login(world.nurse_mala, language="en")
    nurse.set_viewport_size(TABLET)
    nurse.goto(detail)
    items = nurse.locator(".rounds-item h3")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Helge Nord")
    nurse.get_by_role("link", name="Put a resident on the agenda").click()
    nurse.get_by_label("Resident").select_option(label="Greta Lind, room 1")
    nurse.get_by_label("Question for the physician").fill(
        "Hostar sedan i helgen – lyssna på lungorna?"
    )
    with nurse.expect_navigation():
        nurse.get_by_role("button", name="Put on the agenda").click()
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_contain_text("Greta Lind")
    # Reorder by keyboard: Greta first.
    nurse.get_by_role("button", name="Move Greta Lind up").focus()
    with nurse.expect_navigation():
        nurse.keyboard.press("Enter")
    expect(items.first).to_contain_text("Greta Lind")
    expect(nurse.locator(".rounds-question").first).to_contain_text("lyssna på lungorna")
    _no_serious_violations(nurse)

    doctor = browser_login(world.physician_spain, language="en")
    doctor.set_viewport_size(TABLET)
    doctor.goto(detail)
    with doctor.expect_navigation():
        doctor.get_by_role("button", name="Start the ward round").click()
    expect(doctor.locator("#h-resident")).to_have_text("Greta Lind")
    expect(doctor.locator(".rounds-progress")).to_contain_text("Resident 1 of 2")
    _no_serious_violations(doctor)
    doctor.get_by_label("Bedömning").fill("Trolig övre luftvägsinfektion.")
    with doctor.expect_navigation():
        doctor.get_by_role("button", name="Sign the note").click()
    expect(doctor.locator(".consult-note")).to_contain_text("Trolig övre luftvägsinfektion.")
    doctor.get_by_label("Measure vital signs").check()
    doctor.get_by_label("Instructions to the nurse").fill(
        "Vitalparametrar i kväll, ring vid feber."
    )
    with doctor.expect_navigation():
        doctor.get_by_role("button", name="Place order").click()
    expect(doctor.locator("#h-order ~ ul")).to_contain_text("Vitalparametrar i kväll")
    # Every resident needs an outcome before the next one (issue #12 §4.2).
    with doctor.expect_navigation():
        doctor.get_by_role("button", name="Done – next resident").click()
    expect(doctor.locator("#h-resident")).to_have_text("Greta Lind")
    expect(doctor.locator(".error-summary")).to_be_visible()
    doctor.get_by_label("Journal note signed").check()
    with doctor.expect_navigation():
        doctor.get_by_role("button", name="Done – next resident").click()
    expect(doctor.locator("#h-resident")).to_have_text("Helge Nord")
    # By keyboard: "no action" with a reason.
    doctor.get_by_label("No action needed").focus()
    doctor.keyboard.press("Space")
    doctor.keyboard.press("Tab")
    doctor.keyboard.type("Stabil, ses vid nästa ordinarie rond.")
    doctor.keyboard.press("Tab")
    with doctor.expect_navigation():
        doctor.keyboard.press("Enter")
    # Closing the round is confirmed on its own page.
    with doctor.expect_navigation():
        doctor.get_by_role("link", name="Finish the ward round…").click()
    expect(doctor.locator("main")).to_contain_text("2 residents were seen")
    _no_serious_violations(doctor)
    with doctor.expect_navigation():
        doctor.get_by_role("button", name="Finish the ward round").click()
    expect(doctor.locator(".rounds-status-done").first).to_be_visible()
    expect(doctor.locator("main")).to_contain_text("Held by")

    occurrence.refresh_from_db()
    assert occurrence.status == Round.Status.DONE
    assert JournalNote.objects.get(consult=None).is_signed
    assert CareContact.objects.filter(kind=CareContact.Kind.ROUND).count() == 2

    # The order is a task on the nurse's list.
    nurse.goto(f"{live_server.url}{reverse('orders:tasks')}")
    expect(nurse.locator("main")).to_contain_text("Vitalparametrar i kväll")
    assert NurseTask.objects.filter(resident=world.resident_mala).count() == 1
