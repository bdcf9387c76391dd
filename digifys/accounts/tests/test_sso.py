"""Single sign-on with the region's OpenID Connect provider: configuration and account linking.

The end-to-end login against a real provider is in test_sso_browser.py.
"""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from digifys.accounts.adapters import user_for_verified_emails
from digifys.testing.world import make_user

TEST_MFA_KEY = "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA="  # a valid Fernet key, test only


def _settings_from_env(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    )
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "digifys.settings"}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=base | {"SECRET_KEY": "x" * 50, "MFA_ENCRYPTION_KEY": TEST_MFA_KEY} | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_oidc_server_url_there_is_no_sso():
    result = _settings_from_env({})
    assert json.loads(result.stdout) == {"openid_connect": {"APPS": []}}


def test_sso_is_configured_from_the_environment(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret\n")
    result = _settings_from_env(
        {
            "OIDC_SERVER_URL": "https://idp.regionvasterbotten.example",
            "OIDC_PROVIDER_NAME": "Region Västerbotten",
            "OIDC_CLIENT_ID": "digifys",
            "OIDC_CLIENT_SECRET_FILE": str(secret_file),
        }
    )
    (app,) = json.loads(result.stdout)["openid_connect"]["APPS"]
    assert app["provider_id"] == "region"
    assert app["name"] == "Region Västerbotten"
    assert app["client_id"] == "digifys"
    assert app["secret"] == "s3cret"
    assert app["settings"]["server_url"] == "https://idp.regionvasterbotten.example"


def test_an_sso_url_without_client_credentials_fails_loudly():
    result = _settings_from_env({"OIDC_SERVER_URL": "https://idp.example"})
    assert result.returncode != 0
    assert "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET" in result.stderr


@pytest.mark.django_db
def test_the_login_page_has_no_sso_button_without_configuration(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "/accounts/oidc/" not in page


@pytest.mark.django_db
def test_the_login_page_offers_sso_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "region",
                    "name": "Region Västerbotten",
                    "client_id": "digifys",
                    "secret": "s3cret",
                    "settings": {"server_url": "https://idp.example"},
                }
            ]
        }
    }
    client.cookies["django_language"] = "en"
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'action="/accounts/oidc/region/login/"' in page
    assert "Log in with Region Västerbotten" in page


@pytest.mark.django_db
def test_sso_links_to_the_one_active_user_with_that_email():
    anna = make_user("anna", email="Anna.Lind@region.example")
    assert user_for_verified_emails(["anna.lind@region.example"]) == anna
    assert user_for_verified_emails(["someone@region.example"]) is None


@pytest.mark.django_db
def test_sso_links_nobody_when_the_email_is_ambiguous_or_inactive():
    make_user("anna", email="shared@region.example")
    make_user("bertil", email="shared@region.example")
    make_user("cecilia", email="gone@region.example", is_active=False)
    assert user_for_verified_emails(["shared@region.example"]) is None
    assert user_for_verified_emails(["gone@region.example"]) is None
