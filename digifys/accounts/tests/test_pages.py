"""allauth's pages render in digifys's page shell."""

import pytest
from django.urls import reverse

from digifys.testing.accounts import give_totp

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "mfa_index",
        "mfa_reauthenticate",
        "mfa_deactivate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "account_change_password",
        "account_reauthenticate",
        "accounts:logout",
    ],
)
def test_account_pages_for_a_logged_in_nurse_use_the_page_shell(world, login, name):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    give_totp(world.nurse_mala)
    RecoveryCodes.activate(world.nurse_mala)
    client = login(world.nurse_mala, language="en")
    response = client.get(reverse(name))
    assert response.status_code == 200, response
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert "Skip to content" in page
    assert 'class="site-header"' in page


@pytest.mark.parametrize(
    "name", ["accounts:login", "account_request_login_code", "account_reset_password"]
)
def test_entrance_pages_use_the_page_shell(client, name):
    client.cookies["django_language"] = "en"
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Skip to content" in page
    assert "<h1" in page


def test_the_login_form_is_labelled_for_password_managers(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert '<label for="id_login">' in page
    assert '<label for="id_password">' in page
