import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from digifys.careteams import services
from digifys.residents.models import Diagnosis


@pytest.fixture
def blocked(world):
    """A diagnosis recorded by the Malå unit, blocked from staff in other units."""
    diagnosis = Diagnosis.objects.create(
        resident=world.resident_mala, icd10_code="F32", text="Depression", unit=world.unit_mala
    )
    Diagnosis.objects.create(
        resident=world.resident_mala, icd10_code="I10", text="Hypertoni", unit=world.clinic
    )
    services.register_block(
        actor=world.coordinator, resident=world.resident_mala, unit=world.unit_mala
    )
    return diagnosis


def test_blocked_records_are_hidden_from_staff_of_other_units(world, blocked):
    assert blocked not in Diagnosis.objects.visible_to(world.physician_spain)
    assert Diagnosis.objects.visible_to(world.physician_spain).filter(text="Hypertoni").exists()


def test_blocked_records_stay_visible_in_the_unit_that_holds_them(world, blocked):
    assert blocked in Diagnosis.objects.visible_to(world.nurse_mala)


def test_others_see_that_blocked_records_exist(world, blocked, login):
    page = login(world.physician_spain, language="en").get(
        reverse("residents:detail", args=[world.resident_mala.pk])
    )
    text = page.content.decode()
    assert "Blocked records exist" in text
    assert "Depression" not in text
    assert "Hypertoni" in text


def test_the_residents_consent_opens_the_block(world, blocked, login):
    client = login(world.physician_spain)
    response = client.post(
        reverse("careteams:consent_open", args=[world.resident_mala.pk]),
        {"reason": "Samtycke muntligt vid videobesök", "confirm": "on"},
    )
    assert response.status_code == 302
    assert blocked in Diagnosis.objects.visible_to(world.physician_spain)


def test_opening_a_block_needs_both_steps(world, blocked, login):
    client = login(world.physician_spain)
    client.post(
        reverse("careteams:consent_open", args=[world.resident_mala.pk]),
        {"reason": "Samtycke muntligt vid videobesök"},
    )
    assert blocked not in Diagnosis.objects.visible_to(world.physician_spain)


def test_emergency_access_opens_the_block(world, blocked):
    services.grant_emergency_access(
        actor=world.physician_spain,
        resident=world.resident_mala,
        reason="Akut försämring, behöver allt",
    )
    assert blocked in Diagnosis.objects.visible_to(world.physician_spain)


def test_coordinators_never_see_clinical_records(world, blocked):
    assert not Diagnosis.objects.visible_to(world.coordinator).exists()


def test_a_block_cannot_be_registered_twice(world, blocked):
    with pytest.raises(ValidationError):
        services.register_block(
            actor=world.coordinator, resident=world.resident_mala, unit=world.unit_mala
        )


def test_lifting_a_block_asks_for_confirmation_first(world, blocked, login):
    block = world.resident_mala.blocks.get()
    client = login(world.coordinator, language="en")
    page = client.get(reverse("careteams:lift_block", args=[block.pk]))
    assert "Lift block?" in page.content.decode()
    block.refresh_from_db()
    assert block.lifted_at is None
    client.post(reverse("careteams:lift_block", args=[block.pk]))
    block.refresh_from_db()
    assert block.lifted_at is not None
    assert blocked in Diagnosis.objects.visible_to(world.physician_spain)


def test_the_block_form_refuses_a_duplicate_with_a_message(world, blocked, login):
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("careteams:blocks", args=[world.resident_mala.pk]), {"unit": world.unit_mala.pk}
    )
    assert response.status_code == 400
    assert "already blocked" in response.content.decode()
