"""Second-factor secrets are encrypted at rest and never shown; admins cannot set passwords.

Issue 20 item 4: with the TOTP secret readable in the admin and the power to set any password,
an administrator could impersonate any clinician.
"""

import importlib

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.urls import reverse

from digifys.accounts import crypto
from digifys.audit.models import AuditEvent
from digifys.testing.accounts import TOTP_SECRET, give_totp

pytestmark = pytest.mark.django_db


def test_a_totp_secret_is_stored_encrypted(world):
    authenticator = give_totp(world.nurse_mala)
    authenticator.refresh_from_db()
    stored = authenticator.data["secret"]
    assert TOTP_SECRET not in stored
    assert crypto.decrypt(stored) == TOTP_SECRET


def test_a_recovery_code_seed_is_stored_encrypted(world):
    give_totp(world.nurse_mala)
    codes = RecoveryCodes.activate(world.nurse_mala)
    stored = Authenticator.objects.get(user=world.nurse_mala, type="recovery_codes").data["seed"]
    seed = crypto.decrypt(stored)
    assert seed != stored and len(seed) == 80
    assert codes.validate_code(codes.generate_codes()[0])


def test_the_encryption_key_comes_from_the_settings(world, settings):
    authenticator = give_totp(world.nurse_mala)
    settings.MFA_ENCRYPTION_KEY = crypto.generate_key()  # another key cannot read it
    with pytest.raises(crypto.UndecryptableSecret):
        crypto.decrypt(authenticator.data["secret"])


def test_the_migration_encrypts_plain_text_secrets_once(world):
    migration = importlib.import_module(
        "digifys.accounts.migrations.0002_encrypt_second_factor_secrets"
    )
    totp = Authenticator.objects.create(
        user=world.nurse_mala, type="totp", data={"secret": TOTP_SECRET}
    )
    codes = Authenticator.objects.create(
        user=world.nurse_mala,
        type="recovery_codes",
        data={"seed": "ab" * 40, "used_mask": 0, "migrated_codes": ["12345678"]},
    )
    from django.apps import apps

    migration.encrypt_secrets(apps, None)
    migration.encrypt_secrets(apps, None)  # a second run leaves encrypted values alone
    totp.refresh_from_db()
    codes.refresh_from_db()
    assert crypto.decrypt(totp.data["secret"]) == TOTP_SECRET
    assert crypto.decrypt(codes.data["seed"]) == "ab" * 40
    assert [crypto.decrypt(c) for c in codes.data["migrated_codes"]] == ["12345678"]
    assert codes.data["used_mask"] == 0


def test_the_admin_never_shows_a_second_factor_secret(world, login):
    authenticator = give_totp(world.nurse_mala)
    client = login(world.administrator, language="en")
    for url in (
        reverse("admin:mfa_authenticator_changelist"),
        reverse("admin:mfa_authenticator_change", args=[authenticator.pk]),
    ):
        page = client.get(url).content.decode()
        assert authenticator.data["secret"] not in page
        assert TOTP_SECRET not in page
        assert '"secret"' not in page and "&quot;secret&quot;" not in page


def test_the_admin_cannot_set_a_password(world, login):
    client = login(world.administrator, language="en")
    user = world.nurse_mala
    url = f"/admin/accounts/user/{user.pk}/password/"
    assert client.get(url).status_code == 404
    response = client.post(url, {"password1": "S3cret-enough-pw", "password2": "S3cret-enough-pw"})
    assert response.status_code == 404
    user.refresh_from_db()
    assert not user.check_password("S3cret-enough-pw")
    page = client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
    assert "../password/" not in page


def test_a_new_user_added_in_the_admin_has_no_password(world, login):
    client = login(world.administrator, language="en")
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new.nurse",
            "first_name": "Nils",
            "last_name": "Ny",
            "email": "nils@example.test",
            "password1": "S3cret-enough-pw",
            "password2": "S3cret-enough-pw",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    from digifys.accounts.models import User

    assert not User.objects.get(username="new.nurse").has_usable_password()


def test_the_admin_sends_a_reset_link_and_the_access_log_records_it(world, login):
    world.nurse_mala.email = "anna@example.test"
    world.nurse_mala.save()
    client = login(world.administrator, language="en")
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_password_reset_link", "_selected_action": [world.nurse_mala.pk]},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.test"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    event = AuditEvent.objects.order_by("seq")[before:].get()
    assert (event.actor_id, event.action, event.object_type, event.object_id) == (
        world.administrator.pk,
        "update",
        "password_reset_link",
        str(world.nurse_mala.pk),
    )
    assert event.resident_id is None


def _settings_subprocess(env: dict):
    import subprocess
    import sys

    from django.conf import settings

    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.MFA_ENCRYPTION_KEY)",
        ],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "digifys.settings"} | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_an_encryption_key(tmp_path):
    result = _settings_subprocess({"SECRET_KEY": "x" * 50, "DIGIFYS_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEY" in result.stderr


def test_the_key_is_read_from_a_file(tmp_path):
    key_file = tmp_path / "mfa_key"
    key_file.write_text(crypto.generate_key() + "\n")
    env = {"SECRET_KEY": "x" * 50, "MFA_ENCRYPTION_KEY_FILE": str(key_file)}
    result = _settings_subprocess(env | {"DIGIFYS_VAR_DIR": str(tmp_path)})
    assert result.stdout.strip() == key_file.read_text().strip()


def test_demo_mode_generates_an_encryption_key_and_keeps_it(tmp_path):
    env = {"DIGIFYS_DEMO": "1", "DIGIFYS_VAR_DIR": str(tmp_path)}
    first, second = _settings_subprocess(env), _settings_subprocess(env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert (tmp_path / "mfa_encryption_key").read_text().strip() == first.stdout.strip()


def test_removing_an_authenticator_in_the_admin_is_logged(world, login):
    authenticator = give_totp(world.nurse_mala)
    client = login(world.administrator, language="en")
    response = client.post(
        reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()
    event = AuditEvent.objects.get(object_type="authenticator")
    assert (event.action, event.details) == (
        "delete",
        {"user": world.nurse_mala.pk, "type": "totp"},
    )


def test_a_password_set_through_the_reset_link_is_logged(world, client):
    import re

    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    from digifys.accounts.services import send_password_reset_link

    world.nurse_mala.email = "anna@example.test"
    world.nurse_mala.save()
    request = RequestFactory().post("/")
    request.session = client.session
    request._messages = FallbackStorage(request)
    send_password_reset_link(actor=world.administrator, user=world.nurse_mala, request=request)
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body)[1]
    response = client.get(link)
    new = "Another-long-passw0rd"
    response = client.post(response.url, {"password1": new, "password2": new})
    assert response.status_code == 302
    world.nurse_mala.refresh_from_db()
    assert world.nurse_mala.check_password(new)
    event = AuditEvent.objects.get(object_type="password")
    assert (event.actor_id, event.action) == (world.nurse_mala.pk, "update")
