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
