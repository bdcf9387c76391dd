"""The FHIR API under load, beside sekmet-fhir and /healthz on the same machine, same data.

Production-like set-up on this machine (docs/operations.md): a fresh PostgreSQL database; one
nursing-home unit (Region Västerbotten, Malå, Malåhemmet, the virtual clinic) with `--residents`
residents, `--sets` complete sets of vital signs each (recorded through the vitals service, so
NEWS2 is scored as for a nurse's form; each set is about nine FHIR Observations) and one
physician's repeated order per resident (its nurse tasks are the Tasks the update workload
completes); production settings (no demo, no debug); gunicorn with the production workers ×
threads, the psycopg pool, Redis as cache. The load client gets its token the real way: SMART
Backend Services, a JWT client assertion signed (RS384) by a key this script generates and
registers for a nurse of the unit.

The other server is `sekmet-fhir` (a Python FHIR R4 server: FastAPI, uvicorn, SQLite), version
SEKMET_VERSION, installed with its own pip into its own virtual environment under `--cache-dir`
(never into the project's), started as its docs say (`sekmet serve` with a settings file: its
SMART Backend Services server auth with this script's key, its simulator off, and its inbound
traffic log off as its docs advise for load runs). It is loaded with THE SAME data: every
Patient, Observation and Task read from digifys' FHIR API and written into sekmet with the same
ids (transaction Bundles of PUTs), so the same URLs name the same resources on both servers.

Workloads, each for `--seconds` with `--connections` keep-alive connections (`wrk`, 1 thread):

- read: `GET Observation/<id>` of a random seeded Observation;
- search: `GET Observation?subject=Patient/<id>&code=<LOINC pulse>&_sort=-date&_count=10`;
- create: conditional create, `POST Observation` (a pulse) with a new identifier and
  `If-None-Exist: identifier=<system>|<value>` (so every request stores a new Observation);
- update: `PUT Task/<id>` completing the next open seeded task (status completed + output);
- mixed: 60 % read, 20 % search, 15 % create, 5 % update;
- healthz: digifys' `/healthz` (no token, no database), the baseline of the same run.

Every response is counted: status ≥ 400 and socket errors are errors. The sequence runs
`--repeat` times, the servers alternating; medians over the repeats. Reported per workload and
server: requests/s, p50/p95 ms, errors; digifys/sekmet; and digifys/healthz.

    .venv/bin/python bench/fhir_load.py [--repeat 3] [--seconds 10] [--connections 16] [--json]
    .venv/bin/python bench/fhir_load.py --profile 50     # no servers: queries and cProfile

`--profile N` starts no server and installs nothing: it seeds the database, then serves each
digifys workload N times through Django's WSGI handler in this process under cProfile (CPU
time), and prints the SQL queries of one request and the costliest functions per workload.
"""

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loop_latency import Server, home_and_clinic  # noqa: E402
from pages import (  # noqa: E402
    cpu_seconds,
    create_database,
    drop_database,
    free_port,
    production_env,
    require_wrk,
    server_pids,
    wsgi_get,
)

SEKMET_VERSION = "0.1.1"
WORKLOADS = ("read", "search", "create", "update", "mixed")
IDENTIFIER_SYSTEM = "urn:oid:1.2.752.129.2.1.999.14"
PULSE = "http://loinc.org|8867-4"
NURSE = "ssk.bench"

# wrk script. Arguments: token, workload, data file, first task index, identifier prefix,
# random seed, FHIR base path, effectiveDateTime of created Observations. The data file has
# one line per item: "read <path>", "search <path>", "patient <id>", "task <id> <patient>".
WRK_SCRIPT = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
local reads, searches, patients, tasks = {}, {}, {}, {}
local CREATE = '{"resourceType":"Observation","status":"final","category":[{"coding":' ..
  '[{"system":"http://terminology.hl7.org/CodeSystem/observation-category",' ..
  '"code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org",' ..
  '"code":"8867-4"}]},"subject":{"reference":"Patient/%s"},"effectiveDateTime":"%s",' ..
  '"valueQuantity":{"value":%d,"unit":"/min","system":"http://unitsofmeasure.org",' ..
  '"code":"/min"},"identifier":[{"system":"%s","value":"%s"}]}'
local UPDATE = '{"resourceType":"Task","id":"%s","status":"completed","intent":"order",' ..
  '"for":{"reference":"Patient/%s"},"output":[{"type":{"text":"result"},' ..
  '"valueString":"Puls %d, mår bra."}]}'
local SYSTEM = "IDENTIFIER_SYSTEM"
function init(args)
  token, workload, task_at, prefix = args[1], args[2], tonumber(args[4]), args[5]
  math.randomseed(tonumber(args[6]))
  base, when = args[7], args[8]
  not_ok, n_read, n_search, n_create, n_update, n_healthz, serial = 0, 0, 0, 0, 0, 0, 0
  for line in io.lines(args[3]) do
    local kind, a, b = line:match("^(%S+) (%S+) ?(%S*)$")
    if kind == "read" then table.insert(reads, a)
    elseif kind == "search" then table.insert(searches, a)
    elseif kind == "patient" then table.insert(patients, a)
    elseif kind == "task" then table.insert(tasks, {a, b}) end
  end
end
function request()
  local kind = workload
  if kind == "mixed" then
    local r = math.random(100)
    if r <= 60 then kind = "read" elseif r <= 80 then kind = "search"
    elseif r <= 95 then kind = "create" else kind = "update" end
  end
  if kind == "healthz" then
    n_healthz = n_healthz + 1
    return wrk.format("GET", "/healthz", {})
  end
  local headers = {["Authorization"] = "Bearer " .. token, ["Accept"] = "application/fhir+json"}
  if kind == "read" then
    n_read = n_read + 1
    return wrk.format("GET", base .. "/" .. reads[math.random(#reads)], headers)
  elseif kind == "search" then
    n_search = n_search + 1
    return wrk.format("GET", base .. "/" .. searches[math.random(#searches)], headers)
  elseif kind == "create" then
    n_create = n_create + 1
    serial = serial + 1
    local ident = prefix .. "-" .. serial
    headers["Content-Type"] = "application/fhir+json"
    headers["If-None-Exist"] = "identifier=" .. SYSTEM .. "|" .. ident
    local body = string.format(CREATE, patients[math.random(#patients)], when,
      math.random(55, 95), SYSTEM, ident)
    return wrk.format("POST", base .. "/Observation", headers, body)
  else
    n_update = n_update + 1
    local task = tasks[(task_at % #tasks) + 1]
    task_at = task_at + 1
    headers["Content-Type"] = "application/fhir+json"
    local body = string.format(UPDATE, task[1], task[2], math.random(55, 95))
    return wrk.format("PUT", base .. "/Task/" .. task[1], headers, body)
  end
end
function response(status, headers, body)
  if status >= 400 then
    not_ok = not_ok + 1
  end
end
function done(summary, latency, requests)
  local sums = {not_ok = 0, read = 0, search = 0, create = 0, update = 0, healthz = 0}
  for _, thread in ipairs(threads) do
    sums.not_ok = sums.not_ok + thread:get("not_ok")
    sums.read = sums.read + thread:get("n_read")
    sums.search = sums.search + thread:get("n_search")
    sums.create = sums.create + thread:get("n_create")
    sums.update = sums.update + thread:get("n_update")
    sums.healthz = sums.healthz + thread:get("n_healthz")
  end
  io.write(string.format(
    'JSON {"requests": %d, "seconds": %.6f, "errors_http": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "sent": {"read": %d, "search": %d, "create": %d, ' ..
    '"update": %d, "healthz": %d}}\n',
    summary.requests, summary.duration / 1e6, sums.not_ok,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    sums.read, sums.search, sums.create, sums.update, sums.healthz))
end
""".replace("IDENTIFIER_SYSTEM", IDENTIFIER_SYSTEM)


class Key:
    """An RS384 key pair made here; `jwks` (public part) is what gets registered."""

    def __init__(self) -> None:
        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.kid = uuid.uuid4().hex
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwks = {"keys": [{**public, "kid": self.kid, "alg": "RS384", "use": "sig"}]}

    def assertion(self, client_id: str, audience: str) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "exp": now + 240,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.private, algorithm="RS384", headers={"kid": self.kid})


def backend_token(token_url: str, key: Key, client_id: str, scope: str) -> str:
    """SMART Backend Services: client credentials with a signed JWT client assertion."""
    import httpx

    response = httpx.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "scope": scope,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": key.assertion(client_id, token_url),
        },
        timeout=30,
    )
    if response.status_code != 200:
        raise SystemExit(f"{token_url} refused the token request: {response.text[:300]}")
    return response.json()["access_token"]


def seed(residents: int, sets: int, key: Key) -> dict:
    """The unit, its nurse (the API client acts for her), residents with SETS vitals sets each
    (4 h apart, ending an hour ago) and a physician's hourly order each; return the client."""
    import datetime
    import decimal

    from django.utils import timezone

    from digifys.accounts.models import Role
    from digifys.directory.models import Organisation
    from digifys.fhir import services
    from digifys.orders.services import place_order
    from digifys.testing.world import assign, make_org, make_resident, make_staff
    from digifys.vitals.services import record_observation

    mala, home, physicians = home_and_clinic(1)
    physician = physicians[0]
    region = mala.parent
    unit = make_org(Organisation.Kind.UNIT, "Avd Bench", home, municipality=mala)
    nurse = make_staff(NURSE, Role.NURSE, home, units=[unit])
    administrator = make_staff("admin.bench", Role.ADMINISTRATOR, region)
    now = timezone.now()
    for index in range(residents):
        resident = make_resident(unit, room=str(index))
        assign(resident, physician)
        for number in range(sets):
            record_observation(
                actor=nurse.user,
                resident=resident,
                measured_at=now - datetime.timedelta(hours=1 + 4 * (sets - number)),
                respiratory_rate=14 + number % 6,
                spo2=94 + number % 5,
                on_oxygen=False,
                systolic_bp=118 + number % 20,
                diastolic_bp=72 + number % 10,
                pulse=60 + number % 30,
                consciousness="A",
                temperature=decimal.Decimal("36.8") + decimal.Decimal(number % 8) / 10,
            )
        place_order(
            actor=physician.user,
            resident=resident,
            kind="vitals",
            instructions="Kontrollera puls.",
            first_due_at=now + datetime.timedelta(hours=1),
            every_hours=1,
            for_days=8,
        )
    client = services.register_backend_client(
        actor=administrator.user,
        user=nurse.user,
        name="bench/fhir_load.py",
        jwks=key.jwks,
        scopes="system/*.read system/*.write",
    )
    return {"client_id": client.application.client_id}


def fetch_all(base: str, token: str, query: str) -> list[dict]:
    """Every resource of a search on digifys' API, page by page (`next` links)."""
    import httpx

    resources = []
    url = f"{base}/{query}"
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        while url:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
            bundle = response.json()
            resources += [entry["resource"] for entry in bundle.get("entry", [])]
            url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), "")
    return resources


def export(port: int, token: str) -> dict:
    """The seeded data as FHIR resources, read from digifys' own API."""
    base = f"http://127.0.0.1:{port}/fhir/R4"
    patients = fetch_all(base, token, "Patient?_count=100")
    data: dict = {"Patient": patients, "Observation": [], "Task": []}
    for patient in patients:  # per patient: a search pages through at most 10,000 matches
        for kind in ("Observation", "Task"):
            data[kind] += fetch_all(
                base, token, f"{kind}?patient=Patient/{patient['id']}&_count=100"
            )
    data["Task"] = [task for task in data["Task"] if task["status"] == "ready"]
    return data


def data_file(path: Path, data: dict, reads: int = 2000) -> None:
    """The wrk script's items: a sample of Observations to read, one search per patient, the
    patients, and the open tasks in a fixed order."""
    import random
    from urllib.parse import quote

    rng = random.Random(14)
    observations = [o["id"] for o in data["Observation"]]
    sample = rng.sample(observations, min(reads, len(observations)))
    lines = [f"read Observation/{id}" for id in sample]
    for patient in data["Patient"]:
        query = (
            f"subject=Patient/{patient['id']}&code={quote(PULSE, safe='')}&_sort=-date&_count=10"
        )
        lines.append(f"search Observation?{query}")
        lines.append(f"patient {patient['id']}")
    for task in data["Task"]:
        lines.append(f"task {task['id']} {task['for']['reference'].split('/')[1]}")
    path.write_text("\n".join(lines) + "\n")


# --- sekmet-fhir -------------------------------------------------------------------------------


def sekmet_venv(cache_dir: Path) -> Path:
    """The virtual environment with sekmet-fhir SEKMET_VERSION (made once, then reused)."""
    venv = cache_dir / f"sekmet-fhir-{SEKMET_VERSION}"
    binary = venv / "bin" / "sekmet"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", f"sekmet-fhir=={SEKMET_VERSION}"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return binary


class Sekmet:
    """`sekmet serve` with a settings file of this run (its own SQLite store in WORKDIR)."""

    def __init__(self, binary: Path, workdir: Path, port: int, key: Key) -> None:
        import yaml

        self.port = port
        self.client_id = "bench-fhir-load"
        settings = {
            "base_url": f"http://127.0.0.1:{port}/fhir",
            "host": "127.0.0.1",
            "port": port,
            "data_dir": str(workdir / "data"),
            "own_private_key_path": str(workdir / "keys" / "sekmet_private.pem"),
            "server_auth": {
                "types": ["smart"],
                "smart_clients": [
                    {"client_id": self.client_id, "jwks": key.jwks, "scopes": "system/*.*"}
                ],
            },
            "simulator": {"enabled": False},
            "log_inbound": False,
        }
        config = workdir / "settings.yaml"
        config.write_text(yaml.safe_dump(settings))
        self.log = open(workdir / "sekmet.log", "w")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(
            [str(binary), "serve", "--config", str(config)],
            cwd=workdir,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self) -> None:
        import httpx

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{self.port}/fhir/metadata"
                if httpx.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"sekmet exited: see {self.log.name}")
            time.sleep(0.5)
        raise SystemExit("sekmet did not start")

    def load(self, token: str, data: dict) -> None:
        """PUT every resource with its digifys id, in transaction Bundles."""
        import httpx

        url = f"http://127.0.0.1:{self.port}/fhir"
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/fhir+json",
            "Prefer": "return=minimal",
        }
        with httpx.Client(headers=headers, timeout=300) as client:
            for kind in ("Patient", "Observation", "Task"):
                resources = data[kind]
                for start in range(0, len(resources), 500):
                    bundle = {
                        "resourceType": "Bundle",
                        "type": "transaction",
                        "entry": [
                            {
                                "resource": resource,
                                "request": {"method": "PUT", "url": f"{kind}/{resource['id']}"},
                            }
                            for resource in resources[start : start + 500]
                        ],
                    }
                    response = client.post(url, content=json.dumps(bundle))
                    if response.status_code != 200:
                        raise SystemExit(f"sekmet refused the data: {response.text[:1000]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# --- load ------------------------------------------------------------------------------------


def drain(pids: list[int], limit: float) -> float:
    """Wait (at most LIMIT seconds) until the server's processes PIDS are idle (under 15 % of a
    core for a second): requests wrk gave up on at the end of a run are still being served, and
    that work must not be charged to the next run. Return the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = cpu_seconds(pids)
        time.sleep(1)
        if cpu_seconds(pids) - before < 0.15:
            break
    return round(time.monotonic() - started, 1)


def wrk(binary: str, script: Path, port: int, workload: str, args, server: dict) -> dict:
    """One wrk run of WORKLOAD against SERVER ({token, base, data, task_at}); advances the
    server's next task by the updates sent."""
    seconds = getattr(args, "duration", args.seconds)
    completed = subprocess.run(
        [
            binary,
            "-t1",
            f"-c{args.connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            server["token"],
            workload,
            str(server["data"]),
            str(server["task_at"]),
            f"{server['name']}-{secrets.token_hex(4)}",
            str(secrets.randbelow(2**31)),
            server["base"],
            server["when"],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in completed.stdout.splitlines() if x.startswith("JSON "))
    result = json.loads(line[5:])
    result["rps"] = result["requests"] / result["seconds"]
    # wrk counts requests it generated but whose response never came (still in flight at the
    # end) in "sent": the tasks they name are used up all the same.
    server["task_at"] += result["sent"]["update"]
    result["drained_seconds"] = drain(server["pids"], args.drain)
    return result


def profile(count: int, data: dict, token: str) -> None:
    """Queries and cProfile (CPU time) per digifys workload, through Django's WSGI handler."""
    import cProfile
    import io
    import pstats
    import random

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    handler = WSGIHandler()
    rng = random.Random(14)
    patients = [p["id"] for p in data["Patient"]]
    tasks = iter(data["Task"])
    observations = [o["id"] for o in data["Observation"]]
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    from urllib.parse import quote

    def read():
        return "GET", f"Observation/{rng.choice(observations)}", "", b""

    def search_():
        patient = rng.choice(patients)
        query = f"subject=Patient/{patient}&code={quote(PULSE, safe='')}&_sort=-date&_count=10"
        return "GET", "Observation", query, b""

    def create():
        ident = uuid.uuid4().hex
        body = {
            "resourceType": "Observation",
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "vital-signs",
                        }
                    ]
                }
            ],
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
            "subject": {"reference": f"Patient/{rng.choice(patients)}"},
            "effectiveDateTime": when,
            "valueQuantity": {
                "value": 72,
                "unit": "/min",
                "system": "http://unitsofmeasure.org",
                "code": "/min",
            },
            "identifier": [{"system": IDENTIFIER_SYSTEM, "value": ident}],
        }
        return "POST", "Observation", "", json.dumps(body).encode(), ident

    def update():
        task = next(tasks)
        body = {
            "resourceType": "Task",
            "id": task["id"],
            "status": "completed",
            "intent": "order",
            "for": task["for"],
            "output": [{"type": {"text": "result"}, "valueString": "Puls 72, mår bra."}],
        }
        return "PUT", f"Task/{task['id']}", "", json.dumps(body).encode()

    def call(make):
        method, path, query, body, *ident = make()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if ident:
            headers["HTTP_IF_NONE_EXIST"] = f"identifier={IDENTIFIER_SYSTEM}|{ident[0]}"
        status, _size = wsgi_get(
            handler, "", f"/fhir/R4/{path}", method=method, query=query, body=body, extra=headers
        )
        if status >= 400:
            raise SystemExit(f"{method} {path}?{query} answered {status}")

    for name, make in (("read", read), ("search", search_), ("create", create), ("update", update)):
        call(make)
        queries: list[str] = []

        def log(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(log):
            call(make)
        profiler = cProfile.Profile(time.process_time)
        started = time.process_time()
        profiler.enable()
        for _ in range(count):
            call(make)
        profiler.disable()
        cpu_ms = (time.process_time() - started) * 1000 / count
        stats = pstats.Stats(profiler, stream=(out := io.StringIO()))
        print(f"== {name}: {len(queries)} queries, {stats.total_calls // count} function calls")
        print(f"   {cpu_ms:.1f} ms CPU per request (under the profiler)")
        for sql in queries:
            print(f"   {sql[:160]}")
        stats.sort_stats("cumulative").print_stats(r"digifys", 30)
        stats.sort_stats("tottime").print_stats(20)
        print("\n".join(out.getvalue().splitlines()[8:]))


def summarise(runs: dict, args) -> dict:
    def median(values):
        return round(statistics.median(values), 1)

    summary: dict = {}
    for (server, workload), results in runs.items():
        summary.setdefault(workload, {})[server] = {
            "rps": median([r["rps"] for r in results]),
            "rps_runs": [round(r["rps"], 1) for r in results],
            "p50_ms": median([r["p50_ms"] for r in results]),
            "p95_ms": median([r["p95_ms"] for r in results]),
            "errors": sum(r["errors_http"] + r["socket_errors"] for r in results),
            "drained_seconds": [r["drained_seconds"] for r in results],
            "requests": sum(r["requests"] for r in results),
        }
    healthz = summary.get("healthz", {}).get("digifys", {}).get("rps")
    for workload in WORKLOADS:
        row = summary.get(workload, {})
        if "digifys" in row and "sekmet" in row and row["sekmet"]["rps"]:
            row["ratio_digifys_to_sekmet"] = round(row["digifys"]["rps"] / row["sekmet"]["rps"], 2)
            row["met_2x"] = row["ratio_digifys_to_sekmet"] >= 2 and not row["digifys"]["errors"]
        for server in ("digifys", "sekmet"):
            if server in row and healthz:
                row[server]["ratio_to_healthz"] = round(row[server]["rps"] / healthz, 3)
    return summary


def table(summary: dict) -> str:
    lines = [
        f"{'workload':9} {'server':8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6} "
        f"{'/healthz':>8}"
    ]
    for workload in ("healthz", *WORKLOADS):
        for server in ("digifys", "sekmet"):
            row = summary.get(workload, {}).get(server)
            if row:
                lines.append(
                    f"{workload:9} {server:8} {row['rps']:8.1f} {row['p50_ms']:8.1f} "
                    f"{row['p95_ms']:8.1f} {row['errors']:6d} {row.get('ratio_to_healthz', 1):8.3f}"
                )
        ratio = summary.get(workload, {}).get("ratio_digifys_to_sekmet")
        if ratio is not None:
            lines.append(f"{'':9} digifys/sekmet = {ratio}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--sets", type=int, default=40, help="vitals sets per resident")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--pool", type=int, default=10, help="DATABASE_POOL_SIZE per process")
    parser.add_argument("--port", type=int, default=0, help="digifys' port (default: a free one)")
    parser.add_argument(
        "--sekmet-port", type=int, default=0, help="sekmet-fhir's port (default: a free one)"
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument(
        "--cache-dir",
        default=str(Path(tempfile.gettempdir()) / "digifys-bench-cache"),
        help="where sekmet-fhir's virtual environment is made (and reused)",
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=90,
        help="after each run, wait at most this many seconds for the server to go idle",
    )
    parser.add_argument("--only", choices=["both", "digifys"], default="both")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    binary = None if args.profile else require_wrk()
    sekmet_binary = None
    if args.only == "both" and not args.profile:
        sekmet_binary = sekmet_venv(Path(args.cache_dir))

    database = f"digifys_bench_fhir_{os.getpid()}"
    create_database(args.postgres, database)
    workdir = Path(tempfile.mkdtemp(prefix="digifys-bench-fhir-"))
    env = production_env(args, database, str(workdir))
    os.environ.update(env)
    os.environ.pop("DIGIFYS_DEMO", None)
    os.environ.pop("DEBUG", None)
    import django

    django.setup()
    key = Key()
    server = sekmet = None
    script = workdir / "fhir.lua"
    script.write_text(WRK_SCRIPT)
    runs: dict[tuple[str, str], list[dict]] = {}
    load_average = []
    try:
        started = time.monotonic()
        client_id = seed(args.residents, args.sets, key)["client_id"]
        seed_seconds = time.monotonic() - started
        args.port = free_port(args.port)  # never a server left by another run (pages.free_port)
        server = Server.wsgi(args.workers, args.threads, args.port, env)
        server.wait()
        token_url = f"http://127.0.0.1:{args.port}/oauth/token"
        token = backend_token(token_url, key, client_id, "system/*.read system/*.write")
        data = export(args.port, token)
        if args.profile:
            server.stop()
            server = None
            profile(args.profile, data, token)
            return
        items = workdir / "items.txt"
        data_file(items, data)
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
        servers = [
            {
                "name": "digifys",
                "port": args.port,
                "token": token,
                "base": "/fhir/R4",
                "data": items,
                "task_at": 0,
                "when": when,
                "pids": server_pids(server),
            }
        ]
        if sekmet_binary is not None:
            args.sekmet_port = free_port(args.sekmet_port)
            sekmet = Sekmet(sekmet_binary, workdir, args.sekmet_port, key)
            sekmet.wait()
            sekmet_token = backend_token(
                f"http://127.0.0.1:{args.sekmet_port}/auth/token",
                key,
                sekmet.client_id,
                "system/*.read system/*.write",
            )
            sekmet.load(sekmet_token, data)
            servers.append(
                {
                    "name": "sekmet",
                    "port": args.sekmet_port,
                    "token": sekmet_token,
                    "base": "/fhir",
                    "data": items,
                    "task_at": 0,
                    "when": when,
                    "pids": [sekmet.process.pid],
                }
            )
        warm = argparse.Namespace(connections=args.connections, seconds=2, drain=args.drain)
        for target in servers:
            for workload in WORKLOADS:
                wrk(binary, script, target["port"], workload, warm, target)
        wrk(binary, script, args.port, "healthz", warm, servers[0])
        for _ in range(args.repeat):
            load_average.append([round(x, 2) for x in os.getloadavg()])
            runs.setdefault(("digifys", "healthz"), []).append(
                wrk(binary, script, args.port, "healthz", args, servers[0])
            )
            for workload in WORKLOADS:
                for target in servers:
                    result = wrk(binary, script, target["port"], workload, args, target)
                    runs.setdefault((target["name"], workload), []).append(result)
        tasks_used = {target["name"]: target["task_at"] for target in servers}
    finally:
        if server is not None:
            server.stop()
        if sekmet is not None:
            sekmet.stop()
        from django.db import connections

        connections.close_all()
        drop_database(args.postgres, database)
        shutil.rmtree(workdir, ignore_errors=True)
    summary = summarise(runs, args)
    result = {
        "benchmark": "fhir_load",
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "seconds": args.seconds,
        "repeat": args.repeat,
        "nproc": os.cpu_count(),
        "load_average": load_average,
        "sekmet_fhir": SEKMET_VERSION if sekmet_binary else None,
        "data": {
            "patients": len(data["Patient"]),
            "observations": len(data["Observation"]),
            "open_tasks": len(data["Task"]),
            "seed_seconds": round(seed_seconds, 1),
        },
        # More updates than open tasks: the later ones met completed tasks (no-op updates).
        "tasks_used": tasks_used,
        "workloads": summary,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(json.dumps(result, indent=2))
    print(table(summary))


if __name__ == "__main__":
    main()
