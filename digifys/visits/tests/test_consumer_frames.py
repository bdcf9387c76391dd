"""A frame that is not JSON gets an error reply; the room socket stays open (issue #20 item 14)."""

import pytest

from digifys.visits import services
from digifys.visits.tests.access_rows import _a_consult

from .test_consumer import (  # noqa: F401  (an autouse fixture)
    _in_memory_channel_layer,
    hello,
    open_socket,
    run_async,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(world):
    return services.open_room_for_consult(actor=world.physician_spain, consult=_a_consult(world))


@pytest.mark.parametrize("frame", [{"text_data": "{not json"}, {"bytes_data": b"\x00\xff"}])
def test_a_frame_that_is_not_json_is_answered_and_the_call_goes_on(world, room, frame):
    cookie = session_cookie(world.physician_spain)

    async def scenario():
        host = await open_socket(room.pk, cookie)
        welcome = await hello(host)
        await host.receive_json_from(timeout=5)  # the waiting list
        await host.send_to(**frame)
        error = await host.receive_json_from(timeout=5)
        await host.send_json_to({"type": "ping"})
        pong = await host.receive_json_from(timeout=5)
        await host.disconnect()
        return welcome["type"], error, pong

    welcome, error, pong = run_async(scenario)
    assert welcome == "welcome"
    assert error == {"type": "error", "code": "bad_request", "message": error["message"]}
    assert error["message"]
    assert pong == {"type": "pong"}
