"""Live updates over Channels: services publish "something changed" after commit; consumers
forward it to browsers, which re-fetch the affected part over HTTP (so every read still goes
through the views, the access policy and the access log). Events carry ids, never clinical text.
"""

import asyncio
import hashlib
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

EVENT_TYPE = "live.event"


def unit_group(unit_id: int) -> str:
    return f"unit-{unit_id}"


def physician_group(staff_id: int) -> str:
    return f"physician-{staff_id}"


def consult_group(consult_id: int) -> str:
    return f"consult-{consult_id}"


def resident_group(resident_id: int) -> str:
    return f"resident-{resident_id}"


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def session_group(session_key: str) -> str:
    """The group of every socket opened with one login session (a hash: keys stay secret)."""
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def end_session(session_key: str | None) -> None:
    """Close every live socket opened with this session (at logout), now."""
    if session_key:
        _send_message([session_group(session_key)], {"type": "session.ended"}, "session end")


def send_now(groups: list[str], event: str, **data) -> None:
    _send_message(groups, {"type": EVENT_TYPE, "event": event, **data}, event)


def _send_message(groups: list[str], message: dict, event: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group in dict.fromkeys(groups):
            try:
                await layer.group_send(group, message)
            except Exception:  # a live update must never break the write that caused it
                log.exception("live update to %s failed", group)

    def send() -> None:
        # One event loop (and one Redis connection) for all groups of this change.
        try:
            async_to_sync(send_all)()
        except Exception:
            log.exception("live update %s failed", event)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        send()  # the usual case: a sync view or task, no event loop in this thread
        return
    # Called from a thread that runs an event loop (e.g. a script or test driving a browser):
    # async_to_sync cannot run here, so send from a helper thread.
    helper = threading.Thread(target=send)
    helper.start()
    helper.join(timeout=5)


def publish(groups: list[str], event: str, **data) -> None:
    """Tell GROUPS that EVENT happened, once the current transaction commits."""
    groups = list(groups)
    transaction.on_commit(lambda: send_now(groups, event, **data))


def close_sockets_at_logout(sender, request, user, **kwargs) -> None:
    """`user_logged_out` receiver: the session's sockets stop at once, not at their next event."""
    session = getattr(request, "session", None)
    end_session(getattr(session, "session_key", None))
