"""Two-factor login in real Chromium: setting up TOTP, the code step, a wrong code."""

import re

import pytest

from digifys.testing.accounts import fresh_totp_code, totp_code
from digifys.testing.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in_with_password(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in", exact=True).click()


@pytest.fixture
def page(chromium, live_server):
    from django.core.cache import cache

    cache.clear()  # TOTP replay markers and rate limits live in this process's cache
    context = chromium.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_nurse_sets_up_totp_before_she_reaches_anything_then_needs_the_code_to_log_in(
    world, page, live_server
):
    from digifys.accounts.services import issue_enrolment_code

    # Her coordinator gave her an enrolment code in person (out of band).
    enrolment_code = issue_enrolment_code(actor=world.coordinator, user=world.nurse_mala)
    page.context.clear_cookies()  # Swedish UI, as a nurse sees it
    _log_in_with_password(page, live_server, world.nurse_mala.username)

    # Password accepted, but the only way on is setting up the authenticator app.
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    assert page.get_by_role("img").first.get_attribute("src").startswith("data:image/svg+xml")
    page.goto(f"{live_server.url}/residents/")
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    page.goto(f"{live_server.url}/residents/{world.resident_mala.pk}/")
    assert page.url.endswith("/accounts/2fa/totp/activate/")

    secret = page.locator("#totp-secret").inner_text().strip()
    page.locator("#id_enrolment_code").fill(enrolment_code)
    code_field = page.locator("#id_code")
    assert code_field.get_attribute("autocomplete") == "one-time-code"
    assert code_field.get_attribute("inputmode") == "numeric"
    code_field.fill(fresh_totp_code(secret))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # Recovery codes are shown once set up; then on to her unit.
    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    assert page.locator(".recovery-codes li").count() == 10
    page.locator("main a.button", has_text="digifys").click()
    page.wait_for_url(re.compile(rf"/worklist/units/{world.unit_mala.pk}/$"))
    page.goto(f"{live_server.url}/residents/{world.resident_mala.pk}/")
    assert page.url.endswith(f"/residents/{world.resident_mala.pk}/")

    # Log out; the next login asks for the code after the password.
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _log_in_with_password(page, live_server, world.nurse_mala.username)
    assert page.url.endswith("/accounts/2fa/authenticate/")
    page.goto(f"{live_server.url}/residents/")
    # Not logged in until the code is entered: the login page sends her back to the code step.
    assert page.url.endswith("/accounts/2fa/authenticate/")

    page.locator("#id_code").fill(fresh_totp_code(secret))
    with page.expect_navigation():
        page.locator("#mfa-submit").click()
    assert page.url.endswith(f"/worklist/units/{world.unit_mala.pk}/")


def test_a_wrong_code_is_refused_with_a_message(world, page, live_server):
    from digifys.testing.accounts import TOTP_SECRET, give_totp

    give_totp(world.physician_spain)
    _log_in_with_password_en(page, live_server, world.physician_spain.username)
    assert page.url.endswith("/accounts/2fa/authenticate/")
    wrong = f"{(int(totp_code(TOTP_SECRET)) + 1) % 1_000_000:06d}"
    page.get_by_label(re.compile("Code from your authenticator app")).fill(wrong)
    with page.expect_navigation():
        page.locator("#mfa-submit").click()
    alert = page.get_by_role("alert")
    assert "Incorrect code" in alert.inner_text()
    assert page.url.endswith("/accounts/2fa/authenticate/")
    page.goto(f"{live_server.url}/careteams/panel/")
    assert "/careteams/panel/" not in page.url


def _log_in_with_password_en(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in", exact=True).click()


def test_the_login_and_two_factor_pages_have_no_serious_accessibility_violations(
    world, page, live_server
):
    from axe_playwright_python.sync_playwright import Axe

    def serious_violations() -> list[str]:
        # The message list belongs to the page shell (base.html), not to these templates.
        results = Axe().run(page)
        return [
            f"{page.url}: {v['id']}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    page.goto(f"{live_server.url}/accounts/login/")
    found = serious_violations()
    page.goto(f"{live_server.url}/accounts/login/code/")
    found += serious_violations()
    _log_in_with_password_en(page, live_server, world.nurse_mala.username)
    found += serious_violations()  # the TOTP setup page
    page.locator("#id_code").fill("000000")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    found += serious_violations()  # with an error
    assert not found
