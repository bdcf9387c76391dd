"""A re-plan after an absence without a typed reason stored "Absence registered" in the
coordinator's language; it is now stored empty and shown in the reader's language
(`Plan.reason_text`, issue 12 §4 item 5). Backwards, the Swedish text is written again.
"""

from django.db import migrations

DEFAULTS = ("Absence registered", "Frånvaro registrerad", "Ausencia registrada")


def to_empty(apps, schema_editor):
    Plan = apps.get_model("scheduling", "Plan")
    Plan.objects.filter(replanned_from__isnull=False, reason__in=DEFAULTS).update(reason="")


def to_swedish(apps, schema_editor):
    Plan = apps.get_model("scheduling", "Plan")
    Plan.objects.filter(replanned_from__isnull=False, reason="").update(
        reason="Frånvaro registrerad"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0006_seed_local_holidays"),
    ]

    operations = [
        migrations.RunPython(to_empty, to_swedish, elidable=False),
    ]
