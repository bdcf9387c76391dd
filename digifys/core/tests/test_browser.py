"""The UI shell in real Chromium: login, role-aware start page, search, language, accessibility."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nurse_logs_in_lands_on_her_unit_and_finds_a_resident(world, browser_login, live_server):
    page = browser_login(world.nurse_mala)
    assert page.url.endswith(reverse("worklist:unit", args=[world.unit_mala.pk]))
    assert page.locator("h1").inner_text() == "Malåhemmet – Avd 1 Björken"
    assert page.locator(".demo-banner").count() == 0  # tests do not run in demo mode
    page.get_by_role("link", name="Boende", exact=True).click()
    page.get_by_label("Sök", exact=True).fill("Nord")
    # No page.wait_for_function: the strict CSP (no eval) blocks it; expect() polls instead.
    expect(page.locator("#results")).not_to_contain_text("Lind")
    assert "Nord, Helge" in page.locator("#results").inner_text()
    assert "q=Nord" in page.url  # htmx pushes the search into the address bar


def test_the_keyboard_reaches_the_skip_link_first(world, browser_login):
    page = browser_login(world.physician_spain)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_physician_switches_to_spanish_and_it_sticks(world, browser_login, live_server):
    page = browser_login(world.physician_spain)
    assert page.url.endswith(reverse("consults:inbox"))
    page.goto(f"{live_server.url}{reverse('careteams:panel')}")
    page.select_option("#language-select", "es")
    page.get_by_role("button", name="Byt").click()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Mi cupo"


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("nurse_mala", "/residents/"),
        ("physician_spain", "/careteams/panel/"),
        ("coordinator", "/careteams/overview/"),
        ("coordinator", "/residents/register/"),
        ("relative_with_consent", "/relatives/"),
    ],
)
def test_pages_have_no_serious_accessibility_violations(
    world, browser_login, live_server, persona, path
):
    page = browser_login(world.persona(persona))
    page.goto(f"{live_server.url}{path}")
    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert not serious, results.generate_report()
