"""The testbed end to end in real Chromium: a company applies, is approved, gets its sandbox,
registers a key (SMART Backend Services), its device script gets a token with a JWT signed by
that key and posts a deteriorating vitals panel over HTTP, and the sandbox worklist, the request
log and the conformance report show what it became. A static-token client's requests reach the
log and the report as well (the second test)."""

import json

import httpx
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from digifys.fhir.smart import ASSERTION_TYPE
from digifys.fhir.tests.conftest import panel
from digifys.fhir.tests.test_smart import Key
from digifys.testbed import sandbox as generator
from digifys.testbed import services
from digifys.testbed.models import Application, RequestLog, Sandbox
from digifys.testbed.tests.conftest import FORM
from digifys.testing.accounts import TOTP_SECRET, fresh_totp_code, give_totp, session_cookie
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

    # 4. The company logs in with its second factor and registers a key client: the public
    # half of a key pair its device holds (a JWKS).
    context, page = _company_login(chromium, base, company_user)
    page.goto(f"{base}{reverse('testbed:company')}")
    if "/2fa/" in page.url:  # the testbed's own second-factor check
        page.fill("#id_code", fresh_totp_code(TOTP_SECRET))
        page.click("#mfa-submit")
    expect(page.locator("h1")).to_contain_text("Pulsbolaget AB")
    _screens(page, "company")
    key = Key("ES384")
    page.goto(f"{base}{reverse('testbed:keys')}")
    page.fill("#id_name", "Wristband")
    page.fill("#id_jwks", json.dumps(key.jwks))
    page.click("#key-form button[type=submit]")
    client_id = page.locator("#new-client-id").inner_text()
    _screens(page, "keys")

    # 5. The device script gets a token with a JWT client assertion signed by its private key
    # (client_credentials) and posts a deteriorating panel (NEWS2 6) to the live server.
    token_url = f"{base}{reverse('oauth:token')}"
    granted = httpx.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "scope": "system/Observation.write",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": key.assertion(client_id, aud=token_url),
        },
        timeout=30,
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["scope"] == "system/Observation.write"
    token = granted.json()["access_token"]
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

    # 7. The conformance report of the key client and the request log list what it sent.
    page.goto(f"{base}{reverse('testbed:report')}")
    page.select_option("#report-client", label="Wristband")
    page.click("form.search-form button[type=submit]")
    assert page.input_value("#report-client").startswith("key-")
    # The company's saved language (Swedish, from its application) wins over the cookie.
    # Two requests: the token request at /oauth/token and the vitals panel.
    expect(page.locator("main")).to_contain_text("2 anrop, 0 avvisade.")
    expect(page.locator("#report-news2")).to_contain_text("NEWS2 6")
    expect(page.locator("main")).to_contain_text("token: 1")
    expect(page.locator("main")).to_contain_text("transaction Bundle: 1")
    expect(page.locator("main")).to_contain_text("Rätt LOINC-kod och UCUM-enhet: 5")
    _screens(page, "report")
    page.goto(f"{base}{reverse('testbed:log')}")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody")).to_contain_text("Wristband")
    expect(page.locator("tbody")).to_contain_text("POST /fhir/R4")
    expect(page.locator("tbody")).to_contain_text("POST /oauth/token")
    _screens(page, "log")
    context.close()


def test_a_token_clients_requests_reach_the_log_and_its_report(world, chromium, live_server):
    """The static-token path: a client registered on the page, its token used by a script."""
    base = live_server.url
    application = Application.objects.create(**FORM)
    services.approve_application(actor=world.coordinator, application=application)
    application.refresh_from_db()
    sandbox = generator.generate(Sandbox.objects.get(application=application))
    user = application.user
    user.language = "en"  # the saved language wins over the cookie
    user.save(update_fields=["language"])
    context = chromium.new_context(locale="en-GB", timezone_id="Europe/Stockholm")
    context.add_cookies([session_cookie(user, base)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}{reverse('testbed:clients')}")
    page.fill("#id_name", "Scale")
    page.click("#client-form button[type=submit]")
    token = page.locator("#new-token").inner_text()
    _screens(page, "clients")

    resident = sandbox.unit.residents.order_by("room").first()
    answer = httpx.post(
        f"{base}/fhir/R4",
        json=panel(resident.pk, when=timezone.localtime().isoformat(timespec="seconds")),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert RequestLog.objects.get().client.name == "Scale"

    page.goto(f"{base}{reverse('testbed:log')}")
    expect(page.locator("tbody tr")).to_contain_text("Scale")
    page.goto(f"{base}{reverse('testbed:report')}")
    page.select_option("#report-client", label="Scale")
    page.click("form.search-form button[type=submit]")
    expect(page.locator("#report-news2")).to_contain_text("NEWS2 6")
    expect(page.locator("main")).to_contain_text("transaction Bundle: 1")
    context.close()
