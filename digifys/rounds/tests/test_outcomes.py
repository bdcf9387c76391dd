"""Issue #12 §4 item 2: a ward round is closed only with every resident's outcome documented."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.careteams.models import CareContact
from digifys.rounds import services
from digifys.rounds.models import AgendaItem, Round

from .helpers import make_round

pytestmark = pytest.mark.django_db


def _running(world):
    occurrence = make_round(world)
    for resident, note in ((world.resident_mala, "Hosta?"), (world.resident_mala_2, "")):
        if note:
            services.flag_resident(
                actor=world.nurse_mala, round=occurrence, resident=resident, note=note
            )
        else:
            AgendaItem.objects.create(
                round=occurrence,
                resident=resident,
                unit=world.unit_mala,
                reason=AgendaItem.Reason.NO_CONTACT,
                position=5,
            )
    services.start_round(actor=world.physician_spain, round=occurrence)
    occurrence.refresh_from_db()
    first = occurrence.agenda.get(resident=world.resident_mala)
    second = occurrence.agenda.get(resident=world.resident_mala_2)
    return occurrence, first, second


def test_done_needs_an_outcome(world):
    _occurrence, first, second = _running(world)
    with pytest.raises(ValidationError):  # no outcome at all
        services.mark_item_done(actor=world.physician_spain, item=first)
    with pytest.raises(ValidationError):  # "note" without a signed note
        services.mark_item_done(
            actor=world.physician_spain, item=first, outcome=AgendaItem.Outcome.NOTE
        )
    with pytest.raises(ValidationError):  # "order" without an order
        services.mark_item_done(
            actor=world.physician_spain, item=first, outcome=AgendaItem.Outcome.ORDER
        )
    with pytest.raises(ValidationError):  # "no action" without a reason
        services.mark_item_done(
            actor=world.physician_spain, item=first, outcome=AgendaItem.Outcome.NO_ACTION
        )
    first.refresh_from_db()
    assert first.done_at is None and first.outcome == ""
    services.save_round_note(
        actor=world.physician_spain, item=first, aktuellt="", status="", bedomning="Ok", atgard=""
    )
    done = services.mark_item_done(
        actor=world.physician_spain, item=first, outcome=AgendaItem.Outcome.NOTE
    )
    assert done.done_at is not None and done.outcome == AgendaItem.Outcome.NOTE
    reason = services.mark_item_done(
        actor=world.physician_spain,
        item=second,
        outcome=AgendaItem.Outcome.NO_ACTION,
        reason="Stabil, inget att ändra.",
    )
    assert reason.outcome_reason == "Stabil, inget att ändra."


def test_unanswered_question_blocks_closing(world):
    occurrence, _first, second = _running(world)
    services.mark_item_done(
        actor=world.physician_spain, item=second, outcome=AgendaItem.Outcome.MOVED, reason="Tid"
    )
    with pytest.raises(ValidationError) as refused:
        services.finish_round(actor=world.physician_spain, round=occurrence)
    assert "Greta Lind" in " ".join(refused.value.messages)
    occurrence.refresh_from_db()
    assert occurrence.status == Round.Status.IN_PROGRESS
    assert not CareContact.objects.exists()


def test_contacts_only_for_residents_seen_and_by_who_ran_it(world):
    occurrence, first, second = _running(world)
    assert occurrence.conducted_by == world.physician_spain.staff_profile
    services.mark_item_done(
        actor=world.physician_spain, item=first, outcome=AgendaItem.Outcome.NO_ACTION, reason="Ok"
    )
    services.mark_item_done(
        actor=world.physician_spain, item=second, outcome=AgendaItem.Outcome.MOVED, reason="Tid"
    )
    services.finish_round(actor=world.physician_spain, round=occurrence)
    contacts = CareContact.objects.filter(kind=CareContact.Kind.ROUND)
    assert [c.resident for c in contacts] == [world.resident_mala]
    assert contacts[0].clinician == world.physician_spain.staff_profile


def test_running_on_another_day_is_an_explicit_reschedule(world, login):
    occurrence = make_round(world, hours_ahead=24 * 4)
    planned = occurrence.starts_at
    with pytest.raises(ValidationError):
        services.start_round(actor=world.physician_spain, round=occurrence)
    occurrence.refresh_from_db()
    assert occurrence.status == Round.Status.PLANNED and occurrence.starts_at == planned
    client = login(world.physician_spain, language="en")
    response = client.post(reverse("rounds:start", args=[occurrence.pk]))
    assert response.url == reverse("rounds:reschedule", args=[occurrence.pk])
    page = client.get(response.url).content.decode()
    assert "Run the round today" in page
    client.post(response.url)
    occurrence.refresh_from_db()
    assert occurrence.status == Round.Status.IN_PROGRESS
    assert occurrence.rescheduled_from == planned
    assert occurrence.starts_at.date() != planned.date() or occurrence.starts_at != planned
    assert AuditEvent.objects.filter(object_type="round", details__change="rescheduled").exists()
    # The slot's occurrence is not created again for the day it was planned.
    services.schedule_rounds(
        actor=None,
        starts=planned - datetime.timedelta(hours=1),
        ends=planned + datetime.timedelta(hours=1),
    )
    assert Round.objects.filter(slot=occurrence.slot).count() == 1


def test_conduct_pages_ask_for_an_outcome_and_confirm_closing(world, login):
    occurrence, first, second = _running(world)
    client = login(world.physician_spain, language="en")
    done_url = reverse("rounds:item_done", args=[first.pk])
    refused = client.post(done_url, {"outcome": "no_action", "reason": ""})
    assert refused.status_code == 400
    first.refresh_from_db()
    assert first.done_at is None
    client.post(done_url, {"outcome": "no_action", "reason": "Mår bra"})
    client.post(
        reverse("rounds:item_done", args=[second.pk]), {"outcome": "moved", "reason": "Tid"}
    )
    confirm = client.get(reverse("rounds:finish", args=[occurrence.pk]))
    assert confirm.status_code == 200 and "Finish the ward round" in confirm.content.decode()
    client.post(reverse("rounds:finish", args=[occurrence.pk]))
    occurrence.refresh_from_db()
    assert occurrence.status == Round.Status.DONE
    detail = client.get(reverse("rounds:detail", args=[occurrence.pk])).content.decode()
    assert "Held by" in detail
    assert timezone.now() >= occurrence.finished_at
