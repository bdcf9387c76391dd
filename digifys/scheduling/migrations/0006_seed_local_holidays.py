"""Seed the local and island holidays shipped in data/local_holidays.json (issue 19 item 6)."""

import datetime
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "local_holidays.json"


def seed(apps, schema_editor):
    LocalHoliday = apps.get_model("scheduling", "LocalHoliday")
    rows = json.loads(DATA.read_text(encoding="utf-8"))["holidays"]
    for row in rows:
        LocalHoliday.objects.get_or_create(
            country=row["country"],
            place_key=" ".join(row["place"].split()).casefold(),
            date=datetime.date.fromisoformat(row["date"]),
            defaults={"place": row["place"], "name": row["name"], "source": row["source"]},
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0005_local_holiday")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
