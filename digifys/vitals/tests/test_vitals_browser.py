"""Vital-signs entry in real Chromium: keyboard only, live NEWS2 preview, tablet size, axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from digifys.vitals.models import Observation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 1280, "height": 800}  # a 10" tablet in landscape


def test_a_nurse_enters_vitals_by_keyboard_alone_and_sees_news2_live(
    world, browser_login, live_server
):
    page = browser_login(world.nurse_mala)
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/vitals/{world.resident_mala.pk}/new/")
    page.focus("#id_respiratory_rate")
    keyboard = page.keyboard
    keyboard.type("22")
    keyboard.press("Tab")
    keyboard.type("95")
    keyboard.press("Tab")  # the SpO2 scale group: Scale 1 is already chosen
    assert page.evaluate("document.activeElement.id") == "id_spo2_scale_0"
    keyboard.press("Tab")  # air or oxygen
    keyboard.press("Space")  # air
    assert page.is_checked("#id_on_oxygen_0")
    expect(page.locator("#id_oxygen_flow")).to_be_hidden()  # flow only on oxygen
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_systolic_bp"
    keyboard.type("105")
    keyboard.press("Tab")
    keyboard.type("70")
    keyboard.press("Tab")
    keyboard.type("95")
    keyboard.press("Tab")  # ACVPU
    keyboard.press("Space")  # A
    keyboard.press("Tab")  # the cognitive baseline beside "C": its link (issue #19 item 11)
    assert "/cognition/" in page.evaluate("document.activeElement.getAttribute('href')")
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_temperature"
    keyboard.type("38,3")
    preview = page.locator("#news2-preview")
    expect(preview.locator(".news2-total")).to_have_text("6")
    expect(preview.locator(".news2-badge")).to_have_class("news2-badge news2-medium")
    assert preview.locator("tbody tr").count() == 7
    assert Observation.objects.count() == 0  # the preview saves nothing
    keyboard.press("Tab")  # the "more" section
    keyboard.press("Tab")  # save
    with page.expect_navigation():
        keyboard.press("Enter")
    observation = Observation.objects.get()
    assert page.url.endswith(f"/vitals/observations/{observation.pk}/")
    assert page.locator(".vitals-news2-result .news2-total").inner_text() == "6"


def test_choosing_oxygen_shows_the_flow_and_a_wrong_value_is_marked(
    world, browser_login, live_server
):
    page = browser_login(world.nurse_mala)
    page.goto(f"{live_server.url}/vitals/{world.resident_mala.pk}/new/")
    page.check("#id_on_oxygen_1")
    expect(page.locator("#id_oxygen_flow")).to_be_visible()
    page.fill("#id_oxygen_flow", "40")
    page.fill("#id_pulse", "abc")
    expect(page.locator("#news2-preview .vitals-preview-errors li")).to_have_count(2)
    page.click(".vitals-actions button[type=submit]")
    expect(page.locator("#id_pulse_error")).to_be_visible()
    expect(page.locator("#id_oxygen_flow_error")).to_be_visible()
    assert page.input_value("#id_pulse") == "abc"
    assert page.input_value("#id_oxygen_flow") == "40"
    assert Observation.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("nurse_mala", "/vitals/{resident}/new/"),
        ("nurse_mala", "/vitals/{resident}/"),
        ("nurse_mala", "/vitals/observations/{observation}/"),
        ("nurse_mala", "/vitals/units/{unit}/escalation/"),
        ("coordinator", "/vitals/units/{unit}/escalation/"),
        ("physician_spain", "/vitals/{resident}/scale2/"),
    ],
)
def test_vitals_pages_have_no_serious_accessibility_violations(
    world, browser_login, live_server, persona, path
):
    from digifys.vitals import services

    observation = services.record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        respiratory_rate=26,
        spo2=90,
        on_oxygen=True,
        oxygen_flow="2",
        systolic_bp=88,
        pulse=125,
        consciousness="V",
        temperature="39.4",
    )
    page = browser_login(world.persona(persona))
    url = path.format(
        resident=world.resident_mala.pk, observation=observation.pk, unit=world.unit_mala.pk
    )
    page.goto(f"{live_server.url}{url}")
    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert not serious, results.generate_report()
