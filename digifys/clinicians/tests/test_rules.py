"""The licence rules, enforced in the services of other apps (issue #15 §1)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from digifys.careteams.models import PhysicianAssignment
from digifys.careteams.services import assign_physician
from digifys.clinicians import rules
from digifys.clinicians.models import Clinician
from digifys.consults.models import JournalNote
from digifys.consults.services import save_note, sign_note
from digifys.medicationreviews.models import MedicationReview
from digifys.medicationreviews.services import record_review
from digifys.orders.models import Order
from digifys.orders.services import place_order

from .conftest import a_consult, entry

pytestmark = pytest.mark.django_db


def _withdrawn(world):
    return entry(world.physician_spain, licence_status=Clinician.Licence.WITHDRAWN)


def test_staff_without_an_entry_keep_working(world):
    staff = world.physician_spain.staff_profile
    assert rules.licence_valid(staff)
    assert not rules.under_supervision(staff)
    assert all(rules.why_blocked(staff, action) is None for action in rules.ACTIONS)


def test_a_valid_licence_blocks_nothing_and_an_expiry_date_in_the_past_blocks_all(world):
    clinician = entry(world.physician_spain)
    staff = clinician.staff
    assert rules.blocked_actions(staff) == {}
    clinician.licence_valid_until = timezone.localdate() - datetime.timedelta(days=1)
    clinician.save()
    staff.refresh_from_db()
    assert not rules.licence_valid(staff)
    assert rules.licence_valid(staff, on=timezone.localdate() - datetime.timedelta(days=2))
    assert "expired" in rules.why_blocked(staff, rules.SIGN_NOTE)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Clinician.Licence.WITHDRAWN, "withdrawn"),
        (Clinician.Licence.UNKNOWN, "not found"),
        (Clinician.Licence.NONE, "no Swedish licence"),
        (Clinician.Licence.IN_PROCESS, "no supervisor"),
    ],
)
def test_every_action_names_the_reason(world, status, words):
    staff = entry(world.physician_spain, licence_status=status).staff
    for action in rules.ACTIONS:
        assert words in rules.why_blocked(staff, action)


def test_a_clinician_who_left_is_blocked(world):
    staff = entry(world.physician_spain, recruitment_status=Clinician.Recruitment.LEFT).staff
    assert "left" in rules.why_blocked(staff, rules.PLACE_ORDERS)


def test_a_supervised_clinician_may_write_drafts_but_never_be_named(world, supervised):
    staff = supervised.staff
    assert rules.under_supervision(staff)
    assert not rules.licence_valid(staff)
    assert rules.why_blocked(staff, rules.SIGN_NOTE) is None
    assert rules.why_blocked(staff, rules.PLACE_ORDERS) is None
    assert rules.why_blocked(staff, rules.MEDICATION_REVIEW) is None
    assert "supervision" in rules.why_blocked(staff, rules.NAMED)


def test_a_withdrawn_licence_cannot_be_named(world):
    _withdrawn(world)
    with pytest.raises(ValidationError) as caught:
        assign_physician(
            actor=world.coordinator,
            resident=world.resident_storuman,
            physician=world.physician_spain.staff_profile,
            role=PhysicianAssignment.Role.DEPUTY,
            reason="Ny läkare",
        )
    assert "withdrawn" in caught.value.message_dict["physician"][0]
    assert not PhysicianAssignment.objects.filter(resident=world.resident_storuman).exists()


def test_a_supervised_clinician_cannot_be_named(world, supervised):
    with pytest.raises(ValidationError):
        assign_physician(
            actor=world.coordinator,
            resident=world.resident_storuman,
            physician=world.physician_spain.staff_profile,
            role=PhysicianAssignment.Role.NAMED,
            reason="Ny läkare",
        )


def test_a_valid_licence_can_be_named(world):
    entry(world.physician_spain)
    assign_physician(
        actor=world.coordinator,
        resident=world.resident_storuman,
        physician=world.physician_spain.staff_profile,
        role=PhysicianAssignment.Role.DEPUTY,
        reason="Ny läkare",
    )
    assert PhysicianAssignment.objects.filter(resident=world.resident_storuman).exists()


def test_a_withdrawn_licence_cannot_sign_a_note(world):
    consult = a_consult(world)
    note = save_note(
        actor=world.physician_spain,
        consult=consult,
        aktuellt="Trött.",
        status="AT gott.",
        bedomning="Infektion?",
        atgard="CRP.",
    )
    _withdrawn(world)
    with pytest.raises(ValidationError) as caught:
        sign_note(actor=world.physician_spain, note=note)
    assert "withdrawn" in caught.value.messages[0]
    assert JournalNote.objects.get(pk=note.pk).signed_at is None


def test_a_withdrawn_licence_cannot_order(world):
    consult = a_consult(world)
    _withdrawn(world)
    with pytest.raises(ValidationError):
        place_order(
            actor=world.physician_spain,
            resident=world.resident_mala,
            kind="vitals",
            instructions="Kontrollera vitalparametrar.",
            consult=consult,
        )
    assert not Order.objects.exists()


def test_a_withdrawn_licence_cannot_document_a_medication_review(world):
    _withdrawn(world)
    with pytest.raises(ValidationError):
        record_review(
            actor=world.physician_spain,
            resident=world.resident_mala,
            kind="simple",
            performed_on=timezone.localdate(),
            findings="Inga interaktioner.",
        )
    assert not MedicationReview.objects.exists()


def test_the_order_form_shows_the_reason(world, login):
    consult = a_consult(world)
    _withdrawn(world)
    client = login(world.physician_spain, language="en")
    from django.urls import reverse

    response = client.post(
        reverse("orders:new", args=[consult.pk]),
        {
            "kind": "vitals",
            "instructions": "Kontrollera.",
            "first_due_date": "2027-01-13",
            "first_due_time": "11:00",
        },
    )
    assert response.status_code == 400
    assert "licence has been withdrawn" in response.content.decode()
    assert not Order.objects.exists()


def test_the_assignment_page_shows_why_a_physician_cannot_be_named(world, login):
    from django.urls import reverse

    _withdrawn(world)
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("careteams:assign", args=[world.resident_storuman.pk]),
        {
            "physician": world.physician_spain.staff_profile.pk,
            "role": "named",
            "reason": "Ny läkare",
        },
    )
    assert response.status_code in (200, 400)
    assert "Swedish licence has been withdrawn" in response.content.decode()
    assert not PhysicianAssignment.objects.filter(resident=world.resident_storuman).exists()
