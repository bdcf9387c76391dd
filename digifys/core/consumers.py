"""Base WebSocket consumer for live updates (see core/live.py), and the origin check.

A consumer decides on connect which groups the user may follow (`groups_for`, run in a thread
with database access); anyone else is refused with close code 4403 (4401 when not logged in or
the second factor is missing). Messages to the browser are `{"event": ..., ...ids}` only: the
page then re-fetches what changed over HTTP, through the access policy and the access log.

A socket lives no longer than the login it was opened with: logging out closes every socket of
that session at once (`live.end_session`, on Django's `user_logged_out`), and a session that
expires for inactivity closes its sockets at its expiry time; no event is delivered after
either (close code 4401).
"""

import asyncio
import datetime
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http.request import split_domain_port, validate_host
from django.utils import timezone

from digifys.accounts import authentication

from . import live

NOT_LOGGED_IN = 4401
FORBIDDEN = 4403
# How long a session is trusted without looking at the session store again, when the store
# cannot tell its expiry time (non-database session engines).
SESSION_RECHECK = datetime.timedelta(seconds=60)


def has_full_login(scope) -> bool:
    """True when the scope's user is logged in with the second factor their role needs."""
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not authentication.needs_second_factor(user):
        return True
    request = SimpleNamespace(session=scope.get("session") or {}, user=user)
    return authentication.has_second_factor(request)


def session_valid_until(session_key: str | None, user_id: int) -> datetime.datetime | None:
    """Return when the session ends if it still holds USER_ID's login, else None.

    Read from the session store, not the copy the socket got at connect: logging out, another
    login, or expiry for inactivity all show here.
    """
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    model = getattr(store, "model", None)  # database-backed stores know the exact expiry
    if model is not None:
        # One query for the login and its expiry: this runs for every socket on every event,
        # in the one thread channels gives database work (bench/relatives.py).
        row = (
            model.objects.filter(session_key=session_key, expire_date__gt=timezone.now())
            .values_list("session_data", "expire_date")
            .first()
        )
        if row is None or str(store.decode(row[0]).get(SESSION_KEY)) != str(user_id):
            return None
        return row[1]
    if str(store.load().get(SESSION_KEY)) != str(user_id):
        return None
    return timezone.now() + SESSION_RECHECK


class LiveConsumer(AsyncJsonWebsocketConsumer):
    session_key: str | None = None
    valid_until: datetime.datetime | None = None
    _expiry_watch: asyncio.Task | None = None

    def groups_for(self, user, **kwargs) -> list[str] | None:
        """Return the groups USER may follow for this route, or None to refuse."""
        raise NotImplementedError

    async def connect(self):
        if not await database_sync_to_async(has_full_login)(self.scope):
            await self.close(code=NOT_LOGGED_IN)
            return
        user = self.scope["user"]
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.valid_until = await database_sync_to_async(session_valid_until)(
            self.session_key, user.pk
        )
        if self.valid_until is None:
            await self.close(code=NOT_LOGGED_IN)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        groups = await database_sync_to_async(self.groups_for)(user, **kwargs)
        if not groups:
            await self.close(code=FORBIDDEN)
            return
        self.live_groups = [*groups, live.session_group(self.session_key)]
        for group in self.live_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self._expiry_watch = asyncio.create_task(self._close_at_expiry())

    async def disconnect(self, code):
        if self._expiry_watch is not None:
            self._expiry_watch.cancel()
        for group in getattr(self, "live_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _session_alive(self) -> bool:
        """True while the session still holds this login, read from the session store.

        Read before every event (events are rare, a few a minute per unit) so that a session
        deleted or cut short by any means stops its events too, not only a logout.
        """
        self.valid_until = await database_sync_to_async(session_valid_until)(
            self.session_key, self.scope["user"].pk
        )
        return self.valid_until is not None and timezone.now() < self.valid_until

    async def _close_at_expiry(self) -> None:
        while await self._session_alive():
            wait = (self.valid_until - timezone.now()).total_seconds()
            await asyncio.sleep(max(wait, 0) + 0.05)
        await self.close(code=NOT_LOGGED_IN)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # A frame that is not JSON text gets an answer, not a crash of the socket (1011).
        try:
            content = await self.decode_json(text_data) if text_data else None
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.send_json({"event": "error", "error": "bad_request"})
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        # Browsers only listen; a ping keeps proxies from closing an idle socket.
        if content.get("type") == "ping":
            await self.send_json({"event": "pong"})

    async def live_event(self, message):
        if not await self._session_alive():
            await self.close(code=NOT_LOGGED_IN)
            return
        await self.send_json({key: value for key, value in message.items() if key != "type"})

    async def session_ended(self, message):
        await self.close(code=NOT_LOGGED_IN)


def _expected_origins(scope) -> set[tuple[str, str, int]]:
    """The origins a page of this site has when it opens this socket: (scheme, host, port)."""
    headers = {
        name.decode("latin1").lower(): value.decode("latin1")
        for name, value in scope.get("headers", [])
    }
    host = headers.get("host", "").lower()
    origins = set()
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS):
        secure = scope.get("scheme") in ("wss", "https")
        proxy = settings.SECURE_PROXY_SSL_HEADER
        if proxy:
            name = proxy[0].removeprefix("HTTP_").lower().replace("_", "-")
            secure = secure or headers.get(name) == proxy[1]
        origins.add(_origin_key(f"{'https' if secure else 'http'}://{host}"))
    origins.update(_origin_key(origin) for origin in settings.CSRF_TRUSTED_ORIGINS)
    return origins


def _origin_key(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname, port


class SameOriginValidator:
    """Accept a WebSocket only from a page of this very site: scheme, host and port must match.

    Channels' AllowedHostsOriginValidator accepts any scheme and port on an allowed host, so a
    page served by any other service on that host (another port) could open a logged-in socket.
    The expected origin is the socket's own Host header (checked against ALLOWED_HOSTS) with the
    scheme the request came in on (behind a TLS proxy: SECURE_PROXY_SSL_HEADER), or one of
    CSRF_TRUSTED_ORIGINS.
    """

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            origin = next(
                (v.decode("latin1") for k, v in scope.get("headers", []) if k.lower() == b"origin"),
                "",
            )
            key = _origin_key(origin)
            if key is None or key not in _expected_origins(scope):
                return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
