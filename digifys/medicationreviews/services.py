"""Writes for medication reviews (HSLF-FS 2017:37, domain-spec §3.4).

Rules enforced here:
- a physician is responsible for medication reviews (11 kap. 1 §): only physicians record them,
  and only for residents they see (their panel, an open consult, an access grant);
- a resident not eligible for the virtual clinic (registered elsewhere, no documented basis) is
  reviewed only by physicians working in Sweden, as for consults (consults/routing.py);
- the findings are required; the date is not in the future and not before the resident moved in;
- every review writes one entry in the access log;
- only a clinician with a valid licence documents a review; one under supervision sends it to the
  supervisor, and it is documented when countersigned (clinicians.rules, clinicians.supervision);
- documenting a review releases the medication-review time the week planner booked for the
  resident and that has not begun (`scheduling.services.release_planned_review_bookings`, which
  logs each cancellation with its reason).

`Resident.drug_related_problems` is set by `residents.services.set_drug_related_problems` (the
flag/clear button on the review history), not here.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.clinicians import drafts
from digifys.clinicians import rules as clinician_rules
from digifys.consults import routing
from digifys.residents.models import Resident
from digifys.residents.services import NotEligible
from digifys.scheduling import services as scheduling

from .models import MedicationReview


@transaction.atomic
def record_review(
    *,
    actor,
    resident: Resident,
    kind: str,
    performed_on: datetime.date | None,
    findings: str,
    changes: str = "",
    drug_related_problems: bool = False,
    request=None,
    countersigned_by=None,
):
    """Document a medication review (enkel or fördjupad) made by the acting physician.

    Returns the MedicationReview; for a clinician under supervision (clinicians.rules) the
    SupervisedDraft sent to the supervisor instead — documented when countersigned
    (clinicians.supervision calls this again with COUNTERSIGNED_BY).
    """
    if getattr(actor, "role", None) != Role.PHYSICIAN:
        raise PermissionDenied(_("Only a physician can document a medication review."))
    if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
        raise PermissionDenied(_("You have no care relationship with this resident."))
    if reason := routing.refusal_reason(actor.staff_profile, resident):
        raise NotEligible(reason)
    errors = {}
    if kind not in MedicationReview.Kind.values:
        errors["kind"] = _("Choose a simple or an extended review.")
    if not findings.strip():
        errors["findings"] = _("Write what the review found.")
    if performed_on is None:
        errors["performed_on"] = _("Give the date of the review.")
    elif performed_on > timezone.localdate():
        errors["performed_on"] = _("The date of the review cannot be in the future.")
    elif resident.moved_in_on and performed_on < resident.moved_in_on:
        errors["performed_on"] = _(
            "The date is before the resident moved in (%(date)s). Document earlier reviews "
            "where they were made."
        ) % {"date": resident.moved_in_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    staff = actor.staff_profile
    clinician_rules.require(staff, clinician_rules.MEDICATION_REVIEW)
    if countersigned_by is None and clinician_rules.under_supervision(staff):
        return drafts.submit(
            author=staff,
            kind="review",
            resident=resident,
            payload={
                "kind": kind,
                "performed_on": performed_on.isoformat(),
                "findings": findings.strip(),
                "changes": changes.strip(),
                "drug_related_problems": drug_related_problems,
            },
            request=request,
        )
    review = MedicationReview.objects.create(
        resident=resident,
        unit_id=resident.unit_id,
        kind=kind,
        performed_by=actor.staff_profile,
        performed_on=performed_on,
        findings=findings.strip(),
        changes=changes.strip(),
        drug_related_problems=drug_related_problems,
    )
    audit.record(
        actor=actor,
        action="create",
        resident=resident,
        object_type="medication_review",
        object_id=review.pk,
        request=request,
        details={"kind": kind},
    )
    scheduling.release_planned_review_bookings(actor=actor, resident=resident, request=request)
    return review
