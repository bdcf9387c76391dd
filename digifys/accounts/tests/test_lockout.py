"""Failed logins lock an account for a while; sessions end after inactivity; password policy."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from digifys.testing.accounts import TOTP_SECRET, give_totp, totp_code
from digifys.testing.world import PASSWORD

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


# --- Issue 20 item 17: lock by username and address together, growing, coordinator alerted ---


def _post_login_from(client, username, password, address):
    client.cookies["django_language"] = "en"
    return client.post(
        reverse("accounts:login"),
        {"login": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_wrong_passwords_from_another_address_do_not_lock_the_nurse_out(world, client):
    from django.test import Client

    attacker = Client()
    for _ in range(6):
        _post_login_from(attacker, "anna.nurse", "not-the-password", "203.0.113.66")
    assert (
        "locked"
        in _post_login_from(attacker, "anna.nurse", PASSWORD, "203.0.113.66").content.decode()
    )
    response = _post_login_from(client, "anna.nurse", PASSWORD, "192.0.2.10")  # at the unit
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_each_further_lock_of_the_same_pair_lasts_twice_as_long(world, client):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _post_login(client, "anna.nurse", "not-the-password")
        traveller.shift(datetime.timedelta(minutes=16))
        for _ in range(5):
            _post_login(client, "anna.nurse", "not-the-password")
        page = _post_login(client, "anna.nurse", PASSWORD).content.decode()
        assert "locked for up to 30 minutes" in page
        traveller.shift(datetime.timedelta(minutes=16))
        assert "locked" in _post_login(client, "anna.nurse", PASSWORD).content.decode()
        traveller.shift(datetime.timedelta(minutes=15))
        assert _post_login(client, "anna.nurse", PASSWORD).status_code == 302


def test_the_coordinator_is_alerted_in_her_language_without_resident_data(world, client):
    from django.utils import translation

    from digifys.notifications.models import Notification

    world.coordinator.language = "es"
    world.coordinator.save()
    for _ in range(5):
        _post_login_from(client, "anna.nurse", "not-the-password", "203.0.113.66")
    alert = Notification.objects.get(recipient=world.coordinator)
    assert (alert.kind, alert.code) == ("login_locked", "login_locked")
    assert alert.params == {
        "username": "anna.nurse",
        "address": "203.0.113.66",
        "failures": 5,
        "minutes": 15,
    }
    assert "anna.nurse" in alert.text and "203.0.113.66" in alert.text
    assert alert.text.startswith("Inicio de sesión bloqueado")  # stored in her language ...
    with translation.override("en"):
        assert alert.display_text.startswith("Login locked")  # ... and shown in any language
    assert world.resident_mala.family_name not in alert.text
    assert not Notification.objects.exclude(recipient=world.coordinator).exists()


def test_unknown_usernames_alert_nobody(world, client):
    from digifys.notifications.models import Notification

    for _ in range(6):
        _post_login(client, "no.such.user", "not-the-password")
    assert not Notification.objects.exists()
