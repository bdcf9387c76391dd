"""The panel pages in real Chromium: assigning by keyboard on a tablet, search, and axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from digifys.careteams.models import PhysicianAssignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 1280, "height": 800}


def _serious(page) -> list:
    results = Axe().run(page)
    return [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def test_a_coordinator_replaces_the_named_physician_by_keyboard(world, browser_login, live_server):
    page = browser_login(world.coordinator, language="en")
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}{reverse('careteams:assign', args=[world.resident_mala.pk])}")
    assert not _serious(page)
    page.check("#id_role_0")
    page.select_option("#id_physician", str(world.other_physician.staff_profile.pk))
    page.focus("#id_reason")
    page.keyboard.type("Jämnare paneler")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the submit button, without confirming the replacement
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.input_value("#id_reason") == "Jämnare paneler"
    assert not _serious(page)
    page.check("#id_confirm_replace")
    page.focus("form.careteams-assign button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The assignment was saved.")).to_be_visible()
    expect(page.locator(".error-summary")).to_have_count(0)
    named = PhysicianAssignment.objects.current().named().get(resident=world.resident_mala)
    assert named.physician.user == world.other_physician


def test_the_panels_page_searches_as_you_type(world, browser_login, live_server):
    page = browser_login(world.coordinator, language="en")
    page.goto(f"{live_server.url}{reverse('careteams:panels')}")
    expect(page.locator("#results")).to_contain_text("David Doctor")
    page.fill("#id_q", "carm")
    expect(page.locator("#results")).not_to_contain_text("David Doctor")
    expect(page.locator("#results")).to_contain_text("Carmen Doctor")
    assert not _serious(page)
    page.click("text=Carmen Doctor")
    expect(page.locator("h1")).to_contain_text("Carmen Doctor")
    expect(page.locator("table")).to_contain_text("Lind, Greta")
