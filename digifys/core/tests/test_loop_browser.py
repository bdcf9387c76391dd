"""The digi-physical loop end to end, in two real Chromium browsers, live over WebSockets.

A nurse in Malå records deteriorating vitals → NEWS2 medium → sends an SBAR consult → the named
physician's inbox in the other browser (logged in as the physician in Málaga) shows it within
2 s without a reload → the physician orders a task → the nurse's worklist shows it live → the
nurse completes it → the physician sees the result live in the consult thread.

Everything goes through the pages (forms, links, live regions), served by the full ASGI
application, as in production.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from digifys.consults.models import Consult
from digifys.orders.models import NurseTask
from digifys.testing.world import give_hours
from digifys.vitals.models import Observation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 2_000  # ms: the limit for the physician's inbox


def _live(page, selector: str) -> None:
    """Wait until the live socket of SELECTOR is open (the page is ready for pushes)."""
    expect(page.locator(f"{selector}[data-live-state=open]")).to_have_count(1)


def _mark(page) -> None:
    # A marker that a reload or navigation would wipe: proves updates arrive without one.
    page.evaluate("window.__noReload = true")


def _not_reloaded(page) -> bool:
    return page.evaluate("window.__noReload === true")


def test_the_digi_physical_loop_runs_live_between_nurse_and_physician(world, asgi_browser_login):
    base = asgi_browser_login.url
    resident = world.resident_mala
    give_hours(world.physician_spain.staff_profile, datetime.time(0, 0), datetime.time(0, 0))

    physician = asgi_browser_login(world.physician_spain, language="en")
    # The physician starts on the live inbox; nothing is waiting.
    assert physician.url.endswith("/consults/inbox/")
    _live(physician, "#inbox-rows")
    expect(physician.locator("#inbox-rows")).not_to_contain_text("Greta Lind")
    _mark(physician)

    nurse = asgi_browser_login(world.nurse_mala, language="en")
    # The nurse starts on her unit's worklist.
    assert f"/worklist/units/{world.unit_mala.pk}/" in nurse.url
    row = nurse.locator(f"#resident-{resident.pk}")
    expect(row).to_contain_text("Lind, Greta")

    # Deteriorating vitals: NEWS2 6 (medium).
    row.get_by_role("link", name="New vital signs").click()
    nurse.fill("#id_respiratory_rate", "22")
    nurse.fill("#id_spo2", "95")
    nurse.check("#id_on_oxygen_0")  # air
    nurse.fill("#id_systolic_bp", "105")
    nurse.fill("#id_diastolic_bp", "70")
    nurse.fill("#id_pulse", "95")
    nurse.check("#id_consciousness_0")  # A
    nurse.fill("#id_temperature", "38,3")
    expect(nurse.locator("#news2-preview .news2-total")).to_have_text("6")
    with nurse.expect_navigation():
        nurse.click(".vitals-actions button[type=submit]")
    observation = Observation.objects.get(resident=resident)
    assert (observation.news2_total, observation.news2_band) == (6, "medium")
    expect(nurse.locator(".vitals-news2-result")).to_contain_text("Medium")

    # The unit's response prompts an SBAR consult, pre-filled from the record.
    with nurse.expect_navigation():
        nurse.click("a.vitals-sbar")
    # The latest vitals and NEWS2 are in "A – current condition".
    expect(nurse.locator("#id_assessment")).to_have_value(re.compile(r"NEWS2\D*6", re.S))
    nurse.fill("#id_situation", "Greta andas snabbare och har feber sedan i morse.")
    nurse.fill("#id_recommendation", "Bedömning inom 30 minuter, ordination?")
    assert nurse.is_checked("input[name=urgency][value=urgent]")
    with nurse.expect_navigation():
        nurse.click("form.consult-form button[type=submit]")
    consult = Consult.objects.get(resident=resident)
    assert consult.assigned_to == world.physician_spain.staff_profile

    # The physician's inbox shows it within 2 s, without a reload.
    expect(physician.locator("#inbox-rows")).to_contain_text("Greta Lind", timeout=LIVE)
    assert _not_reloaded(physician)

    # The nurse goes back to her worklist and waits for the physician.
    nurse.goto(f"{base}/worklist/units/{world.unit_mala.pk}/")
    _live(nurse, "#worklist")
    _mark(nurse)

    # The physician opens the consult and orders a sample.
    with physician.expect_navigation():
        physician.locator("#inbox-rows").get_by_role("link", name="Greta Lind").click()
    with physician.expect_navigation():
        physician.get_by_role("link", name="New order").click()
    physician.check("input[name=kind][value=sample]")
    physician.fill("#id_instructions", "Ta CRP och ring mig med svaret.")
    with physician.expect_navigation():
        physician.get_by_role("button", name="Place order").click()
    assert f"/consults/{consult.pk}/" in physician.url
    task = NurseTask.objects.get(resident=resident)
    _live(physician, "[data-live-socket^='/ws/consults/']")
    _mark(physician)

    # The nurse's worklist shows the task live.
    expect(nurse.locator(f"#resident-{resident.pk}")).to_contain_text("Ta CRP", timeout=LIVE)
    assert _not_reloaded(nurse)

    # The nurse completes it with the result.
    nurse.goto(f"{base}/tasks/")
    with nurse.expect_navigation():
        nurse.locator(".orders-task-actions a.button").first.click()
    nurse.fill("#id_result", "CRP 85 mg/l.")
    with nurse.expect_navigation():
        nurse.get_by_role("button", name="Mark as done").click()
    task.refresh_from_db()
    assert task.status == NurseTask.Status.DONE

    # The physician sees the result in the thread, live.
    expect(physician.locator("#consult-thread")).to_contain_text("CRP 85 mg/l.", timeout=LIVE)
    assert _not_reloaded(physician)
