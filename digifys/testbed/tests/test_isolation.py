"""A sandbox is a tenant of its own: its API clients never reach a region resident, and region
staff (coordinators included) never see a sandbox resident."""

import pytest
from django.urls import reverse

from digifys.directory.models import Organisation
from digifys.fhir import services as fhir_services
from digifys.residents.models import Resident
from digifys.testing.accounts import complete_second_factor

pytestmark = pytest.mark.django_db


def _token(world, sandbox) -> str:
    _client, token = fhir_services.register_client(
        actor=world.administrator,
        user=sandbox.device_user,
        name="Wristband",
        scopes="user/*.read user/Observation.write",
    )
    return token


def _get(client, token, path):
    return client.get(f"/fhir/R4/{path}", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_sandbox_client_cannot_see_region_data(world, client, sandbox):
    token = _token(world, sandbox)
    own = sandbox.unit.residents.first()
    assert _get(client, token, f"Patient/{own.pk}").status_code == 200
    region = world.resident_mala
    refused = _get(client, token, f"Patient/{region.pk}")
    assert refused.status_code == 404
    assert refused.json()["resourceType"] == "OperationOutcome"
    found = _get(client, token, f"Patient?_id={region.pk}").json()
    assert found.get("total", 0) == 0 and not found.get("entry")
    every = _get(client, token, "Patient?_count=100").json()
    ids = {int(entry["resource"]["id"]) for entry in every.get("entry", [])}
    assert ids == set(sandbox.unit.residents.values_list("pk", flat=True))
    observations = _get(client, token, f"Observation?subject=Patient/{region.pk}").json()
    assert not observations.get("entry")


def test_region_staff_never_see_sandbox_residents(world, client, sandbox):
    names = [r.family_name for r in sandbox.unit.residents.all()]
    own = sandbox.unit.residents.first()
    for user in (world.coordinator, world.nurse_mala, world.physician_spain):
        assert not Resident.objects.visible_to(user).filter(unit=sandbox.unit).exists()
    client.force_login(world.coordinator)
    complete_second_factor(client, world.coordinator)
    page = client.get(reverse("residents:list")).content.decode()
    assert world.resident_mala.family_name in page
    assert not any(f"{name}, " in page or f" {name}<" in page for name in names)
    assert client.get(reverse("residents:detail", args=[own.pk])).status_code == 404
    assert sandbox.unit not in Organisation.objects.units()
    assert sandbox.unit in Organisation.objects.sandbox_units()


def test_the_sandbox_staff_see_only_their_sandbox(world, sandbox):
    visible = Resident.objects.visible_to(sandbox.device_user)
    assert set(visible) == set(sandbox.unit.residents.all())
