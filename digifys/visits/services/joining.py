"""Joining, the waiting room, the host's actions, leaving and ending (used by the consumer)."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.core import live
from digifys.visits import janus
from digifys.visits.models import GuestInvite, Participant, Room

from .common import (
    FORBIDDEN,
    NO_ROOM,
    NOT_LOGGED_IN,
    NOT_OPEN,
    Event,
    JoinRefused,
    Status,
    closed_message,
    join_refusal,
    may_enter,
    room_group,
    setting,
)
from .meetings import invited_relative
from .record import _seconds, log_event
from .rooms import participant_for_user
from .sfu import close as close_sfu_room
from .sfu import revoke as revoke_sfu_access
from .sfu import uses_sfu

log = logging.getLogger(__name__)


def identify(*, room_id: int, user=None, guest_participants: dict | None = None) -> Participant:
    """Return who is connecting to ROOM_ID, or raise JoinRefused with the close code."""
    room = Room.objects.select_related("host__user", "unit", "resident").filter(pk=room_id).first()
    participant = None
    guest_id = (guest_participants or {}).get(str(room_id))
    staff = user is not None and user.is_authenticated
    if guest_id is not None:
        participant = (
            Participant.objects.filter(pk=guest_id, room_id=room_id, role=Participant.Role.GUEST)
            .select_related("room")
            .first()
        )
    if room is None:
        if staff or guest_participants:
            raise JoinRefused(NO_ROOM, _("There is no such video visit."), "no_room")
        raise JoinRefused(NOT_LOGGED_IN, _("Log in to join the video visit."), "login")
    if participant is None and staff and getattr(user, "role", None) == Role.RELATIVE:
        participant = invited_relative(user, room)
        if participant is None:
            raise JoinRefused(FORBIDDEN, _("You are not invited to this video visit."), "forbidden")
    if participant is None:
        if not staff:
            raise JoinRefused(NOT_LOGGED_IN, _("Log in to join the video visit."), "login")
        if not may_enter(user, room):
            raise JoinRefused(FORBIDDEN, _("You are not invited to this video visit."), "forbidden")
        if refusal := join_refusal(user, room):
            raise JoinRefused(FORBIDDEN, refusal, "not_eligible")
        participant = participant_for_user(room=room, user=user)
    participant.room = room
    if participant.status == Status.REMOVED:
        raise JoinRefused(FORBIDDEN, _("You were removed from this video visit."), "removed")
    if not room.is_open():
        raise JoinRefused(NOT_OPEN, closed_message(room), "closed")
    return participant


@transaction.atomic
def hello(*, participant_id: int, channel_name: str) -> Participant:
    """Mark the participant connected on CHANNEL_NAME; put them in the waiting room or in."""
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("room__host__user", "room__resident", "user")
        .get(pk=participant_id)
    )
    room = participant.room
    if participant.status == Status.REMOVED:
        raise JoinRefused(FORBIDDEN, _("You were removed from this video visit."), "removed")
    if not room.is_open():
        raise JoinRefused(NOT_OPEN, closed_message(room), "closed")
    now = timezone.now()
    first = participant.first_joined_at is None
    was_connected = participant.connected
    participant.connected = True
    participant.channel_name = channel_name
    participant.connected_at = now
    participant.left_at = None
    if first:
        participant.first_joined_at = now
    fields = ["connected", "channel_name", "connected_at", "left_at", "first_joined_at"]
    auto_admit = participant.role == Participant.Role.STAFF and setting(
        "VIDEO_AUTO_ADMIT_STAFF", False
    )
    events = []
    if auto_admit and participant.status != Status.ADMITTED:
        # A full room: the staff member waits for the host like everybody else.
        auto_admit = _admitted_count(room.pk) < room.max_participants
    if participant.is_host or (auto_admit and participant.status != Status.ADMITTED):
        if participant.status != Status.ADMITTED:
            participant.status = Status.ADMITTED
            participant.admitted_at = participant.admitted_at or now
            fields += ["status", "admitted_at"]
            events.append(Event.ADMITTED)
    elif participant.status != Status.ADMITTED and participant.status != Status.WAITING:
        participant.status = Status.WAITING
        fields.append("status")
        events.append(Event.WAITING)
    elif participant.status == Status.WAITING and not was_connected:
        events.append(Event.WAITING)
    participant.save(update_fields=fields)
    kind = Event.JOINED if first else Event.RECONNECTED
    log_event(room=room, kind=kind, participant=participant)
    for event in events:
        # The host's own entry into the room is not a separate admission.
        if not (participant.is_host and event == Event.ADMITTED):
            log_event(room=room, kind=event, participant=participant)
    return participant


def _target(room_id: int, participant_id) -> Participant:
    try:
        participant_id = int(participant_id)
    except (TypeError, ValueError):
        raise ValidationError(_("No such participant in this call.")) from None
    target = (
        Participant.objects.select_for_update(of=("self",))
        .filter(room_id=room_id, pk=participant_id)
        .select_related("room__resident", "user")
        .first()
    )
    if target is None:
        raise ValidationError(_("No such participant in this call."))
    return target


def _require_host(actor: Participant) -> None:
    if not actor.is_host:
        raise PermissionDenied(_("Only the host can do this."))


@transaction.atomic
def admit(*, actor: Participant, participant_id) -> Participant:
    """The host lets a waiting participant in."""
    _require_host(actor)
    target = _target(actor.room_id, participant_id)
    if target.status == Status.ADMITTED:
        return target
    if target.status != Status.WAITING or not target.connected:
        raise ValidationError(_("%(name)s is not waiting.") % {"name": target.display_name})
    limit = target.room.max_participants
    if _admitted_count(target.room_id) >= limit:
        raise ValidationError(
            _(
                "A video visit holds at most %(limit)d participants. Remove someone before "
                "letting %(name)s in."
            )
            % {"limit": limit, "name": target.display_name}
        )
    target.status = Status.ADMITTED
    target.admitted_at = timezone.now()
    target.save(update_fields=["status", "admitted_at"])
    log_event(room=target.room, kind=Event.ADMITTED, participant=target, actor=actor.user)
    return target


@transaction.atomic
def remove(*, actor: Participant, participant_id) -> Participant:
    """The host removes a participant (or turns a waiting one away); they cannot come back."""
    _require_host(actor)
    target = _target(actor.room_id, participant_id)
    if target.is_host:
        raise ValidationError(_("The host cannot be removed."))
    if target.status == Status.REMOVED:
        return target
    now = timezone.now()
    duration = _seconds(target.connected_at, now) if target.connected else None
    target.status = Status.REMOVED
    target.connected = False
    target.left_at = now
    target.save(update_fields=["status", "connected", "left_at"])
    if uses_sfu(target.room):
        _on_commit_janus(revoke_sfu_access, target.room_id, target.pk)
    if target.guest_id is not None:
        # A removed guest's link must not work again either.
        GuestInvite.objects.filter(pk=target.guest_id, used_at__isnull=True).update(used_at=now)
    log_event(
        room=target.room,
        kind=Event.REMOVED,
        participant=target,
        actor=actor.user,
        detail={"duration_seconds": duration} if duration is not None else None,
    )
    return target


@transaction.atomic
def end_room(*, actor, room: Room, request=None) -> Room:
    """The host ends the room: everybody leaves and nobody can join again."""
    room = Room.objects.select_for_update(of=("self",)).select_related("resident").get(pk=room.pk)
    if room.host.user_id != actor.pk:
        raise PermissionDenied(_("Only the host can end the video visit."))
    if room.ended_at is not None:
        return room
    now = timezone.now()
    room.ended_at = now
    room.save(update_fields=["ended_at"])
    for participant in room.participants.filter(status__in=(Status.ADMITTED, Status.WAITING)):
        if participant.connected:
            _leave(participant, now)
    first_join = room.events.filter(kind=Event.JOINED).order_by("at").first()
    duration = _seconds(first_join.at if first_join else None, now)
    log_event(
        room=room,
        kind=Event.ENDED,
        actor=actor,
        request=request,
        detail={"duration_seconds": duration} if duration is not None else None,
    )
    # Every connected browser is told once the end is committed, whether the host ended the
    # room from the page or from the call (the consumer closes its socket on "ended").
    live.publish([room_group(room.pk)], "visit.ended", room=room.pk)
    if uses_sfu(room):
        _on_commit_janus(close_sfu_room, room.pk)
    return room


def _on_commit_janus(action, *args) -> None:
    """Tell Janus after the commit; our database stays the truth if Janus is down."""

    def run():
        try:
            action(*args)
        except janus.JanusError:
            log.warning("Janus could not be told (%s%s)", action.__name__, args, exc_info=True)

    transaction.on_commit(run)


def _leave(participant: Participant, now, *, explicit: bool = True) -> None:
    duration = _seconds(participant.connected_at, now)
    participant.connected = False
    participant.left_at = now
    fields = ["connected", "left_at"]
    if explicit:
        participant.status = Status.LEFT
        fields.append("status")
        if uses_sfu(participant.room):
            # Back only through the waiting room: the join token is re-added on admission.
            _on_commit_janus(revoke_sfu_access, participant.room_id, participant.pk)
    participant.save(update_fields=fields)
    detail = {"duration_seconds": duration} if duration is not None else {}
    if not explicit:
        detail["disconnected"] = True
    log_event(room=participant.room, kind=Event.LEFT, participant=participant, detail=detail)


@transaction.atomic
def leave(*, participant_id: int, channel_name: str, explicit: bool) -> Participant | None:
    """Record that a participant left (EXPLICIT) or that their socket closed.

    An admitted participant whose socket closes stays admitted, so a reconnect after a network
    blip brings them straight back; one who leaves on purpose waits for the host again.
    Returns None when the socket was not the participant's current one (a stale tab).
    """
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("room__resident", "user")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None or participant.channel_name != channel_name:
        return None
    if not participant.connected:
        return participant
    _leave(participant, timezone.now(), explicit=explicit)
    return participant


@transaction.atomic
def record_fallback(*, room: Room, user, request=None) -> None:
    """Note that a participant continued in the consult's message thread."""
    participant = Participant.objects.filter(room=room, user=user).first()
    log_event(
        room=room, kind=Event.FALLBACK_THREAD, participant=participant, actor=user, request=request
    )


def waiting_list(room_id: int) -> list[dict]:
    participants = Participant.objects.filter(
        room_id=room_id, status=Status.WAITING, connected=True
    ).order_by("connected_at", "pk")
    return [p.as_json(kind=True) for p in participants]


def _admitted_count(room_id: int) -> int:
    return Participant.objects.filter(room_id=room_id, status=Status.ADMITTED).count()


def admitted_others(room_id: int, participant_id: int) -> list[dict]:
    participants = (
        Participant.objects.filter(room_id=room_id, status=Status.ADMITTED, connected=True)
        .exclude(pk=participant_id)
        .order_by("pk")
    )
    return [p.as_json() for p in participants]


def relay_target(*, room_id: int, sender_id: int, target_id) -> str | None:
    """Return the channel of TARGET_ID when sender and target are both admitted and connected."""
    try:
        target_id = int(target_id)
    except (TypeError, ValueError):
        return None
    rows = dict(
        Participant.objects.filter(
            room_id=room_id,
            pk__in=[sender_id, target_id],
            status=Status.ADMITTED,
            connected=True,
        ).values_list("pk", "channel_name")
    )
    if sender_id not in rows or target_id not in rows or sender_id == target_id:
        return None
    return rows[target_id]


def channel_of(*, room_id: int, participant_id) -> str:
    """Return the channel of a participant connected to ROOM_ID ("" when there is none)."""
    try:
        participant_id = int(participant_id)
    except (TypeError, ValueError):
        return ""
    rows = Participant.objects.filter(pk=participant_id, room_id=room_id, connected=True)
    return rows.values_list("channel_name", flat=True).first() or ""


def is_admitted(participant_id: int) -> bool:
    return Participant.objects.filter(pk=participant_id, status=Status.ADMITTED).exists()
