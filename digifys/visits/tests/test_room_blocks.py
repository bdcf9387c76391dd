"""Spärr (PDL 4 kap. 4 §) holds in the video room (issue 20, item 2).

With the Malå unit's records blocked for a resident, the physician in Spain still hosts the
consult's video call, but the room page and its side panel show nothing the unit recorded: no
SBAR (its background carries diagnoses and medication), no vital signs, no agenda reasons.
"""

import pytest
from django.urls import reverse

from digifys.careteams import services as careteams
from digifys.careteams.models import Block
from digifys.visits import services
from digifys.visits.tests.access_rows import _a_round
from digifys.visits.tests.test_views import logged_in

pytestmark = pytest.mark.django_db

BACKGROUND = "Diabetes typ 2, Metformin 500 mg x 2"


@pytest.fixture
def consult(world):
    from digifys.consults.services import send_consult

    return send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="urgent",
        situation="Confused since this morning",
        background=BACKGROUND,
        assessment="Febrile",
        recommendation="Please assess by video",
    )


@pytest.fixture
def block(world):
    return careteams.register_block(
        actor=world.coordinator, resident=world.resident_mala, unit=world.unit_mala
    )


def _room_page(client, user, room) -> tuple[int, str]:
    logged_in(client, user)
    response = client.get(reverse("visits:room", args=[room.pk]))
    return response.status_code, response.content.decode()


def test_the_host_sees_the_sbar_without_a_block(world, client, consult):
    room = services.open_room_for_consult(actor=world.physician_spain, consult=consult)
    status, page = _room_page(client, world.physician_spain, room)
    assert status == 200
    assert BACKGROUND in page


def test_a_block_hides_the_sbar_from_the_host_in_another_unit(world, client, consult, block):
    room = services.open_room_for_consult(actor=world.physician_spain, consult=consult)
    status, page = _room_page(client, world.physician_spain, room)
    assert status == 200
    assert BACKGROUND not in page
    assert "Confused since this morning" not in page
    assert "badge-warn" in page  # "Some records are blocked (spärr) and not shown."


def test_a_block_hides_the_sbar_even_when_the_room_was_opened_before_it(world, client, consult):
    room = services.open_room_for_consult(actor=world.physician_spain, consult=consult)
    careteams.register_block(
        actor=world.coordinator, resident=world.resident_mala, unit=world.unit_mala
    )
    _status, page = _room_page(client, world.physician_spain, room)
    assert BACKGROUND not in page


def test_the_draft_note_cannot_be_saved_through_the_room_of_a_blocked_consult(
    world, client, consult, block
):
    room = services.open_room_for_consult(actor=world.physician_spain, consult=consult)
    logged_in(client, world.physician_spain)
    response = client.post(reverse("visits:note", args=[room.pk]), {"visitnote-aktuellt": "x"})
    assert response.status_code == 404


def test_the_units_own_nurse_still_sees_what_the_unit_recorded(world, client, consult, block):
    room = services.open_room_for_consult(actor=world.physician_spain, consult=consult)
    assert Block.objects.filter(resident=world.resident_mala).exists()
    # The nurse is no host: the page shows the call, never a side panel; the block lets the
    # unit's own staff keep reading what the unit recorded.
    status, _page = _room_page(client, world.nurse_mala, room)
    assert status == 200


def test_a_block_hides_blocked_agenda_items_in_a_round_room(world, client, consult, block):
    from digifys.rounds.models import AgendaItem

    round_ = _a_round(world)
    AgendaItem.objects.create(
        round=round_,
        resident=world.resident_mala,
        unit=world.unit_mala,
        reason=AgendaItem.Reason.FLAGGED,
        note="Ask about the new sores",
    )
    room = services.open_room_for_round(actor=world.physician_spain, round=round_)
    status, page = _room_page(client, world.physician_spain, room)
    assert status == 200
    assert "Ask about the new sores" not in page


# The block + video-room path of the access matrix (issue 20): with the Malå unit's records
# blocked, who gets the room page, and nobody outside the unit sees the SBAR on it.
BLOCKED_ROOM = {
    "physician_spain": 200,
    "nurse_mala": 200,
    "nurse_storuman": 404,
    "other_physician": 404,
    "coordinator": 403,
    "administrator": 403,
    "relative_with_consent": 403,
    "relative_without": 403,
    "anonymous": 302,
}


@pytest.mark.parametrize(("persona", "expected"), BLOCKED_ROOM.items())
def test_the_room_page_of_a_blocked_resident(world, client, consult, block, persona, expected):
    room = services.open_room_for_consult(actor=world.physician_spain, consult=consult)
    user = world.persona(persona)
    if user is not None:
        logged_in(client, user)
    response = client.get(reverse("visits:room", args=[room.pk]))
    assert response.status_code == expected
    assert BACKGROUND not in response.content.decode()
