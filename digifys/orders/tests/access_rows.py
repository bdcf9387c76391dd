"""Access-matrix rows for the orders app (collected by core/tests/test_access_matrix.py).

Orders are placed and cancelled by physicians who see the resident (other physicians get 404);
tasks are completed by the nurses of the resident's unit (nurses of other units get 404) or a
physician who sees the resident. The task list is for nurses, assistant nurses and physicians.
Coordinators, relatives and administrators get 403 everywhere.
"""

from digifys.testing.access_matrix import CLINICAL, FORBIDDEN, NOT_FOUND, OK, row


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


def _an_order(w):
    from digifys.orders.services import place_order

    return place_order(
        actor=w.physician_spain,
        resident=w.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
        every_hours=4,
        for_days=1,
        consult=_a_consult(w),
    )


def _with_an_order(w):
    # The list pages get a task to show, so the matrix checks their access-log entries too.
    _an_order(w)
    return {}


CLINICIANS = dict.fromkeys(CLINICAL, OK)

ROWS = {
    "orders:tasks": (_with_an_order, "get", row(FORBIDDEN, **CLINICIANS)),
    "orders:task_rows": (_with_an_order, "get", row(FORBIDDEN, **CLINICIANS)),
    "orders:new": (
        lambda w: {"consult_pk": _a_consult(w).pk},
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=NOT_FOUND),
    ),
    "orders:complete": (
        lambda w: {"pk": _an_order(w).tasks.first().pk},
        "get",
        row(
            FORBIDDEN,
            nurse_mala=OK,
            physician_spain=OK,
            nurse_storuman=NOT_FOUND,
            other_physician=NOT_FOUND,
        ),
    ),
    "orders:cancel": (
        lambda w: {"pk": _an_order(w).pk},
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=NOT_FOUND),
    ),
}
