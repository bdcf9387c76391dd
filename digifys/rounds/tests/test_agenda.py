"""The agenda builds itself from four reasons; nurses flag, reorder and remove."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.rounds import services
from digifys.rounds.models import AgendaItem
from digifys.testing.world import make_resident

from .helpers import make_consult, make_round, recent_contact

pytestmark = pytest.mark.django_db
Reason = AgendaItem.Reason


def _seen_recently(world):
    for resident in (world.resident_mala, world.resident_mala_2):
        recent_contact(world, resident)


def _reasons(round) -> dict:
    return {item.resident_id: item.reasons for item in round.agenda.filter(removed_at__isnull=True)}


def test_nothing_to_discuss_gives_an_empty_agenda(world):
    _seen_recently(world)
    occurrence = make_round(world)
    assert services.build_agenda(round=occurrence) == []


def test_residents_without_a_physician_contact_for_n_weeks(world):
    recent_contact(world, world.resident_mala, days_ago=5 * 7)
    recent_contact(world, world.resident_mala_2, days_ago=3 * 7)
    occurrence = make_round(world, no_contact_weeks=4)
    services.build_agenda(round=occurrence)
    assert _reasons(occurrence) == {world.resident_mala.pk: [Reason.NO_CONTACT]}
    # Storuman's residents are never on Malå's round.
    assert not occurrence.agenda.filter(resident=world.resident_storuman).exists()


def test_due_medication_review(world):
    _seen_recently(world)
    world.resident_mala.drug_related_problems = True
    world.resident_mala.save()
    occurrence = make_round(world)
    services.build_agenda(round=occurrence)
    assert _reasons(occurrence) == {world.resident_mala.pk: [Reason.MEDICATION_REVIEW]}


def test_an_in_depth_medication_review_due_is_on_the_agenda(world):
    # Issue 19 item 3: problems remain after a simple review 40 days ago (deadline 30 days).
    import datetime

    from django.utils import timezone

    from digifys.medicationreviews.models import MedicationReview

    _seen_recently(world)
    MedicationReview.objects.create(
        resident=world.resident_mala_2,
        unit=world.unit_mala,
        kind="simple",
        performed_by=world.physician_spain.staff_profile,
        performed_on=timezone.localdate() - datetime.timedelta(days=40),
        findings="Misstänkt ortostatism av doxazosin.",
        drug_related_problems=True,
    )
    occurrence = make_round(world)
    services.build_agenda(round=occurrence)
    assert _reasons(occurrence) == {world.resident_mala_2.pk: [Reason.MEDICATION_REVIEW]}


def test_open_non_urgent_consults_only(world):
    _seen_recently(world)
    consult = make_consult(world, world.resident_mala, urgency="next_round")
    make_consult(world, world.resident_mala_2, urgency="urgent")
    make_consult(world, world.resident_mala_2, urgency="same_day", status="closed")
    occurrence = make_round(world)
    services.build_agenda(round=occurrence)
    assert _reasons(occurrence) == {world.resident_mala.pk: [Reason.CONSULT]}
    assert occurrence.agenda.get().consult == consult


def test_several_reasons_and_idempotent(world):
    world.resident_mala.drug_related_problems = True
    world.resident_mala.save()
    recent_contact(world, world.resident_mala_2)
    make_consult(world, world.resident_mala, urgency="same_day")
    occurrence = make_round(world)
    first = services.build_agenda(round=occurrence)
    second = services.build_agenda(round=occurrence)
    assert [i.pk for i in first] == [i.pk for i in second]
    assert _reasons(occurrence) == {
        world.resident_mala.pk: [Reason.CONSULT, Reason.MEDICATION_REVIEW, Reason.NO_CONTACT]
    }


def test_flag_and_removed_items_stay_removed(world):
    occurrence = make_round(world)  # nobody was seen: both Malå residents are due a contact
    services.build_agenda(round=occurrence)
    assert set(_reasons(occurrence)) == {world.resident_mala.pk, world.resident_mala_2.pk}
    item = occurrence.agenda.get(resident=world.resident_mala_2)
    services.remove_item(actor=world.nurse_mala, item=item)
    services.build_agenda(round=occurrence)
    assert set(_reasons(occurrence)) == {world.resident_mala.pk}
    # The nurse can still flag her explicitly; the nurse's own item says why.
    flagged = services.flag_resident(
        actor=world.nurse_mala,
        round=occurrence,
        resident=world.resident_mala_2,
        note="Sover dåligt, ökad oro nattetid?",
    )
    assert flagged.reason == Reason.FLAGGED and flagged.added_by == world.nurse_mala
    # Flagging someone already on the agenda keeps the automatic reason as a second badge.
    again = services.flag_resident(
        actor=world.nurse_mala, round=occurrence, resident=world.resident_mala, note="Hosta?"
    )
    assert again.reasons == [Reason.FLAGGED, Reason.NO_CONTACT]
    assert AuditEvent.objects.filter(object_type="round_agenda_item").count() == 3


def test_flag_rules(world):
    occurrence = make_round(world)
    with pytest.raises(PermissionDenied):
        services.flag_resident(
            actor=world.nurse_storuman, round=occurrence, resident=world.resident_mala, note="?"
        )
    with pytest.raises(PermissionDenied):
        services.flag_resident(
            actor=world.physician_spain, round=occurrence, resident=world.resident_mala, note="?"
        )
    with pytest.raises(ValidationError) as error:
        services.flag_resident(
            actor=world.nurse_mala, round=occurrence, resident=world.resident_storuman, note=""
        )
    assert set(error.value.message_dict) == {"resident", "note"}


def test_reorder(world):
    occurrence = make_round(world)
    third = make_resident(world.unit_mala, room="3", given_name="Ivar", family_name="Ström")
    for resident in (world.resident_mala, world.resident_mala_2, third):
        services.flag_resident(
            actor=world.nurse_mala, round=occurrence, resident=resident, note="?"
        )
    items = list(occurrence.agenda.order_by("position"))
    services.move_item(actor=world.nurse_mala, item=items[2], direction="up")
    order = list(occurrence.agenda.order_by("position").values_list("resident", flat=True))
    assert order == [world.resident_mala.pk, third.pk, world.resident_mala_2.pk]
    # Moving the first one up changes nothing.
    services.move_item(actor=world.nurse_mala, item=items[0], direction="up")
    assert list(occurrence.agenda.order_by("position").values_list("resident", flat=True)) == order
    with pytest.raises(PermissionDenied):
        services.move_item(actor=world.physician_spain, item=items[0], direction="down")


def test_nurse_edits_through_the_pages(world, login):
    _seen_recently(world)
    occurrence = make_round(world)
    client = login(world.nurse_mala, language="en")
    flag_url = reverse("rounds:flag", args=[occurrence.pk])
    bad = client.post(flag_url, {"resident": world.resident_mala.pk, "note": ""})
    assert bad.status_code == 400
    response = client.post(
        flag_url, {"resident": world.resident_mala.pk, "note": "Ny sårskada på hälen"}
    )
    assert response.status_code == 302
    client.post(flag_url, {"resident": world.resident_mala_2.pk, "note": "Smärta?"})
    page = client.get(reverse("rounds:detail", args=[occurrence.pk])).content.decode()
    assert "Ny sårskada på hälen" in page and "Flagged by a nurse" in page
    assert page.index("Greta Lind") < page.index("Helge Nord")
    second = occurrence.agenda.get(resident=world.resident_mala_2)
    client.post(reverse("rounds:item_move", args=[second.pk]), {"direction": "up"})
    page = client.get(reverse("rounds:detail", args=[occurrence.pk])).content.decode()
    assert page.index("Helge Nord") < page.index("Greta Lind")
    confirm = client.get(reverse("rounds:item_remove", args=[second.pk]))
    assert confirm.status_code == 200 and "Yes, remove" in confirm.content.decode()
    client.post(reverse("rounds:item_remove", args=[second.pk]))
    page = client.get(reverse("rounds:detail", args=[occurrence.pk])).content.decode()
    assert "Helge Nord" not in page
