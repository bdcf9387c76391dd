"""The video room's WebSocket: waiting room, host actions and WebRTC signalling.

The frames are those of the backend ⟷ client contract (welcome, waiting, admitted, joined, left,
signal, state, removed, ended, error). The server never sees audio or video: it only relays
signalling messages (SDP offers/answers, ICE candidates) between admitted participants, and
nothing is recorded.

The signalling seam: `RoomConsumer` parses frames and checks who may do what; everything about
how participants are connected goes through a `SignallingBackend`. `MeshSignalling` relays SDP
between browsers over the channel layer (a full mesh, fine for up to four participants).
`JanusSignalling` (rooms of more than four: family meetings) hands an admitted participant the
details to publish to and subscribe on the Janus VideoRoom (visits/janus.py) and relays
nothing — the waiting room, host checks and the call record stay as they are.

Chat: admitted participants (staff, relatives, guests) may send short text messages to the
room; they go to the admitted participants only and are not stored.

Close codes: 4401 no valid login or guest session, 4403 not invited (or removed), 4404 no such
room, 4409 room not open or ended. The socket is accepted first and then closed with the code,
so browsers see the code (a refused handshake reaches them as 1006).
"""

import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from digifys.core.consumers import has_full_login

from . import janus, services
from .access import access_own_participant, access_room_as_host
from .models import Participant
from .services import JoinRefused, room_group

log = logging.getLogger(__name__)
SESSION_RENEW_SECONDS = 60
CHAT_MAX_LENGTH = 1000


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You may not do this.")


class SignallingBackend:
    """How admitted participants are connected to each other (the SFU seam)."""

    sfu = False

    def __init__(self, channel_layer, room_id: int):
        self.channel_layer = channel_layer
        self.room_id = room_id
        self.group = room_group(room_id)

    async def to_group(self, kind: str, **data) -> None:
        await self.channel_layer.group_send(self.group, {"type": kind, **data})

    async def to_channel(self, channel_name: str, kind: str, **data) -> None:
        if channel_name:
            await self.channel_layer.send(channel_name, {"type": kind, **data})

    async def peers_for(self, participant_id: int) -> list[dict]:
        """What a newly admitted participant connects to."""
        raise NotImplementedError

    async def relay(self, *, sender_id: int, target_id, data) -> bool:
        """Deliver one signalling message; return False when it may not be delivered."""
        raise NotImplementedError

    async def announce_admitted(self, participant: Participant) -> None:
        raise NotImplementedError

    async def join_info(self, participant_id: int) -> dict | None:
        """What an admitted browser needs besides the peer list (the SFU's details)."""
        return None

    async def announce_left(self, participant_id: int) -> None:
        await self.to_group("visit.left", participant=participant_id)

    async def announce_waiting(self) -> None:
        waiting = await database_sync_to_async(services.waiting_list)(self.room_id)
        await self.to_group("visit.waiting", participants=waiting)


class MeshSignalling(SignallingBackend):
    """Browser-to-browser mesh: the newcomer offers to every admitted peer; SDP is relayed."""

    async def peers_for(self, participant_id: int) -> list[dict]:
        return await database_sync_to_async(services.admitted_others)(self.room_id, participant_id)

    async def relay(self, *, sender_id: int, target_id, data) -> bool:
        channel = await database_sync_to_async(services.relay_target)(
            room_id=self.room_id, sender_id=sender_id, target_id=target_id
        )
        if not channel:
            return False
        await self.to_channel(channel, "visit.signal", sender=sender_id, data=data)
        return True

    async def announce_admitted(self, participant: Participant) -> None:
        # The others first learn who is coming (they wait for the offer), then the newcomer
        # gets the list of peers to offer to.
        await self.to_group("visit.joined", participant=participant.as_json())
        peers = await self.peers_for(participant.pk)
        await self.to_channel(participant.channel_name, "visit.admitted", participants=peers)


class JanusSignalling(SignallingBackend):
    """The SFU (Janus VideoRoom): every browser publishes once and subscribes to the others.

    Our socket keeps the waiting room, the host's decisions and the names; media and SDP go
    between each browser and Janus. An admitted participant gets what it needs to publish and
    subscribe (a signed Janus session token, the room, its PIN and the participant's own join
    token, which is in the room's ACL only while the participant is admitted). Nothing is
    relayed between browsers.
    """

    sfu = True

    async def peers_for(self, participant_id: int) -> list[dict]:
        return await database_sync_to_async(services.admitted_others)(self.room_id, participant_id)

    async def relay(self, *, sender_id: int, target_id, data) -> bool:
        return False

    async def join_info(self, participant_id: int) -> dict | None:
        """The Janus details for an admitted participant; None (logged) if Janus is down."""
        try:
            return await database_sync_to_async(services.join_info_for)(
                self.room_id, participant_id
            )
        except janus.JanusError:
            log.warning("Janus is not reachable for room %s", self.room_id, exc_info=True)
            return None

    async def announce_admitted(self, participant: Participant) -> None:
        await self.to_group("visit.joined", participant=participant.as_json())
        peers = await self.peers_for(participant.pk)
        info = await self.join_info(participant.pk)
        await self.to_channel(
            participant.channel_name, "visit.admitted", participants=peers, sfu=info
        )


def signalling_for(channel_layer, room_id: int, *, sfu: bool = False) -> SignallingBackend:
    """The mesh for rooms of up to four, Janus for larger ones (visits.services.sfu)."""
    if sfu:
        return JanusSignalling(channel_layer, room_id)
    return MeshSignalling(channel_layer, room_id)


def _identify(scope, room_id: int) -> tuple[Participant, object]:
    """Who is connecting, and their user account (None for a guest).

    Runs in a thread: the session and the database are synchronous, and so is loading
    `participant.user`, which the event loop must not do.
    """
    session = scope.get("session")
    guests = dict(session.get(services.GUEST_SESSION_KEY, {})) if session is not None else {}
    user = scope.get("user")
    full_login = has_full_login(scope)
    if str(room_id) not in guests and not full_login:
        raise JoinRefused(services.NOT_LOGGED_IN, _("Log in to join the video visit."), "login")
    participant = services.identify(
        room_id=room_id, user=user if full_login else None, guest_participants=guests
    )
    return participant, participant.user if participant.user_id else None


def _language(scope) -> str:
    """The user's saved language, else the language cookie, else Swedish (as LanguageMiddleware)."""
    supported = {code for code, _name in settings.LANGUAGES}
    user = scope.get("user")
    language = getattr(user, "language", "") if user is not None else ""
    if user is not None and user.is_authenticated and language in supported:
        return language
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    return cookie if cookie in supported else settings.LANGUAGE_CODE


class RoomConsumer(AsyncJsonWebsocketConsumer):
    participant_id: int | None = None
    is_host = False
    admitted = False
    language = settings.LANGUAGE_CODE

    async def websocket_connect(self, message):
        self.language = await database_sync_to_async(_language)(self.scope)
        with translation.override(self.language):
            await super().websocket_connect(message)

    async def websocket_receive(self, message):
        # Error texts go out in the participant's language.
        with translation.override(self.language):
            await super().websocket_receive(message)
        if self.admitted:
            await self.keep_session()

    async def keep_session(self) -> None:
        """Being in a call is activity: renew the session's inactivity timeout (throttled).

        Otherwise a call longer than SESSION_COOKIE_AGE could not reconnect after a blip.
        """
        now = time.monotonic()
        if now - getattr(self, "_session_renewed", 0.0) < SESSION_RENEW_SECONDS:
            return
        self._session_renewed = now
        await database_sync_to_async(self._save_session)()

    def _save_session(self) -> None:
        session = self.scope.get("session")
        if session is None or session.is_empty():
            return
        try:
            session.modified = True
            session.save()
        except Exception:  # an expired session is refused at the next connect anyway
            log.info("could not renew the session of a video participant", exc_info=True)

    async def connect(self):
        await self.accept()
        self.room_id = self.scope["url_route"]["kwargs"]["room_id"]
        try:
            participant, user = await database_sync_to_async(_identify)(self.scope, self.room_id)
        except JoinRefused as refused:
            await self.refuse(refused)
            return
        self.participant_id = participant.pk
        self.display_name = participant.display_name
        self.is_host = participant.is_host
        self.user = user
        self.signalling = signalling_for(
            self.channel_layer, self.room_id, sfu=services.uses_sfu(participant.room)
        )
        await self.channel_layer.group_add(room_group(self.room_id), self.channel_name)

    async def refuse(self, refused: JoinRefused) -> None:
        if refused.message:
            await self.send_json(
                {"type": "error", "code": refused.reason or "refused", "message": refused.message}
            )
        await self.close(code=refused.code)

    async def error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def disconnect(self, code):
        if self.participant_id is None:
            return
        await self.channel_layer.group_discard(room_group(self.room_id), self.channel_name)
        was_admitted = self.admitted
        participant = await database_sync_to_async(services.leave)(
            participant_id=self.participant_id, channel_name=self.channel_name, explicit=False
        )
        self.participant_id = None
        if participant is None:
            return
        if was_admitted:
            await self.signalling.announce_left(participant.pk)
        else:
            await self.signalling.announce_waiting()

    # --- Frames from the browser ---------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # A frame that is not JSON text is answered with an error, not a crash (close 1011).
        try:
            content = await self.decode_json(text_data) if text_data else None
        except ValueError:
            content = None
        if content is None:
            if self.participant_id is not None:
                await self.error("bad_request", _("The message was not understood."))
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        if self.participant_id is None:
            return
        if not isinstance(content, dict):
            await self.error("bad_request", _("The message was not understood."))
            return
        kind = content.get("type")
        handler = {
            "hello": self.on_hello,
            "signal": self.on_signal,
            "admit": self.on_admit,
            "remove": self.on_remove,
            "end": self.on_end,
            "leave": self.on_leave,
            "state": self.on_state,
            "ping": self.on_ping,
            "chat": self.on_chat,
        }.get(kind)
        if handler is None:
            await self.error("bad_request", _("The message was not understood."))
            return
        await handler(content)

    async def on_chat(self, content):
        """A text message to everybody admitted (not stored: nothing of a call is recorded)."""
        if not self.admitted:
            await self.error("not_admitted", _("Wait until the host lets you in."))
            return
        text = content.get("text")
        text = text.strip() if isinstance(text, str) else ""
        if not text or len(text) > CHAT_MAX_LENGTH:
            await self.error(
                "bad_chat",
                _("A message has 1 to %(max)d characters.") % {"max": CHAT_MAX_LENGTH},
            )
            return
        # Still admitted now? (removed by the host a moment ago: nothing goes out.)
        if not await database_sync_to_async(services.is_admitted)(self.participant_id):
            await self.error("not_admitted", _("Wait until the host lets you in."))
            return
        await self.signalling.to_group(
            "visit.chat",
            sender=self.participant_id,
            name=self.display_name,
            text=text,
            at=int(time.time() * 1000),
        )

    async def on_ping(self, content):
        await self.send_json({"type": "pong"})

    async def on_hello(self, content):
        try:
            participant = await database_sync_to_async(services.hello)(
                participant_id=self.participant_id, channel_name=self.channel_name
            )
        except JoinRefused as refused:
            self.participant_id = None
            await self.channel_layer.group_discard(room_group(self.room_id), self.channel_name)
            await self.refuse(refused)
            return
        self.admitted = participant.status == Participant.Status.ADMITTED
        peers = await self.signalling.peers_for(participant.pk)
        sfu = await self.signalling.join_info(participant.pk) if self.admitted else None
        if self.admitted and self.signalling.sfu and sfu is None:
            await self.error(
                "sfu_unavailable",
                _("The video server cannot be reached. Try again in a minute, or call the unit."),
            )
        await self.send_json(
            {
                "type": "welcome",
                "sfu": sfu,
                "self": {
                    "id": participant.pk,
                    "name": participant.display_name,
                    "role": participant.role,
                    "host": participant.is_host,
                },
                "status": "admitted" if self.admitted else "waiting",
                "participants": peers,
            }
        )
        if self.admitted:
            # The others drop any old connection to this participant and wait for its offer.
            await self.signalling.to_group("visit.joined", participant=participant.as_json())
        if self.is_host:
            waiting = await database_sync_to_async(services.waiting_list)(self.room_id)
            await self.send_json({"type": "waiting", "participants": waiting})
        if not self.admitted:
            await self.signalling.announce_waiting()

    async def on_signal(self, content):
        if not self.admitted:
            await self.error("not_admitted", _("Wait until the host lets you in."))
            return
        data = content.get("data")
        if not isinstance(data, dict):
            await self.error("bad_request", _("The message was not understood."))
            return
        delivered = await self.signalling.relay(
            sender_id=self.participant_id, target_id=content.get("to"), data=data
        )
        if not delivered:
            await self.error("unknown_participant", _("That participant is not in the call."))

    async def _host_action(self, action, **kwargs):
        if not self.is_host:
            await self.error("forbidden", _("Only the host can do this."))
            return None
        actor = await database_sync_to_async(self._actor)()
        try:
            return await database_sync_to_async(action)(actor=actor, **kwargs)
        except (PermissionDenied, ValidationError) as error:
            await self.error("forbidden", _message(error))
            return None

    def _actor(self) -> Participant:
        return access_own_participant(participant_id=self.participant_id, room_id=self.room_id)

    async def on_admit(self, content):
        target = await self._host_action(services.admit, participant_id=content.get("participant"))
        if target is None:
            return
        await self.signalling.announce_admitted(target)
        await self.signalling.announce_waiting()

    async def on_remove(self, content):
        channel = await database_sync_to_async(services.channel_of)(
            room_id=self.room_id, participant_id=content.get("participant")
        )
        target = await self._host_action(services.remove, participant_id=content.get("participant"))
        if target is None:
            return
        await self.signalling.to_channel(channel, "visit.removed", participant=target.pk)
        await self.signalling.announce_left(target.pk)
        await self.signalling.announce_waiting()

    async def on_end(self, content):
        if not self.is_host:
            await self.error("forbidden", _("Only the host can do this."))
            return
        try:
            room = await database_sync_to_async(access_room_as_host)(self.user, self.room_id)
            # end_room tells every socket of the room (this one too) once it has committed.
            await database_sync_to_async(services.end_room)(actor=self.user, room=room)
        except (PermissionDenied, Http404) as error:
            await self.error("forbidden", _message(error))

    async def on_leave(self, content):
        participant = await database_sync_to_async(services.leave)(
            participant_id=self.participant_id, channel_name=self.channel_name, explicit=True
        )
        was_admitted = self.admitted
        self.participant_id = None
        self.admitted = False
        await self.channel_layer.group_discard(room_group(self.room_id), self.channel_name)
        if participant is not None:
            if was_admitted:
                await self.signalling.announce_left(participant.pk)
            else:
                await self.signalling.announce_waiting()
        await self.close(code=1000)

    async def on_state(self, content):
        if not self.admitted:
            return
        state = {"participant": self.participant_id}
        for key in ("audio", "video"):
            if isinstance(content.get(key), bool):
                state[key] = content[key]
        if content.get("quality") in ("good", "fair", "poor"):
            state["quality"] = content["quality"]
        if content.get("mode") in ("normal", "low", "audio"):
            state["mode"] = content["mode"]
        await self.signalling.to_group("visit.state", state=state)

    # --- Messages from the channel layer --------------------------------------------------------

    async def visit_joined(self, message):
        if self.admitted and message["participant"]["id"] != self.participant_id:
            await self.send_json({"type": "joined", "participant": message["participant"]})

    async def visit_left(self, message):
        if message["participant"] != self.participant_id and self.participant_id is not None:
            await self.send_json({"type": "left", "participant": message["participant"]})

    async def visit_waiting(self, message):
        if self.is_host and self.participant_id is not None:
            await self.send_json({"type": "waiting", "participants": message["participants"]})

    async def visit_state(self, message):
        state = message["state"]
        if self.admitted and state["participant"] != self.participant_id:
            await self.send_json({"type": "state", **state})

    async def visit_chat(self, message):
        if self.admitted and self.participant_id is not None:
            await self.send_json(
                {
                    "type": "chat",
                    "from": message["sender"],
                    "name": message["name"],
                    "text": message["text"],
                    "at": message["at"],
                    "self": message["sender"] == self.participant_id,
                }
            )

    async def visit_signal(self, message):
        if self.admitted:
            await self.send_json(
                {"type": "signal", "from": message["sender"], "data": message["data"]}
            )

    async def visit_admitted(self, message):
        if self.participant_id is None:
            return
        self.admitted = True
        await self.send_json(
            {
                "type": "admitted",
                "participants": message["participants"],
                "sfu": message.get("sfu"),
            }
        )

    async def visit_removed(self, message):
        if message.get("participant") != self.participant_id:
            return
        self.participant_id = None
        self.admitted = False
        await self.channel_layer.group_discard(room_group(self.room_id), self.channel_name)
        await self.send_json({"type": "removed"})
        await self.close(code=services.FORBIDDEN)

    async def live_event(self, message):
        """An event a service published through core.live after its commit."""
        if message.get("event") == "visit.ended":
            await self.visit_ended(message)

    async def visit_ended(self, message):
        self.participant_id = None
        self.admitted = False
        await self.channel_layer.group_discard(room_group(self.room_id), self.channel_name)
        await self.send_json({"type": "ended"})
        await self.close(code=services.NOT_OPEN)
