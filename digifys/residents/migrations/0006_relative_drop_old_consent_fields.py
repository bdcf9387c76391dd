"""Drop `Relative.consent` and `Relative.consent_recorded_at`: `relatives.Consent` replaced them.

Runs after relatives' migration 0002, which carried every consent from the resident over to a
Consent row; nothing reads these fields since.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0005_resident_documented_entitlement"),
        ("relatives", "0002_carry_over_resident_consents"),
    ]

    operations = [
        migrations.RemoveField(model_name="relative", name="consent"),
        migrations.RemoveField(model_name="relative", name="consent_recorded_at"),
    ]
