"""Chromium: a nurse records a hospital transfer with the keyboard only; the physician judges it.

Screenshots of both pages at 390, 768 and 1366 px go to test-results/screens/insights/.
"""

import datetime

import pytest
from django.urls import reverse

from digifys.insights.models import HospitalTransfer
from digifys.testing.screens import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_nurse_records_with_the_keyboard_and_physician_judges(world, browser_login, live_server):
    world.resident_mala.moved_in_on = datetime.date(2025, 1, 1)
    world.resident_mala.save()
    page = browser_login(world.nurse_mala, language="en")
    url = live_server.url + reverse("insights:transfers", args=[world.resident_mala.pk])
    page.goto(url)
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        _no_sideways_scroll(page)
        screenshot(page, "insights", f"transfers-nurse-empty-{width}")
    page.set_viewport_size({"width": 768, "height": 900})
    # The date-time picker is filled directly (its segments differ per browser locale); the
    # rest of the form is done with the keyboard only: Tab, arrow keys, Space and Enter.
    page.fill("#id_occurred_at", "2026-01-05T14:30")
    for _ in range(8):  # Tab through the picker's segments to the first kind radio
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    # On the first kind radio: choose the second with an arrow key.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Skellefteå lasarett")
    page.keyboard.press("Tab")
    page.keyboard.type("Fall, pain in the left hip")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # "Yes"
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    transfer = HospitalTransfer.objects.get()
    assert transfer.kind == "emergency" and transfer.consult_first is True
    assert transfer.destination == "Skellefteå lasarett"
    assert "The transfer was recorded." in page.content()
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        _no_sideways_scroll(page)
        screenshot(page, "insights", f"transfers-nurse-{width}")

    doctor = browser_login(world.physician_spain, language="en")
    doctor.set_viewport_size({"width": 1366, "height": 900})
    doctor.goto(url)
    with doctor.expect_navigation():
        doctor.click("text=Judge whether it was avoidable")
    screenshot(doctor, "insights", "transfer-judge-1366")
    doctor.check("#id_avoidable_0")
    doctor.fill("#id_comment", "Could have been treated on the unit with a physical visit.")
    with doctor.expect_navigation():
        doctor.click("form[action*=judge] button[type=submit]")
    transfer.refresh_from_db()
    assert transfer.avoidable is True
    for width in (390, 1366):
        doctor.set_viewport_size({"width": width, "height": 900})
        _no_sideways_scroll(doctor)
        screenshot(doctor, "insights", f"transfers-physician-{width}")
