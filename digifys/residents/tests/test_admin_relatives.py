"""Linking a relative's login is written to the access log (item 5); consent is not set here.

What a relative sees is their consent (relatives.Consent, recorded with its history from the
resident page and logged by relatives.services); the admin pages do not offer it.
"""

import pytest
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.residents import services
from digifys.residents.models import Relative
from digifys.testing.world import make_user

pytestmark = pytest.mark.django_db


def _resident_form(resident, relatives: list[dict], initial: int) -> dict:
    data = {
        "given_name": resident.given_name,
        "family_name": resident.family_name,
        "birth_date": resident.birth_date.isoformat(),
        "unit": resident.unit_id,
        "room": resident.room,
        "preferred_languages": '["sv"]',
        "interpreter_language": "",
        "status": resident.status,
        "moved_in_on": "",
        "moved_out_on": "",
        "deceased_on": "",
        "relatives-TOTAL_FORMS": str(len(relatives)),
        "relatives-INITIAL_FORMS": str(initial),
    }
    for i, relative in enumerate(relatives):
        for key, value in relative.items():
            data[f"relatives-{i}-{key}"] = value
    return data


def _relative_row(relative: Relative, **changes) -> dict:
    row = {
        "id": relative.pk,
        "resident": relative.resident_id,
        "user": relative.user_id or "",
        "given_name": relative.given_name,
        "family_name": relative.family_name,
        "relationship": relative.relationship,
        "phone": relative.phone,
        "email": relative.email,
        "legal_representative": relative.legal_representative,
    }
    row.update(changes)
    return row


def test_the_resident_admin_page_links_a_login_but_grants_no_consent(world, login):
    from digifys.relatives.models import Consent
    from digifys.residents.models import Resident

    client = login(world.administrator, language="en")
    resident = world.resident_mala_2
    relative = resident.relatives.get(user=world.relative_without)
    others = resident.relatives.exclude(pk=relative.pk)
    intruder = make_user("ivar.intruder")
    before = AuditEvent.objects.count()
    rows = [_relative_row(relative, user=intruder.pk, consent="resident")]
    rows += [_relative_row(other) for other in others]
    response = client.post(
        reverse("admin:residents_resident_change", args=[resident.pk]),
        _resident_form(resident, rows, initial=len(rows)),
    )
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "errorlist" in line
    ]
    relative.refresh_from_db()
    assert relative.user_id == intruder.pk
    assert not Consent.objects.filter(relative=relative).exists()
    assert not Resident.objects.visible_to(intruder).exists()
    [event] = AuditEvent.objects.order_by("seq")[before:].filter(object_type="relative")
    assert (event.action, event.resident_id, event.object_id) == (
        "update",
        resident.pk,
        str(relative.pk),
    )
    assert event.details == {"changed": ["user"], "user": intruder.pk}


def test_linking_a_login_on_the_relative_admin_page_is_logged_with_what_changed(world, login):
    client = login(world.administrator, language="en")
    relative = world.resident_mala_2.relatives.get(user=world.relative_without)
    intruder = make_user("ivar.intruder")
    before = AuditEvent.objects.count()
    row = _relative_row(relative, user=intruder.pk)
    row.pop("id")
    response = client.post(reverse("admin:residents_relative_change", args=[relative.pk]), row)
    assert response.status_code == 302
    [event] = AuditEvent.objects.order_by("seq")[before:].filter(object_type="relative")
    assert event.details["changed"] == ["user"]
    assert event.details["user"] == intruder.pk


def test_adding_a_relative_through_the_service_logs_the_login_and_consent(world):
    user = make_user("jon.relative")
    relative = services.add_relative(
        actor=world.coordinator,
        resident=world.resident_mala,
        given_name="Jon",
        family_name="Lind",
        relationship="child",
        user=user,
    )
    event = AuditEvent.objects.get(object_type="relative", object_id=str(relative.pk))
    assert event.details == {"user": user.pk}
