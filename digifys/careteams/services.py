"""Writes for care relationships: emergency access and blocks (spärr).

Rules (patientdatalagen, domain-spec §3.1):
- emergency access is for clinical staff without a care relationship; it takes two explicit
  steps (see that the resident exists, then state a reason), is time-limited, is logged with
  purpose "emergency" and is always put on the next log review;
- emergency access is for physicians and nurses (licensed professions who assess the urgent need
  themselves), not assistant nurses; step 2 is refused unless the same user's logged step 1
  (the lookup) for the same resident happened within EMERGENCY_LOOKUP_VALID;
- a block hides the records one unit holds from staff in other units; staff see only that
  blocked data exists; it opens with the resident's consent or through emergency access;
- a block is lifted only with the resident's consent or another documented reason, by a
  coordinator or staff of the unit whose records it protects, never by staff it hides them from;
- every change writes an access-log entry.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.audit.models import AuditEvent
from digifys.clinicians import rules as clinician_rules
from digifys.directory.models import Organisation
from digifys.notifications.models import Notification
from digifys.notifications.services import notify
from digifys.residents.models import Resident
from digifys.residents.services import ensure_eligible

from . import policy
from .models import AccessGrant, Block, PhysicianAssignment

EMERGENCY_ACCESS_DURATION = datetime.timedelta(hours=2)
EMERGENCY_LOOKUP_VALID = datetime.timedelta(minutes=15)
MIN_REASON_LENGTH = 10


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": _("Describe why you need access (at least %(n)d characters).")
                % {"n": MIN_REASON_LENGTH}
            }
        )
    return reason


def _grant(*, actor, resident: Resident, kind: str, reason: str) -> AccessGrant:
    now = timezone.now()
    return AccessGrant.objects.create(
        user=actor,
        resident=resident,
        kind=kind,
        reason=reason,
        granted_at=now,
        expires_at=now + EMERGENCY_ACCESS_DURATION,
    )


def _require_emergency_role(actor) -> None:
    if not policy.may_request_emergency_access(actor):
        raise PermissionDenied(_("Only physicians and nurses can use emergency access."))


@transaction.atomic
def record_emergency_lookup(*, actor, resident: Resident, request=None) -> None:
    """Emergency access, step 1: log that ACTOR saw that RESIDENT exists (and where)."""
    _require_emergency_role(actor)
    audit.record(
        actor=actor,
        action="emergency",
        resident=resident,
        object_type="resident_lookup",
        object_id=resident.pk,
        purpose="emergency",
        request=request,
        details={"step": 1},
    )


def _has_recent_lookup(actor, resident: Resident) -> bool:
    return AuditEvent.objects.filter(
        actor=actor,
        resident=resident,
        action=AuditEvent.Action.EMERGENCY,
        object_type="resident_lookup",
        occurred_at__gte=timezone.now() - EMERGENCY_LOOKUP_VALID,
    ).exists()


@transaction.atomic
def grant_emergency_access(*, actor, resident: Resident, reason: str, request=None) -> AccessGrant:
    """Open a resident's data to ACTOR for a limited time in an emergency (nödåtkomst).

    The second of two explicit steps (domain-spec §3.1): refused unless ACTOR's logged step 1
    (`record_emergency_lookup`) for this resident happened within EMERGENCY_LOOKUP_VALID.
    """
    _require_emergency_role(actor)
    ensure_eligible(resident)
    if not _has_recent_lookup(actor, resident):
        raise ValidationError(
            _(
                "Start again from step 1: look the resident up by identity number, then state "
                "the reason within %(minutes)d minutes."
            )
            % {"minutes": EMERGENCY_LOOKUP_VALID.seconds // 60},
            code="no_lookup",
        )
    reason = _check_reason(reason)
    grant = _grant(actor=actor, resident=resident, kind=AccessGrant.Kind.EMERGENCY, reason=reason)
    audit.record(
        actor=actor,
        action="emergency",
        resident=resident,
        object_type="access_grant",
        object_id=grant.pk,
        purpose="emergency",
        request=request,
        details={"reason": reason, "expires_at": grant.expires_at.isoformat()},
    )
    return grant


@transaction.atomic
def open_blocks_with_consent(
    *, actor, resident: Resident, reason: str, request=None
) -> AccessGrant:
    """Record the resident's consent to open their blocked records to ACTOR for a while."""
    if not policy.can_see_clinical_data(actor):
        raise PermissionDenied(_("Only clinical staff can open blocked records."))
    reason = _check_reason(reason)
    grant = _grant(actor=actor, resident=resident, kind=AccessGrant.Kind.CONSENT, reason=reason)
    audit.record(
        actor=actor,
        action="block",
        resident=resident,
        object_type="access_grant",
        object_id=grant.pk,
        purpose="patient_request",
        request=request,
        details={"opened": "consent", "reason": reason},
    )
    return grant


@transaction.atomic
def register_block(
    *, actor, resident: Resident, unit: Organisation, reason: str = "", request=None
) -> Block:
    """Block the records UNIT holds about RESIDENT from staff in other units, at their request."""
    if unit.kind != Organisation.Kind.UNIT:
        raise ValidationError({"unit": _("Choose a unit.")})
    if Block.objects.active().filter(resident=resident, unit=unit).exists():
        raise ValidationError({"unit": _("The records of this unit are already blocked.")})
    block = Block.objects.create(
        resident=resident, unit=unit, reason=reason.strip(), created_by=actor
    )
    audit.record(
        actor=actor,
        action="block",
        resident=resident,
        object_type="block",
        object_id=block.pk,
        purpose="patient_request",
        request=request,
        details={"unit": unit.pk, "change": "registered"},
    )
    return block


def may_lift_block(actor, block: Block) -> bool:
    """Return True when ACTOR is entitled to lift BLOCK.

    Coordinators (who register blocks at the resident's request) and the staff of the unit whose
    records the block protects may; staff of any other unit are exactly those the block hides the
    records from, so they may not (issue #20).
    """
    role = getattr(actor, "role", None)
    if role == Role.COORDINATOR:
        return True
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        return actor.works_on(block.unit_id)
    return False


@transaction.atomic
def lift_block(*, actor, block: Block, basis: str, reason: str, request=None) -> Block:
    """Lift a block with the resident's consent or another documented reason (BASIS, REASON)."""
    if not may_lift_block(actor, block):
        raise PermissionDenied(
            _(
                "Only a coordinator or staff of the unit whose records are blocked can lift the "
                "block."
            )
        )
    block = Block.objects.select_for_update().get(pk=block.pk)
    if block.lifted_at is not None:
        raise ValidationError(_("The block has already been lifted."))
    errors = {}
    if basis not in Block.LiftBasis.values:
        errors["basis"] = _("Choose the basis for lifting the block.")
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        errors["reason"] = _(
            "Document how the resident consented, or why the block is lifted (at least "
            "%(n)d characters)."
        ) % {"n": MIN_REASON_LENGTH}
    if errors:
        raise ValidationError(errors)
    block.lifted_at = timezone.now()
    block.lifted_by = actor
    block.lift_basis = basis
    block.lift_reason = reason
    block.save(update_fields=["lifted_at", "lifted_by", "lift_basis", "lift_reason"])
    audit.record(
        actor=actor,
        action="block",
        resident=block.resident,
        object_type="block",
        object_id=block.pk,
        purpose="patient_request",
        request=request,
        details={
            "unit": block.unit_id,
            "change": "lifted",
            "basis": block.lift_basis,
            "reason": reason[:1000],
        },
    )
    return block


# --- Panels: named physician and deputy ------------------------------------------------------


def _role_label(role: str) -> str:
    return str(PhysicianAssignment.Role(role).label)


@transaction.atomic
def assign_physician(*, actor, resident: Resident, physician, role: str, reason: str, request=None):
    """Make PHYSICIAN the resident's named physician or deputy (ROLE), ending the current one.

    Only coordinators assign. The history is kept: the current assignment gets `ended_at`, a new
    row is created with the reason and who assigned it.
    """
    if getattr(actor, "role", None) != Role.COORDINATOR:
        raise PermissionDenied(_("Only coordinators assign physicians."))
    if role not in PhysicianAssignment.Role.values:
        raise ValidationError({"role": _("Choose named physician or deputy.")})
    if physician is None or physician.profession != Role.PHYSICIAN or not physician.user.is_active:
        raise ValidationError({"physician": _("Choose an active physician.")})
    # Only a physician with a valid Swedish licence is named or deputy (issue #15 §1).
    clinician_rules.require(physician, clinician_rules.NAMED, field="physician")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("State why the assignment changes.")})
    ensure_eligible(resident)
    # Lock the resident so concurrent changes of either role queue up behind each other.
    Resident.objects.select_for_update().filter(pk=resident.pk).first()
    current = {
        a.role: a
        for a in PhysicianAssignment.objects.filter(resident=resident, ended_at__isnull=True)
    }
    existing = current.get(role)
    if existing is not None and existing.physician_id == physician.pk:
        raise ValidationError(
            {
                "physician": _("%(name)s is already the %(role)s of this resident.")
                % {"name": physician.name, "role": _role_label(role).lower()}
            }
        )
    other_role = (
        PhysicianAssignment.Role.DEPUTY
        if role == PhysicianAssignment.Role.NAMED
        else PhysicianAssignment.Role.NAMED
    )
    other = current.get(other_role)
    if other is not None and other.physician_id == physician.pk:
        raise ValidationError(
            {
                "physician": _(
                    "%(name)s is already the %(role)s of this resident. The named physician and "
                    "the deputy must be different people."
                )
                % {"name": physician.name, "role": _role_label(other_role).lower()}
            }
        )
    now = timezone.now()
    if existing is not None:
        existing.ended_at = now
        existing.save(update_fields=["ended_at"])
    try:
        with transaction.atomic():
            assignment = PhysicianAssignment.objects.create(
                resident=resident,
                physician=physician,
                role=role,
                started_at=now,
                reason=reason[:200],
                assigned_by=actor,
            )
    except IntegrityError as exc:  # a concurrent change won (one current row per role)
        raise ValidationError(
            _("Someone else changed this assignment just now. Reload the page and try again.")
        ) from exc
    audit.record(
        actor=actor,
        action="update",
        resident=resident,
        object_type="physician_assignment",
        object_id=assignment.pk,
        request=request,
        details={
            "role": role,
            "physician": physician.pk,
            "reason": reason,
            "replaced": existing.physician_id if existing is not None else None,
        },
    )
    notify(
        recipients=[physician.user],
        kind=Notification.Kind.PANEL_ASSIGNED,
        code="panel_named" if role == PhysicianAssignment.Role.NAMED else "panel_deputy",
        params={"unit": str(resident.unit)},
        link=reverse("careteams:panel"),
    )
    return assignment
