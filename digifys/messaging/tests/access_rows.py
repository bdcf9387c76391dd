"""Access-matrix rows for updates and relatives' messages (core/tests/test_access_matrix.py).

The relative's pages open only with a consent in force that covers the page's scope, for the
resident it is about (404 otherwise, whatever the reason); staff pages are for staff who see the
resident (404 for the others), writing updates for nurses, assistant nurses and physicians,
approving for nurses and physicians, handing a message over for the unit's nursing staff and
coordinators.
"""

import datetime

from django.utils import timezone

from digifys.testing.access_matrix import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    OK,
    RELATIVES,
    STAFF,
    row,
)


def _mala(world):
    return {"resident_pk": world.resident_mala.pk}


def _a_message(world):
    from digifys.messaging.models import Message

    relative = world.resident_mala.relatives.get(user=world.relative_with_consent)
    now = timezone.now()
    message = Message.objects.create(
        resident=world.resident_mala,
        unit=world.unit_mala,
        relative=relative,
        text="Hur mår mamma?",
        sent_at=now,
        deadline_at=now + datetime.timedelta(days=2),
    )
    return {"pk": message.pk}


def _an_update(world):
    from digifys.messaging.models import Update

    update = Update.objects.create(
        resident=world.resident_mala,
        unit=world.unit_mala,
        text="Greta var ute på promenad i dag.",
        written_by=world.nurse_mala,
    )
    return {"pk": update.pk}


# Only the relative with a consent in force covering the scope, for this resident.
_RELATIVE_PAGE = row(
    FORBIDDEN, **(dict.fromkeys(RELATIVES, NOT_FOUND) | {"relative_with_consent": OK})
)
_SEES_RESIDENT = {
    "nurse_mala": OK,
    "physician_spain": OK,
    "coordinator": OK,
    "nurse_storuman": NOT_FOUND,
    "other_physician": NOT_FOUND,
}

ROWS = {
    "messaging:relative_messages": (_mala, "get", _RELATIVE_PAGE),
    "messaging:relative_updates": (_mala, "get", _RELATIVE_PAGE),
    "messaging:inbox": (lambda w: {}, "get", row(FORBIDDEN, **dict.fromkeys(STAFF, OK))),
    "messaging:resident": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        row(FORBIDDEN, **_SEES_RESIDENT),
    ),
    "messaging:write_update": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        row(FORBIDDEN, **(_SEES_RESIDENT | {"coordinator": FORBIDDEN})),
    ),
    "messaging:approve_update": (
        _an_update,
        "get",
        row(FORBIDDEN, **(_SEES_RESIDENT | {"coordinator": FORBIDDEN})),
    ),
    "messaging:condition_notice": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        row(FORBIDDEN, **(_SEES_RESIDENT | {"coordinator": FORBIDDEN})),
    ),
    "messaging:message": (_a_message, "get", row(FORBIDDEN, **_SEES_RESIDENT)),
    # An empty hand-over form is refused with the page and its errors.
    "messaging:hand_over": (
        _a_message,
        "post",
        row(
            FORBIDDEN,
            nurse_mala=BAD_REQUEST,
            coordinator=BAD_REQUEST,
            nurse_storuman=NOT_FOUND,
        ),
    ),
}
