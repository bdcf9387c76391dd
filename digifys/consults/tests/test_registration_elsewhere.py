"""Issue 19 item 2: a resident whose registration moves out of Västerbotten stays in care.

"Digital care only for Västerbotten's residents" concerns the virtual clinic's care, not the
municipal nurse at the bedside: observing, the unit's worklist and escalation to the region's
on-call route keep working. What changes is which physicians may take a consult (not the
virtual clinic's physicians abroad; the reason is shown), and the coordinator is told to settle
the resident's care responsibility.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from digifys.consults import routing, services
from digifys.consults.models import Consult
from digifys.notifications.models import Notification
from digifys.residents.services import change_registration
from digifys.testing.world import give_hours
from digifys.vitals.services import record_observation
from digifys.worklist.selectors import unit_worklist

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WEDNESDAY_10 = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=STOCKHOLM)

HIGH = {
    "respiratory_rate": "26",
    "spo2": "90",
    "on_oxygen": False,
    "systolic_bp": "95",
    "pulse": "125",
    "consciousness": "A",
    "temperature": "39.2",
}


@pytest.fixture
def moved(world):
    """Carmen (Málaga, named) and David (Lycksele, on call) both on duty; Greta moves to 0180."""
    give_hours(world.physician_spain.staff_profile, datetime.time(0), datetime.time(0))
    give_hours(
        world.other_physician.staff_profile, datetime.time(0), datetime.time(0), on_call=True
    )
    change_registration(
        actor=world.coordinator, resident=world.resident_mala, municipality_code="0180"
    )
    world.resident_mala.refresh_from_db()
    return world.resident_mala


def _send(world, observation=None):
    return services.send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="emergency",
        situation="Greta andas snabbt och är varm.",
        background="Hjärtsvikt.",
        assessment="NEWS2 hög.",
        recommendation="Bedömning nu.",
        observation=observation,
    )


def test_the_nurse_still_observes_and_the_resident_stays_on_the_worklist(world, moved):
    with time_machine.travel(WEDNESDAY_10, tick=False):
        observation = record_observation(actor=world.nurse_mala, resident=moved, **HIGH)
        worklist = unit_worklist(unit=world.unit_mala, user=world.nurse_mala)
    assert observation.news2_band == "high"
    assert moved in [row.resident for row in worklist.rows]


def test_the_consult_goes_to_a_physician_in_sweden_not_the_clinic_abroad(world, moved):
    with time_machine.travel(WEDNESDAY_10, tick=False):
        observation = record_observation(actor=world.nurse_mala, resident=moved, **HIGH)
        consult = _send(world, observation)
    assert consult.assigned_to == world.other_physician.staff_profile
    assert consult.routed_to == Consult.RoutedTo.ON_DUTY
    reason = routing.refusal_reason(world.physician_spain.staff_profile, moved)
    assert "not registered in Västerbotten" in reason
    assert "abroad" in reason
    assert routing.refusal_reason(world.other_physician.staff_profile, moved) is None
    # A physician abroad cannot take it over either; the message says why.
    with pytest.raises(PermissionDenied) as caught:
        services.accept_consult(actor=world.physician_spain, consult=consult)
    assert "abroad" in str(caught.value)


def test_the_consult_form_shows_why_the_named_physician_does_not_receive_it(world, moved, login):
    with time_machine.travel(WEDNESDAY_10, tick=False):
        client = login(world.nurse_mala, language="en")
        html = client.get(reverse("consults:new", args=[moved.pk])).content.decode()
    assert "David" in html
    assert "not registered in Västerbotten" in html


def test_the_coordinator_is_told_to_settle_care_responsibility_in_their_language(world, moved):
    (note,) = Notification.objects.filter(
        recipient=world.coordinator, kind=Notification.Kind.CARE_RESPONSIBILITY
    )
    assert note.code == "registration_moved_out"
    assert note.params["municipality_code"] == "0180"
    assert note.link == reverse("residents:detail", args=[moved.pk])
    # Stored as code + parameters: shown in whatever language the reader uses now.
    with translation.override("en"):
        assert "care responsibility" in note.display_text
    with translation.override("sv"):
        assert "ansvar" in note.display_text
    # Texts name units, never residents (notifications/services.py).
    assert "Greta" not in note.display_text


def test_a_physician_in_sweden_answers_with_an_order_the_clinic_abroad_may_not(world, moved):
    from digifys.orders.services import place_order

    with time_machine.travel(WEDNESDAY_10, tick=False):
        consult = _send(world)
        order = place_order(
            actor=world.other_physician,
            resident=moved,
            kind="vitals",
            instructions="Kontrollera NEWS2 varje timme.",
            consult=consult,
        )
        assert order.resident == moved
        with pytest.raises(PermissionDenied):
            place_order(
                actor=world.physician_spain,
                resident=moved,
                kind="vitals",
                instructions="Kontrollera NEWS2 varje timme.",
            )
