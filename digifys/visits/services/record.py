"""The record of a call: each event is a CallEvent on the room and an access-log entry."""

from digifys.audit import services as audit
from digifys.visits.models import CallEvent, Participant, Room

from .common import Event

# The access-log action for each call event: taking part in a call about a resident is an
# access to the resident's data ("read"); the host's decisions change the room ("update").
AUDIT_ACTIONS = {
    Event.INVITED: "create",
    Event.JOINED: "read",
    Event.WAITING: "read",
    Event.RECONNECTED: "read",
    Event.FALLBACK_THREAD: "update",
    Event.ADMITTED: "update",
    Event.REMOVED: "update",
    Event.LEFT: "update",
    Event.ENDED: "update",
}


def log_event(
    *,
    room: Room,
    kind: str,
    participant: Participant | None = None,
    actor=None,
    request=None,
    detail: dict | None = None,
) -> CallEvent:
    """Store a call event and its access-log entry."""
    detail = dict(detail or {})
    event = CallEvent.objects.create(room=room, kind=kind, participant=participant, detail=detail)
    audit_details = {"event": str(kind), "room": room.pk, **detail}
    if participant is not None:
        audit_details.update(
            participant=participant.pk, name=participant.display_name, role=participant.role
        )
    if actor is None and participant is not None and participant.user_id is not None:
        actor = participant.user
    audit.record(
        actor=actor,
        action=AUDIT_ACTIONS[kind],
        resident=room.resident,
        object_type="video_call",
        object_id=room.pk,
        request=request,
        details=audit_details,
    )
    return event


def _seconds(since, until) -> int | None:
    if since is None:
        return None
    return max(0, int((until - since).total_seconds()))
