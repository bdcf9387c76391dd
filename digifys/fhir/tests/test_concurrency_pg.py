"""Conditional create under concurrency (PostgreSQL): several retries of a device arriving at the
same moment make one observation, and every one of them is answered with success (201 for the
one that stored it, 200 with the stored one for the others), never a duplicate or a conflict."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

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
