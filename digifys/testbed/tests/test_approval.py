import pytest
from django.core import mail
from django.urls import reverse

from digifys.accounts import authentication
from digifys.consults.models import Consult
from digifys.testbed.models import Application, Sandbox
from digifys.testing.accounts import complete_second_factor
from digifys.vitals.models import Observation

pytestmark = pytest.mark.django_db


def _coordinator(client, world):
    client.force_login(world.coordinator)
    complete_second_factor(client, world.coordinator)


def test_the_coordinator_approves_after_confirming(
    world, client, application, django_capture_on_commit_callbacks
):
    _coordinator(client, world)
    assert "Sensorbolaget AB" in client.get(reverse("testbed:applications")).content.decode()
    confirm = client.get(reverse("testbed:approve", args=[application.pk]))
    assert confirm.status_code == 200
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING  # the GET only asks
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("testbed:approve", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.user is not None and application.user.role is None
    assert Sandbox.objects.get(application=application).status == Sandbox.Status.PREPARING
    assert [m.to for m in mail.outbox] == [["kim@example.com"]]
    assert application.user.username in mail.outbox[0].body
    # Deciding twice is refused.
    again = client.post(reverse("testbed:approve", args=[application.pk]))
    assert again.status_code == 400


def test_declining_needs_a_reason_and_a_confirmation(
    world, client, application, django_capture_on_commit_callbacks
):
    _coordinator(client, world)
    url = reverse("testbed:decline", args=[application.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    confirm = client.post(url, {"reason": "Not a health product."})
    assert confirm.status_code == 200 and 'name="confirmed"' in confirm.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Not a health product.", "confirmed": "1"})
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert application.reason == "Not a health product."
    assert "Not a health product." in mail.outbox[0].body


def test_a_nurse_cannot_decide(world, client, application):
    client.force_login(world.nurse_mala)
    complete_second_factor(client, world.nurse_mala)
    assert client.post(reverse("testbed:approve", args=[application.pk])).status_code == 403


def test_the_company_page_needs_the_second_factor(world, client, sandbox):
    user = sandbox.application.user
    client.force_login(user)
    response = client.get(reverse("testbed:company"))
    assert response.status_code == 302 and reverse("mfa_activate_totp") in response["Location"]
    assert not authentication.needs_second_factor(user)  # held by the testbed's own check
    complete_second_factor(client, user)
    page = client.get(reverse("testbed:company")).content.decode()
    assert "Testavdelningen" in page


def test_the_sandbox_is_a_nursing_home_outside_the_region(sandbox):
    assert sandbox.status == Sandbox.Status.READY
    assert sandbox.root.parent is None
    assert sandbox.unit.parent == sandbox.root
    assert sandbox.resident_count() == 6
    scored = Observation.objects.filter(resident__unit=sandbox.unit, news2_total__isnull=False)
    assert scored.values("resident").distinct().count() == 6
    assert Consult.objects.filter(resident__unit=sandbox.unit).count() == 1
    assert sandbox.device_user.role == "nurse"
