"""The demo quick-login: only in demo mode, only the synthetic region's personas."""

import pytest
from django.urls import reverse

from digifys.accounts.models import Role
from digifys.testing.world import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_nurse(world):
    """The synthetic region's nurse persona, working in the Malå unit."""
    return make_staff(
        "sjukskoterska.mala", Role.NURSE, world.unit_mala.parent, units=[world.unit_mala]
    ).user


def test_outside_demo_mode_there_is_no_quick_login(world, demo_nurse, client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "sjukskoterska.mala" not in page
    assert reverse("accounts:demo_login") not in page
    response = client.post(reverse("accounts:demo_login"), {"username": "sjukskoterska.mala"})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_in_demo_mode_the_login_page_lists_the_personas_that_exist(
    world, demo_nurse, client, settings
):
    settings.DEMO = True
    client.cookies["django_language"] = "en"
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Demo: log in as …" in page
    assert 'name="username" value="sjukskoterska.mala"' in page
    assert "lakare.malaga" not in page  # not in this database


def test_a_demo_login_reaches_the_unit_without_password_or_code(
    world, demo_nurse, client, settings
):
    settings.DEMO = True
    response = client.post(reverse("accounts:demo_login"), {"username": "sjukskoterska.mala"})
    assert response.url == reverse("home")
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "worklist:unit", kwargs={"unit_pk": world.unit_mala.pk}
    )
    assert response.status_code == 200


def test_the_demo_login_refuses_users_who_are_not_demo_personas(world, client, settings):
    settings.DEMO = True
    response = client.post(reverse("accounts:demo_login"), {"username": "anna.nurse"})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_the_demo_login_needs_a_post_with_csrf(world, demo_nurse, settings):
    from django.test import Client

    settings.DEMO = True
    client = Client(enforce_csrf_checks=True)
    assert client.get(reverse("accounts:demo_login")).status_code == 405
    response = client.post(reverse("accounts:demo_login"), {"username": "sjukskoterska.mala"})
    assert response.status_code == 403


def test_a_demo_session_is_not_two_factor_once_demo_mode_is_off(
    world, demo_nurse, client, settings
):
    settings.DEMO = True
    client.post(reverse("accounts:demo_login"), {"username": "sjukskoterska.mala"})
    settings.DEMO = False
    response = client.get(reverse("residents:list"))
    assert response.url == reverse("mfa_activate_totp")
