"""Documenting a medication review: the service's rules, the form and the history page."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.careteams.models import Block
from digifys.medicationreviews.models import MedicationReview
from digifys.medicationreviews.services import record_review
from digifys.residents.models import Medication, Resident

TODAY = datetime.date(2027, 3, 10)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2027, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _record(world, **overrides):
    arguments = {
        "actor": world.physician_spain,
        "resident": world.resident_mala,
        "kind": "simple",
        "performed_on": TODAY,
        "findings": "Dubbelförskrivning av paracetamol. Inga interaktioner i övrigt.",
    }
    arguments.update(overrides)
    return record_review(**arguments)


def test_the_named_physician_documents_a_review_and_it_is_logged(world):
    review = _record(world, changes="Alvedon utsatt.", drug_related_problems=True)
    assert review.performed_by.user == world.physician_spain
    assert review.unit == world.unit_mala
    assert (review.kind, review.changes, review.drug_related_problems) == (
        "simple",
        "Alvedon utsatt.",
        True,
    )
    event = AuditEvent.objects.get(object_type="medication_review")
    assert (event.action, event.resident_id, event.object_id) == (
        "create",
        world.resident_mala.pk,
        str(review.pk),
    )


def test_the_service_leaves_the_residents_drug_related_problem_flag_alone(world):
    _record(world, drug_related_problems=True)
    world.resident_mala.refresh_from_db()
    assert world.resident_mala.drug_related_problems is False


@pytest.mark.parametrize("persona", ["nurse_mala", "coordinator", "administrator"])
def test_only_a_physician_documents_a_review(world, persona):
    with pytest.raises(PermissionDenied):
        _record(world, actor=getattr(world, persona))
    assert not MedicationReview.objects.exists()


def test_a_physician_without_a_care_relationship_cannot_document_a_review(world):
    with pytest.raises(PermissionDenied):
        _record(world, actor=world.other_physician)


def test_a_resident_registered_outside_vasterbotten_gets_no_new_review(world):
    Resident.objects.filter(pk=world.resident_mala.pk).update(
        eligibility_ended_at=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    )
    world.resident_mala.refresh_from_db()
    with pytest.raises(ValidationError):
        _record(world)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"findings": "   "}, "findings"),
        ({"kind": "quick"}, "kind"),
        ({"performed_on": TODAY + datetime.timedelta(days=1)}, "performed_on"),
        ({"performed_on": None}, "performed_on"),
    ],
)
def test_a_review_needs_findings_a_kind_and_a_date_not_in_the_future(world, overrides, field):
    with pytest.raises(ValidationError) as caught:
        _record(world, **overrides)
    assert field in caught.value.message_dict


def test_a_review_cannot_predate_the_move_in(world):
    Resident.objects.filter(pk=world.resident_mala.pk).update(moved_in_on=datetime.date(2027, 3, 1))
    world.resident_mala.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        _record(world, performed_on=datetime.date(2027, 2, 28))
    assert "performed_on" in caught.value.message_dict
    assert _record(world, performed_on=datetime.date(2027, 3, 1)).pk


def test_the_form_shows_the_active_medication_and_the_last_review(world, login):
    Medication.objects.create(
        resident=world.resident_mala, name="Metoprolol", atc_code="C07AB02", dose="50 mg x 1"
    )
    Medication.objects.create(
        resident=world.resident_mala,
        name="Zopiklon",
        atc_code="N05CF01",
        dose="5 mg",
        is_active=False,
    )
    _record(world, performed_on=datetime.date(2026, 3, 1), kind="extended")
    response = login(world.physician_spain, language="en").get(
        reverse("medicationreviews:new", args=[world.resident_mala.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Metoprolol" in html and "Zopiklon" not in html
    assert "2026-03-01" in html and "Extended medication review" in html
    assert (
        AuditEvent.objects.filter(
            object_type="medication_review_form", action="read", resident=world.resident_mala
        ).count()
        == 1
    )


def test_blocked_medication_is_not_shown_on_the_form(world, login):
    Medication.objects.create(
        resident=world.resident_mala,
        name="Sertralin",
        atc_code="N06AB06",
        dose="50 mg",
        unit=world.unit_storuman,
    )
    Block.objects.create(
        resident=world.resident_mala, unit=world.unit_storuman, created_by=world.coordinator
    )
    html = (
        login(world.physician_spain, language="en")
        .get(reverse("medicationreviews:new", args=[world.resident_mala.pk]))
        .content.decode()
    )
    assert "Sertralin" not in html
    assert "Some records are blocked" in html


def test_a_refused_review_keeps_what_was_typed(world, login):
    response = login(world.physician_spain, language="en").post(
        reverse("medicationreviews:new", args=[world.resident_mala.pk]),
        {"kind": "simple", "performed_on": "2027-03-11", "findings": "Ingen LRP hittad."},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert "The date of the review cannot be in the future." in html
    assert "Ingen LRP hittad." in html
    assert not MedicationReview.objects.exists()


def test_a_saved_review_leads_to_the_history(world, login):
    client = login(world.physician_spain, language="en")
    response = client.post(
        reverse("medicationreviews:new", args=[world.resident_mala.pk]),
        {
            "kind": "extended",
            "performed_on": "2027-03-09",
            "findings": "Ortostatism, trolig orsak furosemid.",
            "changes": "Furosemid minskad till 20 mg.",
            "drug_related_problems": "on",
        },
    )
    target = reverse("medicationreviews:history", args=[world.resident_mala.pk])
    assert response.status_code == 302 and response.url == target
    review = MedicationReview.objects.get()
    assert review.drug_related_problems and review.kind == "extended"
    html = client.get(target).content.decode()
    assert "Ortostatism, trolig orsak furosemid." in html
    assert "Furosemid minskad till 20 mg." in html
    assert "2027-03-09" in html


def test_the_nurse_of_the_unit_reads_the_history_and_it_is_logged(world, login):
    _record(world)
    response = login(world.nurse_mala, language="en").get(
        reverse("medicationreviews:history", args=[world.resident_mala.pk])
    )
    html = response.content.decode()
    assert "Dubbelförskrivning av paracetamol." in html
    assert "Document a medication review" not in html
    assert (
        AuditEvent.objects.filter(
            object_type="medication_review", action="read", actor=world.nurse_mala
        ).count()
        == 1
    )


def test_a_nurse_cannot_open_the_review_form(world, login):
    response = login(world.nurse_mala).get(
        reverse("medicationreviews:new", args=[world.resident_mala.pk])
    )
    assert response.status_code == 403


def test_a_physician_without_a_care_relationship_gets_404(world, login):
    response = login(world.other_physician).get(
        reverse("medicationreviews:history", args=[world.resident_mala.pk])
    )
    assert response.status_code == 404


def test_a_physician_in_sweden_reviews_a_resident_registered_elsewhere(world):
    # Issue 19 item 2: eligibility limits the clinic's physicians abroad, not the region's.
    from digifys.testing.world import assign

    Resident.objects.filter(pk=world.resident_mala.pk).update(
        eligibility_ended_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        home_municipality_code="0180",
    )
    world.resident_mala.refresh_from_db()
    assign(world.resident_mala, world.other_physician.staff_profile, role="deputy")
    review = _record(world, actor=world.other_physician)
    assert review.performed_by == world.other_physician.staff_profile


def _planned_review_booking(world, clinician, starts_at):
    """A medication-review booking the week planner made (an accepted plan's item points to it)."""
    from digifys.scheduling.models import Booking, Plan, PlanItem

    booking = Booking.objects.create(
        kind=Booking.Kind.MEDICATION_REVIEW,
        clinician=clinician,
        resident=world.resident_mala,
        unit=world.unit_mala,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        created_by=world.coordinator,
    )
    plan = Plan.objects.create(
        week_start=datetime.date(2027, 3, 8),
        horizon_start=datetime.datetime(2027, 3, 7, 23, 0, tzinfo=datetime.UTC),
        status=Plan.Status.ACCEPTED,
        created_by=world.coordinator,
    )
    PlanItem.objects.create(
        plan=plan,
        key=f"review:{world.resident_mala.pk}",
        kind=PlanItem.Kind.MEDICATION_REVIEW,
        resident=world.resident_mala,
        unit=world.unit_mala,
        duration_minutes=30,
        earliest_at=starts_at - datetime.timedelta(days=2),
        deadline_at=starts_at + datetime.timedelta(days=2),
        clinician=clinician,
        starts_at=starts_at,
        ends_at=booking.ends_at,
        booking=booking,
    )
    return booking


def test_documenting_a_review_releases_its_planned_booking(world):
    # Issue 12 §4 item 10: the planner booked the other physician on Friday; the named physician
    # documents the review on Wednesday, so Friday's time is released, with a reason, and logged.
    friday = datetime.datetime(2027, 3, 12, 9, 0, tzinfo=datetime.UTC)
    booking = _planned_review_booking(world, world.other_physician.staff_profile, friday)
    review = _record(world)
    booking.refresh_from_db()
    assert booking.cancelled_at is not None
    assert "medication review" in booking.cancel_reason.lower()
    event = AuditEvent.objects.get(object_type="booking", object_id=str(booking.pk))
    assert event.details["change"] == "cancelled"
    assert event.actor_id == world.physician_spain.pk
    assert review.pk


def test_documenting_a_review_keeps_a_planned_booking_that_has_begun(world):
    earlier = datetime.datetime(2027, 3, 10, 8, 45, tzinfo=datetime.UTC)  # the review itself
    booking = _planned_review_booking(world, world.physician_spain.staff_profile, earlier)
    _record(world)
    booking.refresh_from_db()
    assert booking.cancelled_at is None
