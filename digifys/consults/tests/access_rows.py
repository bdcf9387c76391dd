"""Access-matrix rows of the consult pages (collected by core/tests/test_access_matrix.py).

Nurses of the resident's unit and the resident's physician get the pages; other clinicians get
404 (the resident is not visible to them); coordinators, administrators and relatives get 403.
POSTs are sent empty: a form with nothing filled in is refused with 400 and the page again.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from digifys.testing.access_matrix import BAD_REQUEST, FORBIDDEN, NOT_FOUND, OK, REDIRECT, row

MATRIX_PHOTO = "consults/access-matrix/photo.png"


def _consult(w):
    from digifys.consults.services import send_consult

    return send_consult(
        actor=w.nurse_mala,
        resident=w.resident_mala,
        urgency="urgent",
        situation="Andas snabbare.",
        background="Hjärtsvikt.",
        assessment="NEWS2 6.",
        recommendation="Bedömning.",
    )


def _draft_note(w):
    from digifys.consults.services import save_note

    return save_note(
        actor=w.physician_spain,
        consult=_consult(w),
        aktuellt="Andas snabbare.",
        status="Opåverkad.",
        bedomning="Infektion?",
        atgard="CRP.",
    )


def _photo(w):
    # The photo belongs to a consult about a resident of its own: the matrix expects no read
    # entry for a response that is not HTML, but streaming a photo is logged as a read (it is
    # clinical data). The access rules are the same as for Greta Lind: unit Malå, named
    # physician physician_spain.
    from digifys.consults.models import ConsultPhoto
    from digifys.consults.services import send_consult
    from digifys.consults.tests.builders import png_bytes
    from digifys.testing.world import assign, make_resident

    resident = make_resident(w.unit_mala, room="9", given_name="Foto", family_name="Matris")
    assign(resident, w.physician_spain.staff_profile)
    consult = send_consult(
        actor=w.nurse_mala,
        resident=resident,
        urgency="same_day",
        situation="Sår på hälen.",
        background="Diabetes.",
        assessment="Rodnad.",
        recommendation="Bedöm bilden.",
    )
    if not default_storage.exists(MATRIX_PHOTO):
        default_storage.save(MATRIX_PHOTO, ContentFile(png_bytes()))
    return ConsultPhoto.objects.create(
        consult=consult, image=MATRIX_PHOTO, uploaded_by=w.nurse_mala
    )


def _in_inbox(w) -> dict:
    _consult(w)
    return {}


def _consult_kwargs(w) -> dict:
    return {"pk": _consult(w).pk}


OTHER_CLINICIANS = {"nurse_storuman": NOT_FOUND, "other_physician": NOT_FOUND}
PHYSICIAN_ONLY = {"nurse_mala": FORBIDDEN, "nurse_storuman": FORBIDDEN}

ROWS = {
    "consults:new": (
        lambda w: {"resident_pk": w.resident_mala.pk},
        "get",
        row(FORBIDDEN, **OTHER_CLINICIANS, nurse_mala=OK, physician_spain=OK),
    ),
    "consults:detail": (
        _consult_kwargs,
        "get",
        row(FORBIDDEN, **OTHER_CLINICIANS, nurse_mala=OK, physician_spain=OK),
    ),
    "consults:thread": (
        _consult_kwargs,
        "get",
        row(FORBIDDEN, **OTHER_CLINICIANS, nurse_mala=OK, physician_spain=OK),
    ),
    "consults:accept": (
        _consult_kwargs,
        "post",
        row(FORBIDDEN, **PHYSICIAN_ONLY, other_physician=NOT_FOUND, physician_spain=REDIRECT),
    ),
    "consults:message": (
        _consult_kwargs,
        "post",
        row(FORBIDDEN, **OTHER_CLINICIANS, nurse_mala=BAD_REQUEST, physician_spain=BAD_REQUEST),
    ),
    "consults:handover": (
        _consult_kwargs,
        "post",
        row(FORBIDDEN, **PHYSICIAN_ONLY, other_physician=NOT_FOUND, physician_spain=BAD_REQUEST),
    ),
    "consults:close": (
        _consult_kwargs,
        "post",
        row(FORBIDDEN, **OTHER_CLINICIANS, nurse_mala=BAD_REQUEST, physician_spain=BAD_REQUEST),
    ),
    "consults:note": (
        _consult_kwargs,
        "post",
        row(FORBIDDEN, **PHYSICIAN_ONLY, other_physician=NOT_FOUND, physician_spain=BAD_REQUEST),
    ),
    "consults:sign_note": (
        lambda w: {"pk": _draft_note(w).pk},
        "post",
        row(FORBIDDEN, **PHYSICIAN_ONLY, other_physician=NOT_FOUND, physician_spain=BAD_REQUEST),
    ),
    "consults:photo": (
        lambda w: {"pk": _photo(w).pk},
        "get",
        row(FORBIDDEN, **OTHER_CLINICIANS, nurse_mala=OK, physician_spain=OK),
    ),
    "consults:inbox": (
        _in_inbox,
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=OK),
    ),
    "consults:inbox_rows": (
        _in_inbox,
        "get",
        row(FORBIDDEN, physician_spain=OK, other_physician=OK),
    ),
}
