"""Professional titles as codes shown in the reader's language (issue 12 §4 item 5).

Titles were free Swedish text. Known titles become codes; any other title moves to
`title_other` and is shown as written. Backwards, codes become their Swedish titles again.
"""

from django.db import migrations, models

SWEDISH = {
    "Specialist i allmänmedicin": "general_practice",
    "Specialist i geriatrik": "geriatrics",
    "Legitimerad läkare": "physician",
    "Legitimerad läkare, stafettläkare": "locum_physician",
    "Legitimerad sjuksköterska": "registered_nurse",
    "Distriktssköterska": "district_nurse",
    "Specialistsjuksköterska, vård av äldre": "specialist_nurse_older_people",
    "Undersköterska": "assistant_nurse",
    "Vårdsamordnare": "care_coordinator",
    "Systemförvaltare": "system_administrator",
}


def to_codes(apps, schema_editor):
    Profile = apps.get_model("directory", "StaffProfile")
    changed = []
    for profile in Profile.objects.exclude(title="").only("pk", "title").iterator():
        if profile.title in SWEDISH.values():
            continue
        code = SWEDISH.get(profile.title.strip())
        profile.title, profile.title_other = (code, "") if code else ("", profile.title)
        changed.append(profile)
    Profile.objects.bulk_update(changed, ["title", "title_other"], batch_size=500)


def to_text(apps, schema_editor):
    Profile = apps.get_model("directory", "StaffProfile")
    titles = {code: title for title, code in SWEDISH.items()}
    changed = []
    for profile in Profile.objects.only("pk", "title", "title_other").iterator():
        text = titles.get(profile.title, profile.title) or profile.title_other
        if text != profile.title:
            profile.title = text
            changed.append(profile)
    Profile.objects.bulk_update(changed, ["title"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0003_staff_phone_and_unit_rooms"),
    ]

    operations = [
        migrations.AddField(
            model_name="staffprofile",
            name="title_other",
            field=models.CharField(
                blank=True,
                help_text="Only when the title is none of the list's; shown as written.",
                max_length=100,
                verbose_name="other title",
            ),
        ),
        migrations.RunPython(to_codes, to_text, elidable=False),
        migrations.AlterField(
            model_name="staffprofile",
            name="title",
            field=models.CharField(
                blank=True,
                choices=[
                    ("general_practice", "Specialist in general practice"),
                    ("geriatrics", "Specialist in geriatric medicine"),
                    ("physician", "Licensed physician"),
                    ("locum_physician", "Licensed physician, locum"),
                    ("registered_nurse", "Registered nurse"),
                    ("district_nurse", "District nurse"),
                    ("specialist_nurse_older_people", "Specialist nurse in care of older people"),
                    ("assistant_nurse", "Assistant nurse"),
                    ("care_coordinator", "Care coordinator"),
                    ("system_administrator", "System administrator"),
                ],
                max_length=100,
                verbose_name="title",
            ),
        ),
    ]
