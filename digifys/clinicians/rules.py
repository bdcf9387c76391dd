"""Who may do what, from the clinician register (issue #15 §1 rules, §2 supervision).

Rules:
- only a clinician with a valid Swedish licence may be named physician or deputy, sign a journal
  note, place orders or document a medication review;
- a clinician whose licence is in process, with a named supervisor and not left, works under
  supervision: they may write notes, orders and medication reviews, which are drafts until the
  supervisor countersigns (`supervision.py`); they may never be named physician or deputy;
- a licence is valid when the register entry says valid, the valid-until date (if any) has not
  passed, and the clinician has not left.

Staff without a register entry are the physicians who worked in digifys before the register
(migration 0002 gave every physician then present an entry with a valid licence). A staff profile
created later without an entry is treated the same way — allowed — so that nothing breaks, and the
coordinator's register lists it under "not in the register" to be completed.

Services call `require(staff, action)`, which raises a ValidationError carrying the reason that
`why_blocked` gives; pages show the same reason.
"""

import datetime

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

NAMED = "named"  # be named physician or deputy
SIGN_NOTE = "sign_note"
PLACE_ORDERS = "place_orders"
MEDICATION_REVIEW = "medication_review"
ACTIONS = (NAMED, SIGN_NOTE, PLACE_ORDERS, MEDICATION_REVIEW)


def clinician_of(staff):
    """The register entry of STAFF, or None for staff without one."""
    if staff is None:
        return None
    try:
        return staff.clinician
    except ObjectDoesNotExist:
        return None


def _licence_valid(clinician, on: datetime.date) -> bool:
    from .models import Clinician

    return (
        clinician.licence_status == Clinician.Licence.VALID
        and (clinician.licence_valid_until is None or clinician.licence_valid_until >= on)
        and clinician.recruitment_status != Clinician.Recruitment.LEFT
    )


def licence_valid(staff, on: datetime.date | None = None) -> bool:
    """Whether STAFF holds a valid Swedish licence on ON (today); staff without an entry do."""
    clinician = clinician_of(staff)
    if clinician is None:
        return True
    return _licence_valid(clinician, on or timezone.localdate())


def under_supervision(staff) -> bool:
    """Whether STAFF works under supervision (licence in process, a supervisor named)."""
    from .models import Clinician

    clinician = clinician_of(staff)
    return (
        clinician is not None
        and clinician.licence_status == Clinician.Licence.IN_PROCESS
        and clinician.supervisor_id is not None
        and clinician.recruitment_status
        in (Clinician.Recruitment.ONBOARDING, Clinician.Recruitment.ACTIVE)
    )


def _licence_reason(clinician, on: datetime.date) -> str:
    from .models import Clinician

    name = clinician.staff.name
    if clinician.recruitment_status == Clinician.Recruitment.LEFT:
        return _("%(name)s has left the clinic.") % {"name": name}
    status = clinician.licence_status
    if status == Clinician.Licence.WITHDRAWN:
        return _("%(name)s's Swedish licence has been withdrawn.") % {"name": name}
    if status == Clinician.Licence.EXPIRED or (
        status == Clinician.Licence.VALID
        and clinician.licence_valid_until is not None
        and clinician.licence_valid_until < on
    ):
        return _("%(name)s's Swedish licence expired on %(date)s.") % {
            "name": name,
            "date": date_format(clinician.licence_valid_until, "SHORT_DATE_FORMAT")
            if clinician.licence_valid_until
            else "–",
        }
    if status == Clinician.Licence.UNKNOWN:
        return _("%(name)s's licence number was not found in the licence register.") % {
            "name": name
        }
    if status == Clinician.Licence.IN_PROCESS:
        return _("%(name)s's Swedish licence is still in process and no supervisor is named.") % {
            "name": name
        }
    return _("%(name)s has no Swedish licence.") % {"name": name}


def why_blocked(staff, action: str, on: datetime.date | None = None) -> str | None:
    """Why STAFF may not do ACTION (one of ACTIONS) on ON, or None when they may.

    A supervised clinician may write notes, orders and reviews (as drafts), never be named.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    clinician = clinician_of(staff)
    if clinician is None:
        return None
    on = on or timezone.localdate()
    if _licence_valid(clinician, on):
        return None
    if action == NAMED:
        if under_supervision(staff):
            return _(
                "%(name)s works under supervision until the Swedish licence is granted and "
                "cannot be named physician or deputy."
            ) % {"name": staff.name}
        return (
            _licence_reason(clinician, on)
            + " "
            + _("Only a physician with a valid licence can be named physician or deputy.")
        )
    if under_supervision(staff):
        return None
    return _licence_reason(clinician, on)


def require(staff, action: str, *, field: str | None = None) -> None:
    """Raise a ValidationError with the reason when STAFF may not do ACTION."""
    reason = why_blocked(staff, action)
    if reason:
        raise ValidationError({field: reason} if field else reason, code="licence")


def blocked_actions(staff) -> dict[str, str]:
    """Every action STAFF may not do, with the reason."""
    reasons = {action: why_blocked(staff, action) for action in ACTIONS}
    return {action: reason for action, reason in reasons.items() if reason}
