"""Which live groups a message or an update wakes (bench/relatives.py, docs/performance.md).

Every event on a unit's group makes every open worklist of the unit fetch its rows again, the
heaviest request of the relatives' benchmark. The worklist shows the unread count only, so the
unit hears of a message when it arrives and when it is first read — not when an already-read
message is answered or handed over, and not of updates; the resident's group (open consult
pages about the resident) still hears of everything. Read on the real (in-memory) channel layer.
"""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from digifys.core import live
from digifys.messaging import services

pytestmark = pytest.mark.django_db


class Listener:
    """A channel subscribed to GROUPS, as a consumer would be."""

    def __init__(self, *groups: str) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        for group in groups:
            async_to_sync(self.layer.group_add)(group, self.channel)

    def messages(self) -> list[dict]:
        async def drain() -> list[dict]:
            received = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), 0.05)
                except TimeoutError:
                    return received
                received.append(message)

        return async_to_sync(drain)()

    def events(self) -> list[str]:
        return [message["event"] for message in self.messages()]


@pytest.fixture
def listeners(world):
    unit = Listener(live.unit_group(world.unit_mala.pk))
    resident = Listener(live.resident_group(world.resident_mala.pk))
    return unit, resident


def test_the_unit_hears_of_a_message_when_it_arrives_and_when_it_is_read_only(
    world, listeners, django_capture_on_commit_callbacks
):
    unit, resident = listeners
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(
            actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Hej!"
        )
    assert unit.events() == ["relative_message"]
    assert resident.events() == ["relative_message"]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_read(actor=world.nurse_mala, message=message)
    assert unit.events() == ["relative_message"]
    assert resident.events() == ["relative_message"]
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_message(actor=world.nurse_mala, message=message, text="Hej hej!")
    assert unit.events() == []  # already read: the unread count did not change
    assert resident.events() == ["relative_message"]


def test_answering_an_unread_message_reads_it_and_the_unit_hears_of_it(
    world, listeners, django_capture_on_commit_callbacks
):
    unit, _resident = listeners
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(
            actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Hej!"
        )
        services.answer_message(actor=world.nurse_mala, message=message, text="Hej hej!")
    assert unit.events() == ["relative_message", "relative_message"]


def test_an_update_is_not_sent_to_the_units_worklists(
    world, listeners, django_capture_on_commit_callbacks
):
    unit, resident = listeners
    with django_capture_on_commit_callbacks(execute=True):
        services.write_update(
            actor=world.nurse_mala, resident=world.resident_mala, text="Ute i solen.", publish=True
        )
    assert unit.events() == []
    assert resident.events() == ["relative_update"]


def test_the_units_event_carries_the_residents_new_unread_count(
    world, listeners, django_capture_on_commit_callbacks
):
    """The worklist sets the row's badge from the event: the count is the one after the
    change, counted after the commit, for that resident only."""
    unit, resident = listeners
    send = {"actor": world.relative_with_consent, "resident_id": world.resident_mala.pk}
    with django_capture_on_commit_callbacks(execute=True):
        first = services.send_message(**send, text="Hej!")
    [event] = unit.messages()
    assert event["type"] == live.EVENT_TYPE
    assert event["resident"] == world.resident_mala.pk
    assert event["message"] == first.pk
    assert event["unread"] == 1
    assert isinstance(event["counted"], int)
    assert resident.messages() == [event]  # the resident page hears the same
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(**send, text="Och en sak till.")
    [event] = unit.messages()
    assert event["unread"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_read(actor=world.nurse_mala, message=first)
    [event] = unit.messages()
    assert (event["message"], event["unread"]) == (first.pk, 1)
    assert set(event) == {"type", "event", "resident", "message", "unread", "counted"}


def test_a_unit_socket_only_gets_its_own_units_events(world, django_capture_on_commit_callbacks):
    """Another unit's group hears nothing of this unit's messages or counts."""
    other = Listener(live.unit_group(world.unit_storuman.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(
            actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Hej!"
        )
    assert other.messages() == []
