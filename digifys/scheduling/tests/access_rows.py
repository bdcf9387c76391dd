"""Access-matrix rows for the scheduling app (collected by core/tests/test_access_matrix.py)."""

from digifys.core.access_matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, STAFF, everyone, row


def _feed_token(world) -> dict:
    from digifys.scheduling.services import feed_for

    return {"token": feed_for(world.physician_spain.staff_profile).token}


def _a_booking(world) -> dict:
    import datetime

    from django.utils import timezone

    from digifys.scheduling.models import Booking

    starts_at = timezone.now() + datetime.timedelta(days=7)
    booking = Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=world.physician_spain.staff_profile,
        resident=world.resident_mala,
        unit=world.unit_mala,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        created_by=world.coordinator,
    )
    return {"pk": booking.pk}


ROWS = {
    "scheduling:calendar": (lambda w: {}, "get", row(FORBIDDEN, **dict.fromkeys(STAFF, OK))),
    "scheduling:renew_feed": (
        lambda w: {},
        "post",
        row(FORBIDDEN, **dict.fromkeys(STAFF, REDIRECT)),
    ),
    # Physicians book only themselves, nurses only for residents of their own units.
    "scheduling:book": (
        lambda w: {"resident_pk": w.resident_mala.pk},
        "get",
        row(
            FORBIDDEN,
            nurse_mala=OK,
            nurse_storuman=NOT_FOUND,
            physician_spain=OK,
            other_physician=NOT_FOUND,
            coordinator=OK,
        ),
    ),
    # Without a reason nothing is cancelled, but the answer is the same redirect with a message.
    "scheduling:cancel": (
        _a_booking,
        "post",
        row(
            FORBIDDEN,
            nurse_mala=REDIRECT,
            nurse_storuman=NOT_FOUND,
            physician_spain=REDIRECT,
            other_physician=NOT_FOUND,
            coordinator=REDIRECT,
        ),
    ),
    # A capability URL: whoever has the secret token reads the feed (without resident names).
    "scheduling:ics": (_feed_token, "get", everyone(OK, anonymous=OK)),
}
