"""A unit's room range and a staff member's phone number are checked where they are edited."""

import pytest
from django.core.exceptions import ValidationError


def test_a_room_range_needs_both_ends_in_order(world):
    unit = world.unit_mala
    unit.first_room, unit.last_room = 101, None
    with pytest.raises(ValidationError):
        unit.full_clean()
    unit.first_room, unit.last_room = 114, 101
    with pytest.raises(ValidationError):
        unit.full_clean()
    unit.first_room, unit.last_room = 101, 114
    unit.full_clean()
    assert unit.has_room_range


def test_the_admin_form_stores_a_staff_phone_in_e164_and_refuses_text(world):
    from digifys.directory.admin import StaffProfileAdminForm

    profile = world.nurse_mala.staff_profile
    data = {
        "user": profile.user_id,
        "profession": profile.profession,
        "employer": profile.employer_id,
        "units": [unit.pk for unit in profile.units.all()],
        "work_country": profile.work_country,
        "time_zone": profile.time_zone,
        "phone": "ring mig inte",
    }
    form = StaffProfileAdminForm(data=data, instance=profile)
    assert not form.is_valid()
    assert "phone" in form.errors

    form = StaffProfileAdminForm(data={**data, "phone": "070-174 06 42"}, instance=profile)
    assert form.is_valid(), form.errors
    assert form.save().phone == "+46701740642"
