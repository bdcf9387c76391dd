"""Issue 12 §4 item 14: a socket that goes away stops receiving from Redis at once, quietly.

The state the demo showed (docs in digifys/core/layers.py): the consumer's receive task has a
pending cancellation that the blocking pop lost, and the layer starts another pop. These tests
use the real Redis channel layer the settings configure.
"""

import asyncio
import contextlib
import logging
import socket as network
import time
import uuid

import pytest
from channels.layers import channel_layers, get_channel_layer

from digifys.core.tests.test_consumers import communicator, run_async
from digifys.core.tests.test_socket_security import cookie_of, logged_in
from digifys.settings import redis_channel_layer


def _redis_available() -> bool:
    try:
        with network.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_available(), reason="needs Redis at 127.0.0.1:6379")


@pytest.fixture
def redis_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": redis_channel_layer(
            "redis://127.0.0.1:6379/0", prefix=f"digifys-test-{uuid.uuid4().hex[:8]}"
        )
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_a_receive_whose_cancellation_was_lost_stops_instead_of_polling_redis(redis_layer):
    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()

        async def consumer_receive():
            # What the blocking pop did in the demo: the cancel arrived and was swallowed, so
            # the task goes on with a pending cancellation (Task.cancelling() == 1).
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(10)
            return await layer.receive(channel)

        task = asyncio.ensure_future(consumer_receive())
        await asyncio.sleep(0.1)
        task.cancel()
        started = time.monotonic()
        done, _pending = await asyncio.wait([task], timeout=7)
        elapsed = time.monotonic() - started
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return bool(done) and task.cancelled(), elapsed

    stopped, elapsed = run_async(scenario)
    assert stopped, "the receive kept polling Redis after its task was cancelled"
    assert elapsed < 1


@pytest.mark.django_db(transaction=True)
def test_abruptly_closed_live_sockets_finish_without_errors(world, redis_layer, caplog):
    client = logged_in(world.nurse_mala)

    async def scenario():
        sockets = []
        for _ in range(4):
            socket = communicator(f"/ws/units/{world.unit_mala.pk}/", cookie_of(client))
            assert (await socket.connect(timeout=10))[0]
            sockets.append(socket)
        await asyncio.sleep(1)
        started = time.monotonic()
        for socket in sockets:
            # 1006: the connection dropped without a closing handshake (browser killed).
            await socket.send_input({"type": "websocket.disconnect", "code": 1006})
        for socket in sockets:
            await socket.wait(timeout=9)
        return time.monotonic() - started

    with caplog.at_level(logging.WARNING):
        elapsed = run_async(scenario)
    # Well before daphne's application_close_timeout (10 s), even on a loaded machine.
    assert elapsed < 9
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_real_redis_failure_is_still_raised(settings):
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer("redis://127.0.0.1:1/0")}
    channel_layers.backends.clear()
    try:

        async def scenario():
            layer = get_channel_layer()
            await layer.receive(await layer.new_channel())

        with pytest.raises(Exception) as caught:
            run_async(scenario)
        assert "Connect" in type(caught.value).__name__ or "connect" in str(caught.value)
    finally:
        channel_layers.backends.clear()
