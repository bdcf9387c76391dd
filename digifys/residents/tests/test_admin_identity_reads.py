"""Administrators' reads of resident identity in the admin are logged, or the views are gone.

Issue 20 item 6: the admin's autocomplete searched residents by personnummer, and a resident's
history and delete pages showed the name, all without an access-log entry.
"""

import pytest
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.residents.models import Resident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("app_label", "model_name"),
    [("residents", "relative"), ("careteams", "physicianassignment"), ("careteams", "carecontact")],
)
def test_the_admin_autocomplete_does_not_search_residents(world, login, app_label, model_name):
    client = login(world.administrator, language="en")
    number = world.resident_mala.identity_number[:8]
    before = AuditEvent.objects.count()
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": number,
            "app_label": app_label,
            "model_name": model_name,
            "field_name": "resident",
        },
    )
    assert response.status_code in (403, 404)
    assert world.resident_mala.family_name not in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_the_pages_that_pick_a_resident_still_work(world, login):
    client = login(world.administrator, language="en")
    for name in ("careteams_physicianassignment_add", "careteams_carecontact_add"):
        assert client.get(reverse(f"admin:{name}")).status_code == 200
    relative = world.resident_mala.relatives.first()
    assert (
        client.get(reverse("admin:residents_relative_change", args=[relative.pk])).status_code
        == 200
    )


def test_a_residents_admin_history_is_logged(world, login):
    client = login(world.administrator, language="en")
    before = AuditEvent.objects.count()
    response = client.get(
        reverse("admin:residents_resident_history", args=[world.resident_mala.pk])
    )
    assert response.status_code == 200
    event = AuditEvent.objects.order_by("seq")[before:].get()
    assert (event.action, event.purpose, event.resident_id, event.object_type) == (
        "read",
        "administration",
        world.resident_mala.pk,
        "admin_resident_history",
    )


def test_residents_cannot_be_deleted_in_the_admin(world, login):
    client = login(world.administrator, language="en")
    url = reverse("admin:residents_resident_delete", args=[world.resident_mala.pk])
    before = AuditEvent.objects.count()
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Resident.objects.filter(pk=world.resident_mala.pk).exists()
    assert AuditEvent.objects.count() == before
