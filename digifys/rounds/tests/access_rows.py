"""Access-matrix rows for ward rounds (collected by core/tests/test_access_matrix.py).

The unit's nurses and the round's physician (the unit's named physician) see a round and its
agenda; staff of other units and other physicians get 404. Coordinators manage slots and see a
round's organisation data without residents. Nurses edit the agenda; the physician conducts the
round. Relatives and administrators get 403.
"""

import datetime

from digifys.testing.access_matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, STAFF, row

BAD_REQUEST = 400


def _slot(w):
    from digifys.rounds.models import RoundSlot

    return RoundSlot.objects.create(
        unit=w.unit_mala,
        weekday=RoundSlot.Weekday.TUESDAY,
        starts=datetime.time(9, 0),
        ends=datetime.time(11, 0),
        physician=w.physician_spain.staff_profile,
    )


def _round(w, status="planned", days_ahead=0):
    from django.utils import timezone

    from digifys.core.time import STOCKHOLM
    from digifys.rounds.models import AgendaItem, Round

    now = timezone.now()
    starts_at = now + datetime.timedelta(days=days_ahead, hours=1)
    planned_day = (now + datetime.timedelta(days=days_ahead)).astimezone(STOCKHOLM).date()
    if starts_at.astimezone(STOCKHOLM).date() != planned_day:
        # Late in the evening "in an hour" is tomorrow: starting it would need a reschedule.
        starts_at = now + datetime.timedelta(days=days_ahead)
    occurrence = Round.objects.create(
        slot=_slot(w),
        unit=w.unit_mala,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        physician=w.physician_spain.staff_profile,
        status=status,
        started_at=timezone.now() if status == "in_progress" else None,
    )
    AgendaItem.objects.create(
        round=occurrence,
        resident=w.resident_mala,
        unit=w.unit_mala,
        reason=AgendaItem.Reason.FLAGGED,
        note="Ökad trötthet?",
        added_by=w.nurse_mala,
    )
    return occurrence


def _item(w):
    return _round(w).agenda.get()


def _running_item(w):
    return _round(w, "in_progress").agenda.get()


# Who takes part in Malå's round: its nurse and its named physician; the others are strangers.
STRANGERS = {"nurse_storuman": NOT_FOUND, "other_physician": NOT_FOUND}

ROWS = {
    "rounds:list": (lambda w: {}, "get", row(FORBIDDEN, **dict.fromkeys(STAFF, OK))),
    "rounds:slots": (lambda w: {}, "get", row(FORBIDDEN, coordinator=OK)),
    "rounds:slot_new": (lambda w: {}, "get", row(FORBIDDEN, coordinator=OK)),
    "rounds:slot_edit": (lambda w: {"pk": _slot(w).pk}, "get", row(FORBIDDEN, coordinator=OK)),
    "rounds:detail": (
        lambda w: {"pk": _round(w).pk},
        "get",
        row(FORBIDDEN, nurse_mala=OK, physician_spain=OK, coordinator=OK, **STRANGERS),
    ),
    "rounds:flag": (
        lambda w: {"pk": _round(w).pk},
        "get",
        row(FORBIDDEN, nurse_mala=OK, **STRANGERS),
    ),
    "rounds:start": (
        lambda w: {"pk": _round(w).pk},
        "post",
        row(FORBIDDEN, physician_spain=REDIRECT, **STRANGERS),
    ),
    # Running a round planned for another day: the physician confirms moving it to today.
    "rounds:reschedule": (
        lambda w: {"pk": _round(w, days_ahead=3).pk},
        "get",
        row(FORBIDDEN, physician_spain=OK, **STRANGERS),
    ),
    "rounds:conduct": (
        lambda w: {"pk": _round(w, "in_progress").pk},
        "get",
        row(FORBIDDEN, physician_spain=OK, **STRANGERS),
    ),
    "rounds:finish": (
        lambda w: {"pk": _round(w, "in_progress").pk},
        "post",
        row(FORBIDDEN, physician_spain=REDIRECT, **STRANGERS),
    ),
    "rounds:item_move": (
        lambda w: {"pk": _item(w).pk},
        "post",
        row(FORBIDDEN, nurse_mala=BAD_REQUEST, **STRANGERS),
    ),
    # Conducting: one view per action on the resident in front of the physician (an empty
    # note or order is refused with 400, and so is "done" without an outcome).
    "rounds:item_note": (
        lambda w: {"pk": _running_item(w).pk},
        "post",
        row(FORBIDDEN, physician_spain=BAD_REQUEST, **STRANGERS),
    ),
    "rounds:item_order": (
        lambda w: {"pk": _running_item(w).pk},
        "post",
        row(FORBIDDEN, physician_spain=BAD_REQUEST, **STRANGERS),
    ),
    "rounds:item_done": (
        lambda w: {"pk": _running_item(w).pk},
        "post",
        row(FORBIDDEN, physician_spain=BAD_REQUEST, **STRANGERS),
    ),
    "rounds:item_remove": (
        lambda w: {"pk": _item(w).pk},
        "get",
        row(FORBIDDEN, nurse_mala=OK, **STRANGERS),
    ),
}
