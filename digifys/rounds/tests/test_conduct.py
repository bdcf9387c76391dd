"""Conducting a round: note and orders per resident, next resident, finish records contacts."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.careteams.models import CareContact
from digifys.consults.models import JournalNote
from digifys.orders.models import NurseTask, Order
from digifys.rounds import services
from digifys.rounds.models import Round

from .helpers import make_round

pytestmark = pytest.mark.django_db
STOCKHOLM = "Europe/Stockholm"


def _flagged_round(world):
    occurrence = make_round(world)
    for resident, note in ((world.resident_mala, "Hosta?"), (world.resident_mala_2, "Smärta?")):
        services.flag_resident(
            actor=world.nurse_mala, round=occurrence, resident=resident, note=note
        )
    return occurrence


def test_services_note_order_done_finish(world):
    occurrence = _flagged_round(world)
    item = occurrence.agenda.get(resident=world.resident_mala)
    with pytest.raises(ValidationError):  # not started yet
        services.save_round_note(
            actor=world.physician_spain, item=item, aktuellt="x", status="", bedomning="", atgard=""
        )
    with pytest.raises(PermissionDenied):
        services.start_round(actor=world.nurse_mala, round=occurrence)
    services.start_round(actor=world.physician_spain, round=occurrence)
    item.refresh_from_db()
    note = services.save_round_note(
        actor=world.physician_spain,
        item=item,
        aktuellt="Hosta sedan tre dagar.",
        status="Opåverkad, afebril.",
        bedomning="Trolig viros.",
        atgard="Symtomatisk behandling.",
    )
    assert note.consult is None and note.is_signed
    assert note.author == world.physician_spain.staff_profile
    order = services.place_round_order(
        actor=world.physician_spain,
        item=item,
        kind=Order.Kind.VITALS,
        instructions="Kontrollera temp i morgon",
        first_due_at=timezone.now() + datetime.timedelta(hours=12),
    )
    assert order.consult is None and NurseTask.objects.filter(order=order).count() == 1
    services.mark_item_done(actor=world.physician_spain, item=item, outcome="order")
    occurrence.refresh_from_db()
    second = occurrence.agenda.get(resident=world.resident_mala_2)
    services.mark_item_done(
        actor=world.physician_spain, item=second, outcome="moved", reason="Hann inte"
    )
    finished = services.finish_round(actor=world.physician_spain, round=occurrence)
    assert finished.status == Round.Status.DONE
    contacts = CareContact.objects.filter(kind=CareContact.Kind.ROUND)
    # Only the resident the physician saw gets a contact (not the one moved to the next round).
    assert [c.resident for c in contacts] == [world.resident_mala]
    assert contacts[0].clinician == world.physician_spain.staff_profile
    with pytest.raises(ValidationError):
        services.finish_round(actor=world.physician_spain, round=occurrence)


def test_round_through_the_pages(world, login):
    occurrence = _flagged_round(world)
    client = login(world.physician_spain, language="en")
    response = client.post(reverse("rounds:start", args=[occurrence.pk]))
    assert response.url == reverse("rounds:conduct", args=[occurrence.pk])
    url = reverse("rounds:conduct", args=[occurrence.pk])
    before = AuditEvent.objects.count()
    page = client.get(url)
    html = page.content.decode()
    assert "Greta Lind" in html and "Hosta?" in html and "Helge Nord" not in html
    reads = AuditEvent.objects.order_by("seq")[before:]
    assert [e.resident_id for e in reads if e.action == "read"] == [world.resident_mala.pk]
    item = occurrence.agenda.get(resident=world.resident_mala)
    # An empty note is refused and nothing typed is lost.
    note_url = reverse("rounds:item_note", args=[item.pk])
    empty = client.post(note_url, {"aktuellt": "  "})
    assert empty.status_code == 400
    client.post(note_url, {"bedomning": "Trolig viros."})
    assert JournalNote.objects.get(resident=world.resident_mala, consult=None).is_signed
    order_url = reverse("rounds:item_order", args=[item.pk])
    bad = client.post(order_url, {"kind": "vitals", "instructions": "Kept as typed"})
    assert bad.status_code == 400
    assert "Kept as typed" in bad.content.decode()
    due = (timezone.now() + datetime.timedelta(days=1)).astimezone(ZoneInfo(STOCKHOLM))
    ordered = client.post(
        order_url,
        {
            "kind": "vitals",
            "instructions": "Ta vitalparametrar",
            "first_due_date": due.date().isoformat(),
            "first_due_time": due.strftime("%H:%M"),
        },
    )
    assert ordered.status_code == 302, ordered.content.decode()[:2000]
    assert NurseTask.objects.filter(resident=world.resident_mala).count() == 1
    client.post(reverse("rounds:item_done", args=[item.pk]), {"outcome": "note"})
    page = client.get(url).content.decode()
    assert "Helge Nord" in page and "Resident 2 of 2" in page
    second = occurrence.agenda.get(resident=world.resident_mala_2)
    client.post(
        reverse("rounds:item_done", args=[second.pk]),
        {"outcome": "no_action", "reason": "Smärtan är borta"},
    )
    assert "All 2 residents on the agenda are done." in client.get(url).content.decode()
    client.post(reverse("rounds:finish", args=[occurrence.pk]))
    assert CareContact.objects.filter(kind=CareContact.Kind.ROUND).count() == 2
    occurrence.refresh_from_db()
    assert occurrence.status == Round.Status.DONE


def test_list_shows_counts_and_coordinator_sees_no_residents(world, login):
    occurrence = _flagged_round(world)
    client = login(world.nurse_mala, language="en")
    page = client.get(reverse("rounds:list")).content.decode()
    assert "2 residents" in page
    client = login(world.coordinator, language="en")
    page = client.get(reverse("rounds:detail", args=[occurrence.pk])).content.decode()
    assert "2 residents on the agenda" in page and "Greta" not in page
    client = login(world.nurse_storuman, language="en")
    assert "Björken" not in client.get(reverse("rounds:list")).content.decode()


def test_conduct_actions_wait_for_the_round_to_start(world, login):
    occurrence = _flagged_round(world)
    item = occurrence.agenda.get(resident=world.resident_mala)
    client = login(world.physician_spain, language="en")
    for name in ("rounds:item_note", "rounds:item_order", "rounds:item_done"):
        response = client.post(reverse(name, args=[item.pk]), {"bedomning": "x"})
        assert response.status_code == 400, name
    assert not JournalNote.objects.filter(resident=world.resident_mala).exists()
    item.refresh_from_db()
    assert item.done_at is None


def test_a_started_round_with_an_empty_agenda_says_so(world, login):
    occurrence = make_round(world)
    client = login(world.physician_spain, language="en")
    client.post(reverse("rounds:start", args=[occurrence.pk]))
    occurrence.agenda.all().delete()
    html = client.get(reverse("rounds:conduct", args=[occurrence.pk])).content.decode()
    assert "Nobody is on this round's agenda." in html
    assert "residents on the agenda are done" not in html
