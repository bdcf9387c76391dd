"""Conditional create under concurrency (PostgreSQL): several retries of a device arriving at the
same moment make one observation, and every one of them is answered with success (201 for the
one that stored it, 200 with the stored one for the others), never a duplicate or a conflict;
and a write's lock on the resident does not hold up other requests' access-log entries."""

import datetime
import json
import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from digifys.audit import services as audit
from digifys.consults.models import Consult
from digifys.consults.services import send_consult
from digifys.fhir import services
from digifys.orders.models import NurseTask
from digifys.orders.services import place_order
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


# --- Writes against a request that holds the access log's chain head ----------------------------


def _waiting_for_a_lock(timeout: float = 15) -> bool:
    """Whether another connection to this database waits for a lock (polled up to TIMEOUT s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Inside a transaction the activity view is a snapshot until cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def _against_a_read_holding_the_chain_head(world, send):
    """Run SEND (an API write, in a thread) while a read of the Malå resident holds the chain
    head: the read logs one resident (which locks the head until it commits), waits until SEND
    waits for the head, then logs the Malå resident, whose foreign-key check needs a share lock
    on the resident's row. Return (SEND's response or error, the read's error or None)."""
    outcome: dict = {}

    def write():
        try:
            outcome["response"] = send()
        except Exception as error:  # a deadlock surfaces as a database error (a 500)
            outcome["response"] = error
        finally:
            connection.close()

    # The chain head row exists from the first entry on (as in any database in use).
    audit.record(actor=None, action="read", object_type="fhir_patient", object_id="")
    writer = threading.Thread(target=write)
    read_error = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            audit.record_read(
                actor=world.coordinator,
                residents=[world.resident_storuman],
                object_type="fhir_patient",
                object_id=world.resident_storuman.pk,
            )
            writer.start()
            assert _waiting_for_a_lock(), "the write never waited for the chain head"
            audit.record_read(
                actor=world.nurse_mala,
                residents=[world.resident_mala],
                object_type="fhir_patient",
                object_id=world.resident_mala.pk,
            )
    except DatabaseError as error:
        read_error = error
    finally:
        writer.join(30)
    return outcome.get("response"), read_error


def _put(token, path, body, if_match='W/"1"'):
    return Client().put(
        f"/fhir/R4/{path}",
        json.dumps(body),
        content_type="application/fhir+json",
        headers={"Authorization": f"Bearer {token}", "If-Match": if_match},
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_completing_a_task_does_not_deadlock_with_a_read_writing_its_access_log_entry(
    world, token_for
):
    """PUT Task held the resident's row FOR UPDATE (orders.services.complete_task locked the
    task with its order and resident) and then waited for the chain head; a read holding the
    head, inserting its entry for that resident, waited for the resident: a deadlock (a 500
    under bench/fhir_load.py's mixed load, docs/performance.md run 2)."""
    order = place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
        first_due_at=timezone.now() + datetime.timedelta(hours=2),
    )
    task = NurseTask.objects.get(order=order)
    token = token_for(world.nurse_mala)
    body = {
        "resourceType": "Task",
        "id": str(task.pk),
        "status": "completed",
        "intent": "order",
        "for": {"reference": f"Patient/{world.resident_mala.pk}"},
        "output": [{"type": {"text": "result"}, "valueString": "Puls 72, mår bra."}],
    }
    response, read_error = _against_a_read_holding_the_chain_head(
        world, lambda: _put(token, f"Task/{task.pk}", body)
    )
    assert read_error is None
    assert getattr(response, "status_code", None) == 200, response
    task.refresh_from_db()
    assert task.status == NurseTask.Status.DONE
    assert audit.verify_chain().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_message_to_a_consult_does_not_deadlock_with_a_read_writing_its_access_log_entry(
    world, token_for
):
    consult = send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="same_day",
        situation="Trött.",
        background="Demens.",
        assessment="NEWS2 3.",
        recommendation="Bedömning.",
    )
    token = token_for(world.nurse_mala)
    message = {
        "resourceType": "Communication",
        "status": "completed",
        "partOf": [
            {"identifier": {"system": "urn:digifys:fhir:consult", "value": str(consult.pk)}}
        ],
        "subject": {"reference": f"Patient/{world.resident_mala.pk}"},
        "payload": [{"contentString": "Saturation nu 93 %."}],
    }
    response, read_error = _against_a_read_holding_the_chain_head(
        world,
        lambda: Client().post(
            "/fhir/R4/Communication",
            json.dumps(message),
            content_type="application/fhir+json",
            headers={"Authorization": f"Bearer {token}"},
        ),
    )
    assert read_error is None
    assert getattr(response, "status_code", None) == 201, response


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_transaction_bundle_does_not_deadlock_with_a_read_writing_its_access_log_entry(
    world, token_for
):
    """A transaction locks its residents (services.lock_residents, FOR NO KEY UPDATE) before it
    logs: the read's entry for the same resident is not held up meanwhile."""
    token = token_for(world.nurse_mala)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": vital(world.resident_mala.pk, "8867-4", 80, "/min"),
                "request": {"method": "POST", "url": "Observation"},
            }
        ],
    }
    response, read_error = _against_a_read_holding_the_chain_head(
        world,
        lambda: Client().post(
            "/fhir/R4/",
            json.dumps(bundle),
            content_type="application/fhir+json",
            headers={"Authorization": f"Bearer {token}"},
        ),
    )
    assert read_error is None
    assert getattr(response, "status_code", None) == 200, response
    assert audit.verify_chain().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_completing_a_consults_task_does_not_deadlock_with_a_message_in_that_consult(
    world, token_for
):
    """A message in a consult locks the consult, then logs (consults.services.post_message).
    Completing a task of that consult's order logged first and then touched the consult: each
    held what the other waited for. It now touches the consult before it logs."""
    consult = send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="same_day",
        situation="Trött.",
        background="Demens.",
        assessment="NEWS2 3.",
        recommendation="Bedömning.",
    )
    order = place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
        first_due_at=timezone.now() + datetime.timedelta(hours=2),
        consult=consult,
    )
    task = NurseTask.objects.get(order=order)
    token = token_for(world.nurse_mala)
    body = {
        "resourceType": "Task",
        "id": str(task.pk),
        "status": "completed",
        "intent": "order",
        "for": {"reference": f"Patient/{world.resident_mala.pk}"},
        "output": [{"type": {"text": "result"}, "valueString": "Puls 72, mår bra."}],
    }
    outcome: dict = {}

    def write():
        try:
            outcome["response"] = _put(token, f"Task/{task.pk}", body)
        except Exception as error:  # a deadlock surfaces as a database error (a 500)
            outcome["response"] = error
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            # What post_message does first: lock the consult (it then logs the message).
            Consult.objects.select_for_update(of=("self",)).get(pk=consult.pk)
            writer.start()
            assert _waiting_for_a_lock(), "the task's completion never waited"
            audit.record(
                actor=world.nurse_mala,
                action="create",
                resident=world.resident_mala,
                object_type="consult_message",
                object_id=0,
            )
    finally:
        writer.join(30)
    assert getattr(outcome.get("response"), "status_code", None) == 200, outcome
    task.refresh_from_db()
    assert task.status == NurseTask.Status.DONE
