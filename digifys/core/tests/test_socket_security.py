"""Live sockets end with the login, survive bad frames, and come only from this site (issue #20
item 14). The idle-socket test uses a real Redis channel layer at 127.0.0.1:6379."""

import asyncio
import datetime
import socket as network
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from digifys.core.consumers import NOT_LOGGED_IN
from digifys.testing.accounts import complete_second_factor

from .test_consumers import CALM, communicator, receive_event, run_async

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _in_memory_channel_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    complete_second_factor(client, user)
    return client


def cookie_of(client: Client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def record(world):
    from digifys.vitals.services import record_observation

    return database_sync_to_async(record_observation)(
        actor=world.nurse_mala, resident=world.resident_mala, **CALM
    )


async def closed_with(socket) -> int | None:
    output = await socket.receive_output(timeout=2)
    return output.get("code") if output["type"] == "websocket.close" else None


def test_logging_out_closes_the_sessions_sockets_and_no_event_follows(world):
    client = logged_in(world.nurse_mala)
    other_device = logged_in(world.nurse_mala)

    async def run():
        mine = communicator(f"/ws/units/{world.unit_mala.pk}/", cookie_of(client))
        theirs = communicator(f"/ws/units/{world.unit_mala.pk}/", cookie_of(other_device))
        assert (await mine.connect(timeout=10))[0] and (await theirs.connect(timeout=10))[0]
        await database_sync_to_async(client.post)("/accounts/logout/")
        code = await closed_with(mine)
        await record(world)
        # The same user's other login keeps its socket and still hears the event.
        message = await receive_event(theirs, "observation")
        await theirs.disconnect()
        return code, message

    code, message = run_async(run)
    assert code == NOT_LOGGED_IN
    assert message["event"] == "observation"


def test_an_expired_session_closes_its_socket_and_gets_no_event(world):
    client = logged_in(world.nurse_mala)

    async def run():
        socket = communicator(f"/ws/units/{world.unit_mala.pk}/", cookie_of(client))
        assert (await socket.connect(timeout=10))[0]
        # The session ends for inactivity one second from now (SESSION_COOKIE_AGE passed).
        await database_sync_to_async(
            Session.objects.filter(session_key=client.session.session_key).update
        )(expire_date=timezone.now() + datetime.timedelta(seconds=1))
        # The socket read the old expiry at connect; an event after the new one is not sent.
        # (Cut short by hand here; in use, a session ends this way when it is deleted.)
        await asyncio.sleep(1.2)
        await record(world)
        return await socket.receive_output(timeout=3)

    output = run_async(run)
    assert output == {"type": "websocket.close", "code": NOT_LOGGED_IN}


def test_a_socket_closes_by_itself_when_the_session_expires(world, settings):
    settings.SESSION_COOKIE_AGE = 2
    client = logged_in(world.nurse_mala)

    async def run():
        socket = communicator(f"/ws/units/{world.unit_mala.pk}/", cookie_of(client))
        assert (await socket.connect(timeout=10))[0]
        assert await socket.receive_nothing(timeout=1)
        return await socket.receive_output(timeout=4)

    assert run_async(run) == {"type": "websocket.close", "code": NOT_LOGGED_IN}


@pytest.mark.parametrize("frame", [{"text_data": "not json"}, {"bytes_data": b"\x00\x01"}])
def test_a_frame_that_is_not_json_gets_an_error_and_the_socket_stays(world, frame):
    client = logged_in(world.nurse_mala)

    async def run():
        socket = communicator(f"/ws/units/{world.unit_mala.pk}/", cookie_of(client))
        await socket.connect(timeout=10)
        await socket.send_to(**frame)
        error = await socket.receive_json_from()
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from()
        await socket.disconnect()
        return error, pong

    assert run_async(run) == ({"event": "error", "error": "bad_request"}, {"event": "pong"})


@pytest.mark.parametrize(
    ("origin", "host", "accepted"),
    [
        (b"http://localhost", b"localhost", True),
        (b"http://localhost:8000", b"localhost:8000", True),
        (b"http://localhost:9999", b"localhost:8000", False),  # another port on the same host
        (b"https://localhost:8000", b"localhost:8000", False),  # another scheme
        (b"http://localhost:8000", b"localhost", False),
        (b"http://evil.example", b"localhost", False),
        (b"null", b"localhost", False),
        (b"http://evil.example", b"evil.example", False),  # a host not in ALLOWED_HOSTS
    ],
)
def test_the_origin_must_match_scheme_host_and_port(world, origin, host, accepted):
    from digifys.asgi import application

    client = logged_in(world.nurse_mala)
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={cookie_of(client)}".encode()

    async def run():
        socket = WebsocketCommunicator(
            application,
            f"/ws/units/{world.unit_mala.pk}/",
            headers=[(b"origin", origin), (b"host", host), (b"cookie", cookie)],
        )
        connected, _ = await socket.connect(timeout=10)
        await socket.disconnect()
        return connected

    assert run_async(run) is accepted


def test_a_trusted_origin_behind_a_tls_proxy_is_accepted(world, settings):
    from digifys.asgi import application

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = logged_in(world.nurse_mala)
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={cookie_of(client)}".encode()

    async def accepted(origin):
        socket = WebsocketCommunicator(
            application,
            f"/ws/units/{world.unit_mala.pk}/",
            headers=[
                (b"origin", origin),
                (b"host", b"localhost"),
                (b"x-forwarded-proto", b"https"),
                (b"cookie", cookie),
            ],
        )
        connected, _ = await socket.connect(timeout=10)
        await socket.disconnect()
        return connected

    async def https():
        return await accepted(b"https://localhost")

    async def http():
        return await accepted(b"http://localhost")

    assert run_async(https) is True
    assert run_async(http) is False


def _redis_available() -> bool:
    try:
        with network.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _redis_available(), reason="needs Redis at 127.0.0.1:6379")
def test_an_idle_socket_on_redis_stays_open_and_still_hears_events(world, settings):
    from digifys.settings import redis_channel_layer

    # The application's own layer configuration, with a prefix of its own (Redis is shared).
    settings.CHANNEL_LAYERS = {
        "default": redis_channel_layer(
            "redis://127.0.0.1:6379/0", prefix=f"digifys-test-{uuid.uuid4().hex[:8]}"
        )
    }
    channel_layers.backends.clear()
    client = logged_in(world.nurse_mala)

    async def run():
        socket = communicator(f"/ws/units/{world.unit_mala.pk}/", cookie_of(client))
        assert (await socket.connect(timeout=10))[0]
        assert await socket.receive_nothing(timeout=15, interval=0.5)
        await record(world)
        message = await receive_event(socket, "observation", timeout=10)
        await socket.disconnect()
        return message

    assert run_async(run) == {"event": "observation", "resident": world.resident_mala.pk}
