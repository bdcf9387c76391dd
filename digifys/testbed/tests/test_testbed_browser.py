"""The testbed end to end in real Chromium: a company applies, is approved, gets its sandbox,
registers a client, its device script posts a deteriorating vitals panel over HTTP, and the
sandbox worklist and the conformance report show what it became."""

import httpx
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from digifys.fhir.tests.conftest import panel
from digifys.testbed import sandbox as generator
from digifys.testbed.models import Application, Sandbox
from digifys.testing.accounts import TOTP_SECRET, fresh_totp_code, give_totp
from digifys.testing.screens import screenshot
from digifys.testing.world import PASSWORD
from digifys.vitals.models import Observation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 768, 1366)


def _screens(page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, "testbed", f"{name}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"{name} scrolls sideways at {width} px"


def _company_login(chromium, base_url: str, user):
    cache.clear()
    give_totp(user)
    context = chromium.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    if "/2fa/" in page.url:
        page.fill("#id_code", fresh_totp_code(TOTP_SECRET))
        with page.expect_navigation():
            page.click("#mfa-submit")
    return context, page


def test_a_company_goes_from_application_to_conformance_report(
    world, chromium, browser_login, live_server
):
    base = live_server.url
    # 1. The company applies on the public page.
    visitor = chromium.new_context(locale="sv-SE")
    page = visitor.new_page()
    page.goto(f"{base}{reverse('testbed:index')}")
    _screens(page, "index")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.fill("#id_company", "Pulsbolaget AB")
    page.fill("#id_organisation_number", "556677-8898")  # a wrong check digit first
    page.fill("#id_contact_name", "Kim Test")
    page.fill("#id_email", "kim@example.com")
    page.fill("#id_phone", "070-174 06 05")
    page.fill("#id_purpose", "A wristband that sends vital signs.")
    page.check("input[value=Observation]")
    page.click("#apply-form button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.input_value("#id_company") == "Pulsbolaget AB"
    _screens(page, "index-error")
    page.fill("#id_organisation_number", "556677-8899")
    page.click("#apply-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Ansökan mottagen")
    _screens(page, "applied")
    visitor.close()

    # 2. The coordinator approves it (after the confirmation step).
    application = Application.objects.get()
    coordinator = browser_login(world.coordinator, language="en")
    coordinator.goto(f"{base}{reverse('testbed:applications')}")
    _screens(coordinator, "applications")
    coordinator.click("text=Pulsbolaget AB")
    coordinator.click("text=Approve…")
    _screens(coordinator, "approve")
    coordinator.click("text=Yes, approve")
    expect(coordinator.locator("dl")).to_contain_text("Approved")

    # 3. The task worker generates the sandbox (run here: no worker process in the test).
    sandbox = generator.generate(Sandbox.objects.get(application=application))
    company_user = Application.objects.get().user
    company_user.set_password(PASSWORD)  # what "Forgot your password?" lets the company do
    company_user.save()

    # 4. The company logs in with its second factor and registers a client.
    context, page = _company_login(chromium, base, company_user)
    page.goto(f"{base}{reverse('testbed:company')}")
    if "/2fa/" in page.url:  # the testbed's own second-factor check
        page.fill("#id_code", fresh_totp_code(TOTP_SECRET))
        page.click("#mfa-submit")
    expect(page.locator("h1")).to_contain_text("Pulsbolaget AB")
    _screens(page, "company")
    page.goto(f"{base}{reverse('testbed:clients')}")
    page.fill("#id_name", "Wristband")
    page.click("#client-form button[type=submit]")
    token = page.locator("#new-token").inner_text()
    _screens(page, "clients")

    # 5. The device script posts a deteriorating panel (NEWS2 6) to the live server.
    resident = sandbox.unit.residents.order_by("room").first()
    now = timezone.localtime().isoformat(timespec="seconds")
    answer = httpx.post(
        f"{base}/fhir/R4",
        json=panel(resident.pk, when=now),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    stored = Observation.objects.filter(resident=resident).latest("measured_at")
    assert (stored.news2_total, stored.news2_band) == (6, "medium")
    escalation = answer.json()["entry"][0]["response"]["outcome"]["issue"][0]["diagnostics"]

    # 6. The sandbox worklist shows NEWS2 6 with its escalation.
    page.goto(f"{base}{reverse('testbed:live')}")
    row = page.locator(f"#resident-{resident.pk}")
    expect(row.locator(".worklist-news2-total")).to_have_text("6")
    assert "attention" in (row.get_attribute("class") or "")
    assert escalation
    _screens(page, "live")

    # 7. The conformance report lists what it sent.
    page.goto(f"{base}{reverse('testbed:report')}")
    expect(page.locator("#report-news2")).to_contain_text("NEWS2 6")
    expect(page.locator("main")).to_contain_text("transaction Bundle: 1")
    _screens(page, "report")
    page.goto(f"{base}{reverse('testbed:log')}")
    expect(page.locator("table")).to_contain_text("POST /fhir/R4")
    _screens(page, "log")
    context.close()
