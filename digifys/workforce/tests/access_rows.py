"""Access-matrix rows for the workforce app (collected by core/tests/test_access_matrix.py)."""

from digifys.testing.access_matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, row

PHYSICIANS = ("physician_spain", "other_physician")
NURSES = ("nurse_mala", "nurse_storuman")
ONLY_PHYSICIANS = row(FORBIDDEN, **dict.fromkeys(PHYSICIANS, OK))
ONLY_COORDINATOR = row(FORBIDDEN, coordinator=OK)


def _shifts(world):
    from .helpers import day_ahead, rota_for, shift

    rota = rota_for(world.coordinator)
    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    return shift(rota, carmen, day_ahead(9), 7), shift(rota, david, day_ahead(12), 15)


def _a_shift(world) -> dict:
    return {"shift_pk": _shifts(world)[0].pk}


def _a_swap(world) -> dict:
    from digifys.workforce.models import SwapRequest

    mine, theirs = _shifts(world)
    swap = SwapRequest.objects.create(
        proposer=mine.staff, counterpart=theirs.staff, shift=mine, counter_shift=theirs
    )
    return {"pk": swap.pk}


def _a_period(world) -> dict:
    import datetime

    from django.utils import timezone

    from digifys.workforce.models import WorkElsewhere

    first = timezone.localdate() + datetime.timedelta(days=20)
    period = WorkElsewhere.objects.create(
        staff=world.physician_spain.staff_profile,
        place=WorkElsewhere.Place.HOME,
        starts_on=first,
        ends_on=first + datetime.timedelta(days=10),
        time_zone="Europe/Madrid",
        country="ES",
    )
    return {"pk": period.pk}


ROWS = {
    # Own preferences, shifts and swaps: physicians (the rota is the clinic's physicians').
    "workforce:preferences": (lambda w: {}, "get", ONLY_PHYSICIANS),
    "workforce:shifts": (lambda w: {}, "get", ONLY_PHYSICIANS),
    # Working from elsewhere: physicians and nurses apply; coordinators decide.
    "workforce:elsewhere": (
        lambda w: {},
        "get",
        row(FORBIDDEN, **dict.fromkeys(PHYSICIANS + NURSES, OK)),
    ),
    "workforce:elsewhere_withdraw": (
        _a_period,
        "post",
        row(
            FORBIDDEN,
            physician_spain=REDIRECT,
            other_physician=NOT_FOUND,
            **dict.fromkeys(NURSES, NOT_FOUND),
        ),
    ),
    "workforce:elsewhere_requests": (lambda w: {}, "get", ONLY_COORDINATOR),
    "workforce:elsewhere_decide": (_a_period, "post", row(FORBIDDEN, coordinator=REDIRECT)),
    # Proposing: only the holder of the shift (another physician: 404).
    "workforce:swap_new": (
        _a_shift,
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=NOT_FOUND),
    ),
    # A swap: its two physicians and the coordinators; another physician would get 404.
    "workforce:swap": (
        _a_swap,
        "get",
        row(FORBIDDEN, coordinator=OK, **dict.fromkeys(PHYSICIANS, OK)),
    ),
    "workforce:swap_respond": (
        _a_swap,
        "post",
        row(FORBIDDEN, **dict.fromkeys(PHYSICIANS, REDIRECT)),
    ),
    "workforce:swap_withdraw": (
        _a_swap,
        "post",
        row(FORBIDDEN, **dict.fromkeys(PHYSICIANS, REDIRECT)),
    ),
    "workforce:swap_decide": (_a_swap, "post", row(FORBIDDEN, coordinator=REDIRECT)),
    # The month's rota: coordinators build it; physicians read it to find a swap.
    "workforce:rota": (
        lambda w: {},
        "get",
        row(FORBIDDEN, coordinator=OK, **dict.fromkeys(PHYSICIANS, OK)),
    ),
    "workforce:rota_build": (lambda w: {}, "post", row(FORBIDDEN, coordinator=REDIRECT)),
    "workforce:capacity": (lambda w: {}, "get", ONLY_COORDINATOR),
}
