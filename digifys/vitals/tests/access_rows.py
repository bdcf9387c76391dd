"""Access-matrix rows for the vitals app (collected by core/tests/test_access_matrix.py).

Vital signs are clinical: nurses and assistant nurses of the resident's unit and the physicians
who see the resident get the pages; other clinicians get 404 (the resident is not visible to
them); coordinators, relatives and administrators get 403. Scale-2 decisions are for physicians
only. The escalation table belongs to a unit: coordinators edit it, the unit's own nurses read
it, nurses of other units get 404 (the unit is not theirs), everybody else 403.

Offline use (issue #17 §1): the service worker script holds no data and is served to everyone
from the site root; the resident-less offline form is for every role that records vital signs;
the sync takes a JSON entry (an empty post is a bad request for those roles, 403 for the rest;
a resident out of sight is refused inside, see test_offline_sync.py).
"""

from digifys.testing.access_matrix import BAD_REQUEST, FORBIDDEN, NOT_FOUND, OK, everyone, row


def _resident(w):
    return {"resident_pk": w.resident_mala.pk}


def _an_observation(w):
    from digifys.vitals import services

    observation = services.record_observation(
        actor=w.nurse_mala,
        resident=w.resident_mala,
        respiratory_rate=16,
        spo2=97,
        on_oxygen=False,
        systolic_bp=130,
        pulse=72,
        consciousness="A",
        temperature="36.8",
    )
    return {"pk": observation.pk}


CLINICIANS_OF_MALA = {
    "nurse_mala": OK,
    "physician_spain": OK,
    "nurse_storuman": NOT_FOUND,
    "other_physician": NOT_FOUND,
}

RECORDING = dict.fromkeys(
    ("nurse_mala", "nurse_storuman", "physician_spain", "other_physician"), OK
)
RECORDING_EMPTY_POST = dict.fromkeys(RECORDING, BAD_REQUEST)

ROWS = {
    "vitals:record": (_resident, "get", row(FORBIDDEN, **CLINICIANS_OF_MALA)),
    # The live preview shows no resident, so it writes no access-log entry; it still checks access.
    "vitals:preview": (_resident, "post", row(FORBIDDEN, **CLINICIANS_OF_MALA)),
    "vitals:history": (_resident, "get", row(FORBIDDEN, **CLINICIANS_OF_MALA)),
    "vitals:result": (_an_observation, "get", row(FORBIDDEN, **CLINICIANS_OF_MALA)),
    "vitals:scale2": (
        _resident,
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=NOT_FOUND),
    ),
    "vitals:escalation": (
        lambda w: {"unit_pk": w.unit_mala.pk},
        "get",
        row(FORBIDDEN, nurse_mala=OK, nurse_storuman=NOT_FOUND, coordinator=OK),
    ),
    "service-worker": (lambda w: {}, "get", everyone(OK, anonymous=OK)),
    "vitals:offline_form": (lambda w: {}, "get", row(FORBIDDEN, **RECORDING)),
    "vitals:sync": (lambda w: {}, "post", row(FORBIDDEN, **RECORDING_EMPTY_POST)),
}
