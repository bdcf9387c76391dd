"""The drug-related problems flag: who may set it, and that it makes a medication review due."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.medicationreviews.selectors import due_reviews
from digifys.residents.models import Resident
from digifys.residents.services import set_drug_related_problems
from digifys.testing.world import assign, make_resident

pytestmark = pytest.mark.django_db


def _sixty_year_old(world):
    today = timezone.localdate()
    resident = make_resident(
        world.unit_mala,
        given_name="Sixten",
        family_name="Ung",
        birth_date=today.replace(year=today.year - 60) - datetime.timedelta(days=1),
    )
    assign(resident, world.physician_spain.staff_profile)
    return resident


def _due(resident) -> bool:
    items = due_reviews(
        residents_queryset=Resident.objects.filter(pk=resident.pk), today=timezone.localdate()
    )
    return bool(items)


def test_a_flagged_sixty_year_old_becomes_due(world, login):
    resident = _sixty_year_old(world)
    assert not _due(resident)
    client = login(world.nurse_mala, language="en")
    url = reverse("medicationreviews:drug_problems", kwargs={"resident_pk": resident.pk})
    response = client.post(url, {"value": "1", "reason": "Falls twice this week"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.drug_related_problems
    assert _due(resident)
    event = AuditEvent.objects.filter(object_type="drug_related_problems").get()
    assert event.resident_id == resident.pk and event.action == "update"
    # The history page offers to clear it again.
    page = client.get(reverse("medicationreviews:history", kwargs={"resident_pk": resident.pk}))
    assert "Clear the flag" in page.content.decode()
    client.post(url, {"value": "0"})
    resident.refresh_from_db()
    assert not resident.drug_related_problems
    assert not _due(resident)


def test_only_physicians_and_the_units_nurses_set_the_flag(world):
    resident = _sixty_year_old(world)
    set_drug_related_problems(actor=world.physician_spain, resident=resident, value=True)
    for actor in (world.nurse_storuman, world.coordinator, world.other_physician):
        with pytest.raises(PermissionDenied):
            set_drug_related_problems(actor=actor, resident=resident, value=False)
    resident.refresh_from_db()
    assert resident.drug_related_problems
