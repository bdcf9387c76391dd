"""Access-matrix rows for the relatives app (digifys/core/tests/test_access_matrix.py).

The portal is for relatives only; each sees a page (with data only by their consent in force).
The consent pages are for staff who see the resident: the list for every staff role, recording
and revoking for nurses, physicians and coordinators (assistant nurses read).
"""

from digifys.testing.access_matrix import FORBIDDEN, NOT_FOUND, OK, RELATIVES, row


def _gustav(world):
    return {"pk": world.resident_mala.relatives.get(user=world.relative_with_consent).pk}


ROWS = {
    "relatives:home": (lambda w: {}, "get", row(FORBIDDEN, **dict.fromkeys(RELATIVES, OK))),
    # Who has looked: a relative only through a consent in force that shares the access log.
    "relatives:access_log": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        row(FORBIDDEN, **(dict.fromkeys(RELATIVES, NOT_FOUND) | {"relative_with_consent": OK})),
    ),
    # The resident's own pages: only a resident's own login.
    "relatives:me": (lambda w: {}, "get", row(NOT_FOUND, resident_self=OK)),
    "relatives:own_access_log": (lambda w: {}, "get", row(NOT_FOUND, resident_self=OK)),
    "relatives:consents": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        row(
            FORBIDDEN,
            nurse_mala=OK,
            physician_spain=OK,
            coordinator=OK,
            nurse_storuman=NOT_FOUND,
            other_physician=NOT_FOUND,
        ),
    ),
    "relatives:record": (
        _gustav,
        "get",
        row(
            FORBIDDEN,
            nurse_mala=OK,
            physician_spain=OK,
            coordinator=OK,
            nurse_storuman=NOT_FOUND,
            other_physician=NOT_FOUND,
        ),
    ),
    "relatives:revoke": (
        _gustav,
        "get",
        row(
            FORBIDDEN,
            nurse_mala=OK,
            physician_spain=OK,
            coordinator=OK,
            nurse_storuman=NOT_FOUND,
            other_physician=NOT_FOUND,
        ),
    ),
}
