"""Opening rooms for a consult, a booking or a ward round, and staff participant rows."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.audit import services as audit
from digifys.scheduling.models import Booking
from digifys.visits.models import Participant, Room

from .common import MESH_LIMIT, Status, _is_unit_nurse, _user_kind, ensure_may_hold, setting
from .sfu import SFU_LIMIT, capacity_for


def _window(starts_at, ends_at) -> tuple[datetime.datetime, datetime.datetime]:
    before = datetime.timedelta(minutes=setting("VIDEO_OPEN_BEFORE_MINUTES", 10))
    after = datetime.timedelta(minutes=setting("VIDEO_CLOSE_AFTER_MINUTES", 30))
    return starts_at - before, ends_at + after


def _create_room(*, actor, request=None, **fields) -> Room:
    room = Room.objects.create(created_by=actor, **fields)
    audit.record(
        actor=actor,
        action="create",
        resident=room.resident,
        object_type="video_room",
        object_id=room.pk,
        request=request,
        details={"kind": room.kind},
    )
    return room


@transaction.atomic
def open_room_for_consult(*, actor, consult, request=None) -> Room:
    """Return the consult's open room, or open one now for VIDEO_CONSULT_ROOM_MINUTES."""
    host_user_id = consult.assigned_to.user_id
    if actor.pk != host_user_id and not _is_unit_nurse(actor, consult.unit_id):
        raise PermissionDenied
    ensure_may_hold(consult.assigned_to, consult.resident)
    now = timezone.now()
    room = (
        Room.objects.select_for_update(of=("self",))
        .filter(consult=consult, ended_at__isnull=True, closes_at__gt=now)
        .first()
    )
    if room is not None:
        return room
    if not consult.is_open:
        raise ValidationError(_("The consult is closed; a video visit can no longer be started."))
    ends_at = now + datetime.timedelta(minutes=setting("VIDEO_CONSULT_ROOM_MINUTES", 60))
    return _create_room(
        actor=actor,
        request=request,
        kind=Room.Kind.CONSULT,
        consult=consult,
        resident=consult.resident,
        unit=consult.unit,
        host=consult.assigned_to,
        starts_at=now,
        ends_at=ends_at,
        opens_at=now,
        closes_at=ends_at,
    )


@transaction.atomic
def open_room_for_booking(*, actor, booking, request=None) -> Room:
    """Return the booking's room, creating it (open around the booked time)."""
    if actor.pk != booking.clinician.user_id and not _is_unit_nurse(actor, booking.unit_id):
        raise PermissionDenied
    ensure_may_hold(booking.clinician, booking.resident)
    room = Room.objects.select_for_update(of=("self",)).filter(booking=booking).first()
    if room is not None:
        return room
    if booking.cancelled_at is not None:
        raise ValidationError(_("The booking is cancelled."))
    opens_at, closes_at = _window(booking.starts_at, booking.ends_at)
    # A family meeting (physician, nurse, resident, several relatives, interpreter) runs on the
    # SFU when there is one; everything else is a mesh of at most four.
    wants = SFU_LIMIT if booking.kind == Booking.Kind.FAMILY_MEETING else MESH_LIMIT
    return _create_room(
        actor=actor,
        request=request,
        max_participants=capacity_for(wants),
        kind=Room.Kind.BOOKING,
        booking=booking,
        resident=booking.resident,
        unit=booking.unit,
        host=booking.clinician,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        opens_at=opens_at,
        closes_at=closes_at,
    )


@transaction.atomic
def open_room_for_round(*, actor, round, request=None) -> Room:
    """Return the ward round's room, creating it (open around the round's time)."""
    if round.physician is None:
        raise ValidationError(_("The ward round has no physician yet."))
    if actor.pk != round.physician.user_id and not _is_unit_nurse(actor, round.unit_id):
        raise PermissionDenied
    room = Room.objects.select_for_update(of=("self",)).filter(round=round).first()
    if room is not None:
        return room
    if round.status == round.Status.CANCELLED:
        raise ValidationError(_("The ward round is cancelled."))
    opens_at, closes_at = _window(round.starts_at, round.ends_at)
    return _create_room(
        actor=actor,
        request=request,
        kind=Room.Kind.ROUND,
        round=round,
        resident=None,
        unit=round.unit,
        host=round.physician,
        starts_at=round.starts_at,
        ends_at=round.ends_at,
        opens_at=opens_at,
        closes_at=closes_at,
    )


@transaction.atomic
def participant_for_user(*, room: Room, user) -> Participant:
    """Return USER's participant row in ROOM, creating it (access is checked by the caller)."""
    participant = Participant.objects.filter(room=room, user=user).first()
    if participant is not None:
        return participant
    is_host = room.host.user_id == user.pk
    return Participant.objects.create(
        room=room,
        user=user,
        display_name=(user.get_full_name() or user.get_username())[:200],
        role=Participant.Role.HOST if is_host else Participant.Role.STAFF,
        kind=_user_kind(user),
        status=Status.ADMITTED if is_host else Status.INVITED,
    )
