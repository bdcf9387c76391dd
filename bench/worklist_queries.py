"""A 40-resident unit worklist: queries and render time against the length of the history.

Builds one unit with 40 residents, each with open consults and tasks, and grows every resident's
vital-sign history (2 → 50 → 500 observations each, i.e. up to 20,000 rows on the unit). For each
size it renders the nurse's worklist page through the full Django stack and records the number
of SQL queries and the median render time. Baseline, measured in the same run: the 2-observation
history. The issue's limit: a constant number of queries, at most 20, however long the history.

    .venv/bin/python bench/worklist_queries.py [--database-url URL] [--renders 15] [--json]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (2, 50, 500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--renders", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="digifys-bench-worklist-")
    os.environ["DIGIFYS_DEMO"] = "1"
    os.environ["DIGIFYS_VAR_DIR"] = workdir
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "digifys.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    import datetime

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from digifys.consults.services import send_consult
    from digifys.orders.services import place_order
    from digifys.testing.accounts import complete_second_factor
    from digifys.testing.world import build_world, make_resident
    from digifys.vitals.models import Observation
    from digifys.vitals.services import score

    call_command("migrate", verbosity=0)
    world = build_world()
    unit = world.unit_mala
    residents = [world.resident_mala, world.resident_mala_2]
    residents += [make_resident(unit, room=str(10 + i)) for i in range(38)]
    physician = world.physician_spain.staff_profile
    from digifys.testing.world import assign

    for resident in residents[2:]:
        assign(resident, physician)
    for resident in residents[:10]:
        consult = send_consult(
            actor=world.nurse_mala,
            resident=resident,
            urgency="same_day",
            situation="Trött.",
            background="Demens.",
            assessment="NEWS2 3.",
            recommendation="Bedömning.",
        )
        place_order(
            actor=world.physician_spain,
            resident=resident,
            consult=consult,
            kind="vitals",
            instructions="Vitalparametrar.",
            every_hours=4,
            for_days=1,
        )
    client = Client()
    client.force_login(world.nurse_mala)
    complete_second_factor(client, world.nurse_mala)
    url = reverse("worklist:unit", args=[unit.pk])

    values = {
        "respiratory_rate": 18,
        "spo2": 96,
        "on_oxygen": False,
        "systolic_bp": 130,
        "pulse": 80,
        "consciousness": "A",
        "temperature": 37,
    }
    result = score(dict(values), spo2_scale=1)
    have = 0
    rows = []
    now = timezone.now()
    for size in SIZES:
        batch = []
        for resident in residents:
            for k in range(have, size):
                batch.append(
                    Observation(
                        resident=resident,
                        unit=unit,
                        recorded_by=world.nurse_mala,
                        measured_at=now - datetime.timedelta(hours=6 * (k + 1)),
                        news2_total=result.total,
                        news2_subscores=dict(result.subscores),
                        news2_band=result.band,
                        **values,
                    )
                )
        Observation.objects.bulk_create(batch, batch_size=2000)
        have = size
        client.get(url)  # warm caches
        timings = []
        for _ in range(args.renders):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        rows.append(
            {
                "observations_per_resident": size,
                "observations_on_unit": size * len(residents),
                "queries": len(queries),
                "median_ms": round(statistics.median(timings), 1),
            }
        )
    baseline = rows[0]
    for row in rows:
        row["time_ratio_vs_baseline"] = round(row["median_ms"] / baseline["median_ms"], 2)
    report = {
        "benchmark": "worklist_queries",
        "database": connection.vendor,
        "residents": len(residents),
        "sizes": rows,
        "constant_queries": len({row["queries"] for row in rows}) == 1,
        "limit_queries": 20,
        "ok": all(row["queries"] <= 20 for row in rows) and len({r["queries"] for r in rows}) == 1,
    }
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
