"""Single sign-on in real Chromium against a real OpenID Connect provider (npm oidc-provider).

The provider runs in Node (fixture `oidc_provider` in conftest.py); its development login page
accepts any login and password, and the login name becomes the verified e-mail claim.
"""

import pytest
from allauth.socialaccount.models import SocialAccount

from digifys.testing.accounts import give_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(locale="en-GB", timezone_id="Europe/Stockholm")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _sso_login(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Log in with Region IdP (test)").click()
    # The provider's own pages: any login and password, then consent.
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "anything")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Continue")
    page.click("button[type=submit]")


def test_a_nurse_logs_in_through_the_region_idp_and_lands_on_her_unit(
    world, region_idp, page, live_server
):
    world.nurse_mala.email = "anna.nurse@region.example"
    world.nurse_mala.save()
    give_totp(world.nurse_mala)  # the IdP's login is strong: no TOTP code afterwards
    _sso_login(page, live_server, "Anna.Nurse@region.example")
    page.wait_for_url(f"{live_server.url}/worklist/units/{world.unit_mala.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Malåhemmet – Avd 1 Björken"
    page.goto(f"{live_server.url}/residents/{world.resident_mala.pk}/")
    assert page.url.endswith(f"/residents/{world.resident_mala.pk}/")
    account = SocialAccount.objects.get(user=world.nurse_mala)
    assert (account.provider, account.uid) == ("region", "Anna.Nurse@region.example")


def test_an_idp_user_without_a_digifys_account_is_turned_away(world, region_idp, page, live_server):
    _sso_login(page, live_server, "stranger@region.example")
    page.wait_for_selector("text=No digifys account matches this login")
    assert (
        "ask yours to register your work e-mail address" in page.get_by_role("alert").inner_text()
    )
    page.goto(f"{live_server.url}/residents/")
    assert "/accounts/login/" in page.url
    assert not SocialAccount.objects.exists()
