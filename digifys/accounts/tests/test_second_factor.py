"""Staff cannot reach resident data before the second factor; relatives need none."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from digifys.testing.accounts import TOTP_SECRET, give_totp, totp_code
from digifys.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()  # rate limits and used TOTP codes
    yield
    cache.clear()


def _password_login(client, user, **extra):
    client.cookies["django_language"] = "en"
    return client.post(
        reverse("accounts:login"), {"login": user.username, "password": PASSWORD}, **extra
    )


def _resident_page(world):
    return reverse("residents:detail", kwargs={"pk": world.resident_mala.pk})


def test_a_nurse_without_an_authenticator_is_sent_to_set_up_totp(world, client):
    response = _password_login(client, world.nurse_mala)
    assert response.status_code == 302  # logged in with the password ...
    response = client.get(_resident_page(world))
    assert response.status_code == 302  # ... but held at the two-factor setup
    assert response.url == reverse("mfa_activate_totp")
    assert client.get(reverse("residents:list")).url == reverse("mfa_activate_totp")
    assert client.get(reverse("home")).url == reverse("mfa_activate_totp")


@pytest.mark.parametrize(
    "persona", ["physician_spain", "coordinator", "administrator", "nurse_storuman"]
)
def test_every_staff_role_needs_the_second_factor(world, client, persona):
    _password_login(client, world.persona(persona))
    assert client.get(reverse("accounts:preferences")).url == reverse("mfa_activate_totp")


def test_the_setup_page_shows_a_qr_code_and_the_secret_to_type_in(world, client):
    _password_login(client, world.nurse_mala)
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    secret = client.session["mfa.totp.secret"]
    assert f'<code id="totp-secret" class="totp-secret">{secret}</code>' in page
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page


def test_setting_up_totp_completes_the_login(world, client, django_capture_on_commit_callbacks):
    from digifys.accounts.services import issue_enrolment_code

    enrolment_code = issue_enrolment_code(actor=world.coordinator, user=world.nurse_mala)
    _password_login(client, world.nurse_mala)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("mfa_activate_totp"),
            {"code": totp_code(secret), "enrolment_code": enrolment_code},
        )
    assert response.url == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=world.nurse_mala, type="totp").exists()
    assert client.get(_resident_page(world)).status_code == 200


def test_a_wrong_setup_code_is_refused_and_nothing_is_set_up(world, client):
    _password_login(client, world.nurse_mala)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    wrong = f"{(int(totp_code(secret)) + 500_000) % 1_000_000:06d}"
    response = client.post(reverse("mfa_activate_totp"), {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not Authenticator.objects.filter(user=world.nurse_mala).exists()
    assert client.get(_resident_page(world)).url == reverse("mfa_activate_totp")


def test_with_totp_the_code_is_asked_after_the_password(world, client):
    give_totp(world.nurse_mala)
    response = _password_login(client, world.nurse_mala)
    assert response.url == reverse("mfa_authenticate")
    assert client.get(_resident_page(world)).status_code == 302  # not logged in yet
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert response.status_code == 302
    assert client.get(_resident_page(world)).status_code == 200


def test_a_wrong_code_is_refused_with_a_message(world, client):
    give_totp(world.nurse_mala)
    _password_login(client, world.nurse_mala)
    wrong = f"{(int(totp_code(TOTP_SECRET)) + 500_000) % 1_000_000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert "Incorrect code" in page
    assert "_auth_user_id" not in client.session


def test_a_totp_code_cannot_be_used_twice(world, client):
    give_totp(world.nurse_mala)
    code = totp_code(TOTP_SECRET)
    _password_login(client, world.nurse_mala)
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.post(reverse("accounts:logout"))
    _password_login(client, world.nurse_mala)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert "Incorrect code" in response.content.decode()


def test_a_recovery_code_works_instead_of_the_app(world, client):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    give_totp(world.nurse_mala)
    codes = RecoveryCodes.activate(world.nurse_mala).generate_codes()
    _password_login(client, world.nurse_mala)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.get(_resident_page(world)).status_code == 200


def test_a_relative_is_not_asked_for_a_second_factor(world, client):
    response = _password_login(client, world.relative_with_consent)
    assert response.url == reverse("home")
    assert client.get(reverse("relatives:home")).status_code == 200


def test_a_staff_session_without_the_code_step_is_asked_for_the_code(world, client):
    # E.g. a session opened outside allauth's login: the user has an app, so ask for its code.
    give_totp(world.nurse_mala)
    client.force_login(world.nurse_mala)
    response = client.get(_resident_page(world))
    assert (
        response.url
        == f"{reverse('mfa_reauthenticate')}?next=%2Fresidents%2F{world.resident_mala.pk}%2F"
    )
    response = client.post(response.url, {"code": totp_code(TOTP_SECRET)})
    assert response.url == _resident_page(world)
    assert client.get(_resident_page(world)).status_code == 200


def test_htmx_requests_are_redirected_by_htmx(world, client):
    client.force_login(world.nurse_mala)
    response = client.get(reverse("residents:list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == reverse("mfa_activate_totp")


def test_the_admin_has_no_password_only_login(world, client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_administrator_needs_the_second_factor_for_the_admin(world, client):
    _password_login(client, world.administrator)
    assert client.get(reverse("admin:index")).url == reverse("mfa_activate_totp")


def test_the_login_page_and_health_check_stay_open(world, client):
    client.force_login(world.nurse_mala)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("javascript-catalog")).status_code == 200
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
