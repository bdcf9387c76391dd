"""Panels: coordinators assign named physicians and deputies; panel sizes for balancing."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from digifys.accounts.models import Role
from digifys.audit.models import AuditEvent
from digifys.careteams import services
from digifys.careteams.models import PhysicianAssignment
from digifys.directory.models import StaffLanguage
from digifys.notifications.models import Notification
from digifys.testing.world import assign, make_resident, make_staff

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _assign(world, *, physician=None, role="named", reason="Byte efter semester", actor=None):
    return services.assign_physician(
        actor=actor or world.coordinator,
        resident=world.resident_mala,
        physician=physician or world.other_physician.staff_profile,
        role=role,
        reason=reason,
    )


# --- The service ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["nurse_mala", "physician_spain", "administrator"])
def test_only_a_coordinator_can_assign_a_physician(world, persona):
    with pytest.raises(PermissionDenied):
        _assign(world, actor=getattr(world, persona))
    assert not PhysicianAssignment.objects.filter(physician__user=world.other_physician).exists()


def test_a_reason_is_required(world):
    with pytest.raises(ValidationError) as exc:
        _assign(world, reason="   ")
    assert "reason" in exc.value.message_dict


def test_only_an_active_physician_can_be_assigned(world):
    with pytest.raises(ValidationError) as exc:
        _assign(world, physician=world.nurse_mala.staff_profile)
    assert "physician" in exc.value.message_dict
    world.other_physician.is_active = False
    world.other_physician.save()
    with pytest.raises(ValidationError):
        _assign(world)


def test_the_named_physician_cannot_also_be_the_deputy(world):
    with pytest.raises(ValidationError) as exc:
        _assign(world, physician=world.physician_spain.staff_profile, role="deputy")
    assert "must be different people" in " ".join(exc.value.message_dict["physician"])
    assert not PhysicianAssignment.objects.filter(role="deputy").exists()


def test_assigning_the_current_named_physician_again_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        _assign(world, physician=world.physician_spain.staff_profile)
    assert "already the named physician" in " ".join(exc.value.message_dict["physician"])


def test_a_resident_who_is_no_longer_eligible_gets_no_new_assignment(world):
    world.resident_mala.eligibility_ended_at = timezone.now()
    world.resident_mala.save()
    with pytest.raises(ValidationError):
        _assign(world)
    assert PhysicianAssignment.objects.filter(resident=world.resident_mala).count() == 1


@time_machine.travel(NOW, tick=False)
def test_changing_the_named_physician_ends_the_old_assignment_and_keeps_the_history(world):
    new = _assign(world)
    rows = PhysicianAssignment.objects.filter(resident=world.resident_mala, role="named")
    assert rows.count() == 2
    old = rows.get(physician__user=world.physician_spain)
    assert old.ended_at == NOW
    assert new.ended_at is None and new.started_at == NOW
    assert new.reason == "Byte efter semester"
    assert new.assigned_by == world.coordinator
    assert rows.filter(ended_at__isnull=True).get() == new


def test_an_assignment_is_written_to_the_access_log(world):
    assignment = _assign(world, role="deputy")
    event = AuditEvent.objects.get(object_type="physician_assignment")
    assert event.action == "update"
    assert event.resident_id == world.resident_mala.pk
    assert event.object_id == str(assignment.pk)
    assert event.details["role"] == "deputy"
    assert event.details["physician"] == world.other_physician.staff_profile.pk
    assert event.details["reason"] == "Byte efter semester"


def test_the_new_physician_is_notified_naming_the_unit_not_the_resident(world):
    _assign(world)
    notification = Notification.objects.get(recipient=world.other_physician)
    assert "Avd 1 Björken" in notification.text
    assert "Greta" not in notification.text and "Lind" not in notification.text
    assert not Notification.objects.filter(recipient=world.physician_spain).exists()


def test_the_new_physician_sees_the_resident_and_the_old_one_does_not(world):
    from digifys.residents.models import Resident

    _assign(world)
    assert world.resident_mala in Resident.objects.visible_to(world.other_physician)
    assert world.resident_mala not in Resident.objects.visible_to(world.physician_spain)


# --- The assign page --------------------------------------------------------------------------


def _assign_url(world):
    return reverse("careteams:assign", args=[world.resident_mala.pk])


def test_the_assign_page_shows_the_current_physicians_panel_sizes_and_history(world, login):
    StaffLanguage.objects.create(
        staff=world.other_physician.staff_profile, language="sv", proficiency="native"
    )
    page = login(world.coordinator, language="en").get(_assign_url(world))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Carmen Doctor" in text
    assert "David Doctor — named 0, deputy 0 — languages: sv" in text
    assert "Carmen Doctor — named 2, deputy 0" in text
    assert "History" in text
    assert (
        AuditEvent.objects.filter(
            action="read", resident_id=world.resident_mala.pk, object_type="physician_assignments"
        ).count()
        == 1
    )


def test_a_coordinator_replaces_the_named_physician_after_confirming(world, login):
    client = login(world.coordinator, language="en")
    data = {
        "role": "named",
        "physician": world.other_physician.staff_profile.pk,
        "reason": "Jämnare paneler",
    }
    response = client.post(_assign_url(world), data)
    assert response.status_code == 400
    assert "Confirm that their assignment ends" in response.content.decode()
    assert (
        PhysicianAssignment.objects.current()
        .named()
        .get(resident=world.resident_mala)
        .physician.user
        == world.physician_spain
    )
    response = client.post(_assign_url(world), {**data, "confirm_replace": "on"})
    assert response.status_code == 302
    assert (
        PhysicianAssignment.objects.current()
        .named()
        .get(resident=world.resident_mala)
        .physician.user
        == world.other_physician
    )


def test_a_first_deputy_needs_no_confirmation(world, login):
    response = login(world.coordinator).post(
        _assign_url(world),
        {"role": "deputy", "physician": world.other_physician.staff_profile.pk, "reason": "Ny"},
    )
    assert response.status_code == 302
    assert PhysicianAssignment.objects.current().get(role="deputy").physician.user == (
        world.other_physician
    )


def test_bad_input_changes_nothing_and_keeps_the_typed_text(world, login):
    response = login(world.coordinator, language="en").post(
        _assign_url(world),
        {
            "role": "deputy",
            "physician": world.physician_spain.staff_profile.pk,
            "reason": "Min egen text om varför",
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "Min egen text om varför" in text
    assert "must be different people" in text
    assert 'role="alert"' in text
    assert not PhysicianAssignment.objects.filter(role="deputy").exists()
    assert not AuditEvent.objects.filter(object_type="physician_assignment").exists()


def test_a_missing_reason_is_shown_beside_the_field(world, login):
    response = login(world.coordinator, language="en").post(
        _assign_url(world),
        {"role": "deputy", "physician": world.other_physician.staff_profile.pk, "reason": ""},
    )
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    assert not PhysicianAssignment.objects.filter(role="deputy").exists()


def test_the_assign_page_is_for_coordinators_only(world, login):
    response = login(world.nurse_mala).post(
        _assign_url(world),
        {"role": "deputy", "physician": world.other_physician.staff_profile.pk, "reason": "x"},
    )
    assert response.status_code == 403
    assert not PhysicianAssignment.objects.filter(role="deputy").exists()


def test_an_unknown_resident_is_not_found(world, login):
    response = login(world.coordinator).get(reverse("careteams:assign", args=[999999]))
    assert response.status_code == 404


def test_the_resident_page_links_coordinators_to_the_assign_page(world, login):
    url = reverse("residents:detail", args=[world.resident_mala.pk])
    assert _assign_url(world) in login(world.coordinator).get(url).content.decode()


def test_the_resident_page_shows_the_unit_who_the_physician_is(world, login):
    _assign(world, role="deputy")
    url = reverse("residents:detail", args=[world.resident_mala.pk])
    page = login(world.nurse_mala).get(url).content.decode()
    assert "Carmen Doctor" in page
    assert "David Doctor" in page
    assert _assign_url(world) not in page


# --- Panel sizes ------------------------------------------------------------------------------


def test_panel_sizes_count_current_named_and_deputy_residents_in_care(world, login):
    other = world.other_physician.staff_profile
    assign(world.resident_storuman, other, "named")
    assign(world.resident_mala, other, "deputy")
    ended = assign(world.resident_mala_2, other, "deputy")
    ended.ended_at = timezone.now()
    ended.save()
    moved_out = make_resident(world.unit_mala, status="moved_out")
    assign(moved_out, other, "named")
    page = login(world.coordinator, language="en").get(reverse("careteams:panels"))
    physicians = {p.name: p for p in page.context["page"].object_list}
    assert (physicians["David Doctor"].named_count, physicians["David Doctor"].deputy_count) == (
        1,
        1,
    )
    assert (physicians["Carmen Doctor"].named_count, physicians["Carmen Doctor"].deputy_count) == (
        2,
        0,
    )


def test_the_panels_page_sorts_by_size_and_searches_by_name(world, login):
    client = login(world.coordinator, language="en")
    url = reverse("careteams:panels")
    names = [p.name for p in client.get(url, {"sort": "named"}).context["page"].object_list]
    assert names == ["David Doctor", "Carmen Doctor"]
    names = [p.name for p in client.get(url, {"sort": "-named"}).context["page"].object_list]
    assert names == ["Carmen Doctor", "David Doctor"]
    found = client.get(url, {"q": "carm"}).context["page"].object_list
    assert [p.name for p in found] == ["Carmen Doctor"]


def test_the_panels_page_shows_locums_work_place_and_languages(world, login):
    locum = make_staff("lena.locum", Role.PHYSICIAN, world.clinic, is_locum=True, work_city="Umeå")
    StaffLanguage.objects.create(staff=locum, language="es", proficiency="fluent")
    text = login(world.coordinator, language="en").get(reverse("careteams:panels")).content
    text = text.decode()
    assert "Lena Locum" in text and "Locum</span>" in text
    assert "Umeå" in text and "Málaga" in text
    assert reverse("careteams:physician_panel", args=[locum.pk]) in text


def test_the_panels_page_uses_a_constant_number_of_queries(
    world, login, django_assert_max_num_queries
):
    client = login(world.coordinator)
    url = reverse("careteams:panels")
    client.get(url)
    for index in range(15):
        staff = make_staff(f"doc{index}.many", Role.PHYSICIAN, world.clinic)
        StaffLanguage.objects.create(staff=staff, language="sv", proficiency="native")
        assign(make_resident(world.unit_mala), staff)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 17


def test_the_panels_page_is_paginated(world, login, settings):
    settings.DIGIFYS_PAGE_SIZE = 1
    response = login(world.coordinator).get(reverse("careteams:panels"), {"page": 2})
    assert response.context["page"].number == 2
    assert len(response.context["page"].object_list) == 1


def test_the_htmx_search_returns_only_the_results(world, login):
    response = login(world.coordinator).get(
        reverse("careteams:panels"), {"q": "david"}, HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert "David Doctor" in text and "<form" not in text


def test_a_physicians_panel_shows_organisation_data_and_logs_each_resident(world, login):
    from digifys.residents.models import Diagnosis

    Diagnosis.objects.create(
        resident=world.resident_mala, icd10_code="I10", text="Hypertoni", unit=world.clinic
    )
    url = reverse("careteams:physician_panel", args=[world.physician_spain.staff_profile.pk])
    page = login(world.coordinator, language="en").get(url)
    text = page.content.decode()
    assert "Lind, Greta" in text and "Nord, Helge" in text and "Berg" not in text
    assert "Avd 1 Björken" in text
    assert "Hypertoni" not in text
    reads = AuditEvent.objects.filter(action="read", object_type="physician_panel")
    assert sorted(reads.values_list("resident_id", flat=True)) == sorted(
        [world.resident_mala.pk, world.resident_mala_2.pk]
    )


def test_a_physicians_panel_of_a_non_physician_is_not_found(world, login):
    url = reverse("careteams:physician_panel", args=[world.nurse_mala.staff_profile.pk])
    assert login(world.coordinator).get(url).status_code == 404
