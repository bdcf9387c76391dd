"""The database router: reports and exports read from the replica, everything else the primary.

`DATABASE_REPLICA_URL` adds the `replica` alias (settings.py). In the suite there is normally no
replica; the tests that need one add the alias as a second connection to the test database, so
which connection a query ran on is visible, and remove it afterwards.
"""

import copy
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digifys.audit import services as audit
from digifys.audit.models import AuditEvent
from digifys.core.routers import (
    PRIMARY,
    REPLICA,
    PrimaryReplicaRouter,
    read_alias,
    reads_from_replica,
    replica_reads,
)
from digifys.residents.models import Resident


def _settings_in_a_process(env: dict) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps({'databases': {k: {'NAME': v['NAME'], 'TEST': v.get('TEST', {}), "
        "'pool': v.get('OPTIONS', {}).get('pool')} for k, v in settings.DATABASES.items()}, "
        "'routers': settings.DATABASE_ROUTERS}))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "digifys.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_without_the_setting_there_is_no_replica_alias(tmp_path):
    found = _settings_in_a_process({"DIGIFYS_DEMO": "1", "DIGIFYS_VAR_DIR": str(tmp_path)})
    assert list(found["databases"]) == ["default"]
    assert found["routers"] == ["digifys.core.routers.PrimaryReplicaRouter"]


def test_the_setting_adds_the_replica_as_a_test_mirror_with_the_same_pool(tmp_path):
    found = _settings_in_a_process(
        {
            "DIGIFYS_DEMO": "1",
            "DIGIFYS_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://app@primary.example:5432/digifys",
            "DATABASE_REPLICA_URL": "postgres://app@replica.example:5432/digifys",
            "DATABASE_POOL_SIZE": "7",
        }
    )
    replica = found["databases"]["replica"]
    assert replica["NAME"] == "digifys"
    assert replica["TEST"]["MIRROR"] == "default"
    assert replica["pool"]["max_size"] == 7
    assert found["databases"]["default"]["pool"]["max_size"] == 7


def test_without_a_replica_every_read_goes_to_the_primary():
    assert REPLICA not in settings.DATABASES
    assert read_alias() == PRIMARY
    with replica_reads():
        assert read_alias() == PRIMARY
        assert PrimaryReplicaRouter().db_for_read(Resident) == PRIMARY


@pytest.fixture
def replica_alias():
    """The `replica` alias, configured as a second connection to the test database."""
    settings.DATABASES[REPLICA] = copy.deepcopy(connections[PRIMARY].settings_dict)
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del settings.DATABASES[REPLICA]


@pytest.fixture
def replica(replica_alias):
    """The replica's connection, open."""
    connection = connections[replica_alias]
    # Opened here, not lazily: Django's test cases refuse to open connections to aliases the
    # test case did not declare, and the alias cannot exist before the test case is set up.
    connection.connect()
    return connection


def test_reads_go_to_the_replica_only_inside_replica_reads(replica_alias):
    router = PrimaryReplicaRouter()
    assert router.db_for_read(Resident) == PRIMARY
    with replica_reads():
        assert router.db_for_read(Resident) == REPLICA
        assert router.db_for_write(Resident) == PRIMARY
        with replica_reads():
            assert read_alias() == REPLICA
        assert read_alias() == REPLICA  # the inner block left the outer one in force
    assert router.db_for_read(Resident) == PRIMARY

    @reads_from_replica
    def report():
        return read_alias()

    assert report() == REPLICA
    assert read_alias() == PRIMARY


@pytest.mark.django_db
def test_inside_a_transaction_on_the_primary_reads_stay_there(replica_alias):
    # A read inside a transaction must see the transaction's own writes.
    with transaction.atomic(), replica_reads():
        assert read_alias() == PRIMARY


def test_migrations_run_on_the_primary_only(replica_alias):
    router = PrimaryReplicaRouter()
    assert router.allow_migrate(PRIMARY, "residents") is True
    assert router.allow_migrate(REPLICA, "residents") is False


def _tables(queries: list[dict], verb: str) -> str:
    """The statements of VERB (PostgreSQL's `iterator()` reads with DECLARE … FOR SELECT)."""
    starts = ("SELECT", "DECLARE") if verb == "SELECT" else (verb,)
    return " ".join(q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(starts))


def _appends_to_the_log(queries: list[dict]) -> bool:
    """An access-log entry was appended: inserted (SQLite) or by `digifys_audit_append`
    (PostgreSQL, migration audit 0006)."""
    return "audit_auditevent" in _tables(queries, "INSERT") or any(
        "digifys_audit_append(" in q["sql"] for q in queries
    )


@pytest.mark.parametrize("name", ["audit:extract_csv", "audit:extract_pdf"])
def test_a_log_extract_reads_the_entries_from_the_replica(
    transactional_db, replica, world, login, name
):
    audit.record(
        actor=world.nurse_mala, action="read", resident=world.resident_mala, object_type="resident"
    )
    client = login(world.coordinator)
    with (
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        CaptureQueriesContext(replica) as on_replica,
    ):
        response = client.get(reverse(name, args=[world.resident_mala.pk]))
    assert response.status_code == 200
    # The entries came from the replica; the access check and the log's own entry used the
    # primary, and nothing was written to the replica.
    assert "audit_auditevent" in _tables(on_replica.captured_queries, "SELECT")
    assert "audit_auditevent" not in _tables(on_primary.captured_queries, "SELECT")
    assert "residents_resident" in _tables(on_primary.captured_queries, "SELECT")
    assert _appends_to_the_log(on_primary.captured_queries)
    assert not _tables(on_replica.captured_queries, "INSERT")
    assert not _appends_to_the_log(on_replica.captured_queries)
    assert AuditEvent.objects.filter(object_type="log_extract").count() == 1


def test_the_continuity_dashboard_reads_its_figures_from_the_replica(
    transactional_db, replica, world, login
):
    client = login(world.coordinator)
    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(reverse("insights:continuity"))
    assert response.status_code == 200
    assert "careteams_carecontact" in _tables(on_replica.captured_queries, "SELECT")
