"""The video room's WebSocket: waiting room, admission, signal relay, host-only actions, refusals.

The full ASGI application is used (origin check, session cookie, auth middleware, routes) with
the in-memory channel layer; sessions come from the Django test client, as after a real login.
"""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.testing.accounts import complete_second_factor
from digifys.visits import services
from digifys.visits.models import CallEvent, Participant, Room
from digifys.visits.tests.access_rows import _a_consult

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _in_memory_channel_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def run_async(coroutine_function):
    """Run an async scenario in a fresh thread (no event loop left by other tests there)."""

    def call():
        try:
            return async_to_sync(coroutine_function)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    complete_second_factor(client, user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def communicator(room_id: int, cookie: str | None = None) -> WebsocketCommunicator:
    from digifys.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/visits/{room_id}/", headers=headers)


async def open_socket(room_id, cookie):
    socket = communicator(room_id, cookie)
    connected, _ = await socket.connect(timeout=10)
    assert connected
    return socket


async def hello(socket) -> dict:
    await socket.send_json_to({"type": "hello"})
    return await socket.receive_json_from(timeout=5)


async def closed_with(socket) -> tuple[list, int]:
    """Read frames until the close; return (frames, close code)."""
    frames = []
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return frames, output.get("code")
        frames.append(output)


@pytest.fixture
def room(world):
    return services.open_room_for_consult(actor=world.physician_spain, consult=_a_consult(world))


def test_waiting_admit_and_signal_relay(world, room):
    host_cookie = session_cookie(world.physician_spain)
    nurse_cookie = session_cookie(world.nurse_mala)

    async def scenario():
        host = await open_socket(room.pk, host_cookie)
        welcome = await hello(host)
        assert welcome["type"] == "welcome"
        assert welcome["status"] == "admitted"
        assert welcome["self"]["host"] is True
        assert welcome["self"]["role"] == "host"
        assert welcome["participants"] == []
        assert await host.receive_json_from(timeout=5) == {"type": "waiting", "participants": []}

        nurse = await open_socket(room.pk, nurse_cookie)
        nurse_welcome = await hello(nurse)
        assert nurse_welcome["status"] == "waiting"
        assert nurse_welcome["self"]["role"] == "staff"
        nurse_id = nurse_welcome["self"]["id"]
        waiting = await host.receive_json_from(timeout=5)
        assert waiting["type"] == "waiting"
        assert waiting["participants"] == [
            {"id": nurse_id, "name": "Anna Nurse", "role": "staff", "kind": "nurse"}
        ]

        # Not admitted yet: signals are refused.
        await nurse.send_json_to({"type": "signal", "to": welcome["self"]["id"], "data": {}})
        assert (await nurse.receive_json_from(timeout=5))["code"] == "not_admitted"

        await host.send_json_to({"type": "admit", "participant": nurse_id})
        joined = await host.receive_json_from(timeout=5)
        assert joined == {
            "type": "joined",
            "participant": {"id": nurse_id, "name": "Anna Nurse", "role": "staff"},
        }
        admitted = await nurse.receive_json_from(timeout=5)
        assert admitted["type"] == "admitted"
        assert [p["id"] for p in admitted["participants"]] == [welcome["self"]["id"]]
        assert (await host.receive_json_from(timeout=5))["participants"] == []

        # The newcomer offers; the host answers: relayed verbatim, with the sender's id.
        offer = {"sdp": {"type": "offer", "sdp": "v=0"}}
        await nurse.send_json_to({"type": "signal", "to": welcome["self"]["id"], "data": offer})
        assert await host.receive_json_from(timeout=5) == {
            "type": "signal",
            "from": nurse_id,
            "data": offer,
        }
        answer = {"sdp": {"type": "answer", "sdp": "v=0"}}
        await host.send_json_to({"type": "signal", "to": nurse_id, "data": answer})
        assert (await nurse.receive_json_from(timeout=5))["data"] == answer

        await nurse.send_json_to({"type": "state", "audio": True, "video": False, "mode": "audio"})
        state = await host.receive_json_from(timeout=5)
        assert state == {
            "type": "state",
            "participant": nurse_id,
            "audio": True,
            "video": False,
            "mode": "audio",
        }
        await nurse.disconnect()
        assert await host.receive_json_from(timeout=5) == {"type": "left", "participant": nurse_id}
        await host.disconnect()

    run_async(scenario)
    kinds = list(CallEvent.objects.filter(room=room).values_list("kind", flat=True))
    assert kinds[:4] == ["joined", "joined", "waiting", "admitted"]
    assert "left" in kinds
    left = CallEvent.objects.filter(room=room, kind="left").first()
    assert left.duration_seconds is not None
    # The access log names who joined a call about which resident.
    joined = AuditEvent.objects.filter(object_type="video_call", details__event="joined")
    assert {e.actor_id for e in joined} == {world.physician_spain.pk, world.nurse_mala.pk}
    assert {e.resident_id for e in joined} == {world.resident_mala.pk}


def test_non_host_cannot_admit_remove_or_end(world, room):
    host_cookie = session_cookie(world.physician_spain)
    nurse_cookie = session_cookie(world.nurse_mala)
    other = Participant.objects.create(
        room=room, user=world.nurse_storuman, display_name="B", role="staff", status="waiting"
    )

    async def scenario():
        host = await open_socket(room.pk, host_cookie)
        await hello(host)
        await host.receive_json_from(timeout=5)
        nurse = await open_socket(room.pk, nurse_cookie)
        await hello(nurse)
        for frame in (
            {"type": "admit", "participant": other.pk},
            {"type": "remove", "participant": other.pk},
            {"type": "end"},
        ):
            await nurse.send_json_to(frame)
            error = await nurse.receive_json_from(timeout=5)
            assert error["type"] == "error"
            assert error["code"] == "forbidden"
        await nurse.disconnect()
        await host.disconnect()

    run_async(scenario)
    room.refresh_from_db()
    other.refresh_from_db()
    assert room.ended_at is None
    assert other.status == "waiting"


def test_host_ends_the_room_and_it_refuses_new_joins(world, room):
    host_cookie = session_cookie(world.physician_spain)
    nurse_cookie = session_cookie(world.nurse_mala)

    async def scenario():
        host = await open_socket(room.pk, host_cookie)
        await hello(host)
        await host.receive_json_from(timeout=5)
        await host.send_json_to({"type": "end"})
        frames, code = await closed_with(host)
        assert code == 4409
        assert '"ended"' in frames[-1]["text"]

        nurse = await open_socket(room.pk, nurse_cookie)
        frames, code = await closed_with(nurse)
        assert code == 4409
        assert '"closed"' in frames[0]["text"]

    run_async(scenario)
    room.refresh_from_db()
    assert room.ended_at is not None
    ended = CallEvent.objects.get(room=room, kind="ended")
    assert ended.duration_seconds is not None


def test_room_not_yet_open_is_refused(world, room):
    Room.objects.filter(pk=room.pk).update(
        opens_at=timezone.now() + datetime.timedelta(hours=1),
        closes_at=timezone.now() + datetime.timedelta(hours=2),
    )
    cookie = session_cookie(world.physician_spain)

    async def scenario():
        socket = await open_socket(room.pk, cookie)
        _, code = await closed_with(socket)
        assert code == 4409

    run_async(scenario)


def test_participant_of_another_consults_room_is_refused(world, room, client):
    from digifys.consults.services import send_consult

    other_consult = send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala_2,
        urgency="urgent",
        situation="s",
        background="b",
        assessment="a",
        recommendation="r",
    )
    other_room = services.open_room_for_consult(actor=world.physician_spain, consult=other_consult)
    # other_physician is invited (as staff) to the other room only.
    Participant.objects.create(
        room=other_room, user=world.other_physician, display_name="David", role="staff"
    )
    cookie = session_cookie(world.other_physician)

    async def scenario():
        refused = await open_socket(room.pk, cookie)
        _, code = await closed_with(refused)
        assert code == 4403
        allowed = await open_socket(other_room.pk, cookie)
        welcome = await hello(allowed)
        assert welcome["status"] == "waiting"
        await allowed.disconnect()

    run_async(scenario)
    client.force_login(world.other_physician)
    complete_second_factor(client, world.other_physician)
    assert client.get(reverse("visits:room", args=[room.pk])).status_code == 404
    assert client.get(reverse("visits:room", args=[other_room.pk])).status_code == 200


def test_refusals_without_login_and_for_unknown_rooms(world, room):
    cookie = session_cookie(world.nurse_mala)

    async def scenario():
        anonymous = await open_socket(room.pk, None)
        _, code = await closed_with(anonymous)
        assert code == 4401
        unknown = await open_socket(room.pk + 999, cookie)
        _, code = await closed_with(unknown)
        assert code == 4404

    run_async(scenario)


def test_reconnect_keeps_admitted(world, room):
    host_cookie = session_cookie(world.physician_spain)
    nurse_cookie = session_cookie(world.nurse_mala)

    async def scenario():
        host = await open_socket(room.pk, host_cookie)
        host_id = (await hello(host))["self"]["id"]
        await host.receive_json_from(timeout=5)
        nurse = await open_socket(room.pk, nurse_cookie)
        nurse_id = (await hello(nurse))["self"]["id"]
        await host.receive_json_from(timeout=5)  # waiting
        await host.send_json_to({"type": "admit", "participant": nurse_id})
        await nurse.receive_json_from(timeout=5)  # admitted
        await host.receive_json_from(timeout=5)  # joined
        await host.receive_json_from(timeout=5)  # waiting []

        await nurse.disconnect()  # a network blip
        assert await host.receive_json_from(timeout=5) == {"type": "left", "participant": nurse_id}

        again = await open_socket(room.pk, nurse_cookie)
        welcome = await hello(again)
        assert welcome["status"] == "admitted"
        assert [p["id"] for p in welcome["participants"]] == [host_id]
        joined = await host.receive_json_from(timeout=5)
        assert joined["type"] == "joined"
        assert joined["participant"]["id"] == nurse_id
        await again.send_json_to({"type": "signal", "to": host_id, "data": {"ice": 1}})
        assert (await host.receive_json_from(timeout=5))["from"] == nurse_id
        await again.disconnect()
        await host.disconnect()

    run_async(scenario)
    assert CallEvent.objects.filter(room=room, kind="reconnected").count() == 1


def test_removed_participant_is_closed_and_cannot_return(world, room):
    host_cookie = session_cookie(world.physician_spain)
    nurse_cookie = session_cookie(world.nurse_mala)

    async def scenario():
        host = await open_socket(room.pk, host_cookie)
        await hello(host)
        await host.receive_json_from(timeout=5)
        nurse = await open_socket(room.pk, nurse_cookie)
        nurse_id = (await hello(nurse))["self"]["id"]
        await host.receive_json_from(timeout=5)
        await host.send_json_to({"type": "remove", "participant": nurse_id})
        frames, code = await closed_with(nurse)
        assert code == 4403
        assert '"removed"' in frames[-1]["text"]
        again = await open_socket(room.pk, nurse_cookie)
        _, code = await closed_with(again)
        assert code == 4403
        await host.disconnect()

    run_async(scenario)


def test_guest_joins_by_session_after_the_code(world, room):
    guest = services.invite_guest(
        actor=world.physician_spain, room=room, name="Gustav Lind", kind="relative", phone="0701"
    )
    guest_client = Client()
    response = guest_client.post(
        reverse("visits:guest_join", args=[guest.token]), {"code": guest.code}
    )
    assert response.status_code == 302
    guest_cookie = guest_client.cookies[django_settings.SESSION_COOKIE_NAME].value
    host_cookie = session_cookie(world.physician_spain)

    async def scenario():
        host = await open_socket(room.pk, host_cookie)
        await hello(host)
        await host.receive_json_from(timeout=5)
        socket = await open_socket(room.pk, guest_cookie)
        welcome = await hello(socket)
        assert welcome["status"] == "waiting"
        assert welcome["self"]["role"] == "guest"
        waiting = await host.receive_json_from(timeout=5)
        assert waiting["participants"][0]["kind"] == "relative"
        await host.send_json_to({"type": "admit", "participant": welcome["self"]["id"]})
        assert (await socket.receive_json_from(timeout=5))["type"] == "admitted"
        await socket.disconnect()
        await host.disconnect()

        # The guest's session does not open another room.
        other = await database_sync_to_async(_another_room)(world)
        refused = await open_socket(other.pk, guest_cookie)
        _, code = await closed_with(refused)
        assert code == 4401

    run_async(scenario)


def _another_room(world):
    from digifys.consults.services import send_consult

    consult = send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala_2,
        urgency="urgent",
        situation="s",
        background="b",
        assessment="a",
        recommendation="r",
    )
    return services.open_room_for_consult(actor=world.physician_spain, consult=consult)


def test_being_in_a_call_renews_the_session(world, room):
    from django.contrib.sessions.models import Session

    cookie = session_cookie(world.physician_spain)
    soon = timezone.now() + datetime.timedelta(minutes=1)
    Session.objects.filter(session_key=cookie).update(expire_date=soon)

    async def scenario():
        host = await open_socket(room.pk, cookie)
        await hello(host)
        await host.receive_json_from(timeout=5)
        # Frames are handled in order: the pong means the renewal after hello is done.
        await host.send_json_to({"type": "ping"})
        assert await host.receive_json_from(timeout=5) == {"type": "pong"}
        await host.disconnect()

    run_async(scenario)
    assert Session.objects.get(session_key=cookie).expire_date > soon + datetime.timedelta(
        minutes=5
    )
