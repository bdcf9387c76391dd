"""Access-matrix rows for continuity figures (collected by core/tests/test_access_matrix.py).

The dashboard (organisation-level figures, no names) is for coordinators; a unit's residents
for coordinators (all units) and the unit's nurses (other units: 404); a physician's own
figures and panel for physicians. Everyone else gets 403. The unit page and the physician's
page name residents, so the matrix checks one access-log read per resident shown.

Figures over time (no resident shown): coordinators every level, physicians their own and
their panel's units; the trust survey's figures on it for coordinators only (test_figure_views);
the same for the monthly report (a PDF) and subscribing to it (POST, then back to the figures
page). A resident's hospital transfers: the resident's nurses and physicians
(through the access policy; others 404); judging one: physicians who see it.
"""

from digifys.testing.access_matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, row


def _transfer(w):
    import datetime

    from django.utils import timezone

    from digifys.insights.models import HospitalTransfer

    transfer = HospitalTransfer.objects.create(
        resident=w.resident_mala,
        unit=w.unit_mala,
        occurred_at=timezone.now() - datetime.timedelta(days=1),
        kind=HospitalTransfer.Kind.EMERGENCY,
        destination="Skellefteå lasarett",
        reason="Fall, suspected hip fracture",
        consult_first=True,
        recorded_by=w.nurse_mala,
    )
    return {"pk": transfer.pk}


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
    "insights:transfers": (
        lambda w: {"resident_pk": w.resident_mala.pk},
        "get",
        row(
            FORBIDDEN,
            nurse_mala=OK,
            physician_spain=OK,
            nurse_storuman=NOT_FOUND,
            other_physician=NOT_FOUND,
        ),
    ),
    "insights:transfer_judge": (
        _transfer,
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=NOT_FOUND),
    ),
    # Figures over time: coordinators (the first region by default), physicians their own.
    "insights:figures": (
        lambda w: {},
        "get",
        row(FORBIDDEN, coordinator=OK, physician_spain=OK, other_physician=OK),
    ),
    # The monthly report: the figures page's rule (an empty query: the default level).
    "insights:report_pdf": (
        lambda w: {},
        "get",
        row(FORBIDDEN, coordinator=OK, physician_spain=OK, other_physician=OK),
    ),
    "insights:report_subscribe": (
        lambda w: {},
        "post",
        row(FORBIDDEN, coordinator=REDIRECT, physician_spain=REDIRECT, other_physician=REDIRECT),
    ),
    "insights:report_unsubscribe": (
        lambda w: {},
        "post",
        row(FORBIDDEN, coordinator=REDIRECT, physician_spain=REDIRECT, other_physician=REDIRECT),
    ),
}
