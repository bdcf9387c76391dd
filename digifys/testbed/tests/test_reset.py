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
    old_device = sandbox.device_user
    fresh = services.reset_sandbox(actor=company, application=sandbox.application)
    # Same unit, six new residents; the old ones moved out (the append-only access log names
    # them, so they are retired, not deleted): off the unit's lists, as any resident who moved.
    assert fresh.unit_id == old_unit and fresh.resident_count() == 6
    new_residents = set(fresh.unit.residents.active().values_list("pk", flat=True))
    assert not new_residents & old_residents
    moved = Resident.objects.filter(pk__in=old_residents)
    assert {r.status for r in moved} == {Resident.Status.MOVED_OUT}
    assert not Resident.objects.in_care().filter(pk__in=old_residents)
    old_device.refresh_from_db()
    assert not old_device.is_active and fresh.device_user != old_device
    assert Organisation.objects.sandbox_units().filter(pk=old_unit).exists()
    client.refresh_from_db()
    assert client.user == fresh.device_user
    assert ApiClient.objects.filter(user=fresh.device_user).count() == 1


def test_the_reset_page_asks_before_resetting(world, client, sandbox):
    from django.urls import reverse

    from digifys.testing.accounts import complete_second_factor

    user = sandbox.application.user
    client.force_login(user)
    complete_second_factor(client, user)
    old_device = sandbox.device_user_id
    assert client.get(reverse("testbed:reset")).status_code == 200
    sandbox.refresh_from_db()
    assert sandbox.device_user_id == old_device and sandbox.seed == 1
    assert client.post(reverse("testbed:reset")).status_code == 302
    sandbox.refresh_from_db()
    assert sandbox.device_user_id != old_device and sandbox.seed == 2
