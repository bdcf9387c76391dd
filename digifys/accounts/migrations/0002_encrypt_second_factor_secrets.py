"""Encrypt the TOTP secrets and recovery-code seeds stored before encryption at rest existed.

Values that already open with MFA_ENCRYPTION_KEY are left alone, so the migration can run twice.
Reversing it writes the plain text back (only for moving back to a version without encryption).
"""

from django.db import migrations

from digifys.accounts import crypto


def _convert(apps, convert) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]):
        data = dict(authenticator.data)
        key = "secret" if authenticator.type == "totp" else "seed"
        if key in data:
            data[key] = convert(data[key])
        if "migrated_codes" in data:
            data["migrated_codes"] = [convert(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt_secrets(apps, schema_editor) -> None:
    _convert(apps, lambda value: value if crypto.is_encrypted(value) else crypto.encrypt(value))


def decrypt_secrets(apps, schema_editor) -> None:
    _convert(apps, lambda value: crypto.decrypt(value) if crypto.is_encrypted(value) else value)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
