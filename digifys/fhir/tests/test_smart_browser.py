"""SMART App Launch in Chromium: the real login with its second factor, the consent screen (at
every width, axe, keyboard), the redirect with the code, and the token that carries the user and
the access policy (issue 14 §2)."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from digifys.core.tests.test_every_page_browser import CHECK, TOUCH_WIDTHS, _axe_findings
from digifys.fhir import services
from digifys.testing.screens import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _http_redirects_on_loopback(settings):
    """The test's app is the live server on http://localhost: allow http redirect URIs, as
    development does (production allows https only)."""
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    }


def test_app_launch_through_the_login_and_the_consent_screen(world, browser_login, live_server):
    callback = f"{live_server.url}/healthz"  # any page of ours: the browser stops there
    app = services.register_launch_app(
        actor=world.administrator,
        name="Ward tablet app",
        redirect_uris=callback,
        scopes="user/*.read",
    ).application
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": callback,
            "scope": "user/*.read",
            "state": "s-42",
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
    )

    page = browser_login(world.nurse_storuman, language="en")  # password and TOTP in the form
    page.goto(f"{live_server.url}/oauth/authorize?{query}")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Allow Ward tablet app to use digifys?"
    scopes = page.get_by_role("list", name="What the app may do").get_by_role("listitem")
    assert scopes.all_inner_texts() == ["Read all kinds of data"]
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(CHECK, {"width": width, "touch": width in TOUCH_WIDTHS}) == []
        assert _axe_findings(page) == []
        screenshot(page, "fhir", f"smart-consent-{width}")

    # Keyboard: the first button of the form is "Allow"; Enter on it sends the consent.
    allow = page.get_by_role("button", name="Allow", exact=True)
    allow.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    landed = urlsplit(page.url)
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == callback
    params = parse_qs(landed.query)
    assert params["state"] == ["s-42"]

    # The app (no cookies) exchanges the code with its verifier.
    token = requests.post(
        f"{live_server.url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "redirect_uri": callback,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
        timeout=30,
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    own = requests.get(
        f"{live_server.url}/fhir/R4/Patient/{world.resident_storuman.pk}",
        headers=headers,
        timeout=30,
    )
    assert own.status_code == 200
    other = requests.get(
        f"{live_server.url}/fhir/R4/Patient/{world.resident_mala.pk}", headers=headers, timeout=30
    )
    assert other.status_code == 404
    assert other.json()["resourceType"] == "OperationOutcome"


def test_the_consent_screen_in_swedish_and_saying_no(world, browser_login, live_server):
    callback = f"{live_server.url}/healthz"
    app = services.register_launch_app(
        actor=world.administrator, name="Surfplatta", redirect_uris=callback, scopes="user/*.read"
    ).application
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"x" * 50).digest()).rstrip(b"=")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": callback,
            "scope": "user/Patient.read",
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
        }
    )
    page = browser_login(world.nurse_mala)
    page.goto(f"{live_server.url}/oauth/authorize?{query}")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Tillåta Surfplatta att använda digifys?"
    )
    scopes = page.get_by_role("list", name="Vad appen får göra").get_by_role("listitem")
    assert scopes.all_inner_texts() == ["Läsa Patient"]
    screenshot(page, "fhir", "smart-consent-sv-390")
    with page.expect_navigation():
        page.get_by_role("button", name="Tillåt inte").click()
    assert parse_qs(urlsplit(page.url).query)["error"] == ["access_denied"]
