import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from digifys.audit.models import AuditEvent
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
    services.record_emergency_lookup(actor=world.physician_spain, resident=world.resident_mala)
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
    client.post(
        reverse("careteams:lift_block", args=[block.pk]),
        {"basis": "consent", "reason": "Greta bad själv om det vid besöket"},
    )
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


# --- Issue #20 item 7: who may lift a block, and on what basis ---------------------------------


def _emergency(client, resident):
    client.post(reverse("careteams:emergency"), {"identity_number": resident.identity_number})
    client.post(
        reverse("careteams:emergency_open"),
        {
            "identity_number": resident.identity_number,
            "reason": "Akut försämring, behöver allt",
            "confirm": "on",
        },
    )


def test_staff_the_block_hides_records_from_cannot_lift_it(world, blocked, login):
    """The attack: a nurse of another unit opens emergency access, then lifts the block that hides
    the Malå unit's records from her."""
    block = world.resident_mala.blocks.get()
    client = login(world.nurse_storuman, language="en")
    _emergency(client, world.resident_mala)
    assert client.get(reverse("careteams:lift_block", args=[block.pk])).status_code == 403
    response = client.post(
        reverse("careteams:lift_block", args=[block.pk]),
        {"basis": "documented", "reason": "Behöver se allt framöver"},
    )
    assert response.status_code == 403
    block.refresh_from_db()
    assert block.lifted_at is None
    page = client.get(reverse("careteams:blocks", args=[world.resident_mala.pk]))
    assert reverse("careteams:lift_block", args=[block.pk]) not in page.content.decode()
    with pytest.raises(PermissionDenied):
        services.lift_block(
            actor=world.nurse_storuman,
            block=block,
            basis="documented",
            reason="Behöver se allt framöver",
        )


def test_lifting_a_block_needs_a_basis_and_a_documented_reason(world, blocked, login):
    block = world.resident_mala.blocks.get()
    client = login(world.nurse_mala, language="en")
    response = client.post(
        reverse("careteams:lift_block", args=[block.pk]), {"basis": "consent", "reason": "ok"}
    )
    assert response.status_code == 400
    assert "at least 10 characters" in response.content.decode()
    response = client.post(
        reverse("careteams:lift_block", args=[block.pk]), {"reason": "Greta bad om det själv"}
    )
    assert response.status_code == 400
    block.refresh_from_db()
    assert block.lifted_at is None


def test_lifting_a_block_by_the_units_own_nurse_is_kept_and_logged(world, blocked, login):
    block = world.resident_mala.blocks.get()
    client = login(world.nurse_mala, language="en")
    response = client.post(
        reverse("careteams:lift_block", args=[block.pk]),
        {"basis": "consent", "reason": "Greta bad om det själv vid ronden"},
    )
    assert response.status_code == 302
    block.refresh_from_db()
    assert (block.lifted_by, block.lift_basis) == (world.nurse_mala, "consent")
    assert block.lift_reason == "Greta bad om det själv vid ronden"
    entry = AuditEvent.objects.get(
        object_type="block", object_id=str(block.pk), action="block", details__change="lifted"
    )
    assert entry.details["basis"] == "consent"
    assert entry.details["reason"] == "Greta bad om det själv vid ronden"
    page = client.get(reverse("careteams:blocks", args=[world.resident_mala.pk]))
    assert "Greta bad om det själv vid ronden" in page.content.decode()
