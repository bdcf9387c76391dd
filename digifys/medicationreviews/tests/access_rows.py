"""Access-matrix rows for medication reviews (collected by core/tests/test_access_matrix.py).

The due list is for physicians (their panel) and coordinators (all units, organisation data
only); the review form for physicians who see the resident (other physicians get 404); the
history for physicians and the nurses of the resident's unit. Everyone else gets 403.
"""

from digifys.testing.access_matrix import BAD_REQUEST, FORBIDDEN, NOT_FOUND, OK, row


def _flag_greta(w):
    # Greta has drug-related problems flagged, so she is due and the due list names her: the
    # matrix then checks the one access-log entry per resident shown.
    from digifys.residents.models import Resident

    Resident.objects.filter(pk=w.resident_mala.pk).update(drug_related_problems=True)
    return {}


ROWS = {
    "medicationreviews:due": (
        _flag_greta,
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=OK, coordinator=OK),
    ),
    "medicationreviews:new": (
        lambda w: {"resident_pk": w.resident_mala.pk},
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=NOT_FOUND),
    ),
    "medicationreviews:history": (
        lambda w: {"resident_pk": w.resident_mala.pk},
        "get",
        row(
            FORBIDDEN,
            physician_spain=OK,
            nurse_mala=OK,
            other_physician=NOT_FOUND,
            nurse_storuman=NOT_FOUND,
        ),
    ),
    # Without a value the flag is not changed: 400 for those allowed to change it.
    "medicationreviews:drug_problems": (
        lambda w: {"resident_pk": w.resident_mala.pk},
        "post",
        row(
            FORBIDDEN,
            physician_spain=BAD_REQUEST,
            nurse_mala=BAD_REQUEST,
            other_physician=NOT_FOUND,
            nurse_storuman=NOT_FOUND,
        ),
    ),
}
