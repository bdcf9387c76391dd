"""Failed logins lock an account for a while; sessions end after inactivity; password policy."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from digifys.accounts.testing import TOTP_SECRET, give_totp, totp_code
from digifys.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _post_login(client, username, password):
    client.cookies["django_language"] = "en"
    return client.post(reverse("accounts:login"), {"login": username, "password": password})


def test_five_failed_logins_lock_the_account_with_a_clear_message(world, client):
    for _ in range(5):
        page = _post_login(client, "anna.nurse", "not-the-password").content.decode()
        assert "The username and/or password you specified are not correct." in page
    response = _post_login(client, "anna.nurse", PASSWORD)  # even the right password
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert "the account is locked for up to 15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_15_minutes(world, client):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _post_login(client, "anna.nurse", "not-the-password")
        assert "locked" in _post_login(client, "anna.nurse", PASSWORD).content.decode()
        traveller.shift(datetime.timedelta(minutes=16))
        response = _post_login(client, "anna.nurse", PASSWORD)
        assert response.status_code == 302


def test_a_locked_account_does_not_lock_others(world, client):
    for _ in range(6):
        _post_login(client, "anna.nurse", "not-the-password")
    response = _post_login(client, "bertil.nurse", PASSWORD)
    assert response.status_code == 302


def test_wrong_totp_codes_count_towards_the_lockout(world, client):
    give_totp(world.nurse_mala)
    _post_login(client, "anna.nurse", PASSWORD)
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_ends_after_30_minutes_without_activity(world, login):
    with time_machine.travel(START, tick=False) as traveller:
        client = login(world.nurse_mala)
        assert client.get(reverse("residents:list")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=31))
        response = client.get(reverse("residents:list"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_activity_keeps_the_session_alive(world, login):
    with time_machine.travel(START, tick=False) as traveller:
        client = login(world.nurse_mala)
        for _ in range(3):
            traveller.shift(datetime.timedelta(minutes=25))
            assert client.get(reverse("residents:list")).status_code == 200


def test_a_new_password_must_follow_the_password_policy(world, login):
    client = login(world.nurse_mala, language="en")
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "short-9", "password2": "short-9"},
    )
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in (
        response.content.decode()
    )
    world.nurse_mala.refresh_from_db()
    assert world.nurse_mala.check_password(PASSWORD)


def test_background_refreshes_do_not_keep_an_unattended_session_alive(world, login):
    rows = reverse("worklist:rows", args=[world.unit_mala.pk])
    background = {"HTTP_X_DIGIFYS_BACKGROUND": "1", "HTTP_HX_REQUEST": "true"}
    with time_machine.travel(START, tick=False) as traveller:
        client = login(world.nurse_mala)
        assert client.get(reverse("residents:list")).status_code == 200
        for _ in range(3):
            traveller.shift(datetime.timedelta(minutes=12))
            response = client.get(rows, **background, HTTP_HX_CURRENT_URL="/worklist/")
        # 36 minutes after the last real request: the live refresh finds the session gone and
        # sends the whole page to the login form instead of pasting the form into the table.
        assert response.status_code == 200
        assert response["HX-Redirect"].startswith(reverse("accounts:login"))
        assert "next=%2Fworklist%2F" in response["HX-Redirect"]
