"""Bulk data $export (issue 14 §4): kick-off, status polling, the manifest, NDJSON files written by
the task worker, _type and _since, Group level, cancelling, and who may download."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from digifys.audit.models import AuditEvent
from digifys.fhir.models import BulkExport
from digifys.vitals import services as vitals_services
from digifys.vitals.models import Observation

ASYNC = {"Prefer": "respond-async"}
BASE = "http://testserver/fhir/R4/"


def _worker():
    call_command("db_worker", batch=True, verbosity=0, startup_delay=False)


def _vitals(world, resident=None, **values):
    return vitals_services.record_observation(
        actor=world.nurse_mala,
        resident=resident or world.resident_mala,
        **(values or {"pulse": 72, "respiratory_rate": 16}),
    )


def _kickoff(api, path="$export"):
    response = api.get(path, headers=ASYNC)
    assert response.status_code == 202, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    return response["Content-Location"].removeprefix(BASE)


def _manifest(api, status_url) -> dict:
    response = api.get(status_url)
    assert response.status_code == 200, response.content
    return response.json()


def _download(api, output) -> list:
    response = api.get(output["url"].removeprefix(BASE))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+ndjson"
    lines = response.content.decode().splitlines()
    assert len(lines) == output["count"]
    model = get_fhir_model_class(output["type"])
    return [model.model_validate_json(line) for line in lines]


@pytest.mark.django_db(transaction=True)
def test_a_system_export_end_to_end(world, fhir):
    _vitals(world)
    _vitals(world, world.resident_storuman)  # another unit's: never in this nurse's export
    api = fhir(world.nurse_mala)
    status_url = _kickoff(api)
    assert status_url.startswith("$export-poll-status/")

    waiting = api.get(status_url)
    assert waiting.status_code == 202
    assert waiting["X-Progress"]

    _worker()
    manifest = _manifest(api, status_url)
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/fhir/R4/$export")
    by_type = {output["type"]: output for output in manifest["output"]}
    assert {"Patient", "Observation"} <= set(by_type)
    assert "AuditEvent" not in by_type
    patients = _download(api, by_type["Patient"])
    assert {p.id for p in patients} == {
        str(world.resident_mala.pk),
        str(world.resident_mala_2.pk),
    }
    observations = _download(api, by_type["Observation"])
    assert {o.subject.reference for o in observations} == {f"Patient/{world.resident_mala.pk}"}
    assert {o.id.split("-")[1] for o in observations} == {"panel", "hr", "rr"}
    for output in manifest["output"]:
        _download(api, output)  # every file parses as its type

    # The access log: one entry for the export, one read entry per resident written.
    export = BulkExport.objects.get()
    (entry,) = AuditEvent.objects.filter(object_type="fhir_bulk_export", resident__isnull=True)
    assert entry.object_id == str(export.pk)
    assert entry.details["api_client_name"] == f"test {world.nurse_mala.username}"
    residents = AuditEvent.objects.filter(
        object_type="fhir_bulk_export", resident__isnull=False
    ).values_list("resident_id", flat=True)
    assert sorted(residents) == sorted([world.resident_mala.pk, world.resident_mala_2.pk])


@pytest.mark.django_db(transaction=True)
def test_only_the_exporting_client_polls_and_downloads(world, fhir):
    _vitals(world)
    api = fhir(world.nurse_mala)
    status_url = _kickoff(api, "$export?_type=Observation")
    _worker()
    (output,) = _manifest(api, status_url)["output"]
    file_path = output["url"].removeprefix(BASE)
    for other in (fhir(world.nurse_mala), fhir(world.nurse_storuman)):  # another client each
        assert other.get(status_url).status_code == 404
        assert other.get(file_path).status_code == 404
        assert other.delete(status_url).status_code == 404
    assert api.get(file_path).status_code == 200
    # Without a token: 401.
    from django.test import Client

    assert Client().get(f"/fhir/R4/{file_path}").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_type_and_since_choose_what_is_written(world, fhir):
    old = _vitals(world)
    Observation.objects.filter(pk=old.pk).update(
        recorded_at=timezone.now() - datetime.timedelta(hours=2)
    )
    new = _vitals(world, pulse=80)
    since = (timezone.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    api = fhir(world.nurse_mala)
    status_url = _kickoff(api, f"$export?_type=Observation&_since={since}")
    _worker()
    (output,) = _manifest(api, status_url)["output"]
    assert output["type"] == "Observation"
    ids = {o.id.split("-")[0] for o in _download(api, output)}
    assert ids == {str(new.pk)}

    # Without _since both sets.
    status_url = _kickoff(api, "$export?_type=Observation")
    _worker()
    (output,) = _manifest(api, status_url)["output"]
    assert {o.id.split("-")[0] for o in _download(api, output)} == {str(old.pk), str(new.pk)}


@pytest.mark.django_db(transaction=True)
def test_a_group_export_holds_the_units_residents(world, fhir):
    _vitals(world)
    api = fhir(world.nurse_mala)
    status_url = _kickoff(api, f"Group/{world.unit_mala.pk}/$export?_type=Patient")
    _worker()
    (output,) = _manifest(api, status_url)["output"]
    assert {p.id for p in _download(api, output)} == {
        str(world.resident_mala.pk),
        str(world.resident_mala_2.pk),
    }
    # Another unit: nothing this nurse may read.
    status_url = _kickoff(api, f"Group/{world.unit_storuman.pk}/$export?_type=Patient")
    _worker()
    (output,) = _manifest(api, status_url)["output"]
    assert output["count"] == 0
    assert api.get("Group/999999/$export", headers=ASYNC).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_delete_cancels_an_export(world, fhir):
    api = fhir(world.nurse_mala)
    status_url = _kickoff(api)
    assert api.delete(status_url).status_code == 202
    _worker()
    assert api.get(status_url).status_code == 404
    assert not BulkExport.objects.exists()
    assert not AuditEvent.objects.filter(object_type="fhir_bulk_export").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status", "named"),
    [
        ("_type=Foo", 400, "_type"),
        ("_type=AuditEvent", 400, "_type"),
        ("_since=yesterday", 400, "_since"),
        ("_type=Patient&_since=2026-01-01T00:00:00Z", 400, "_since"),
        ("_outputFormat=text/csv", 400, "_outputFormat"),
    ],
)
def test_bad_kickoffs_are_refused_naming_the_parameter(world, fhir, query, status, named):
    response = fhir(world.nurse_mala).get(f"$export?{query}", headers=ASYNC)
    assert response.status_code == status, response.content
    assert response.json()["issue"][0]["expression"] == [named]
    assert not BulkExport.objects.exists()


@pytest.mark.django_db
def test_a_kickoff_needs_respond_async_and_the_scope(world, fhir):
    response = fhir(world.nurse_mala).get("$export")
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Prefer"]
    patients_only = fhir(world.nurse_mala, "user/Patient.read")
    refused = patients_only.get("$export?_type=Observation", headers=ASYNC)
    assert refused.status_code == 403
    assert patients_only.get("$export", headers=ASYNC).status_code == 202
    assert BulkExport.objects.get().types == ["Patient"]
