"""Writes for the clinician register: entries, documents, the onboarding checklist, licence checks.

Rules enforced here:
- only coordinators change the register, upload documents and tick the checklist; every change
  writes the access log (purpose administration);
- each onboarding step is ticked once, with who and when; an untick removes it (logged);
- a licence look-up that answers valid / withdrawn / not found sets the status at once (valid
  until a date in the past counts as expired); a withdrawn, expired or unknown result alerts the
  clinician and every coordinator (Notification LICENCE_ALERT) — only when the status changes;
- a look-up that fails (timeout, error) KEEPS the previous status, is logged as failed and alerts
  the coordinators: an unanswered look-up never grants a licence;
- documents and language courses that expire remind the clinician and the coordinators 60 and 14
  days ahead, each reminder once (`Reminder` rows are the memory).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role, User
from digifys.audit import services as audit
from digifys.notifications.models import Notification
from digifys.notifications.services import notify

from . import registry
from .models import (
    ChecklistTick,
    Clinician,
    ClinicianDocument,
    ClinicianLanguage,
    LicenceCheck,
    Reminder,
)

REMINDER_DAYS = (60, 14)


def _require_coordinator(actor) -> None:
    if getattr(actor, "role", None) != Role.COORDINATOR:
        raise PermissionDenied(_("Only coordinators change the clinician register."))


def coordinators() -> list:
    return list(User.objects.filter(staff_profile__profession=Role.COORDINATOR, is_active=True))


def _log(actor, clinician: Clinician, action: str, details: dict, request=None) -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="clinician",
        object_id=clinician.pk,
        purpose=audit.Purpose.ADMINISTRATION,
        request=request,
        details=details,
    )


@transaction.atomic
def update_clinician(*, actor, clinician: Clinician, changes: dict, request=None) -> Clinician:
    """Save CHANGES (field -> value) of a register entry, validated as a whole."""
    _require_coordinator(actor)
    for name, value in changes.items():
        setattr(clinician, name, value)
    if clinician.supervisor_id and clinician.supervisor_id == clinician.staff_id:
        raise ValidationError({"supervisor": _("A clinician cannot supervise themself.")})
    if clinician.supervisor_id:
        from . import rules

        if not rules.licence_valid(clinician.supervisor) or rules.under_supervision(
            clinician.supervisor
        ):
            raise ValidationError(
                {"supervisor": _("The supervisor must hold a valid Swedish licence.")}
            )
    clinician.updated_at = timezone.now()
    clinician.full_clean()
    clinician.save()
    _log(actor, clinician, audit.Action.UPDATE, {"fields": sorted(changes)}, request)
    return clinician


@transaction.atomic
def enter_clinician(*, actor, staff, request=None) -> Clinician:
    """Put STAFF in the register (as an applicant) if not there yet."""
    _require_coordinator(actor)
    clinician, created = Clinician.objects.get_or_create(
        staff=staff, defaults={"employer": staff.employer}
    )
    if created:
        _log(actor, clinician, audit.Action.CREATE, {"staff": staff.pk}, request)
    return clinician


@transaction.atomic
def set_language(
    *, actor, clinician: Clinician, language: str, level: str, course_until=None, request=None
) -> ClinicianLanguage:
    """Record (or change) the clinician's CEFR level in LANGUAGE."""
    _require_coordinator(actor)
    language = language.strip().lower()
    if not (2 <= len(language) <= 3 and language.isalpha()):
        raise ValidationError({"language": _("Give the language as a two-letter code, e.g. sv.")})
    row, _created = ClinicianLanguage.objects.update_or_create(
        clinician=clinician,
        language=language,
        defaults={"level": level, "course_until": course_until},
    )
    row.full_clean()
    _log(actor, clinician, audit.Action.UPDATE, {"language": language, "level": level}, request)
    return row


@transaction.atomic
def add_document(
    *, actor, clinician: Clinician, kind: str, upload, expires_on=None, request=None
) -> ClinicianDocument:
    """Store an uploaded PDF for the clinician (type and size checked by the field validators)."""
    _require_coordinator(actor)
    document = ClinicianDocument(
        clinician=clinician, kind=kind, file=upload, expires_on=expires_on, uploaded_by=actor
    )
    document.full_clean()
    document.save()
    _log(actor, clinician, audit.Action.CREATE, {"document": document.pk, "kind": kind}, request)
    return document


@transaction.atomic
def tick_step(*, actor, clinician: Clinician, step: str, done: bool, request=None) -> None:
    """Tick (or untick) one onboarding step; who and when are kept."""
    _require_coordinator(actor)
    if step not in ChecklistTick.Step.values:
        raise ValidationError(_("Choose a step of the checklist."))
    if done:
        try:
            with transaction.atomic():
                ChecklistTick.objects.create(clinician=clinician, step=step, ticked_by=actor)
        except IntegrityError as exc:
            raise ValidationError(_("This step is already ticked.")) from exc
    else:
        ChecklistTick.objects.filter(clinician=clinician, step=step).delete()
    _log(actor, clinician, audit.Action.UPDATE, {"step": step, "done": done}, request)


# --- Licence checks --------------------------------------------------------------------------

_OUTCOME_STATUS = {
    LicenceCheck.Outcome.VALID: Clinician.Licence.VALID,
    LicenceCheck.Outcome.WITHDRAWN: Clinician.Licence.WITHDRAWN,
    LicenceCheck.Outcome.EXPIRED: Clinician.Licence.EXPIRED,
    LicenceCheck.Outcome.UNKNOWN: Clinician.Licence.UNKNOWN,
}


def _alert(clinician: Clinician, code: str, *, to_clinician: bool) -> None:
    recipients = coordinators()
    if to_clinician:
        recipients.append(clinician.staff.user)
    notify(
        recipients=recipients,
        kind=Notification.Kind.LICENCE_ALERT,
        code=code,
        params={"name": clinician.staff.name},
        link=reverse("clinicians:detail", args=[clinician.pk]),
    )


@transaction.atomic
def check_licence(
    *, clinician: Clinician, register: registry.LicenceRegister, now=None
) -> LicenceCheck:
    """Look the clinician's licence up in REGISTER and apply the answer (see the module rules)."""
    now = now or timezone.now()
    clinician = (
        Clinician.objects.select_for_update().select_related("staff__user").get(pk=clinician.pk)
    )
    before = clinician.licence_status
    try:
        answer = register.lookup(clinician.licence_number)
    except registry.RegisterUnavailable as exc:
        check = LicenceCheck.objects.create(
            clinician=clinician,
            checked_at=now,
            outcome=LicenceCheck.Outcome.FAILED,
            status_before=before,
            status_after=before,
            detail=str(exc)[:300],
        )
        _alert(clinician, "licence_check_failed", to_clinician=False)
        return check
    if answer.status == registry.VALID:
        today = timezone.localdate(now)
        expired = answer.valid_until is not None and answer.valid_until < today
        outcome = LicenceCheck.Outcome.EXPIRED if expired else LicenceCheck.Outcome.VALID
        clinician.licence_valid_until = answer.valid_until
    elif answer.status == registry.WITHDRAWN:
        outcome = LicenceCheck.Outcome.WITHDRAWN
    else:
        outcome = LicenceCheck.Outcome.UNKNOWN
    after = _OUTCOME_STATUS[outcome]
    clinician.licence_status = after
    clinician.licence_checked_at = now
    clinician.save(update_fields=["licence_status", "licence_valid_until", "licence_checked_at"])
    check = LicenceCheck.objects.create(
        clinician=clinician,
        checked_at=now,
        outcome=outcome,
        status_before=before,
        status_after=after,
    )
    audit.record(
        actor=None,
        action=audit.Action.UPDATE,
        object_type="clinician_licence",
        object_id=clinician.pk,
        purpose=audit.Purpose.ADMINISTRATION,
        details={"before": before, "after": after},
    )
    if after != before and after != Clinician.Licence.VALID:
        _alert(clinician, f"licence_{after}", to_clinician=True)
    return check


def check_all_licences(*, register: registry.LicenceRegister | None = None, now=None) -> dict:
    """Re-check every onboarding or active clinician with a licence number; count outcomes."""
    register = register or registry.configured_register()
    counts: dict[str, int] = {}
    if register is None:
        return counts
    for clinician in Clinician.objects.checkable().order_by("pk"):
        check = check_licence(clinician=clinician, register=register, now=now)
        counts[check.outcome] = counts.get(check.outcome, 0) + 1
    return counts


# --- Reminders -------------------------------------------------------------------------------


def _remind(clinician: Clinician, subject: str, expires_on, days: int, code: str, what: str):
    try:
        with transaction.atomic():
            Reminder.objects.create(
                clinician=clinician, subject=subject, expires_on=expires_on, days_ahead=days
            )
    except IntegrityError:
        return False  # already sent
    notify(
        recipients=[*coordinators(), clinician.staff.user],
        kind=Notification.Kind.DOCUMENT_EXPIRING,
        code=code,
        params={"name": clinician.staff.name, "what": what, "date": expires_on.isoformat()},
        link=reverse("clinicians:detail", args=[clinician.pk]),
    )
    return True


def _threshold(expires_on: datetime.date, today: datetime.date) -> int:
    return min(days for days in REMINDER_DAYS if expires_on <= today + datetime.timedelta(days))


def send_expiry_reminders(*, today: datetime.date | None = None) -> int:
    """Remind 60 and 14 days before a document or language course expires; return how many."""
    today = today or timezone.localdate()
    sent = 0
    horizon = today + datetime.timedelta(days=max(REMINDER_DAYS))
    working = [Clinician.Recruitment.ONBOARDING, Clinician.Recruitment.ACTIVE]
    documents = ClinicianDocument.objects.filter(
        expires_on__gte=today,
        expires_on__lte=horizon,
        clinician__recruitment_status__in=working,
    ).select_related("clinician__staff__user")
    courses = ClinicianLanguage.objects.filter(
        course_until__gte=today,
        course_until__lte=horizon,
        clinician__recruitment_status__in=working,
    ).select_related("clinician__staff__user")
    # The nearest threshold only: a document first seen 10 days ahead gets the 14-day reminder,
    # not both at once.
    for document in documents:
        days = _threshold(document.expires_on, today)
        sent += _remind(
            document.clinician,
            f"document:{document.pk}",
            document.expires_on,
            days,
            "document_expiring",
            document.kind,
        )
    for course in courses:
        days = _threshold(course.course_until, today)
        sent += _remind(
            course.clinician,
            f"language:{course.pk}",
            course.course_until,
            days,
            "language_course_ending",
            course.language,
        )
    return sent
