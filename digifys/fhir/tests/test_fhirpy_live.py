"""A real FHIR client library (fhirpy) against the running server (pytest-django's live server):
register a client as the API guide says, then create, read and search (issue 14 acceptance)."""

import io

import pytest
from django.core.management import call_command
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome

from digifys.vitals.models import Observation

from .conftest import panel, vital


def _register(world, user, scopes):
    out = io.StringIO()
    arguments = ["register", f"--user={user.username}", f"--by={world.administrator.username}"]
    arguments += ["--name=Bedside monitor", *(f"--scope={s}" for s in scopes.split())]
    call_command("fhir_client", *arguments, stdout=out)
    return out.getvalue().split("token (shown once): ")[1].strip()


@pytest.mark.django_db(transaction=True)
def test_fhirpy_creates_reads_and_searches_through_the_live_server(world, live_server):
    token = _register(world, world.nurse_mala, "user/*.read user/Observation.write")
    client = SyncFHIRClient(f"{live_server.url}/fhir/R4", authorization=f"Bearer {token}")
    resident = world.resident_mala

    patient = client.reference("Patient", str(resident.pk)).to_resource()
    assert patient["name"][0]["family"] == "Lind"
    assert (
        patient["identifier"][0]["system"] == "http://electronichealth.se/identifier/personnummer"
    )

    # Create one heart rate; fhirpy's conditional create (criteria as the POST's query) twice.
    heart_rate = client.resource(
        "Observation",
        **vital(
            resident.pk,
            "8867-4",
            88,
            "/min",
            identifier=[{"system": "urn:oid:1.2.3", "value": "hr-1"}],
        ),
    )
    heart_rate.create(identifier="urn:oid:1.2.3|hr-1")
    assert heart_rate.id.endswith("-hr")
    retry = client.resource(
        "Observation",
        **vital(
            resident.pk,
            "8867-4",
            88,
            "/min",
            identifier=[{"system": "urn:oid:1.2.3", "value": "hr-1"}],
        ),
    )
    retry.create(identifier="urn:oid:1.2.3|hr-1")
    assert retry.id == heart_rate.id
    assert Observation.objects.count() == 1

    # A transaction panel for another time: a complete set with NEWS2 6.
    result = client.execute(
        "", method="post", data=panel(resident.pk, when="2026-12-04T11:00:00+01:00")
    )
    assert result["type"] == "transaction-response"
    assert Observation.objects.count() == 2

    # Search, newest first, two per page: fetch_all follows the next links.
    search = (
        client.resources("Observation")
        .search(subject=f"Patient/{resident.pk}", code="http://loinc.org|8867-4")
        .sort("-date")
        .limit(1)
    )
    assert search.count() == 2
    found = search.fetch_all()
    assert [o["valueQuantity"]["value"] for o in found] == [95, 88]
    news2 = (
        client.resources("Observation")
        .search(code="http://snomed.info/sct|1104051000000101")
        .first()
    )
    assert news2["valueInteger"] == 6
    assert len(news2["derivedFrom"]) == 7

    # A refusal reaches fhirpy as an OperationOutcome.
    with pytest.raises(OperationOutcome) as refused:
        client.resource("Observation", **vital(resident.pk, "8867-4", 400, "/min")).save()
    assert "valueQuantity.value" in str(refused.value)
    # Patients of another unit stay invisible.
    assert client.resources("Patient").search(_id=str(world.resident_storuman.pk)).count() == 0


@pytest.mark.django_db(transaction=True)
def test_fhirpy_versions_updates_and_the_new_resources_through_the_live_server(world, live_server):
    """vread and _history, an If-Match update of a Task (412 on a stale version), a Communication
    created in a consult, and searches of the resources added in this part of issue 14 §1."""
    from fhirpy.base.exceptions import ForbiddenError, MultipleResourcesFound

    from digifys.consults.models import ConsultMessage
    from digifys.consults.services import send_consult
    from digifys.orders.models import NurseTask
    from digifys.orders.services import place_order

    order = place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
    )
    consult = send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="same_day",
        situation="Trött.",
        background="Demens.",
        assessment="NEWS2 3.",
        recommendation="Bedömning.",
    )
    token = _register(
        world, world.nurse_mala, "user/*.read user/Task.write user/Communication.write"
    )
    base = f"{live_server.url}/fhir/R4"
    client = SyncFHIRClient(base, authorization=f"Bearer {token}")
    resident = world.resident_mala

    # A task found by search, read at version 1.
    tasks = client.resources("Task").search(patient=f"Patient/{resident.pk}", status="ready")
    task = tasks.first()
    assert task["basedOn"][0]["reference"] == f"ServiceRequest/{order.pk}"
    assert task["meta"]["versionId"] == "1"

    # Completed with the version it was read at: version 2.
    task["status"] = "completed"
    task["output"] = [{"type": {"text": "result"}, "valueString": "Puls 72."}]
    holding_1 = SyncFHIRClient(
        base, authorization=f"Bearer {token}", extra_headers={"If-Match": 'W/"1"'}
    )
    holding_1.resource("Task", **task).save()
    saved = client.reference("Task", task.id).to_resource()
    assert (saved["status"], saved["meta"]["versionId"]) == ("completed", "2")
    assert NurseTask.objects.get(pk=task.id).status == "done"
    # A second client still holding version 1 is refused (412; fhirpy names it so).
    with pytest.raises(MultipleResourcesFound):
        holding_1.resource("Task", **task).save()
    # vread and _history.
    first = client.execute(f"Task/{task.id}/_history/1", method="get")
    assert first["status"] == "ready"
    history = client.execute(f"Task/{task.id}/_history", method="get")
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]

    # A message in the consult's thread.
    message = client.resource(
        "Communication",
        status="completed",
        partOf=[{"identifier": {"system": "urn:digifys:fhir:consult", "value": str(consult.pk)}}],
        payload=[{"contentString": "Mår bättre nu."}],
    )
    message.save()
    assert ConsultMessage.objects.get(pk=message.id).body == "Mår bättre nu."
    found = client.resources("Communication").search(patient=f"Patient/{resident.pk}").fetch_all()
    assert [m["payload"][0]["contentString"] for m in found] == ["Mår bättre nu."]

    # The other new resources answer searches; a nurse cannot read the access log.
    assert client.resources("ServiceRequest").search(status="active").count() == 1
    assert client.resources("Location").search(type="unit").count() == 2
    assert client.resources("RelatedPerson").search(patient=f"Patient/{resident.pk}").count() >= 1
    with pytest.raises(ForbiddenError):
        client.resources("AuditEvent").fetch()
