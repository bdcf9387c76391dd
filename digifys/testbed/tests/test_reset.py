import pytest

from digifys.directory.models import Organisation
from digifys.fhir.models import ApiClient
from digifys.residents.models import Resident
from digifys.testbed import services

pytestmark = pytest.mark.django_db


def test_a_reset_replaces_the_sandbox_data_and_keeps_the_clients(world, sandbox):
    company = sandbox.application.user
    client, _token = services.create_client(
        actor=company, application=sandbox.application, name="Wristband"
    )
    old_unit, old_residents = (
        sandbox.unit_id,
        set(sandbox.unit.residents.values_list("pk", flat=True)),
    )
    fresh = services.reset_sandbox(actor=company, application=sandbox.application)
    assert fresh.unit_id != old_unit and fresh.resident_count() == 6
    assert not Resident.objects.filter(pk__in=old_residents).exists()
    assert not Organisation.objects.filter(pk=old_unit).exists()
    client.refresh_from_db()
    assert client.user == fresh.device_user
    assert ApiClient.objects.filter(user=fresh.device_user).count() == 1


def test_the_reset_page_asks_before_resetting(world, client, sandbox):
    from django.urls import reverse

    from digifys.testing.accounts import complete_second_factor

    user = sandbox.application.user
    client.force_login(user)
    complete_second_factor(client, user)
    old_unit = sandbox.unit_id
    assert client.get(reverse("testbed:reset")).status_code == 200
    sandbox.refresh_from_db()
    assert sandbox.unit_id == old_unit
    assert client.post(reverse("testbed:reset")).status_code == 302
    sandbox.refresh_from_db()
    assert sandbox.unit_id != old_unit and sandbox.seed == 2
