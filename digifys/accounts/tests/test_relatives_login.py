"""Relatives log in with a one-time code sent by e-mail; nobody can sign up."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _request_code(client, email):
    client.cookies["django_language"] = "en"
    return client.post(reverse("account_request_login_code"), {"email": email})


def test_a_relative_logs_in_with_a_code_from_the_email(world, client):
    world.relative_with_consent.email = "gustav.lind@example.test"
    world.relative_with_consent.save()
    response = _request_code(client, "Gustav.Lind@example.test")
    assert response.url == reverse("account_confirm_login_code")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["gustav.lind@example.test"]
    code = re.search(r"^([A-Z0-9-]{6,})$", mail.outbox[0].body, re.MULTILINE).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.url == reverse("home")
    assert client.get(reverse("relatives:home")).status_code == 200  # no TOTP for relatives


def test_a_wrong_login_code_is_refused(world, client):
    world.relative_with_consent.email = "gustav.lind@example.test"
    world.relative_with_consent.save()
    _request_code(client, "gustav.lind@example.test")
    response = client.post(reverse("account_confirm_login_code"), {"code": "WRONG1"})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_address_gets_no_mail_and_learns_nothing(world, client):
    response = _request_code(client, "nobody@example.test")
    assert response.url == reverse("account_confirm_login_code")  # same page as for a user
    assert mail.outbox == []


def test_a_nurse_gets_no_login_code(world, client):
    # Staff log in with password and second factor only (see test_enrolment.py).
    world.nurse_mala.email = "anna@example.test"
    world.nurse_mala.save()
    response = _request_code(client, "anna@example.test")
    assert response.url == reverse("account_confirm_login_code")
    assert mail.outbox == []


def test_there_is_no_signup(world, client):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("account_signup")
    assert client.get("/accounts/signup/").status_code == 404
    assert client.get("/accounts/email/").status_code == 404
