"""Go-live dates: one per unit, editable in the admin site."""

import datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse

from digifys.insights.models import GoLive


def test_one_go_live_date_per_unit(world):
    GoLive.objects.create(unit=world.unit_mala, went_live_on=datetime.date(2026, 1, 1))
    assert world.unit_mala.go_live.went_live_on == datetime.date(2026, 1, 1)
    with pytest.raises(IntegrityError):
        GoLive.objects.create(unit=world.unit_mala, went_live_on=datetime.date(2026, 2, 1))


def test_go_live_is_edited_in_the_admin_site(world, login):
    user = world.administrator
    user.is_staff = user.is_superuser = True
    user.save()
    client = login(user)
    response = client.post(
        reverse("admin:insights_golive_add"),
        {"unit": world.unit_storuman.pk, "went_live_on": "2025-12-01"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert GoLive.objects.get(unit=world.unit_storuman).went_live_on == datetime.date(2025, 12, 1)
