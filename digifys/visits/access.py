"""Fetching rooms and participants for the one who asks: the only way views and the consumer
get them (as healthchecks' `_get_check_for_user`, Zulip's `access_*_by_*`).

A role that never enters rooms gets 403; a room the user may not enter is 404, so its
existence is not revealed (careteams.policy.room_filter_for decides).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role

from .models import BEDSIDE_ROLES, Participant, Room

CALL_ROLES = (Role.PHYSICIAN, *BEDSIDE_ROLES)
RECORD_ROLES = (*CALL_ROLES, Role.COORDINATOR)


def access_room_by_id(user, room_id: int, *, roles=CALL_ROLES) -> Room:
    """Return room ROOM_ID if USER may enter it: 403 for other ROLES, 404 for other rooms."""
    require_role(user, *roles)
    rooms = Room.objects.visible_to(user).select_related(
        "host__user", "unit__parent", "resident", "consult", "round"
    )
    return get_object_or_404(rooms, pk=room_id)


def access_room_as_host(user, room_id: int, *, roles=CALL_ROLES) -> Room:
    """Return room ROOM_ID when USER is its host (403 for a participant who is not)."""
    room = access_room_by_id(user, room_id, roles=roles)
    if room.host.user_id != user.pk:
        raise PermissionDenied
    return room


def access_room_record_by_id(user, room_id: int) -> Room:
    """Return room ROOM_ID for reading its call record (coordinators read every record)."""
    require_role(user, *RECORD_ROLES)
    rooms = Room.objects.record_visible_to(user).select_related(
        "host__user", "unit__parent", "resident"
    )
    return get_object_or_404(rooms, pk=room_id)


def access_guest_participant(session, room_id: int) -> Participant | None:
    """Return the guest participant this browser session redeemed a link for, in ROOM_ID.

    A guest has no login: the session holds the participant it got for the link and code
    (visits.services.redeem_guest_link), which is the guest's only key to the room.
    """
    from .services import GUEST_SESSION_KEY

    participant_id = dict(session.get(GUEST_SESSION_KEY, {})).get(str(room_id))
    if participant_id is None:
        return None
    return Participant.objects.filter(
        pk=participant_id, room_id=room_id, role=Participant.Role.GUEST
    ).first()


def access_own_participant(*, participant_id: int, room_id: int) -> Participant:
    """Return the socket's own participant row (identified and admitted by services.identify)."""
    participant = (
        Participant.objects.select_related("user", "room")
        .filter(pk=participant_id, room_id=room_id)
        .first()
    )
    if participant is None:
        raise Http404
    return participant


def access_meeting_as_relative(user, room_id: int) -> tuple[Room, Participant]:
    """Return ROOM_ID and USER's participant row if USER is a relative invited to it by name
    whose consent in force still covers family meetings (visits.services.invited_relative);
    403 for other roles, 404 otherwise (a room they may not enter does not exist for them)."""
    from .services import invited_relative

    require_role(user, Role.RELATIVE)
    room = (
        Room.objects.select_related("host__user", "unit", "booking", "resident")
        .filter(pk=room_id)
        .first()
    )
    participant = invited_relative(user, room) if room is not None else None
    if participant is None:
        raise Http404
    return room, participant
