import pytest

from digifys.directory.models import Organisation
from digifys.fhir.models import ApiClient
from digifys.residents.models import Resident
from digifys.testbed import services, tasks
from digifys.testbed.models import Sandbox

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
    queued = services.request_reset(actor=company, application=sandbox.application)
    assert queued.reset_state == "queued" and queued.seed == 1  # nothing changed yet
    assert tasks.reset_sandbox.call(sandbox_id=sandbox.pk) == "done"
    fresh = Sandbox.objects.get(pk=sandbox.pk)
    assert fresh.reset_state == "done" and fresh.seed == 2
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


def _company_client(client, sandbox):
    from digifys.testing.accounts import complete_second_factor

    user = sandbox.application.user
    client.force_login(user)
    complete_second_factor(client, user)
    return client


def test_the_reset_page_asks_then_the_worker_resets_and_the_page_shows_progress(
    world, client, sandbox, django_capture_on_commit_callbacks
):
    from django.urls import reverse
    from django_tasks_db.models import DBTaskResult

    client = _company_client(client, sandbox)
    old_device = sandbox.device_user_id
    assert client.get(reverse("testbed:reset")).status_code == 200
    sandbox.refresh_from_db()
    assert sandbox.device_user_id == old_device and sandbox.seed == 1

    # The request only queues the job: nothing is regenerated in the request.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("testbed:reset")).status_code == 302
    sandbox.refresh_from_db()
    assert (sandbox.reset_state, sandbox.seed, sandbox.device_user_id) == ("queued", 1, old_device)
    job = DBTaskResult.objects.get(task_path=tasks.reset_sandbox.module_path)
    assert job.status == "READY"
    page = client.get(reverse("testbed:company"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Sandlådan återställs" in page.content.decode()  # Swedish: the company's language
    assert reverse("testbed:reset") not in page.content.decode()

    # A second reset while one is under way is refused; nothing more is queued.
    again = client.post(reverse("testbed:reset"))
    assert again.status_code == 400
    assert "En återställning pågår redan" in again.content.decode()
    assert DBTaskResult.objects.filter(task_path=tasks.reset_sandbox.module_path).count() == 1

    # What the worker runs for the queued job (db_worker itself needs a committed database).
    assert tasks.reset_sandbox.call(**job.args_kwargs["kwargs"]) == "done"
    sandbox.refresh_from_db()
    assert (sandbox.reset_state, sandbox.seed) == ("done", 2)
    assert sandbox.device_user_id != old_device
    page = client.get(reverse("testbed:company")).content.decode()
    assert "Sandlådan återställdes" in page and reverse("testbed:reset") in page


def test_a_failed_reset_changes_nothing_and_says_so(world, client, sandbox, monkeypatch):
    from django.urls import reverse

    from digifys.testbed import sandbox as generator

    def broken(row):
        raise RuntimeError("No free test personnummer for a sandbox.")

    services.request_reset(actor=sandbox.application.user, application=sandbox.application)
    monkeypatch.setattr(generator, "generate", broken)  # the generator runs out of numbers
    residents = set(sandbox.unit.residents.active().values_list("pk", flat=True))
    assert tasks.reset_sandbox.call(sandbox_id=sandbox.pk) == "failed"
    sandbox.refresh_from_db()
    assert (sandbox.reset_state, sandbox.seed, sandbox.status) == ("failed", 1, "ready")
    assert set(sandbox.unit.residents.active().values_list("pk", flat=True)) == residents
    page = _company_client(client, sandbox).get(reverse("testbed:company"))
    assert "misslyckades: er sandlåda är som förut" in page.content.decode()
    # A failed reset can be asked for again.
    assert tasks.reset_sandbox.call(sandbox_id=sandbox.pk) == "not queued"
    services.request_reset(actor=sandbox.application.user, application=sandbox.application)
