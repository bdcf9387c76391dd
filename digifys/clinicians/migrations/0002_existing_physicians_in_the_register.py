"""Every physician present before the register gets an entry: active, licence valid.

They were working in digifys with their licences checked outside it; the nightly look-up
(LICENCE_REGISTER_URL) confirms or withdraws each from then on. Nothing changes for them on the
day the register arrives: rules.licence_valid is True for each.
"""

from django.db import migrations


def enter_physicians(apps, schema_editor):
    StaffProfile = apps.get_model("directory", "StaffProfile")
    Clinician = apps.get_model("clinicians", "Clinician")
    existing = set(Clinician.objects.values_list("staff_id", flat=True))
    Clinician.objects.bulk_create(
        [
            Clinician(
                staff_id=staff.pk,
                recruitment_status="active" if staff.user.is_active else "left",
                employer_id=staff.employer_id,
                contract="agency" if staff.is_locum else "employed",
                licence_profession="physician",
                licence_number=staff.licence_number,
                licence_status="valid",
                eu_recognition="not_needed",
            )
            for staff in StaffProfile.objects.filter(profession="physician").select_related("user")
            if staff.pk not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinicians", "0001_clinician_register"),
        ("directory", "0005_organisation_phone"),
    ]

    operations = [migrations.RunPython(enter_physicians, migrations.RunPython.noop)]
