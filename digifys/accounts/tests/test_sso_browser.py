"""Single sign-on in real Chromium against a real OpenID Connect provider (npm oidc-provider).

The provider runs in Node (fixture `oidc_provider` in conftest.py); its development login page
accepts any login and password, and the login name becomes the verified e-mail claim.
"""

import pytest
from allauth.socialaccount.models import SocialAccount

from digifys.testing.accounts import give_totp

from .conftest import idp_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nurse_logs_in_through_the_region_idp_and_lands_on_her_unit(
    world, region_idp, idp_page, live_server
):
    world.nurse_mala.email = "anna.nurse@region.example"
    world.nurse_mala.save()
    give_totp(world.nurse_mala)  # the IdP's login is strong: no TOTP code afterwards
    idp_login(idp_page, live_server, "Anna.Nurse@region.example")
    idp_page.wait_for_url(f"{live_server.url}/worklist/units/{world.unit_mala.pk}/")
    assert idp_page.get_by_role("heading", level=1).inner_text() == "Malåhemmet – Avd 1 Björken"
    idp_page.goto(f"{live_server.url}/residents/{world.resident_mala.pk}/")
    assert idp_page.url.endswith(f"/residents/{world.resident_mala.pk}/")
    account = SocialAccount.objects.get(user=world.nurse_mala)
    assert (account.provider, account.uid) == ("region", "Anna.Nurse@region.example")


def test_an_idp_user_without_a_digifys_account_is_turned_away(
    world, region_idp, idp_page, live_server
):
    idp_login(idp_page, live_server, "stranger@region.example")
    idp_page.wait_for_selector("text=No digifys account matches this login")
    assert (
        "ask yours to register your work e-mail address"
        in idp_page.get_by_role("alert").inner_text()
    )
    idp_page.goto(f"{live_server.url}/residents/")
    assert "/accounts/login/" in idp_page.url
    assert not SocialAccount.objects.exists()
