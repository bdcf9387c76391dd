"""Changes of profession, employer and units in the admin are logged; nobody changes their own.

Issue 20 item 5: an administrator gave themself a physician's profession and a unit in the admin
and opened worklists and consults, with only Django's editable admin log as a trace.
"""

import pytest
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.directory.models import StaffProfile

pytestmark = pytest.mark.django_db


def _profile_form(profile: StaffProfile, **changes) -> dict:
    data = {
        "user": profile.user_id,
        "profession": profile.profession,
        "title": profile.title,
        "hsa_id": profile.hsa_id,
        "licence_number": profile.licence_number,
        "employer": profile.employer_id,
        "units": [unit.pk for unit in profile.units.all()] if profile.pk else [],
        "work_country": profile.work_country,
        "work_subdivision": profile.work_subdivision,
        "work_city": profile.work_city,
        "time_zone": profile.time_zone,
        "presentation": profile.presentation,
        "languages-TOTAL_FORMS": "0",
        "languages-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def _new_events(before: int):
    return list(AuditEvent.objects.order_by("seq")[before:])


def test_an_administrator_cannot_give_themself_a_profession_or_a_unit(world, login):
    client = login(world.administrator, language="en")
    profile = world.administrator.staff_profile
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("admin:directory_staffprofile_change", args=[profile.pk]),
        _profile_form(profile, profession="physician", units=[world.unit_mala.pk]),
    )
    assert response.status_code == 200
    assert "You cannot change your own profession, employer or units" in (response.content.decode())
    profile.refresh_from_db()
    assert profile.profession == "administrator"
    assert not profile.units.exists()
    assert [e.object_type for e in _new_events(before)] == []


def test_an_administrator_cannot_create_a_profile_for_themself(world, login):
    client = login(world.administrator, language="en")
    world.administrator.staff_profile.delete()
    response = client.post(
        reverse("admin:directory_staffprofile_add"),
        _profile_form(
            StaffProfile(user=world.administrator, profession="physician", employer=world.region),
            units=[],
        ),
    )
    assert response.status_code in (200, 302)
    assert not StaffProfile.objects.filter(user=world.administrator).exists()


def test_changing_a_nurses_units_is_written_to_the_access_log(world, login):
    client = login(world.administrator, language="en")
    profile = world.nurse_mala.staff_profile
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("admin:directory_staffprofile_change", args=[profile.pk]),
        _profile_form(profile, units=[world.unit_mala.pk, world.unit_storuman.pk]),
    )
    assert response.status_code == 302
    [event] = [e for e in _new_events(before) if e.object_type == "staff_profile"]
    assert (event.actor_id, event.action, event.purpose, event.object_id) == (
        world.administrator.pk,
        "update",
        "administration",
        str(profile.pk),
    )
    assert event.details["user"] == world.nurse_mala.pk
    assert event.details["changed"] == ["units"]
    assert event.details["units"] == sorted([world.unit_mala.pk, world.unit_storuman.pk])


def test_changing_a_profession_is_written_to_the_access_log(world, login):
    client = login(world.administrator, language="en")
    profile = world.other_physician.staff_profile
    before = AuditEvent.objects.count()
    client.post(
        reverse("admin:directory_staffprofile_change", args=[profile.pk]),
        _profile_form(profile, profession="nurse"),
    )
    [event] = [e for e in _new_events(before) if e.object_type == "staff_profile"]
    assert event.details["changed"] == ["profession"]
    assert event.details["profession"] == "nurse"


def test_removing_a_profile_is_written_to_the_access_log(world, login):
    client = login(world.administrator, language="en")
    profile = world.other_physician.staff_profile
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("admin:directory_staffprofile_delete", args=[profile.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    [event] = [e for e in _new_events(before) if e.object_type == "staff_profile"]
    assert (event.action, event.details["user"]) == ("delete", world.other_physician.pk)


def test_making_a_user_an_administrator_is_written_to_the_access_log(world, login):
    client = login(world.administrator, language="en")
    user = world.relative_without
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "language": "",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = [e for e in _new_events(before) if e.object_type == "user"]
    assert event.details["changed"] == ["is_staff", "is_superuser"]
    assert event.details["is_superuser"] is True
