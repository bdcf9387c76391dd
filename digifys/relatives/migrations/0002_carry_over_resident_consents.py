"""Carry the consents relatives had before (one field on the relative) over to Consent rows.

Before this app a relative had one field, `residents.Relative.consent`, which let their login see
the resident's card: who the named physician and deputy are. A consent from the resident is
carried over as a consent from the resident sharing exactly that (the care team), with a review
a year after it was recorded. A "consent" from a legal representative or a presumed consent is
not carried over: a representative's status grants nothing by itself, and a presumed consent needs
a harm assessment by a named licensed clinician, which the old field did not record. Staff
register those anew from the resident page.
"""

import datetime

from django.db import migrations
from django.utils import timezone


def carry_over(apps, schema_editor):
    Relative = apps.get_model("residents", "Relative")
    Consent = apps.get_model("relatives", "Consent")
    now = timezone.now()
    rows = []
    for relative in Relative.objects.filter(consent="resident").iterator():
        recorded = relative.consent_recorded_at or now
        given_on = recorded.date()
        rows.append(
            Consent(
                relative_id=relative.pk,
                resident_id=relative.resident_id,
                event="given",
                basis="resident",
                care_team=True,
                given_on=given_on,
                review_on=given_on + datetime.timedelta(days=365),
                recorded_by=None,
                recorded_at=recorded,
            )
        )
    Consent.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("relatives", "0001_consent")]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
