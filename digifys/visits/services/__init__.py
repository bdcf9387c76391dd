"""Writes for video rooms: opening rooms, guests, the waiting room and the record of a call.

One module per part: `common` (settings, close codes, who may enter), `record` (the record of
a call), `rooms` (opening rooms), `joining` (the waiting room, host actions, leaving, ending),
`ice` (STUN/TURN), `guests` (links and codes), `meetings` (relatives invited by name to
family meetings) and `sfu` (rooms on Janus). Callers import the names from here.

No audio or video is ever recorded: media flows browser to browser (WebRTC mesh, through a TURN
relay when needed) or, in rooms of more than four, through the SFU (`sfu`, Janus), and the
server stores only the bookkeeping of a call — who was invited, joined, waited, was admitted,
removed or left, when, and for how long. Each such event is a `CallEvent` on the room and an
entry in the access log (object type "video_call", the event in `details`), so the log shows
who took part in a call about which resident.
"""

from .common import (
    FORBIDDEN,
    GUEST_SESSION_KEY,
    MAX_CODE_ATTEMPTS,
    MESH_LIMIT,
    NO_ROOM,
    NOT_LOGGED_IN,
    NOT_OPEN,
    Event,
    JoinRefused,
    Status,
    closed_message,
    may_enter,
    room_group,
    setting,
)
from .guests import invite_for_token, invite_guest, link_problem, redeem_guest_link
from .ice import ice_servers, turn_credentials
from .joining import (
    admit,
    admitted_others,
    channel_of,
    end_room,
    hello,
    identify,
    is_admitted,
    leave,
    record_fallback,
    relay_target,
    remove,
    waiting_list,
)
from .meetings import Candidate, candidates, invite_relative, invited_relative
from .record import AUDIT_ACTIONS, log_event
from .rooms import (
    open_room_for_booking,
    open_room_for_consult,
    open_room_for_round,
    participant_for_user,
)
from .sfu import SFU_LIMIT, capacity_for, join_info, join_info_for, uses_sfu

__all__ = [
    "AUDIT_ACTIONS",
    "FORBIDDEN",
    "GUEST_SESSION_KEY",
    "MAX_CODE_ATTEMPTS",
    "MESH_LIMIT",
    "NOT_LOGGED_IN",
    "NOT_OPEN",
    "NO_ROOM",
    "SFU_LIMIT",
    "Candidate",
    "Event",
    "JoinRefused",
    "Status",
    "admit",
    "admitted_others",
    "candidates",
    "capacity_for",
    "channel_of",
    "closed_message",
    "end_room",
    "hello",
    "ice_servers",
    "identify",
    "invite_for_token",
    "invite_guest",
    "invite_relative",
    "invited_relative",
    "is_admitted",
    "join_info",
    "join_info_for",
    "leave",
    "link_problem",
    "log_event",
    "may_enter",
    "open_room_for_booking",
    "open_room_for_consult",
    "open_room_for_round",
    "participant_for_user",
    "record_fallback",
    "redeem_guest_link",
    "relay_target",
    "remove",
    "room_group",
    "setting",
    "turn_credentials",
    "uses_sfu",
    "waiting_list",
]
