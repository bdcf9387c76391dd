"""Access-matrix rows for the careteams panel pages (collected by core/tests/test_access_matrix.py).

The older careteams rows are still listed in core/tests/test_access_matrix.py.
"""

from digifys.testing.access_matrix import FORBIDDEN, OK, row

ROWS = {
    "careteams:panels": (lambda w: {}, "get", row(FORBIDDEN, coordinator=OK)),
    "careteams:physician_panel": (
        lambda w: {"staff_pk": w.physician_spain.staff_profile.pk},
        "get",
        row(FORBIDDEN, coordinator=OK),
    ),
    "careteams:assign": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        row(FORBIDDEN, coordinator=OK),
    ),
}
