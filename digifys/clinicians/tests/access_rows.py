"""Access-matrix rows for the clinician register and the countersignature queue.

The register and its writes are the coordinator's; a clinician may read their own entry and
documents. The queue is for physicians; a draft is seen by its supervisor and its author only
(other physicians 404).
"""

from digifys.testing.access_matrix import BAD_REQUEST, FORBIDDEN, NOT_FOUND, OK, REDIRECT, row


def _entry(w):
    from digifys.clinicians.models import Clinician

    clinician, _ = Clinician.objects.get_or_create(staff=w.physician_spain.staff_profile)
    return clinician


def _pk(w):
    return {"pk": _entry(w).pk}


def _document(w):
    from django.core.files.base import ContentFile

    from digifys.clinicians.models import ClinicianDocument

    document = ClinicianDocument(clinician=_entry(w), kind="licence", uploaded_by=w.coordinator)
    document.file.save("licence.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return {"pk": document.pk}


def _draft(w):
    import datetime

    from django.utils import timezone

    from digifys.clinicians.models import SupervisedDraft

    draft = SupervisedDraft.objects.create(
        kind="review",
        author=w.physician_spain.staff_profile,
        supervisor=w.other_physician.staff_profile,
        resident=w.resident_mala,
        payload={"kind": "simple", "performed_on": "2026-12-01", "findings": "Inga fynd."},
        deadline=timezone.now() + datetime.timedelta(hours=24),
    )
    return {"pk": draft.pk}


def _nobodys_draft(w):
    # Supervised by physician_spain and written by physician_spain: other_physician is neither.
    from digifys.clinicians.models import SupervisedDraft

    found = _draft(w)
    SupervisedDraft.objects.filter(pk=found["pk"]).update(
        supervisor=w.physician_spain.staff_profile
    )
    return found


COORDINATOR_ONLY = row(FORBIDDEN, coordinator=OK)
DRAFT_READERS = row(FORBIDDEN, physician_spain=OK, other_physician=OK)

ROWS = {
    "clinicians:register": (lambda w: {}, "get", COORDINATOR_ONLY),
    "clinicians:detail": (_pk, "get", row(FORBIDDEN, coordinator=OK, physician_spain=OK)),
    "clinicians:edit": (_pk, "get", COORDINATOR_ONLY),
    "clinicians:language": (_pk, "post", row(FORBIDDEN, coordinator=BAD_REQUEST)),
    "clinicians:upload": (_pk, "post", row(FORBIDDEN, coordinator=BAD_REQUEST)),
    "clinicians:tick": (_pk, "post", row(FORBIDDEN, coordinator=REDIRECT)),
    "clinicians:document": (
        _document,
        "get",
        row(FORBIDDEN, coordinator=OK, physician_spain=OK),
    ),
    "clinicians:enter": (
        lambda w: {"staff_pk": w.other_physician.staff_profile.pk},
        "post",
        row(FORBIDDEN, coordinator=REDIRECT),
    ),
    "clinicians:queue": (lambda w: {}, "get", DRAFT_READERS),
    "clinicians:draft": (_draft, "get", DRAFT_READERS),
    "clinicians:countersign": (
        _nobodys_draft,
        "post",
        row(FORBIDDEN, physician_spain=BAD_REQUEST, other_physician=NOT_FOUND),
    ),
    "clinicians:return": (
        _draft,
        "post",
        row(FORBIDDEN, physician_spain=BAD_REQUEST, other_physician=BAD_REQUEST),
    ),
}
