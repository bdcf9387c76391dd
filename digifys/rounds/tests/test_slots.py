"""Coordinators manage each unit's recurring ward round."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from digifys.rounds import services
from digifys.rounds.models import RoundSlot

pytestmark = pytest.mark.django_db


def _data(world, **extra):
    data = {
        "unit": world.unit_mala.pk,
        "weekday": RoundSlot.Weekday.TUESDAY,
        "starts": "09:00",
        "ends": "11:00",
        "every_weeks": 1,
        "no_contact_weeks": 8,
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_new_slot_defaults_to_the_units_named_physician(world, login):
    client = login(world.coordinator, language="en")
    page = client.get(reverse("rounds:slot_new") + f"?unit={world.unit_mala.pk}")
    assert page.status_code == 200
    assert page.context["form"].initial["physician"] == world.physician_spain.staff_profile.pk
    response = client.post(reverse("rounds:slot_new"), _data(world))
    assert response.status_code == 302
    slot = RoundSlot.objects.get()
    assert slot.physician == world.physician_spain.staff_profile
    assert services.unit_named_physician(world.unit_mala.pk) == slot.physician


def test_invalid_slot_keeps_what_was_typed(world, login):
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("rounds:slot_new"), _data(world, starts="11:00", ends="09:00", every_weeks=3)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The round must end after it starts." in html
    assert 'value="11:00"' in html and 'value="3"' in html
    assert not RoundSlot.objects.exists()


def test_edit_slot(world, login):
    slot = services.save_slot(
        actor=world.coordinator,
        unit=world.unit_mala,
        weekday=1,
        starts=datetime.time(9, 0),
        ends=datetime.time(11, 0),
    )
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("rounds:slot_edit", args=[slot.pk]),
        _data(world, weekday=3, starts="13:00", ends="15:00", every_weeks=2),
    )
    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.weekday, slot.starts.hour, slot.every_weeks) == (3, 13, 2)
    with pytest.raises(PermissionDenied):
        services.save_slot(
            actor=world.nurse_mala,
            unit=world.unit_mala,
            weekday=1,
            starts=slot.starts,
            ends=slot.ends,
            slot=slot,
        )
