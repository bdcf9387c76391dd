"""Conditional create under concurrency (PostgreSQL): several retries of a device arriving at the
same moment make one observation, and every one of them is answered with success (201 for the
one that stored it, 200 with the stored one for the others), never a duplicate or a conflict;
and a write's lock on the resident does not hold up other requests' access-log entries."""

import json
import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from digifys.audit import services as audit
from digifys.fhir import services
from digifys.vitals.models import Observation

from .conftest import vital

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_simultaneous_retries_of_a_conditional_create_store_one_observation(world, token_for):
    token = token_for(world.nurse_mala)
    body = json.dumps(
        vital(
            world.resident_mala.pk,
            "8867-4",
            88,
            "/min",
            identifier=[{"system": "urn:oid:1.2.3", "value": "retry-1"}],
        )
    )
    threads, statuses, barrier = [], [], threading.Barrier(4)

    def send():
        try:
            barrier.wait()
            response = Client().post(
                "/fhir/R4/Observation",
                body,
                content_type="application/fhir+json",
                headers={
                    "Authorization": f"Bearer {token}",
                    "If-None-Exist": "identifier=urn:oid:1.2.3|retry-1",
                },
            )
            statuses.append((response.status_code, response.json().get("id")))
        finally:
            connection.close()

    for _ in range(4):
        threads.append(threading.Thread(target=send))
        threads[-1].start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _id in statuses) == [200, 200, 200, 201], statuses
    assert len({id for _status, id in statuses}) == 1
    assert Observation.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_write_holding_a_resident_does_not_hold_up_the_access_log_of_a_read(world):
    """A write's lock on the resident (services.lock_residents) must not block the foreign-key
    check of another request's access-log entry for that resident: that request holds the log's
    chain head meanwhile, and the writer logging its own write then waits for the chain head, a
    deadlock (PostgreSQL answered a 500 to one of them under bench/fhir_load.py's mixed load)."""
    locked, release = threading.Event(), threading.Event()

    def write():
        try:
            with transaction.atomic():
                services.lock_residents([world.resident_mala.pk])
                locked.set()
                release.wait(15)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert locked.wait(15)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            entries = audit.record_read(
                actor=world.nurse_mala,
                residents=[world.resident_mala],
                object_type="fhir_patient",
                object_id=world.resident_mala.pk,
            )
        assert [entry.resident_id for entry in entries] == [world.resident_mala.pk]
    finally:
        release.set()
        writer.join()
