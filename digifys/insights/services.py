"""Writes of the insights app: hospital transfers (issue #16 §1 "Safety").

A nurse records a transfer to hospital or an emergency visit of a resident she sees through the
access policy (`Resident.objects.visible_to`); a physician who sees the transfer
(`HospitalTransfer.objects.visible_to`, blocks included) judges afterwards whether it was
avoidable. Each write is logged in the access log.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.core.time import STOCKHOLM
from digifys.residents.models import Resident

from .models import HospitalTransfer

# A transfer is recorded after it happened; a few minutes ahead allows for clocks that differ.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
RECORDING_ROLES = (Role.NURSE,)


@transaction.atomic
def record_transfer(
    *,
    actor,
    resident: Resident,
    occurred_at: datetime.datetime | None,
    kind: str,
    destination: str,
    reason: str,
    consult_first: bool | None,
    request=None,
    now: datetime.datetime | None = None,
) -> HospitalTransfer:
    """Record that RESIDENT went to hospital (KIND) at OCCURRED_AT; nurses of the resident only."""
    if getattr(actor, "role", None) not in RECORDING_ROLES:
        raise PermissionDenied(_("Only a nurse can record a hospital transfer."))
    if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
        raise PermissionDenied(_("You have no care relationship with this resident."))
    now = now or timezone.now()
    errors = {}
    if occurred_at is None:
        errors["occurred_at"] = _("Give the date and time the resident left the unit.")
    elif occurred_at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = _("The transfer cannot be in the future.")
    elif resident.moved_in_on and occurred_at.astimezone(STOCKHOLM).date() < resident.moved_in_on:
        errors["occurred_at"] = _("The time is before the resident moved in (%(date)s).") % {
            "date": resident.moved_in_on.isoformat()
        }
    if kind not in HospitalTransfer.Kind.values:
        errors["kind"] = _("Choose a hospital admission or an emergency department visit.")
    if not destination.strip():
        errors["destination"] = _("Write where the resident went, e.g. the hospital's name.")
    if not reason.strip():
        errors["reason"] = _("Write why the resident was transferred.")
    if consult_first is None:
        errors["consult_first"] = _("Say whether a digital consult happened first.")
    if errors:
        raise ValidationError(errors)
    transfer = HospitalTransfer.objects.create(
        resident=resident,
        unit_id=resident.unit_id,
        occurred_at=occurred_at,
        kind=kind,
        destination=destination.strip(),
        reason=reason.strip(),
        consult_first=consult_first,
        recorded_by=actor,
        recorded_at=now,
        updated_at=now,
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=resident,
        object_type="hospital_transfer",
        object_id=transfer.pk,
        request=request,
    )
    return transfer


@transaction.atomic
def judge_transfer(
    *,
    actor,
    transfer: HospitalTransfer,
    avoidable: bool | None,
    comment: str = "",
    request=None,
    now: datetime.datetime | None = None,
) -> HospitalTransfer:
    """A physician judges whether TRANSFER was avoidable (may be changed later; logged)."""
    if getattr(actor, "role", None) != Role.PHYSICIAN:
        raise PermissionDenied(_("Only a physician can judge whether a transfer was avoidable."))
    visible = HospitalTransfer.objects.visible_to(actor).select_for_update(of=("self",))
    transfer = visible.filter(pk=transfer.pk).first()
    if transfer is None:
        raise PermissionDenied(_("You have no care relationship with this resident."))
    if avoidable is None:
        raise ValidationError({"avoidable": _("Say whether the transfer was avoidable.")})
    now = now or timezone.now()
    transfer.avoidable = avoidable
    transfer.judgement = comment.strip()
    transfer.judged_by = actor
    transfer.judged_at = now
    transfer.updated_at = now
    transfer.save(update_fields=["avoidable", "judgement", "judged_by", "judged_at", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=transfer.resident,
        object_type="hospital_transfer",
        object_id=transfer.pk,
        request=request,
        details={"change": "judged"},
    )
    return transfer
