"""Base WebSocket consumer for live updates (see core/live.py).

A consumer decides on connect which groups the user may follow (`groups_for`, run in a thread
with database access); anyone else is refused with close code 4403 (4401 when not logged in or
the second factor is missing). Messages to the browser are `{"event": ..., ...ids}` only: the
page then re-fetches what changed over HTTP, through the access policy and the access log.
"""

from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from digifys.accounts import authentication

NOT_LOGGED_IN = 4401
FORBIDDEN = 4403


def has_full_login(scope) -> bool:
    """True when the scope's user is logged in with the second factor their role needs."""
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not authentication.needs_second_factor(user):
        return True
    request = SimpleNamespace(session=scope.get("session") or {}, user=user)
    return authentication.has_second_factor(request)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    def groups_for(self, user, **kwargs) -> list[str] | None:
        """Return the groups USER may follow for this route, or None to refuse."""
        raise NotImplementedError

    async def connect(self):
        if not await database_sync_to_async(has_full_login)(self.scope):
            await self.close(code=NOT_LOGGED_IN)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        groups = await database_sync_to_async(self.groups_for)(self.scope["user"], **kwargs)
        if not groups:
            await self.close(code=FORBIDDEN)
            return
        self.live_groups = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "live_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # Browsers only listen; a ping keeps proxies from closing an idle socket.
        if content.get("type") == "ping":
            await self.send_json({"event": "pong"})

    async def live_event(self, message):
        await self.send_json({key: value for key, value in message.items() if key != "type"})
