"""The insights fact tables at the nation's size (issue #16 §3) on PostgreSQL.

Generates, set-based in PostgreSQL (`INSERT … SELECT … generate_series`), a synthetic nation on
a database of its own: `--regions` regions (each one care area, five municipalities, nursing
homes of four units of about twelve residents), `--residents` residents spread over them (a fifth
moving in during the history, a tenth dying in it), named physicians (a third working from
Spain) and locums per region, and `--days` days of the raw events the facts read: physician
contacts (every 15 days per resident; 70 % the named physician, 20 % a locum), bookings and
consults (every 30 days; answer times spread over the deadlines, some unanswered, some
escalated), relatives' messages (every 30 days), vital signs (every 15 days, a quarter with NEWS2
≥ 5), nurse tasks (every 10 days), medication reviews (yearly) and hospital transfers (every 300
days); half the units went live a year ago, a quarter six months ago.

Then, in one run:

1. **Initial build**: `facts.refresh_facts()` with no watermark — every day of the history,
   then the monthly rollups of every month (`rollups.py`).
2. **Nightly increment**: one more day of every kind of event is generated, then
   `refresh_facts()` as the nightly job calls it (the days since the watermark, with its
   look-back).
3. **Dashboard**: `/insights/figures/` (every figure of the page's default range, the last 24
   months, per month, and the first figure for every unit of the level) through
   the whole Django stack (test client, a logged-in coordinator with the second factor), at
   region level (the regions in turn) and at nation level; `--requests` each, p95 and median
   of wall time, median CPU time, and the queries and Python function calls of one request.
   The refresh's precomputing of those default views (`insights/precomputed.py`) is timed
   apart within the build and the increment (`*_precompute_s`).
4. **Baseline**, the same run: the same region dashboard's sources read and aggregated straight
   from the raw tables (`facts.compute` over the region's units and the same 12 months) — what
   a dashboard without fact tables would have to do before any figure arithmetic.

    .venv/bin/python bench/insights.py                       # the nation: 90,000 residents
    .venv/bin/python bench/insights.py --residents 9000 --regions 3 --requests 10
    .venv/bin/python bench/insights.py --keep   # reuse the generated database (skip generating)
"""

import argparse
import cProfile
import datetime
import json
import math
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
RESIDENTS_PER_UNIT = 12
UNITS_PER_HOME = 4
MUNICIPALITIES_PER_REGION = 5
RESIDENTS_PER_PHYSICIAN = 250
LOCUMS_PER_REGION = 3
TARGET_BUILD_S = 600
TARGET_INCREMENT_S = 30
TARGET_PAGE_P95_MS = 300


def _admin(database: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql.format(db=database))


def _exists(database: str) -> bool:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        )


def _insert_select(model, exprs: dict[str, str], source: str, params=None, *, skip="") -> int:
    """INSERT INTO MODEL's table the rows of `SELECT exprs FROM source`; other columns get the
    field's default (or NULL, or '' for text), so the SQL names only what the benchmark varies.
    EXPRS hold no placeholders (the defaults' come first); SOURCE's take PARAMS. SKIP:
    "ON CONFLICT DO NOTHING" to leave out rows an exclusion constraint refuses."""
    from django.db import connection, models
    from django.db.models import NOT_PROVIDED

    def escaped(sql: str) -> str:  # a modulo is not a placeholder
        return sql.replace("%s", "\0").replace("%", "%%").replace("\0", "%s")

    columns, values, defaults = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.name not in exprs:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.name in exprs:
            values.append(escaped(exprs[f.name]))
            continue
        if f.default is not NOT_PROVIDED:
            values.append("%s")
            defaults.append(f.get_db_prep_save(f.get_default(), connection))
        elif f.null:
            values.append("NULL")
        elif isinstance(f, models.CharField | models.TextField):
            values.append("''")
        else:
            raise ValueError(f"{model.__name__}.{f.name} needs a value")
    # The defaults come first in the statement (the SELECT list precedes FROM/WHERE).
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {escaped(source)} {skip}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *(params or [])])
        return cursor.rowcount


def build_nation(residents: int, regions: int, first: datetime.date) -> dict:
    """The organisations, staff and residents (ORM for the few, SQL for the many)."""
    from django.db import connection

    from digifys.accounts.models import Role
    from digifys.directory.models import Organisation
    from digifys.residents.models import Resident
    from digifys.testing.world import make_staff, make_user

    units_total = math.ceil(residents / RESIDENTS_PER_UNIT)
    per_region = math.ceil(units_total / regions)
    nurse = make_user("bench.nurse", first_name="Bench", last_name="Nurse")
    region_orgs, unit_rows, physicians = [], [], []
    hsa = iter(range(10**6, 10**7))
    for r in range(regions):
        region = Organisation.objects.create(
            kind="region", name=f"Region {r + 1:02d}", hsa_id=f"R{next(hsa)}"
        )
        region_orgs.append(region)
        area = Organisation.objects.create(
            kind="care_area", name=f"Område {r + 1:02d}", parent=region, hsa_id=f"A{next(hsa)}"
        )
        municipalities = []
        for m in range(MUNICIPALITIES_PER_REGION):
            municipality = Organisation.objects.create(
                kind="municipality",
                name=f"Kommun {r + 1:02d}-{m + 1}",
                parent=area,
                municipality_code=f"{r + 1:02d}{m + 1:02d}",
                hsa_id=f"M{next(hsa)}",
            )
            municipality.municipality = municipality
            municipality.save(update_fields=["municipality"])
            municipalities.append(municipality)
        homes = [
            Organisation(
                kind="nursing_home",
                name=f"Hemmet {r + 1:02d}-{h + 1}",
                parent=municipalities[h % MUNICIPALITIES_PER_REGION],
                municipality=municipalities[h % MUNICIPALITIES_PER_REGION],
                hsa_id=f"H{next(hsa)}",
            )
            for h in range(math.ceil(per_region / UNITS_PER_HOME))
        ]
        Organisation.objects.bulk_create(homes)
        units = [
            Organisation(
                kind="unit",
                name=f"Avd {r + 1:02d}-{u + 1}",
                parent=homes[u // UNITS_PER_HOME],
                municipality=homes[u // UNITS_PER_HOME].municipality,
                hsa_id=f"U{next(hsa)}",
            )
            for u in range(per_region)
        ]
        Organisation.objects.bulk_create(units)
        unit_rows += [(len(unit_rows) + i, unit.pk, r) for i, unit in enumerate(units)]
        count = max(2, math.ceil(residents / regions / RESIDENTS_PER_PHYSICIAN))
        for p in range(count):
            staff = make_staff(
                f"lakare.r{r}p{p}",
                Role.PHYSICIAN,
                region,
                hsa_id=f"P{next(hsa)}",
                work_country="ES" if p % 3 == 0 else "SE",
            )
            physicians.append((r, p, staff.pk, False))
        for p in range(LOCUMS_PER_REGION):
            staff = make_staff(
                f"locum.r{r}p{p}",
                Role.PHYSICIAN,
                region,
                hsa_id=f"L{next(hsa)}",
                is_locum=True,
            )
            physicians.append((r, p, staff.pk, True))
    coordinator = make_staff(
        "bench.coordinator",
        Role.COORDINATOR,
        region_orgs[0],
        hsa_id=f"C{next(hsa)}",
    )
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_units (idx int PRIMARY KEY, unit_id int, region int)")
        cursor.executemany("INSERT INTO bench_units VALUES (%s, %s, %s)", unit_rows)
        cursor.execute("CREATE TABLE bench_phys (region int, idx int, staff_id int, is_locum bool)")
        cursor.executemany("INSERT INTO bench_phys VALUES (%s, %s, %s, %s)", physicians)
    days = (datetime.date.today() - first).days
    # Residents: G-th lives on unit G mod units; a fifth move in during the history, the rest
    # before it; a tenth die in it (chosen by G ÷ 7, so that no class of G modulo the events'
    # periods dies out).
    _insert_select(
        Resident,
        {
            "identity_kind": "'reservnummer'",
            "identity_number": "'B' || lpad(g::text, 8, '0')",
            "given_name": "'Bench'",
            "family_name": "'Boende' || g",
            "birth_date": "date '1930-01-01' + (g % 9000)",
            "unit": "u.unit_id",
            "moved_in_on": (
                f"CASE WHEN g % 5 = 0 THEN date '{first}' + (g % {days}) "
                f"ELSE date '{first}' - 1 - (g % 900) END"
            ),
            "deceased_on": (
                f"CASE WHEN g / 7 % 10 = 3 THEN date '{first}' + 30 + (g * 7 % {days - 31}) END"
            ),
            "created_at": "timestamptz '2020-01-01 00:00+00'",
        },
        f"generate_series(1, {residents}) g JOIN bench_units u ON u.idx = g % {len(unit_rows)}",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TABLE bench_res AS
            SELECT r.id AS resident_id, substr(r.identity_number, 2)::int AS g, r.unit_id,
                   u.region, r.moved_in_on AS arrived, r.deceased_on AS left_on,
                   named.staff_id AS named_id, locum.staff_id AS locum_id,
                   other.staff_id AS other_id
            FROM residents_resident r
            JOIN bench_units u ON u.unit_id = r.unit_id
            JOIN LATERAL (SELECT count(*) AS n FROM bench_phys p
                          WHERE p.region = u.region AND NOT p.is_locum) c ON true
            JOIN bench_phys named ON named.region = u.region AND NOT named.is_locum
                 AND named.idx = substr(r.identity_number, 2)::int % c.n
            JOIN bench_phys other ON other.region = u.region AND NOT other.is_locum
                 AND other.idx = (substr(r.identity_number, 2)::int + 1) % c.n
            JOIN bench_phys locum ON locum.region = u.region AND locum.is_locum
                 AND locum.idx = substr(r.identity_number, 2)::int % LOCUMS
            """.replace("LOCUMS", str(LOCUMS_PER_REGION))
        )
        cursor.execute("CREATE INDEX ON bench_res (g)")
        cursor.execute("ANALYZE bench_res")
    return {
        "nurse": nurse.pk,
        "coordinator": coordinator,
        "regions": [region.pk for region in region_orgs],
        "units": len(unit_rows),
    }


def generate_events(first: datetime.date, last: datetime.date, nurse: int, history_start) -> dict:
    """Every kind of raw event the facts read, for the days FIRST..LAST (inclusive)."""
    from django.conf import settings
    from django.db import connection

    from digifys.careteams.models import CareContact, PhysicianAssignment
    from digifys.consults.models import Consult, ConsultMessage
    from digifys.insights.models import GoLive, HospitalTransfer
    from digifys.medicationreviews.models import MedicationReview
    from digifys.messaging.models import Message
    from digifys.orders.models import NurseTask, Order
    from digifys.residents.models import Relative
    from digifys.scheduling.models import Booking
    from digifys.vitals.models import Observation

    counts = {}
    # Each resident's days in FIRST..LAST on their unit, with the day's number in the history.
    lived = (
        "bench_res r CROSS JOIN LATERAL generate_series(GREATEST(r.arrived, %s::date), "
        "LEAST(%s::date, r.left_on - 1), interval '1 day') AS s(d) "
        "CROSS JOIN LATERAL (SELECT s.d::date AS day, (s.d::date - %s::date) AS n) AS x"
    )
    span = [first, last, history_start]
    # A moment of the day in Stockholm: hour 8–17 and a minute, from the resident and the day.
    moment = "((x.day + time '08:00' + make_interval(mins => (r.g * 37 + x.n * 11) % 540)) "
    moment += "AT TIME ZONE 'Europe/Stockholm')"
    if first == history_start:
        counts["physician_assignments"] = _insert_select(
            PhysicianAssignment,
            {
                "resident": "r.resident_id",
                "physician": "r.named_id",
                "role": "'named'",
                "started_at": "(r.arrived::timestamp AT TIME ZONE 'Europe/Stockholm')",
            },
            "bench_res r",
        )
        counts["relatives"] = _insert_select(
            Relative,
            {
                "resident": "r.resident_id",
                "given_name": "'Anhörig'",
                "family_name": "'Bench'",
                "relationship": "'child'",
            },
            "bench_res r",
        )
        counts["orders"] = _insert_select(
            Order,
            {
                "unit": "r.unit_id",
                "resident": "r.resident_id",
                "ordered_by": "r.named_id",
                "kind": "'vitals'",
                "instructions": "'Kontroller'",
                "first_due_at": "timestamptz '2020-01-01 00:00+00'",
                "created_at": "timestamptz '2020-01-01 00:00+00'",
            },
            "bench_res r",
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_links AS SELECT r.resident_id, rel.id AS relative_id, "  # noqa: S608
                "o.id AS order_id FROM bench_res r "
                f"JOIN {Relative._meta.db_table} rel ON rel.resident_id = r.resident_id "
                f"JOIN {Order._meta.db_table} o ON o.resident_id = r.resident_id"
            )
            cursor.execute("CREATE UNIQUE INDEX ON bench_links (resident_id)")
            today = datetime.date.today()
            cursor.execute(
                f"INSERT INTO {GoLive._meta.db_table} (unit_id, went_live_on) "  # noqa: S608
                "SELECT unit_id, CASE WHEN idx %% 4 < 2 THEN %s::date ELSE %s::date END "
                "FROM bench_units WHERE idx %% 4 < 3",
                [today - datetime.timedelta(days=365), today - datetime.timedelta(days=182)],
            )
    clinician = "CASE WHEN (r.g + x.n) % 10 < 7 THEN r.named_id WHEN (r.g + x.n) % 10 < 9 "
    clinician += "THEN r.locum_id ELSE r.other_id END"
    counts["contacts"] = _insert_select(
        CareContact,
        {
            "resident": "r.resident_id",
            "clinician": clinician,
            "unit": "r.unit_id",
            "kind": "(ARRAY['video','physical','phone','round','consult'])[1 + (r.g + x.n) % 5]",
            "occurred_at": moment,
        },
        f"{lived} WHERE (r.g + x.n) % 15 = 0",
        span,
    )
    counts["bookings"] = _insert_select(
        Booking,
        {
            "kind": "'video'",
            "clinician": "CASE WHEN (r.g + x.n) % 4 = 0 THEN r.locum_id ELSE r.named_id END",
            "resident": "r.resident_id",
            "unit": "r.unit_id",
            "starts_at": moment,
            "ends_at": f"{moment} + interval '30 minutes'",
            "created_by": str(nurse),
            "created_at": f"{moment} - interval '2 days'",
        },
        f"{lived} WHERE (r.g + x.n) % 30 = 7",
        span,
        skip="ON CONFLICT DO NOTHING",  # a clinician's bookings may not overlap: some are left out
    )
    deadlines = settings.CONSULT_DEADLINE_MINUTES
    urgencies = ["emergency", "urgent", "same_day", "next_round"]
    urgency = f"(ARRAY{urgencies!r})[1 + (r.g + x.n) % 4]"
    minutes = [deadlines[u] for u in urgencies]
    deadline = f"make_interval(mins => (ARRAY{minutes})[1 + (r.g + x.n) % 4])"
    # Answered after 5 %–190 % of the deadline; every 20th never.
    answer = f"{moment} + {deadline} * ((5 + (r.g * 13 + x.n) % 186) / 100.0)"
    unanswered = "(r.g + x.n) % 20 = 1"
    counts["consults"] = _insert_select(
        Consult,
        {
            "unit": "r.unit_id",
            "resident": "r.resident_id",
            "created_by": str(nurse),
            "created_at": moment,
            "urgency": urgency,
            "situation": "'S'",
            "background": "'B'",
            "assessment": "'A'",
            "recommendation": "'R'",
            "status": f"CASE WHEN {unanswered} THEN 'sent' ELSE 'answered' END",
            "assigned_to": "r.named_id",
            "routed_to": "'named'",
            "deadline_at": f"{moment} + {deadline}",
            "answered_at": f"CASE WHEN {unanswered} THEN NULL ELSE {answer} END",
            "updated_at": f"CASE WHEN {unanswered} THEN {moment} ELSE {answer} END",
        },
        f"{lived} WHERE (r.g + x.n) % 30 = 3",
        span,
    )
    counts["escalations"] = _insert_select(
        ConsultMessage,
        {
            "consult": "c.id",
            "kind": "'event'",
            "code": "CASE WHEN c.id % 3 = 0 THEN 'escalated_nobody' ELSE 'escalated' END",
            "created_at": "c.created_at + interval '20 minutes'",
        },
        f"{Consult._meta.db_table} c WHERE c.created_at >= %s AND c.created_at < %s "
        "AND c.id % 10 = 0",
        [_start(first), _start(last + datetime.timedelta(days=1))],
    )
    answered = "(r.g + x.n) % 5 <> 2"
    reply = f"{moment} + make_interval(mins => (r.g * 7 + x.n) % 4000)"
    counts["messages"] = _insert_select(
        Message,
        {
            "resident": "r.resident_id",
            "unit": "r.unit_id",
            "relative": "l.relative_id",
            "text": "'Hej'",
            "sent_at": moment,
            "deadline_at": f"{moment} + interval '2 days'",
            "answer": f"CASE WHEN {answered} THEN 'Svar' ELSE '' END",
            "answered_at": f"CASE WHEN {answered} THEN {reply} END",
            "answered_by": f"CASE WHEN {answered} THEN {nurse} END",
        },
        f"{lived} JOIN bench_links l ON l.resident_id = r.resident_id WHERE (r.g + x.n) % 30 = 11",
        span,
    )
    news2 = "(CASE WHEN (r.g * 7 + x.n * 3) % 20 < 15 THEN (r.g * 7 + x.n * 3) % 5 "
    news2 += "ELSE (r.g * 7 + x.n * 3) % 20 - 10 END)"
    counts["observations"] = _insert_select(
        Observation,
        {
            "unit": "r.unit_id",
            "resident": "r.resident_id",
            "measured_at": moment,
            "recorded_by": str(nurse),
            "recorded_at": moment,
            "respiratory_rate": "18",
            "pulse": "80",
            "consciousness": "'A'",
            "news2_total": news2,
        },
        f"{lived} WHERE (r.g + x.n) % 15 = 5",
        span,
    )
    done = "(r.g + x.n) % 7 <> 0"
    counts["tasks"] = _insert_select(
        NurseTask,
        {
            "unit": "r.unit_id",
            "order": "l.order_id",
            "resident": "r.resident_id",
            "due_at": moment,
            "status": f"CASE WHEN {done} THEN 'done' ELSE 'open' END",
            "completed_at": f"CASE WHEN {done} THEN {moment} + "
            "make_interval(mins => (r.g + x.n) % 120) END",
            "completed_by": f"CASE WHEN {done} THEN {nurse} END",
            "result": f"CASE WHEN {done} THEN 'Utfört' ELSE '' END",
        },
        f"{lived} JOIN bench_links l ON l.resident_id = r.resident_id WHERE (r.g + x.n) % 10 = 2",
        span,
    )
    counts["medication_reviews"] = _insert_select(
        MedicationReview,
        {
            "unit": "r.unit_id",
            "resident": "r.resident_id",
            "kind": "'simple'",
            "performed_by": "r.named_id",
            "performed_on": "x.day",
            "created_at": moment,
        },
        f"{lived} WHERE (x.day - r.arrived) % 365 = 28 + r.g % 20",
        span,
    )
    counts["transfers"] = _insert_select(
        HospitalTransfer,
        {
            "unit": "r.unit_id",
            "resident": "r.resident_id",
            "occurred_at": moment,
            "kind": "CASE WHEN r.g % 2 = 0 THEN 'admission' ELSE 'emergency' END",
            "destination": "'Sjukhuset'",
            "consult_first": "(r.g + x.n) % 3 = 0",
            "recorded_by": str(nurse),
            "recorded_at": moment,
            "avoidable": "CASE WHEN r.g % 4 = 0 THEN NULL ELSE (r.g + x.n) % 5 = 0 END",
            "updated_at": moment,
        },
        f"{lived} WHERE (r.g + x.n) % 300 = 13",
        span,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


def _start(day: datetime.date) -> datetime.datetime:
    from digifys.insights.facts import day_start

    return day_start(day)


def _progress(text: str) -> None:
    now = datetime.datetime.now(datetime.UTC)
    print(f"[{now:%H:%M:%S} UTC] {text}", file=sys.stderr, flush=True)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def time_pages(client, queries: list[dict], requests: int) -> dict:
    """Wall and CPU time (this process: the test client runs the view in it) of REQUESTS page
    requests after a warm-up, and the queries and Python function calls (cProfile) of one more
    request of the first query, not timed."""
    from django.db import connection
    from django.urls import reverse

    url = reverse("insights:figures")
    client.get(url, queries[0])  # warm up
    timings, cpu = [], []
    for n in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url, queries[n % len(queries)])
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, response.status_code
    counted = []
    profile = cProfile.Profile()
    with connection.execute_wrapper(
        lambda execute, sql, *rest: counted.append(1) or execute(sql, *rest)
    ):
        profile.enable()
        client.get(url, queries[0])
        profile.disable()
    return {
        "requests": requests,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(_percentile(timings, 0.95), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "queries": len(counted),
        "function_calls": pstats.Stats(profile).total_calls,
    }


def time_baseline(region: int, requests: int) -> dict:
    from django.utils import timezone

    from digifys.core.time import STOCKHOLM
    from digifys.insights import facts, figures

    today = timezone.now().astimezone(STOCKHOLM).date()
    start = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    units = figures.units_of("region", region)
    timings = []
    for _n in range(requests):
        started = time.perf_counter()
        facts.compute(start, today, units)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "requests": requests,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(_percentile(timings, 0.95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=90_000)
    parser.add_argument("--regions", type=int, default=21)
    parser.add_argument("--days", type=int, default=730, help="days of history (two years)")
    parser.add_argument("--requests", type=int, default=20, help="page requests per level")
    parser.add_argument("--baseline-requests", type=int, default=3)
    parser.add_argument("--database", default="")
    parser.add_argument("--keep", action="store_true", help="reuse an existing database")
    parser.add_argument(
        "--keep-facts",
        action="store_true",
        help="reuse the database and its daily facts (of an earlier run's initial build): "
        "time only the rollups' initial build",
    )
    parser.add_argument(
        "--profile-increment",
        action="store_true",
        help="count the nightly increment's Python function calls (cProfile; slows it down)",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="reuse the database as an earlier run left it (facts, rollups, precomputed views): "
        "time only the pages and the baseline",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    database = args.database or f"digifys_bench_insights_{args.residents}_{args.regions}"
    args.keep = args.keep or args.keep_facts or args.pages_only
    reuse = args.keep and _exists(database)
    if args.pages_only and not reuse:
        parser.error(f"--pages-only needs the database {database} of an earlier run")
    if not reuse:
        _admin(database, 'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        _admin(database, 'CREATE DATABASE "{db}"')
    workdir = tempfile.mkdtemp(prefix="digifys-bench-insights-")
    os.environ["DIGIFYS_DEMO"] = "1"
    os.environ["DIGIFYS_VAR_DIR"] = workdir
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "digifys.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from digifys.core.time import STOCKHOLM
    from digifys.directory.models import StaffProfile
    from digifys.insights import figures
    from digifys.insights.models import (
        ContactSegment,
        DailyFact,
        FactWatermark,
        MonthlyRollup,
        RollupState,
    )
    from digifys.residents.models import Resident
    from digifys.testing.accounts import complete_second_factor

    today = timezone.now().astimezone(STOCKHOLM).date()
    first = today - datetime.timedelta(days=args.days)
    yesterday = today - datetime.timedelta(days=1)
    result = {"residents": args.residents, "regions": args.regions, "days": args.days}
    load = os.getloadavg()
    call_command("migrate", verbosity=0)  # a reused database gets newer tables too
    if not reuse:
        started = time.perf_counter()
        nation = build_nation(args.residents, args.regions, first)
        counts = generate_events(first, yesterday, nation["nurse"], first)
        result["generate_s"] = round(time.perf_counter() - started, 1)
        result["rows"] = counts
        _progress(f"generated in {result['generate_s']} s: {counts}")
    elif args.pages_only:
        pass  # the facts, rollups and precomputed views stay as the earlier run left them
    elif args.keep_facts:
        for model in (FactWatermark, MonthlyRollup, ContactSegment, RollupState):
            model.objects.all().delete()
    else:
        for model in (DailyFact, FactWatermark, MonthlyRollup, ContactSegment, RollupState):
            model.objects.all().delete()
    from digifys.accounts.models import User

    nurse = User.objects.get(username="bench.nurse").pk
    coordinator = StaffProfile.objects.get(user__username="bench.coordinator").user
    regions = list(
        figures.Organisation.objects.filter(kind="region")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    result["residents_in_db"] = Resident.objects.count()
    result["units"] = figures.Organisation.objects.filter(kind="unit").count()

    if not args.pages_only:
        _build_and_increment(args, result, today, yesterday, first, nurse)
    # 3. The dashboard pages, through the whole stack.
    client = Client()
    client.force_login(coordinator)
    complete_second_factor(client, coordinator)
    result["region_page"] = time_pages(
        client, [{"level": "region", "key": pk} for pk in regions], args.requests
    )
    _progress(f"region page {result['region_page']}")
    result["nation_page"] = time_pages(client, [{"level": "nation"}], args.requests)
    _progress(f"nation page {result['nation_page']}")
    # 4. The baseline: the region dashboard's sources straight from the raw tables.
    result["baseline_region_raw"] = time_baseline(regions[0], args.baseline_requests)
    result["load_before"] = [round(x, 2) for x in load]
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    result["database"] = database
    result.setdefault("fact_rows", DailyFact.objects.count())
    _report(result, args.json)


def _build_and_increment(args, result, today, yesterday, first, nurse) -> None:
    """1. The initial build and 2. one nightly increment, timed (into RESULT)."""
    from django.db import connection

    from digifys.careteams.models import CareContact
    from digifys.core.time import STOCKHOLM
    from digifys.insights import facts, rollups
    from digifys.insights.models import (
        ContactSegment,
        DailyFact,
        FactWatermark,
        MonthlyRollup,
    )

    # 1. The initial build, as of the evening of yesterday (the last day of the history).
    evening = datetime.datetime.combine(yesterday, datetime.time(23, 0), tzinfo=STOCKHOLM)
    started = time.perf_counter()
    if args.keep_facts and DailyFact.objects.exists():
        # The daily facts are an earlier run's initial build: only the rollups are built here.
        result["initial_build"] = {"rollup_cells": rollups.rebuild()}
        try:  # as refresh_facts does after the rollups (the code before it did not)
            from digifys.insights import precomputed
        except ImportError:
            precomputed = None
        if precomputed is not None:
            precompute_started = time.perf_counter()
            result["initial_build_precomputed"] = precomputed.refresh()
            result["initial_build_precompute_s"] = round(
                time.perf_counter() - precompute_started, 2
            )
        FactWatermark.objects.create(key=facts.WATERMARK_KEY, refreshed_at=evening)
        result["initial_build_rollups_only"] = True
    else:
        built = facts.refresh_facts(now=evening)
        result["initial_build"] = {"days": built.days, "rows": built.rows}
        # (the code before precomputing returned neither)
        result["initial_build_precomputed"] = getattr(built, "precomputed", None)
        result["initial_build_precompute_s"] = round(getattr(built, "precompute_s", 0), 2)
    result["initial_build_s"] = round(time.perf_counter() - started, 1)
    result["fact_rows"] = DailyFact.objects.count()
    result["rollup_rows"] = MonthlyRollup.objects.count()
    result["segment_rows"] = ContactSegment.objects.count()
    _progress(f"initial build {result['initial_build_s']} s, {result['fact_rows']} rows")

    # 2. A nightly increment: today's events arrive, the job runs in the evening.
    # (only once: a run with --keep reuses the day's events rather than adding them again)
    if not CareContact.objects.filter(occurred_at__gte=_start(today)).exists():
        result["increment_events"] = generate_events(today, today, nurse, first)
    tonight = datetime.datetime.combine(today, datetime.time(23, 0), tzinfo=STOCKHOLM)
    queries = []
    profile = cProfile.Profile() if args.profile_increment else None
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(
        lambda execute, sql, *rest: queries.append(1) or execute(sql, *rest)
    ):
        if profile:
            profile.enable()
        nightly = facts.refresh_facts(now=tonight)
        if profile:
            profile.disable()
    result["increment_s"] = round(time.perf_counter() - started, 1)
    result["increment_cpu_s"] = round(time.process_time() - cpu, 2)  # this process's CPU
    result["increment_queries"] = len(queries)
    if profile:
        result["increment_function_calls"] = pstats.Stats(profile).total_calls
    result["increment"] = {"days": nightly.days, "rows": nightly.rows}
    result["increment_precomputed"] = getattr(nightly, "precomputed", None)
    result["increment_precompute_s"] = round(getattr(nightly, "precompute_s", 0), 2)
    assert FactWatermark.objects.get().refreshed_at == tonight
    _progress(f"nightly increment {result['increment_s']} s: {result['increment']}")


def _report(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2, default=str))
        return
    region, nation, base = (
        result["region_page"],
        result["nation_page"],
        result["baseline_region_raw"],
    )
    print(
        f"Nation: {result['residents_in_db']} residents, {result['units']} units, "
        f"{result['regions']} regions, {result['days']} days; {result['fact_rows']} fact rows"
    )
    if "rows" in result:
        print(f"generated in {result['generate_s']} s: {result['rows']}")
    rows = []
    if "initial_build_s" in result:
        rows += [
            ("initial build", f"{result['initial_build_s']} s", f"≤ {TARGET_BUILD_S} s"),
            ("nightly increment", f"{result['increment_s']} s", f"≤ {TARGET_INCREMENT_S} s"),
        ]
    rows += [
        (
            "region page p95 (median)",
            f"{region['p95_ms']} ms ({region['median_ms']})",
            f"≤ {TARGET_PAGE_P95_MS} ms",
        ),
        (
            "nation page p95 (median)",
            f"{nation['p95_ms']} ms ({nation['median_ms']})",
            f"≤ {TARGET_PAGE_P95_MS} ms",
        ),
        (
            "baseline: region from raw tables p95 (median)",
            f"{base['p95_ms']} ms ({base['median_ms']})",
            "",
        ),
    ]
    for name, value, target in rows:
        print(f"{name:<48} {value:>22}  {target}")
    print(
        f"ratio region page / raw baseline (medians): "
        f"{region['median_ms'] / base['median_ms']:.3f}; "
        f"nation page / raw baseline: {nation['median_ms'] / base['median_ms']:.3f}"
    )
    print(f"load average before {result['load_before']}, after {result['load_after']}")


if __name__ == "__main__":
    main()
