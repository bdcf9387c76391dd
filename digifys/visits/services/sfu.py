"""Rooms on the SFU (Janus): which rooms use it, and what an admitted participant gets.

A room of at most MESH_LIMIT participants is a browser mesh; a larger one (a family meeting of
up to eight) runs on Janus when JANUS_URL is set. Without Janus a room holds MESH_LIMIT.
"""

from django.conf import settings

from digifys.visits import janus
from digifys.visits.models import Participant, Room

from .common import MESH_LIMIT, Status

# The most a room may ever hold (physician, nurse, resident, several relatives, interpreter).
SFU_LIMIT = 8


def capacity_for(kind_wants: int) -> int:
    """The participants a new room may hold: KIND_WANTS if Janus is set up, else MESH_LIMIT."""
    if kind_wants > MESH_LIMIT and janus.configured():
        return min(kind_wants, SFU_LIMIT)
    return MESH_LIMIT


def uses_sfu(room: Room) -> bool:
    return room.max_participants > MESH_LIMIT


def admitted_ids(room_id: int) -> list[int]:
    return list(
        Participant.objects.filter(room_id=room_id, status=Status.ADMITTED).values_list(
            "pk", flat=True
        )
    )


def join_info(room: Room, participant: Participant) -> dict:
    """What an admitted participant's browser needs to publish and subscribe on Janus.

    Makes sure the Janus room exists with every admitted participant in its ACL (also after
    a Janus restart). Raises janus.JanusError when Janus cannot be reached.
    """
    janus_room = janus.ensure_room(
        room.pk,
        publishers=room.max_participants,
        allowed=[janus.join_token(room.pk, pid) for pid in admitted_ids(room.pk)],
    )
    return {
        "url": settings.JANUS_PUBLIC_URL,
        "token": janus.session_token(),
        "room": janus_room,
        "pin": janus.room_pin(room.pk),
        "join": janus.join_token(room.pk, participant.pk),
        "feed": participant.pk,
    }


def join_info_for(room_id: int, participant_id: int) -> dict:
    """`join_info` by ids (the consumer's admitted participant in its own room)."""
    participant = Participant.objects.select_related("room").get(pk=participant_id, room_id=room_id)
    return join_info(participant.room, participant)


def revoke(room_id: int, participant_id: int) -> None:
    """The participant is no longer in the call: out of the ACL, their feed dropped."""
    janus.disallow(room_id, participant_id)


def close(room_id: int) -> None:
    janus.destroy(room_id)
