"""A resident's own login through the region's IdP (BankID) is matched on the identity number.

The claim (settings.OIDC_IDENTITY_NUMBER_CLAIMS, by default the Swedish OpenID Connect profile's
`https://id.oidc.se/claim/personalIdentityNumber`) is normalised to 12 digits; the login is
refused, with the reason, when the number matches nobody, is unreadable, or points to more than
one user. Never on name. Identity numbers come from Skatteverket's test list (the world's
residents are made from it). The browser tests at the end run against the real OpenID Connect
provider (npm oidc-provider, fixture `oidc_provider`).
"""

import pytest
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.test import RequestFactory

from digifys.accounts.adapters import SocialAccountAdapter, identity_numbers_from_claims
from digifys.accounts.models import User
from digifys.residents.identity import InvalidIdentityNumber, parse_identity_number
from digifys.residents.testnumbers import load_test_personnummer

from .conftest import idp_login

PIN = "https://id.oidc.se/claim/personalIdentityNumber"
COORDINATION = "https://id.oidc.se/claim/coordinationNumber"


def _written_forms(canonical: str) -> list[str]:
    """The 12-digit number as a provider may send it: with or without hyphen, 10 digits."""
    short = parse_identity_number(canonical).short()
    return [canonical, f"{canonical[:8]}-{canonical[8:]}", short, short.replace("-", "")]


def test_the_claim_is_normalised_to_twelve_digits_in_every_written_form():
    canonical = next(n for n in load_test_personnummer() if n.startswith("1944"))
    for written in _written_forms(canonical):
        assert identity_numbers_from_claims({"userinfo": {PIN: written}}) == [canonical]
        assert identity_numbers_from_claims({"id_token": {PIN: written}}) == [canonical]


def test_the_same_number_in_id_token_and_userinfo_counts_once_and_two_numbers_twice():
    first, second = load_test_personnummer()[500:502]
    both = {"id_token": {PIN: first}, "userinfo": {PIN: f"{first[:8]}-{first[8:]}"}}
    assert identity_numbers_from_claims(both) == [first]
    assert identity_numbers_from_claims({"userinfo": {PIN: first, COORDINATION: second}}) == [
        first,
        second,
    ]


def test_a_configured_claim_name_is_read_and_the_default_one_no_longer(settings):
    number = load_test_personnummer()[600]
    settings.OIDC_IDENTITY_NUMBER_CLAIMS = ["personal_number"]
    assert identity_numbers_from_claims({"userinfo": {"personal_number": number}}) == [number]
    assert identity_numbers_from_claims({"userinfo": {PIN: number}}) == []


def test_no_claims_configured_reads_no_number(settings):
    settings.OIDC_IDENTITY_NUMBER_CLAIMS = []
    assert identity_numbers_from_claims({"userinfo": {PIN: load_test_personnummer()[0]}}) == []


@pytest.mark.parametrize("value", ["19440101-0000", "not a number", ["194401010000"], "1944"])
def test_an_unreadable_claim_raises(value):
    with pytest.raises(InvalidIdentityNumber):
        identity_numbers_from_claims({"userinfo": {PIN: value}})


# --- The adapter's decision ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _region_app(settings):
    """The region's provider as configured (never contacted by the adapter tests)."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": settings.OIDC_PROVIDER_ID,
                    "name": "Region IdP (test)",
                    "client_id": "digifys-test",
                    "secret": "digifys-test-secret",
                    "settings": {"server_url": "http://127.0.0.1:9/", "scope": ["openid"]},
                }
            ]
        }
    }


def _sociallogin(claims: dict, *, email: str = "") -> SocialLogin:
    account = SocialAccount(provider="region", uid="bankid-sub", extra_data={"userinfo": claims})
    addresses = [EmailAddress(email=email, verified=True, primary=True)] if email else []
    return SocialLogin(account=account, user=User(), email_addresses=addresses)


def _decide(claims: dict, *, email: str = ""):
    """Run the adapter; return the linked user, or the refusal's status and text."""
    request = RequestFactory().get("/accounts/oidc/region/login/callback/")
    request.user = None
    sociallogin = _sociallogin(claims, email=email)
    try:
        SocialAccountAdapter().pre_social_login(request, sociallogin)
    except ImmediateHttpResponse as refusal:
        return refusal.response.status_code, refusal.response.content.decode()
    return sociallogin.user if sociallogin.user.pk else None


@pytest.mark.django_db
def test_the_resident_is_found_by_the_number_whatever_its_written_form(world):
    canonical = world.resident_mala.identity_number
    for written in _written_forms(canonical):
        assert _decide({PIN: written}) == world.resident_self
        assert SocialAccount.objects.get().user == world.resident_self
        SocialAccount.objects.all().delete()  # the next form is a first login again


@pytest.mark.django_db
def test_a_number_no_resident_login_has_is_refused_with_a_reason(world):
    # Helge (resident_mala_2) is registered but has no login of his own.
    status, page = _decide({PIN: world.resident_mala_2.identity_number})
    assert status == 403
    assert "No digifys login is registered for the personal identity number" in page
    assert not SocialAccount.objects.exists()


@pytest.mark.django_db
def test_the_name_is_never_used(world):
    claims = {"given_name": "Greta", "family_name": "Lind", "name": "Greta Lind"}
    assert _decide(claims) is None  # no number, no e-mail: allauth's closed signup answers
    assert _decide({**claims, PIN: world.resident_mala_2.identity_number})[0] == 403


@pytest.mark.django_db
def test_an_inactive_residents_login_is_not_matched(world):
    world.resident_self.is_active = False
    world.resident_self.save()
    assert _decide({PIN: world.resident_mala.identity_number})[0] == 403


@pytest.mark.django_db
def test_a_number_and_an_email_of_two_different_users_are_refused(world):
    world.nurse_mala.email = "maria.nurse@region.example"
    world.nurse_mala.save()
    status, page = _decide(
        {PIN: world.resident_mala.identity_number}, email="maria.nurse@region.example"
    )
    assert status == 403
    assert "matches more than one digifys account" in page


@pytest.mark.django_db
def test_two_different_numbers_are_refused(world):
    other = next(n for n in load_test_personnummer() if n != world.resident_mala.identity_number)
    claims = {PIN: world.resident_mala.identity_number, COORDINATION: other}
    assert identity_numbers_from_claims({"userinfo": claims})[1] == other
    status, page = _decide(claims)
    assert (status, "matches more than one digifys account" in page) == (403, True)


@pytest.mark.django_db
def test_an_unreadable_number_is_refused(world):
    status, page = _decide({PIN: "19440101-0000"})
    assert status == 403
    assert "an identity number we cannot read" in page


@pytest.mark.django_db
def test_the_number_and_the_same_users_email_log_in(world):
    world.resident_self.email = "greta.lind@example.com"
    world.resident_self.save()
    claims = {PIN: world.resident_mala.identity_number}
    assert _decide(claims, email="greta.lind@example.com") == world.resident_self


@pytest.mark.django_db
def test_staff_without_a_number_still_log_in_by_verified_email(world):
    world.nurse_mala.email = "maria.nurse@region.example"
    world.nurse_mala.save()
    assert _decide({}, email="Maria.Nurse@region.example") == world.nurse_mala


# --- Against the real provider, in Chromium ------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_resident_logs_in_with_bankid_and_is_matched_on_the_identity_number(
    world, region_idp, idp_page, live_server
):
    number = world.resident_mala.identity_number
    idp_login(idp_page, live_server, f"pnr:{number[:8]}-{number[8:]}")
    idp_page.wait_for_url(f"{live_server.url}/relatives/me/")
    account = SocialAccount.objects.get()
    assert account.user == world.resident_self
    assert account.uid == f"pnr:{number[:8]}-{number[8:]}"
    # The next login finds the linked account.
    idp_page.context.clear_cookies()
    idp_page.context.add_cookies(
        [{"name": "django_language", "value": "en", "url": live_server.url}]
    )
    idp_login(idp_page, live_server, f"pnr:{number[:8]}-{number[8:]}")
    idp_page.wait_for_url(f"{live_server.url}/relatives/me/")
    assert SocialAccount.objects.count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_bankid_login_whose_number_has_no_login_is_refused_with_the_reason(
    world, region_idp, idp_page, live_server
):
    idp_login(idp_page, live_server, f"pnr:{world.resident_mala_2.identity_number}")
    idp_page.wait_for_selector("text=We could not log you in")
    assert "ask the unit to register yours" in idp_page.get_by_role("alert").inner_text()
    idp_page.goto(f"{live_server.url}/relatives/me/")
    assert "/accounts/login/" in idp_page.url
    assert not SocialAccount.objects.exists()
