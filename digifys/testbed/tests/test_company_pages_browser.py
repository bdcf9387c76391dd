"""The company pages of issue 14's later parts in Chromium at 390, 768 and 1366 px, with axe-core:
the subscription delivery log, the reset (confirmation, then its progress on the company page),
and the consent screen of a patient-scoped app launch with its resident picker."""

import hashlib
import json
import re
from base64 import urlsafe_b64encode
from urllib.parse import urlencode

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.urls import reverse
from playwright.sync_api import expect

from digifys.fhir import services as fhir_services
from digifys.fhir import subscriptions
from digifys.fhir.tests.conftest import panel
from digifys.fhir.tests.test_subscriptions import NEWS2_AT_LEAST_5, Receiver, _subscription
from digifys.testbed import sandbox as generator
from digifys.testbed import services
from digifys.testbed.models import Application, Sandbox
from digifys.testbed.tests.conftest import FORM
from digifys.testbed.tests.test_testbed_browser import _screens
from digifys.testing.accounts import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page, name: str) -> None:
    """No sideways scrolling at 390, 768 and 1366 px (with screenshots); no serious or critical
    axe-core violation at 390 and 1366 px."""
    _screens(page, name)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_SCRIPT)
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{name} at {width} px: {bad}"


def _page_for(chromium, live_server, user):
    # The user's saved language wins over the cookie (accounts.middleware.LanguageMiddleware).
    user.language = "en"
    user.save(update_fields=["language"])
    context = chromium.new_context(locale="en-GB", timezone_id="Europe/Stockholm")
    context.add_cookies(
        [
            session_cookie(user, live_server.url),
            {"name": "django_language", "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_delivery_log_and_reset_pages(world, chromium, live_server, settings, client):
    settings.FHIR_SUBSCRIPTION_ALLOW_PRIVATE_ENDPOINTS = True
    settings.FHIR_SUBSCRIPTION_RETRY_SECONDS = 0
    application = Application.objects.create(**FORM)
    services.approve_application(actor=world.coordinator, application=application)
    application.refresh_from_db()
    sandbox = generator.generate(Sandbox.objects.get(application=application))
    _client, token = services.create_client(
        actor=application.user, application=application, name="Wristband"
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    receiver = Receiver(fail=5)
    try:
        client.post(
            "/fhir/R4/Subscription",
            _subscription(receiver.url, NEWS2_AT_LEAST_5),
            content_type="application/fhir+json",
            **auth,
        )
        resident = sandbox.unit.residents.active().first()
        client.post("/fhir/R4", panel(resident.pk), content_type="application/fhir+json", **auth)
        for notification in subscriptions.due_notifications():
            for _attempt in range(2):
                subscriptions.attempt(notification_id=notification)
    finally:
        receiver.close()

    context, page = _page_for(chromium, live_server, application.user)
    # Key clients: a private key is refused with what was typed kept; a public JWKS registers.
    from digifys.fhir.tests.test_smart import Key

    key = Key("ES384")
    page.goto(f"{live_server.url}{reverse('testbed:keys')}")
    _check(page, "keys")
    page.fill("#id_name", "Wristband (keys)")
    page.fill("#id_jwks", '{"keys": [{"kty": "EC", "crv": "P-384", "x": "a", "y": "b", "d": "c"}]}')
    page.click("#key-form button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.input_value("#id_name") == "Wristband (keys)"
    _check(page, "keys-error")
    page.fill("#id_jwks", json.dumps(key.jwks))
    page.click("#key-form button[type=submit]")
    expect(page.locator("#new-client-id")).to_be_visible()
    _check(page, "keys-registered")
    page.click("a[href$='/revoke/']")
    _check(page, "key-revoke")
    page.click("#key-revoke-form button[type=submit]")
    expect(page.locator("main")).to_contain_text("No key client yet.")

    page.goto(f"{live_server.url}{reverse('testbed:deliveries')}")
    expect(page.locator("#h-deliveries")).to_be_visible()
    expect(page.locator("main")).to_contain_text("HTTP 500")
    _check(page, "deliveries")

    page.goto(f"{live_server.url}{reverse('testbed:reset')}")
    _check(page, "reset-confirm")
    page.click("#reset-form button[type=submit]")
    expect(page.locator("main")).to_contain_text("Resetting the sandbox")
    _check(page, "company-resetting")
    page.goto(f"{live_server.url}{reverse('testbed:reset')}")
    expect(page.locator("#reset-form")).to_have_count(0)  # no second reset while one runs
    context.close()


def test_the_patient_picker_of_a_launch(world, chromium, live_server):
    app = fhir_services.register_launch_app(
        actor=world.administrator,
        name="Ward tablet app",
        redirect_uris="https://app.example.org/callback",
        scopes="launch/patient patient/*.read",
    ).application
    verifier = "v" * 50
    challenge = urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": "https://app.example.org/callback",
            "scope": "launch/patient patient/*.read",
            "state": "s",
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
        }
    )
    context, page = _page_for(chromium, live_server, world.nurse_mala)
    page.goto(f"{live_server.url}/oauth/authorize?{query}")
    expect(page.locator("label[for=launch-patient]")).to_be_visible()
    _check(page, "launch-picker")
    page.set_viewport_size({"width": 390, "height": 900})
    page.click("button[name=allow]")  # no resident chosen: refused on the page
    expect(page.locator(".error-summary")).to_contain_text("Choose the resident")
    _check(page, "launch-picker-error")
    page.select_option("#launch-patient", str(world.resident_mala.pk))
    with page.expect_request(re.compile(r"^https://app\.example\.org/callback\?code=")):
        page.click("button[name=allow]")
    context.close()
