"""The live-update WebSockets: who may follow which group, and that events arrive after commit.

The full ASGI application is used (origin check, session cookie, auth middleware, routes) with
the in-memory channel layer. Sessions are made by the Django test client, as after a real
login, so the consumers see exactly what a browser's socket would carry.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client

from digifys.core.consumers import FORBIDDEN, NOT_LOGGED_IN
from digifys.testing.accounts import complete_second_factor

pytestmark = pytest.mark.django_db(transaction=True)

CALM = {
    "respiratory_rate": 16,
    "spo2": 97,
    "on_oxygen": False,
    "systolic_bp": 130,
    "pulse": 72,
    "consciousness": "A",
    "temperature": "36.8",
}


@pytest.fixture(autouse=True)
def _in_memory_channel_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def in_thread(function, *args):
    """Run FUNCTION(*ARGS) in a fresh thread and return its result.

    Playwright's sync API (browser tests in the same worker) leaves an event loop in the test
    thread, where `async_to_sync` refuses to run; a fresh thread has none.
    """

    def call():
        try:
            return function(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def run_async(coroutine_function):
    """Run an async test scenario to completion (in its own thread and event loop)."""
    return in_thread(async_to_sync(coroutine_function))


def session_cookie(user, *, second_factor: bool = True) -> str:
    """Log USER in through the test client and return the session cookie's value."""
    client = Client()
    client.force_login(user)
    if second_factor:
        complete_second_factor(client, user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def communicator(path: str, cookie: str | None = None) -> WebsocketCommunicator:
    from digifys.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def connect_result(path: str, cookie: str | None = None):
    """Connect to PATH and return (connected, subprotocol or close code)."""

    async def run():
        socket = communicator(path, cookie)
        result = await socket.connect(timeout=10)
        await socket.disconnect()
        return result

    return run_async(run)


async def receive_event(socket, event: str, *, timeout: float = 2) -> dict:
    """Read messages until one for EVENT arrives (other events may come first)."""
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        if message.get("event") == event:
            return message


def test_a_nurse_of_the_unit_hears_about_a_new_observation_after_commit(world):
    from digifys.vitals.services import record_observation

    cookie = session_cookie(world.nurse_mala)

    async def run():
        socket = communicator(f"/ws/units/{world.unit_mala.pk}/", cookie)
        connected, _ = await socket.connect(timeout=10)
        assert connected
        assert await socket.receive_nothing(timeout=0.1)
        await database_sync_to_async(record_observation)(
            actor=world.nurse_mala, resident=world.resident_mala, **CALM
        )
        message = await receive_event(socket, "observation")
        await socket.disconnect()
        return message

    message = run_async(run)
    # Ids only, never clinical text: the page re-fetches through the views.
    assert message == {"event": "observation", "resident": world.resident_mala.pk}


def test_the_socket_answers_a_ping(world):
    cookie = session_cookie(world.nurse_mala)

    async def run():
        socket = communicator(f"/ws/units/{world.unit_mala.pk}/", cookie)
        await socket.connect(timeout=10)
        await socket.send_json_to({"type": "ping"})
        reply = await socket.receive_json_from()
        await socket.disconnect()
        return reply

    assert run_async(run) == {"event": "pong"}


def test_a_nurse_of_another_unit_is_refused(world):
    cookie = session_cookie(world.nurse_storuman)
    assert connect_result(f"/ws/units/{world.unit_mala.pk}/", cookie) == (False, FORBIDDEN)


@pytest.mark.parametrize("persona", ["physician_spain", "coordinator", "relative_with_consent"])
def test_other_roles_cannot_follow_a_unit(world, persona):
    cookie = session_cookie(world.persona(persona))
    assert connect_result(f"/ws/units/{world.unit_mala.pk}/", cookie) == (False, FORBIDDEN)


@pytest.mark.parametrize(
    "path", ["/ws/units/1/", "/ws/inbox/", "/ws/consults/1/", "/ws/notifications/"]
)
def test_anonymous_visitors_are_refused_as_not_logged_in(world, path):
    assert connect_result(path) == (False, NOT_LOGGED_IN)


def test_staff_without_the_second_factor_are_refused_as_not_logged_in(world):
    cookie = session_cookie(world.nurse_mala, second_factor=False)
    assert connect_result(f"/ws/units/{world.unit_mala.pk}/", cookie) == (False, NOT_LOGGED_IN)
    cookie = session_cookie(world.physician_spain, second_factor=False)
    assert connect_result("/ws/inbox/", cookie) == (False, NOT_LOGGED_IN)


def test_a_relative_needs_no_second_factor_for_their_notifications(world):
    cookie = session_cookie(world.relative_with_consent, second_factor=False)
    assert connect_result("/ws/notifications/", cookie) == (True, None)


def _send_consult(world):
    from digifys.consults.services import send_consult

    return send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="urgent",
        situation="Greta andas snabbare sedan i morse.",
        background="Hjärtsvikt.",
        assessment="NEWS2 6.",
        recommendation="Bedömning inom 30 minuter.",
    )


def test_a_physician_hears_about_a_consult_routed_to_them_and_no_other_does(world):
    named = session_cookie(world.physician_spain)
    other = session_cookie(world.other_physician)

    async def run():
        inbox = communicator("/ws/inbox/", named)
        elsewhere = communicator("/ws/inbox/", other)
        assert (await inbox.connect(timeout=10))[0]
        assert (await elsewhere.connect(timeout=10))[0]
        consult = await database_sync_to_async(_send_consult)(world)
        message = await receive_event(inbox, "consult")
        nothing = await elsewhere.receive_nothing(timeout=0.3)
        await inbox.disconnect()
        await elsewhere.disconnect()
        return consult, message, nothing

    consult, message, nothing = run_async(run)
    assert consult.assigned_to.user == world.physician_spain
    assert message == {"event": "consult", "consult": consult.pk, "resident": consult.resident_id}
    assert nothing


def test_a_nurse_cannot_follow_the_physicians_inbox(world):
    cookie = session_cookie(world.nurse_mala)
    assert connect_result("/ws/inbox/", cookie) == (False, FORBIDDEN)


def test_a_consult_thread_is_refused_to_those_who_cannot_see_the_consult(world):
    consult = in_thread(_send_consult, world)
    path = f"/ws/consults/{consult.pk}/"
    assert connect_result(path, session_cookie(world.nurse_mala)) == (True, None)
    assert connect_result(path, session_cookie(world.physician_spain)) == (True, None)
    for persona in ("nurse_storuman", "other_physician", "coordinator", "relative_with_consent"):
        cookie = session_cookie(world.persona(persona))
        assert connect_result(path, cookie) == (False, FORBIDDEN), persona
    assert connect_result("/ws/consults/999999/", session_cookie(world.nurse_mala)) == (
        False,
        FORBIDDEN,
    )


def test_a_user_hears_about_their_own_notifications_only(world):
    from digifys.notifications.services import notify

    mine = session_cookie(world.nurse_mala)
    theirs = session_cookie(world.nurse_storuman)

    async def run():
        own = communicator("/ws/notifications/", mine)
        other = communicator("/ws/notifications/", theirs)
        assert (await own.connect(timeout=10))[0]
        assert (await other.connect(timeout=10))[0]
        await database_sync_to_async(notify)(
            recipients=[world.nurse_mala], kind="task_new", text="Ny uppgift", link="/tasks/"
        )
        message = await receive_event(own, "notification")
        nothing = await other.receive_nothing(timeout=0.3)
        await own.disconnect()
        await other.disconnect()
        return message, nothing

    message, nothing = run_async(run)
    assert message == {"event": "notification", "kind": "task_new", "link": "/tasks/"}
    assert nothing


def test_a_socket_from_another_site_is_refused(world):
    from digifys.asgi import application

    cookie = session_cookie(world.nurse_mala)

    async def run():
        socket = WebsocketCommunicator(
            application,
            f"/ws/units/{world.unit_mala.pk}/",
            headers=[
                (b"origin", b"https://evil.example"),
                (b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()),
            ],
        )
        result = await socket.connect(timeout=10)
        await socket.disconnect()
        return result

    connected, _code = run_async(run)
    assert not connected
