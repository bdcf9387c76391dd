"""The due list: its selector in a constant number of queries, and the page."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.directory.models import StaffProfile
from digifys.medicationreviews.models import MedicationReview
from digifys.medicationreviews.selectors import due_reviews
from digifys.residents.models import Medication, Resident
from digifys.testing.world import assign, make_resident

TODAY = datetime.date(2027, 3, 10)


@pytest.fixture
def clock():
    with time_machine.travel(datetime.datetime(2027, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _drugs(resident, count: int, *, active: bool = True) -> None:
    Medication.objects.bulk_create(
        Medication(
            resident=resident, name=f"Drog {i}", atc_code="N02BE01", dose="1 x 1", is_active=active
        )
        for i in range(count)
    )


def _review(world, resident, on: datetime.date) -> MedicationReview:
    return MedicationReview.objects.create(
        resident=resident,
        unit=resident.unit,
        kind="simple",
        performed_by=StaffProfile.objects.get(user=world.physician_spain),
        performed_on=on,
        findings="Genomgång utan anmärkning.",
    )


def _due_residents(world, count: int) -> None:
    for _ in range(count):
        resident = make_resident(world.unit_mala, moved_in_on=datetime.date(2026, 1, 1))
        _drugs(resident, 5)
        _drugs(resident, 2, active=False)
        _review(world, resident, datetime.date(2026, 2, 1))
        _review(world, resident, datetime.date(2025, 2, 1))


def _queries(world, count: int) -> int:
    _due_residents(world, count)
    with CaptureQueriesContext(connection) as queries:
        items = due_reviews(residents_queryset=Resident.objects.all(), today=TODAY)
        assert len(items) == count
        for item in items:
            str(item.resident.unit.parent)
    return len(queries)


def test_the_selector_reads_2_and_30_residents_in_the_same_number_of_queries(world):
    small = _queries(world, 2)
    Resident.objects.filter(family_name__startswith="Boende").delete()
    assert _queries(world, 30) == small == 1


def test_the_selector_counts_only_active_drugs_and_the_latest_review(world):
    _drugs(world.resident_mala, 4)
    _drugs(world.resident_mala, 3, active=False)
    _drugs(world.resident_mala_2, 5)
    _review(world, world.resident_mala_2, datetime.date(2026, 4, 1))
    _review(world, world.resident_mala_2, datetime.date(2025, 4, 1))
    items = due_reviews(residents_queryset=Resident.objects.all(), today=TODAY)
    # Greta: 4 active drugs, not due; Helge: reviewed 2026-04-01, due 2027-04-01 (within 30 days).
    assert [(item.resident, item.due.due_on) for item in items] == [
        (world.resident_mala_2, datetime.date(2027, 4, 1))
    ]


def test_the_list_is_ordered_by_due_date_overdue_first(world):
    Resident.objects.filter(pk__in=[world.resident_mala.pk, world.resident_mala_2.pk]).update(
        drug_related_problems=True
    )
    _review(world, world.resident_mala, datetime.date(2026, 3, 20))  # due 2027-03-20
    _review(world, world.resident_mala_2, datetime.date(2026, 1, 5))  # overdue since 2027-01-05
    items = due_reviews(residents_queryset=Resident.objects.all(), today=TODAY)
    assert [item.resident.pk for item in items] == [
        world.resident_mala_2.pk,
        world.resident_mala.pk,
    ]
    assert [item.due.overdue for item in items] == [True, False]


def test_reviews_due_later_than_the_horizon_are_not_listed(world):
    Resident.objects.filter(pk=world.resident_mala.pk).update(drug_related_problems=True)
    _review(world, world.resident_mala, datetime.date(2026, 9, 1))
    assert due_reviews(residents_queryset=Resident.objects.all(), today=TODAY) == []


def test_a_physician_sees_the_due_reviews_of_her_panel_with_reason_and_logs_each(
    world, clock, login
):
    Resident.objects.filter(pk__in=[world.resident_mala.pk, world.resident_storuman.pk]).update(
        drug_related_problems=True
    )
    _review(world, world.resident_mala, datetime.date(2026, 1, 5))
    before = AuditEvent.objects.count()
    page = login(world.physician_spain, language="en").get(reverse("medicationreviews:due"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Greta Lind" in html and "Inga Berg" not in html and "Helge Nord" not in html
    assert "last review 2026-01-05 more than 12 months ago" in html
    assert "drug-related problems flagged" in html
    assert 'class="mr-overdue"' in html and "Overdue" in html
    logged = AuditEvent.objects.filter(seq__gt=before)
    assert [(e.resident_id, e.action) for e in logged] == [(world.resident_mala.pk, "read")]


def test_a_physician_with_nothing_due_gets_an_empty_state(world, clock, login):
    page = login(world.other_physician, language="en").get(reverse("medicationreviews:due"))
    assert "No medication reviews are due on your panel." in page.content.decode()


def test_a_deputy_sees_the_reviews_due_for_residents_she_is_deputy_for(world, clock, login):
    assign(world.resident_storuman, world.other_physician.staff_profile, role="deputy")
    Resident.objects.filter(pk=world.resident_storuman.pk).update(drug_related_problems=True)
    page = login(world.other_physician, language="en").get(reverse("medicationreviews:due"))
    assert "Inga Berg" in page.content.decode()


def test_a_coordinator_sees_counts_per_unit_and_names_without_clinical_reasons(world, clock, login):
    Resident.objects.filter(pk__in=[world.resident_mala.pk, world.resident_storuman.pk]).update(
        drug_related_problems=True
    )
    html = (
        login(world.coordinator, language="en")
        .get(reverse("medicationreviews:due"))
        .content.decode()
    )
    assert "Greta Lind" in html and "Inga Berg" in html
    assert "Avd 1 Björken" in html and "Avd 2 Tallen" in html
    assert "drug-related problems flagged" not in html and "Reason" not in html
    assert (
        AuditEvent.objects.filter(
            object_type="medication_review_due", purpose="administration"
        ).count()
        == 2
    )


def test_the_due_page_takes_the_same_number_of_queries_for_2_and_30_residents(world, clock, login):
    client = login(world.physician_spain, language="en")

    def count(extra: int) -> int:
        for _ in range(extra):
            resident = make_resident(world.unit_mala, moved_in_on=datetime.date(2027, 1, 1))
            assign(resident, world.physician_spain.staff_profile)
            Resident.objects.filter(pk=resident.pk).update(drug_related_problems=True)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("medicationreviews:due")).status_code == 200
        return len(queries)

    assert count(2) == count(28)


@pytest.mark.parametrize("persona", ["nurse_mala", "administrator", "relative_with_consent"])
def test_other_roles_cannot_see_the_due_list(world, login, persona):
    response = login(getattr(world, persona)).get(reverse("medicationreviews:due"))
    assert response.status_code == 403


@pytest.mark.parametrize(("born", "listed"), [((1952, 3, 10), True), ((1952, 3, 11), False)])
def test_the_selector_lists_a_resident_from_the_day_they_turn_75(world, born, listed):
    Resident.objects.filter(pk=world.resident_mala.pk).update(birth_date=datetime.date(*born))
    _drugs(world.resident_mala, 5)
    items = due_reviews(residents_queryset=Resident.objects.all(), today=TODAY)
    assert [item.resident.pk for item in items] == ([world.resident_mala.pk] if listed else [])


def test_an_in_depth_review_is_on_the_physicians_due_list(world, clock, login, settings):
    # Issue 19 item 3: problems remain after the simple review of 1 February 2027.
    settings.MEDICATION_REVIEW_FOLLOWUP_DAYS = 30
    review = _review(world, world.resident_mala, datetime.date(2027, 2, 1))
    MedicationReview.objects.filter(pk=review.pk).update(drug_related_problems=True)
    items = due_reviews(residents_queryset=Resident.objects.all(), today=TODAY)
    assert [(i.resident, i.due.kind, i.due.due_on) for i in items] == [
        (world.resident_mala, "extended", datetime.date(2027, 3, 3))
    ]
    html = login(world.physician_spain, language="en").get(reverse("medicationreviews:due"))
    assert "In-depth review" in html.content.decode()


def test_the_due_page_triages_overdue_due_soon_and_later_with_counts(world, clock, login):
    # Issue 12 §4 item 10: three groups, overdue first, each with its count.
    people = {}
    for name, last_review in (
        ("Sena", datetime.date(2026, 9, 1)),  # due 2027-09-01: later
        ("Snart", datetime.date(2026, 3, 20)),  # due 2027-03-20: within 30 days
        ("Sen", datetime.date(2026, 1, 5)),  # overdue since 2027-01-05
    ):
        resident = make_resident(
            world.unit_mala,
            given_name=name,
            family_name="Test",
            moved_in_on=datetime.date(2025, 1, 1),
        )
        assign(resident, world.physician_spain.staff_profile)
        Resident.objects.filter(pk=resident.pk).update(drug_related_problems=True)
        _review(world, resident, last_review)
        people[name] = resident
    page = login(world.physician_spain, language="en").get(reverse("medicationreviews:due"))
    html = page.content.decode()
    groups = [(g["key"], [i.resident.pk for i in g["items"]]) for g in page.context["groups"]]
    assert groups == [
        ("overdue", [people["Sen"].pk]),
        ("soon", [people["Snart"].pk]),
        ("later", [people["Sena"].pk]),
    ]
    overdue = html.index("Overdue (1)")
    soon = html.index("Due within 30 days (1)")
    later = html.index("Later (1)")
    assert overdue < html.index("Sen Test") < soon < html.index("Snart Test") < later
    assert later < html.index("Sena Test")
    # Only the later group is folded away; the overdue and soon ones are open at once.
    summary = html.index("Show the residents due later")
    assert later < summary < html.index("Sena Test")
    assert html.count("<details") == 1
