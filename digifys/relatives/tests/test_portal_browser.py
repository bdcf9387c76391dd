"""The portal on a phone and a tablet, and the consent pages, in Chromium (axe, keyboard)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from digifys.directory.models import StaffLanguage, StaffProfile
from digifys.relatives.models import Consent
from digifys.scheduling.models import Booking
from digifys.testing.screens import screenshot
from digifys.testing.world import assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def _shot(page, name: str) -> None:
    screenshot(page, "relatives", name)


def _care_team(world) -> None:
    carmen = StaffProfile.objects.get(user=world.physician_spain)
    for code, level in (("es", "native"), ("sv", "fluent"), ("en", "professional")):
        StaffLanguage.objects.create(staff=carmen, language=code, proficiency=level)
    assign(world.resident_mala, StaffProfile.objects.get(user=world.other_physician), "deputy")
    world.unit_mala.phone = "+46953123456"
    world.unit_mala.save()
    start = timezone.now() + datetime.timedelta(days=2)
    for kind in (Booking.Kind.VIDEO, Booking.Kind.FAMILY_MEETING):
        Booking.objects.create(
            kind=kind,
            clinician=carmen,
            resident=world.resident_mala,
            unit=world.unit_mala,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=45),
            created_by=world.nurse_mala,
        )
        start += datetime.timedelta(days=1)


@pytest.mark.parametrize("width", [390, 768])
def test_a_relative_reads_the_portal_on_a_phone_and_a_tablet(
    world, browser_login, live_server, width
):
    from playwright.sync_api import expect

    _care_team(world)
    page = browser_login(world.relative_with_consent, language="sv")
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}{reverse('home')}")
    expect(page.get_by_role("heading", level=1, name="Mina närstående")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Greta Lind")).to_be_visible()
    expect(page.get_by_text("Talar spanska, svenska, engelska")).to_be_visible()
    expect(page.get_by_role("heading", name="Anhörigsamtal")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert _serious(page) == []
    _shot(page, f"portal-home-{width}")

    # Keyboard only: Tab reaches the unit's number and the "what you can see" summary, and
    # Enter opens it.
    page.locator("body").focus()
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim().slice(0, 40)"))
        if reached[-1].startswith("Vad du kan se"):
            break
    assert "0953-12 34 56" in reached
    assert reached[-1].startswith("Vad du kan se")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Du ser det som den boende har gått med på")).to_be_visible()
    _shot(page, f"portal-home-open-{width}")

    page.goto(f"{live_server.url}{reverse('accounts:preferences')}")
    expect(page.get_by_role("heading", name="Så loggar du in")).to_be_visible()
    assert page.get_by_role("link", name="Byt lösenord").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert _serious(page) == []
    _shot(page, f"portal-settings-{width}")


def test_a_relative_without_consent_sees_whom_to_call_on_a_phone(world, browser_login, live_server):
    from playwright.sync_api import expect

    world.unit_mala.phone = "+46953123456"
    world.unit_mala.save()
    page = browser_login(world.relative_revoked, language="sv")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{reverse('relatives:home')}")
    expect(
        page.get_by_text("Samtycket att dela information med dig har återkallats")
    ).to_be_visible()
    expect(page.get_by_role("link", name="0953-12 34 56")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert _serious(page) == []
    _shot(page, "portal-revoked-390")


@pytest.mark.parametrize("width", [1366, 390])
def test_a_nurse_registers_and_revokes_a_consent(world, browser_login, live_server, width):
    from playwright.sync_api import expect

    page = browser_login(world.nurse_mala, language="en")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}{reverse('relatives:consents', args=[world.resident_mala_2.pk])}")
    expect(page.get_by_role("heading", name="Relatives and consent")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert _serious(page) == []
    _shot(page, f"consents-{width}")
    page.get_by_role("link", name="Register or change consent – Harriet Ek").click()
    page.get_by_label("Harm assessment by a licensed clinician").check()
    page.get_by_label("Care team and visits", exact=False).check()
    page.get_by_role("button", name="Save consent").click()
    expect(page.get_by_text("Write down the grounds of the harm assessment.")).to_be_visible()
    assert page.get_by_label("Care team and visits", exact=False).is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert _serious(page) == []
    _shot(page, f"consent-form-error-{width}")
    page.get_by_label("Grounds of the harm assessment").fill("Cannot consent; no objection.")
    page.get_by_role("button", name="Save consent").click()
    expect(page.get_by_text("The consent was saved.")).to_be_visible()
    harriet = world.resident_mala_2.relatives.get(user=world.relative_without)
    assert Consent.objects.current().get(relative=harriet).assessed_by.user == world.nurse_mala
    page.get_by_role("link", name="Revoke – Harriet Ek").click()
    expect(page.get_by_role("heading", name="Revoke consent?")).to_be_visible()
    assert _serious(page) == []
    page.get_by_label("Who asked for it, or why is it revoked?").fill("Helge asked today.")
    page.get_by_role("button", name="Yes, revoke the consent").click()
    expect(page.get_by_text("The consent was revoked.")).to_be_visible()
    assert Consent.objects.current().get(relative=harriet).event == "revoked"
