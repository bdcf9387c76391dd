"""A family meeting today in the synthetic region, with the persona relative invited by name.

The persona relative (``anhorig``) has a consent that covers family meetings. Their resident's
named physician holds a one-hour family meeting that began at the last quarter hour before the
region was generated, so its video room is open when the demo starts (it opens 10 minutes before
and closes 30 minutes after, visits.services.rooms). The booking row is written as the booking
service would write it (the service refuses a start in the past); the room is opened and the
relative invited through the services, so the invitation's notification and the meeting's call
record are the real ones. A region generated for a day already past (``--now``) gets the
booking and the room, but no invitation: the service refuses invitations to a closed room.
"""

import datetime

from digifys.careteams.models import PhysicianAssignment
from digifys.relatives.models import Consent
from digifys.residents.models import Relative
from digifys.scheduling.models import Booking

from .services.meetings import invite_relative
from .services.rooms import open_room_for_booking

MEETING_MINUTES = 60


def seed_family_meeting(*, now: datetime.datetime) -> Booking | None:
    """Book today's family meeting for the persona relative's resident and invite them."""
    in_force = Consent.objects.in_force(now.date()).filter(meetings=True)
    relative = (
        Relative.objects.filter(user__username="anhorig", pk__in=in_force.values("relative"))
        .select_related("resident")
        .order_by("pk")
        .first()
    )
    if relative is None or relative.resident.unit_id is None:
        return None
    named = (
        PhysicianAssignment.objects.current()
        .named()
        .filter(resident=relative.resident)
        .select_related("physician__user")
        .first()
    )
    if named is None:
        return None
    physician = named.physician
    starts_at = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    ends_at = starts_at + datetime.timedelta(minutes=MEETING_MINUTES)
    if Booking.objects.overlapping(physician, starts_at, ends_at).exists():
        return None
    booking = Booking.objects.create(
        kind=Booking.Kind.FAMILY_MEETING,
        clinician=physician,
        resident=relative.resident,
        unit_id=relative.resident.unit_id,
        starts_at=starts_at,
        ends_at=ends_at,
        note="Vårdplanering med familjen",
        created_by=physician.user,
    )
    room = open_room_for_booking(actor=physician.user, booking=booking)
    # A region generated for a past day (tests, --now) keeps the booking; a meeting whose room
    # has already closed takes no invitations.
    if room.state() not in ("ended", "closed"):
        invite_relative(actor=physician.user, room=room, relative_id=relative.pk)
    return booking
