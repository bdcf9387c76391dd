"""What writing the access log costs on a resident page.

Runs in one process against a fresh database (SQLite in /tmp by default, or --database-url):
migrates, loads the synthetic region (scale 450), logs in as the named physician in Málaga and
requests her residents' overview pages. Rounds alternate between the real page and the same page
with `audit.services.record` replaced by a no-op (the baseline, measured in the same run), so
machine noise hits both alike. Reports per-request medians and their ratio.

    .venv/bin/python bench/audit_overhead.py [--rounds 15] [--requests 40] [--json]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="digifys-bench-audit-")
    os.environ["DIGIFYS_DEMO"] = "1"
    os.environ["DIGIFYS_VAR_DIR"] = workdir
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "digifys.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from digifys.accounts.models import User
    from digifys.audit import services as audit_services
    from digifys.audit.models import AuditEvent
    from digifys.careteams.models import PhysicianAssignment
    from digifys.synth.region import generate_region
    from digifys.testing.accounts import complete_second_factor

    call_command("migrate", verbosity=0)
    generate_region(seed=1, scale=450)
    user = User.objects.get(username="lakare.malaga")
    client = Client()
    client.force_login(user)
    complete_second_factor(client, user)
    panel = list(
        PhysicianAssignment.objects.filter(physician__user=user, ended_at__isnull=True)
        .values_list("resident_id", flat=True)
        .order_by("resident_id")[: args.requests]
    )
    urls = [reverse("residents:detail", args=[pk]) for pk in panel]

    real_record = audit_services.record

    def no_record(**kwargs):
        return None

    def timed_round() -> list[float]:
        times = []
        for url in urls:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        return times

    timed_round()  # warm up caches and templates
    with_log: list[float] = []
    without_log: list[float] = []
    for round_number in range(args.rounds):
        order = ("on", "off") if round_number % 2 == 0 else ("off", "on")
        for mode in order:
            audit_services.record = real_record if mode == "on" else no_record
            (with_log if mode == "on" else without_log).extend(timed_round())
    audit_services.record = real_record

    result = {
        "database": django.db.connection.vendor,
        "requests_per_mode": len(with_log),
        "median_ms_with_log": round(statistics.median(with_log) * 1000, 3),
        "median_ms_without_log": round(statistics.median(without_log) * 1000, 3),
        "ratio": round(statistics.median(with_log) / statistics.median(without_log), 4),
        "entries_written": AuditEvent.objects.filter(object_type="resident").count(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
