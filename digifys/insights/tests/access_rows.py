"""Access-matrix rows for continuity figures (collected by core/tests/test_access_matrix.py).

The dashboard (organisation-level figures, no names) is for coordinators; a unit's residents
for coordinators (all units) and the unit's nurses (other units: 404); a physician's own
figures and panel for physicians. Everyone else gets 403. The unit page and the physician's
page name residents, so the matrix checks one access-log read per resident shown.
"""

from digifys.testing.access_matrix import FORBIDDEN, NOT_FOUND, OK, row

ROWS = {
    "insights:continuity": (lambda w: {}, "get", row(FORBIDDEN, coordinator=OK)),
    "insights:unit": (
        lambda w: {"unit_pk": w.unit_mala.pk},
        "get",
        row(FORBIDDEN, coordinator=OK, nurse_mala=OK, nurse_storuman=NOT_FOUND),
    ),
    "insights:mine": (
        lambda w: {},
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=OK),
    ),
}
