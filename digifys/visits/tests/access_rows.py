"""Access-matrix rows for video visits (collected by core/tests/test_access_matrix.py).

A room is entered by its host (the consult's physician, physician_spain) and the nurses of the
resident's unit (nurse_mala); other clinicians get 404, other roles 403. Host-only actions
(invite, end) give 403 to the unit's nurses. The call record is also open to coordinators.
Guest pages are public: the link's token is the key (the code is asked on the next step).
"""

from digifys.testing.access_matrix import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    OK,
    REDIRECT,
    RELATIVES,
    row,
)


def _a_consult(w):
    from digifys.consults.services import send_consult

    return send_consult(
        actor=w.nurse_mala,
        resident=w.resident_mala,
        urgency="urgent",
        situation="s",
        background="b",
        assessment="a",
        recommendation="r",
    )


def _a_room(w):
    from digifys.visits.services import open_room_for_consult

    return open_room_for_consult(actor=w.physician_spain, consult=_a_consult(w))


def _a_booking(w):
    import datetime

    from django.utils import timezone

    from digifys.scheduling.models import Booking

    start = timezone.now() + datetime.timedelta(hours=1)
    return Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=w.physician_spain.staff_profile,
        resident=w.resident_mala,
        unit=w.unit_mala,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        created_by=w.nurse_mala,
    )


def _a_round(w):
    import datetime

    from django.utils import timezone

    from digifys.rounds.models import Round

    start = timezone.now() + datetime.timedelta(hours=1)
    return Round.objects.create(
        unit=w.unit_mala,
        physician=w.physician_spain.staff_profile,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )


def _guest_token(w) -> dict:
    from digifys.visits.services import invite_guest

    room = _a_room(w)
    guest = invite_guest(
        actor=w.physician_spain, room=room, name="Gustav Lind", kind="relative", phone="070123"
    )
    return {"token": guest.token}


def _room_kwargs(w) -> dict:
    return {"room_pk": _a_room(w).pk}


def _a_meeting(w):
    """A family meeting open now; relative_with_consent invited by name. relative_expired and
    relative_revoked have participant rows as if invited before their consent lapsed: the
    consent is checked again on every request."""
    import datetime

    from django.utils import timezone

    from digifys.residents.models import Relative
    from digifys.scheduling.models import Booking
    from digifys.visits.models import Participant, Room
    from digifys.visits.services import invite_relative, open_room_for_booking

    # One meeting per world: a second booking of the same physician at the same time would
    # break PostgreSQL's no-overlap constraint when several rows build their arguments.
    existing = Room.objects.filter(
        booking__kind=Booking.Kind.FAMILY_MEETING,
        booking__resident=w.resident_mala,
        booking__clinician=w.physician_spain.staff_profile,
        ended_at__isnull=True,
    ).first()
    if existing is not None:
        return existing
    start = timezone.now() - datetime.timedelta(minutes=5)
    booking = Booking.objects.create(
        kind=Booking.Kind.FAMILY_MEETING,
        clinician=w.physician_spain.staff_profile,
        resident=w.resident_mala,
        unit=w.unit_mala,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=45),
        created_by=w.nurse_mala,
    )
    room = open_room_for_booking(actor=w.physician_spain, booking=booking)
    invited = Relative.objects.get(user=w.relative_with_consent, resident=w.resident_mala)
    invite_relative(actor=w.physician_spain, room=room, relative_id=invited.pk)
    for user in (w.relative_expired, w.relative_revoked):
        relative = Relative.objects.get(user=user, resident=w.resident_mala)
        Participant.objects.create(
            room=room,
            user=user,
            relative=relative,
            display_name=user.get_full_name(),
            role=Participant.Role.RELATIVE,
            kind="relative",
        )
    return room


def _meeting_kwargs(w) -> dict:
    return {"room_pk": _a_meeting(w).pk}


def _opening(status_for_allowed) -> dict:
    return row(
        FORBIDDEN,
        physician_spain=status_for_allowed,
        nurse_mala=status_for_allowed,
        other_physician=NOT_FOUND,
        nurse_storuman=NOT_FOUND,
    )


ROWS = {
    "visits:consult_room": (lambda w: {"consult_pk": _a_consult(w).pk}, "post", _opening(REDIRECT)),
    "visits:booking_room": (lambda w: {"booking_pk": _a_booking(w).pk}, "post", _opening(REDIRECT)),
    "visits:round_room": (lambda w: {"round_pk": _a_round(w).pk}, "post", _opening(REDIRECT)),
    "visits:room": (_room_kwargs, "get", _opening(OK)),
    # Relatives reach a room only as invited participants of a family meeting (404 otherwise).
    "visits:ice": (
        _room_kwargs,
        "get",
        {**_opening(OK), **dict.fromkeys(RELATIVES, NOT_FOUND)},
    ),
    # Only the invited relative with a consent in force that covers family meetings.
    "visits:relative_room": (
        _meeting_kwargs,
        "get",
        row(FORBIDDEN, **{**dict.fromkeys(RELATIVES, NOT_FOUND), "relative_with_consent": OK}),
    ),
    # The host invites by name (an empty form: back to the room with the error).
    "visits:invite_relative": (
        _meeting_kwargs,
        "post",
        row(
            FORBIDDEN,
            physician_spain=REDIRECT,
            other_physician=NOT_FOUND,
            nurse_storuman=NOT_FOUND,
        ),
    ),
    "visits:thread": (_room_kwargs, "get", _opening(REDIRECT)),
    "visits:invite": (
        _room_kwargs,
        "post",
        row(
            FORBIDDEN,
            physician_spain=BAD_REQUEST,
            other_physician=NOT_FOUND,
            nurse_storuman=NOT_FOUND,
        ),
    ),
    "visits:note": (
        _room_kwargs,
        "post",
        row(
            FORBIDDEN,
            physician_spain=BAD_REQUEST,
            other_physician=NOT_FOUND,
        ),
    ),
    "visits:end": (
        _room_kwargs,
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=NOT_FOUND, nurse_storuman=NOT_FOUND),
    ),
    "visits:events": (
        _room_kwargs,
        "get",
        row(
            FORBIDDEN,
            physician_spain=OK,
            nurse_mala=OK,
            coordinator=OK,
            other_physician=NOT_FOUND,
            nurse_storuman=NOT_FOUND,
        ),
    ),
    "visits:guest_join": (_guest_token, "get", row(OK, anonymous=OK)),
    "visits:guest_room": (_guest_token, "get", row(REDIRECT, anonymous=REDIRECT)),
}
