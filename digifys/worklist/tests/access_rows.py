"""Access-matrix rows for the unit worklist (collected by core/tests/test_access_matrix.py)."""

from digifys.testing.access_matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, row

ROWS = {
    # Nurses are sent on to their unit's worklist; everybody else has no worklist.
    "worklist:mine": (
        lambda w: {},
        "get",
        row(FORBIDDEN, nurse_mala=REDIRECT, nurse_storuman=REDIRECT),
    ),
    "worklist:unit": (
        lambda w: {"unit_pk": w.unit_mala.pk},
        "get",
        row(FORBIDDEN, nurse_mala=OK, nurse_storuman=NOT_FOUND),
    ),
    "worklist:rows": (
        lambda w: {"unit_pk": w.unit_mala.pk},
        "get",
        row(FORBIDDEN, nurse_mala=OK, nurse_storuman=NOT_FOUND),
    ),
}
